"""What "as reported at close" history costs in `wipcast transform`, side by side in one run.

    .venv/bin/python bench/bench_close_history.py                      # the demo firm (150 people, 30 months)
    .venv/bin/python bench/bench_close_history.py --employees 1000 --months 36

Generates the firm, ingests it once, then times `dbt build` of the whole project on copies of
that warehouse:
1. no close history (var history_closes = 0: the current view and the as-of date's own view);
2. the first build with the default 24 closes (each is computed once);
3. the next build of the same data (the 24 closes are kept, only the as-of date is recomputed).
Prints seconds, the extra over (1), the extra per close, and the rows of the history mart.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from ingest.files import ingest_files  # noqa: E402
from simulator import generate  # noqa: E402
from wipcast.settings import Settings  # noqa: E402
from wipcast.transform import run_dbt  # noqa: E402


def _build(settings: Settings, closes: int | None, full_refresh: bool) -> float:
    started = time.perf_counter()
    run_dbt(
        settings,
        ["build", *(["--full-refresh"] if full_refresh else [])],
        extra_vars={} if closes is None else {"history_closes": closes},
    )
    return time.perf_counter() - started


def _history_rows(settings: Settings) -> tuple[int, int]:
    con = duckdb.connect(str(settings.work_db), read_only=True)
    try:
        rows = con.execute("select count(*), count(distinct as_of_date) from marts.mart_revenue_monthly_history")
        count, dates = rows.fetchall()[0]
        return int(count), int(dates)
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=150)
    parser.add_argument("--months", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wipcast-history-") as tmp:
        root = Path(tmp)
        folder = root / "firm"
        generate(folder, employees=args.employees, months=args.months, as_of=dt.date(2026, 10, 31), seed=args.seed)
        base = Settings(warehouse_dir=root / "ingested")
        ingest_files(base, folder, "bench")
        without, with_history = (replace(base, warehouse_dir=root / name) for name in ("without", "with"))
        for settings in (without, with_history):
            shutil.copytree(base.warehouse_dir, settings.warehouse_dir)
        results = []
        for label, settings, closes, full_refresh in (
            ("no close history (history_closes = 0)", without, 0, True),
            ("first build, 24 closes", with_history, None, True),
            ("next build, 24 closes kept", with_history, None, False),
        ):
            seconds = _build(settings, closes, full_refresh)
            results.append((label, seconds, _history_rows(settings)))
        none = results[0][1]
        print(f"firm: {args.employees} employees, {args.months} months, seed {args.seed}")
        print(f"{'build':<40} {'seconds':>8} {'extra':>7} {'history rows':>13} {'as-of dates':>12}")
        for label, seconds, (rows, dates) in results:
            print(f"{label:<40} {seconds:8.1f} {seconds - none:+7.1f} {rows:13,} {dates:12}")
        first = results[1]
        per_close = (first[1] - none) / max(first[2][1] - results[0][2][1], 1)
        print(f"extra per close on the first build: {per_close:.2f} s")


if __name__ == "__main__":
    main()
