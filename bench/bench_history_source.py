"""The regime suite twice on the same firms: the engine learning from history it recomputes itself
(forecasting/recognition.py, what `bench_forecast.py --regimes` measures, which reads the files) and from the marts' own
figures at each origin (mart_revenue_monthly_history, what `wipcast forecast` and `wipcast backtest`
read since the history moved into dbt), side by side in one run.

    .venv/bin/python bench/bench_history_source.py                 # the default suite, 2 seeds
    .venv/bin/python bench/bench_history_source.py --seeds 3 --only default,growing

Each firm is generated (bench/regimes.py: 70 employees, 36 months), ingested with `wipcast ingest
files` and built by dbt up to the history mart (the closes the origins and their self-assessment
need, one invocation), then forecast from the same three origins both ways with the same seeds and
scored on the same actuals. Prints one row per regime and history source, then the pooled rows, and
how far the two histories are apart at the origins (project-months whose earned revenue differs).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import duckdb  # noqa: E402
import polars as pl  # noqa: E402
import regimes  # noqa: E402

from forecasting import engine, selfassess  # noqa: E402
from forecasting import history as revenue_history  # noqa: E402
from forecasting.inputs import RawData, as_of_view, read_warehouse  # noqa: E402
from ingest.files import ingest_files  # noqa: E402
from simulator import generate  # noqa: E402
from wipcast.settings import Settings  # noqa: E402
from wipcast.transform import run_dbt  # noqa: E402

SOURCES = ("recomputed", "marts")


def _raws(folder: Path, work: Path, dates: list[Any]) -> dict[str, RawData]:
    """The firm as the warehouse holds it, twice: with the marts' history at `dates` ("marts"), and
    with only the restated mart ("recomputed": at the origins the engine recomputes its history). Both
    score against the same actuals, the restated mart."""
    settings = Settings(warehouse_dir=work, reporting_currency="USD")
    ingest_files(settings, folder, "bench")
    run_dbt(
        settings,
        [
            "build",
            "--select",
            "+mart_revenue_monthly_history",
            "+mart_revenue_monthly",
            "--exclude-resource-type",
            "test",
            "unit_test",
        ],
        extra_vars={"history_as_of_dates": [d.isoformat() for d in dates]},
    )
    con = duckdb.connect(str(settings.work_db), read_only=True)
    try:
        raw = read_warehouse(con, "USD")  # its revenue_history: the restated mart only
        return {"recomputed": raw, "marts": replace(raw, revenue_history=revenue_history.read(con, dates))}
    finally:
        con.close()


def _history_gap(marts: RawData, recomputed: RawData, origin: Any) -> tuple[int, int, float]:
    """(project-months, of them differing by a cent or more, sum of absolute differences) at an origin."""
    a = engine.history_base(as_of_view(marts, origin))["history"].select("project_id", "month", "revenue")
    b = engine.history_base(as_of_view(recomputed, origin))["history"].select(
        "project_id", "month", pl.col("revenue").alias("mine")
    )
    both = a.join(b, on=["project_id", "month"], how="full", coalesce=True).fill_null(0.0)
    diff = (both["revenue"] - both["mine"]).abs()
    return both.height, int((diff >= 0.01).sum()), float(diff.sum())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--only", default=None, help="comma-separated regime names")
    args = ap.parse_args()
    names = args.only.split(",") if args.only else list(regimes.DEFAULT_SUITE)
    dates = sorted({d for o in regimes.ORIGINS for d in (o, *selfassess.lookback_origins(o))})
    started = time.perf_counter()
    points: dict[str, list[pl.DataFrame]] = {s: [] for s in SOURCES}
    per: dict[tuple[str, str], dict[str, Any]] = {}
    gaps: list[tuple[int, int, float]] = []
    used: list[bool] = []
    with tempfile.TemporaryDirectory(prefix="wipcast-history-source-") as tmp:
        for name in names:
            mine: dict[str, list[pl.DataFrame]] = {s: [] for s in SOURCES}
            for seed in range(1, args.seeds + 1):
                t = time.perf_counter()
                folder = Path(tmp) / f"{name}-{seed}"
                generate(
                    folder,
                    employees=regimes.EMPLOYEES,
                    months=regimes.MONTHS,
                    as_of=regimes.AS_OF,
                    seed=seed,
                    **regimes.REGIMES[name],
                )
                raws = _raws(folder, Path(tmp) / f"{name}-{seed}-warehouse", dates)
                used += [as_of_view(raws["marts"], o).revenue_history is not None for o in regimes.ORIGINS]
                gaps += [_history_gap(raws["marts"], raws["recomputed"], o) for o in regimes.ORIGINS]
                for source, raw in raws.items():
                    p = regimes.firm_points(raw).with_columns(pl.lit(name).alias("regime"), pl.lit(seed).alias("seed"))
                    mine[source].append(p)
                    points[source].append(p)
                print(f"  {name} seed {seed}: {time.perf_counter() - t:.1f} s", flush=True)
            for source in SOURCES:
                per[(name, source)] = regimes.score(pl.concat(mine[source]))
    print(
        f"\n{len(names)} regimes x {args.seeds} seeds x {len(regimes.ORIGINS)} origins, "
        f"{time.perf_counter() - started:.0f} s\n"
    )
    print(
        "| regime | history | WAPE h1-3 | ratio h1-3 | ratio h1-12 | bias h1-3 | bias h1-12 | cover80 | losing to SN |"
    )
    print("|---|---|---|---|---|---|---|---|---|")

    def row(label: str, source: str, s: dict[str, Any]) -> str:
        return (
            f"| {label} | {source} | {s['wape_h1_3']:.3f} | {s['ratio_h1_3']:.2f} | {s['ratio_h1_12']:.2f} | "
            f"{s['bias_h1_3']:+.1%} | {s['bias_h1_12']:+.1%} | {s['coverage80']:.0%} | "
            f"{s['origins_losing_to_seasonal_naive_h1_3']}/{s['origins']} |"
        )

    for name in names:
        for source in SOURCES:
            print(row(name, source, per[(name, source)]))
    for source in SOURCES:
        print(row("**pooled**", source, regimes.score(regimes.pooled_points(points[source]))))
    print(f"\norigins whose forecast read the marts' history: {sum(used)} of {len(used)}")
    cells = sum(g[0] for g in gaps)
    differing = sum(g[1] for g in gaps)
    print(
        f"\nhistory at the origins: {differing:,} of {cells:,} project-months differ by a cent or more "
        f"(sum of absolute differences {sum(g[2] for g in gaps):,.0f} in the reporting currency)"
    )


if __name__ == "__main__":
    main()
