"""Benchmark of the forecasting engine on the demo firm against its speed and accuracy targets.

    .venv/bin/python bench/bench_forecast.py [--employees 150] [--from 2025-06] [--to 2026-06] [--draws 2000]
    .venv/bin/python bench/bench_forecast.py --regimes [--seeds 3] [--only growing,flat] [--out regimes.json]

`--regimes` runs the regime suite instead (bench/regimes.py): small simulated firms under other
dynamics (growth, plan quality, extensions, seasonality, a price change, CRM calibration, a hiring
freeze), several seeds each, as-of forecasts from three origins scored over the next 12 months,
with WAPE, bias and 80% coverage per regime next to the best baseline, and the pooled figures: the
published (self-assessed) forecast, and under "(before)" the engine's own draws of the same seed.

Generates the demo firm (simulator.generate), loads its canonical files into a scratch
warehouse's raw_canonical schema (the shape ingest writes), then measures:
- `run_forecast` wall time (target < 30 s on the demo firm);
- an as-of backtest over the month range: WAPE at horizons 1-3 against the best baseline
  (target ratio <= 0.75), 80% interval coverage (target 75-85%), Brier score of the calibrated
  win probability against the CRM's;
- learned delivery factors against `_truth.json` (target within 0.05).
Nothing is faked: the figures printed are what the engine produced.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from forecasting import delivery, engine, run_backtest, run_forecast  # noqa: E402
from forecasting.inputs import as_of_view, from_parquet_dir  # noqa: E402
from wipcast.settings import Settings  # noqa: E402


def load_raw(db: Path, folder: Path) -> None:
    con = duckdb.connect(str(db))
    try:
        con.execute("create schema if not exists raw_canonical")
        for f in sorted(folder.glob("*.parquet")):
            con.execute(f"create or replace table raw_canonical.{f.stem} as select * from read_parquet('{f}')")
    finally:
        con.close()


def factor_check(folder: Path, truth: dict) -> dict:
    inputs = as_of_view(from_parquet_dir(folder), dt.date.fromisoformat(truth["generator"]["as_of"]))
    base = engine.history_base(inputs)
    pw = delivery.planned_vs_worked(
        base["plan_origins"], base["rated"], inputs.projects, inputs.as_of, delivery.BILLABLE_TYPES
    )
    realized = truth["delivery_factor"]["realized"]
    rows = []
    for role, factor, _hours in delivery.raw_factors(pw, ["role"]).sort("role").iter_rows():
        rows.append(
            {
                "level": "role",
                "key": role,
                "learned": round(factor, 4),
                "truth": realized["by_role"].get(role, {}).get("1"),
            }
        )
    learned = delivery.learn_factors(pw)
    for practice, factor in (
        learned["practice"].filter(pl.col("bucket") == "h1").select("practice", "factor").sort("practice").iter_rows()
    ):
        rows.append(
            {
                "level": "practice",
                "key": practice,
                "learned": round(factor, 4),
                "truth": realized["by_practice"].get(practice, {}).get("1"),
            }
        )
    diffs = [abs(r["learned"] - r["truth"]) for r in rows if r["truth"] is not None]
    return {"rows": rows, "max_abs_diff": max(diffs) if diffs else None}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--employees", type=int, default=150)
    ap.add_argument("--months", type=int, default=30)
    ap.add_argument("--from", dest="start", default="2025-06")
    ap.add_argument("--to", dest="end", default="2026-06")
    ap.add_argument("--draws", type=int, default=2000)
    ap.add_argument("--backtest-draws", type=int, default=500)
    ap.add_argument("--out", type=Path, default=None, help="write the figures as JSON here")
    ap.add_argument("--forecast-only", action="store_true", help="time run_forecast only (e.g. --employees 10000)")
    ap.add_argument("--regimes", action="store_true", help="run the regime suite (bench/regimes.py) instead")
    ap.add_argument("--seeds", type=int, default=3, help="--regimes: seeds per regime")
    ap.add_argument("--only", default=None, help="--regimes: comma-separated regime names")
    args = ap.parse_args()
    if args.regimes:
        from bench import regimes

        names = args.only.split(",") if args.only else None
        employees = args.employees if "--employees" in sys.argv else regimes.EMPLOYEES
        suite = regimes.run_suite(names, seeds=args.seeds, employees=employees, progress=print)
        print(regimes.format_table(suite))
        if args.out:
            args.out.write_text(json.dumps(suite, indent=2, default=str))
        return 0

    from simulator import generate

    work = Path(tempfile.mkdtemp(prefix="wipcast-bench-"))
    data = work / "demo"
    t0 = time.perf_counter()
    generate(data, employees=args.employees, months=args.months)
    truth = json.loads((data / "_truth.json").read_text())
    settings = Settings(warehouse_dir=work / "warehouse", reporting_currency="USD")
    settings.warehouse_dir.mkdir(parents=True)
    load_raw(settings.work_db, data)
    print(f"demo firm generated and loaded in {time.perf_counter() - t0:.1f} s ({work})")

    t, cpu = time.perf_counter(), time.process_time()
    fc = run_forecast(settings, "bench-forecast", draws=args.draws, seed=1)
    forecast_s, forecast_cpu = time.perf_counter() - t, time.process_time() - cpu
    print(
        f"run_forecast: {forecast_s:.1f} s wall, {forecast_cpu:.1f} s CPU (target < 30 s), as of {fc.as_of_date}, "
        f"rows {fc.rows}, draws {fc.draws}"
    )
    if args.forecast_only:
        return 0

    t = time.perf_counter()
    bt = run_backtest(
        settings,
        "bench-backtest",
        args.start,
        args.end,
        draws=args.backtest_draws,
        progress=lambda d, a, b: print(f"  {d} ({a:.0f}/{b:.0f})", flush=True),
    )
    backtest_s = time.perf_counter() - t
    s = bt.headline
    factors = factor_check(data, truth)
    results = {
        "employees": args.employees,
        "forecast_seconds": round(forecast_s, 1),
        "forecast_cpu_seconds": round(forecast_cpu, 1),
        "backtest_seconds": round(backtest_s, 1),
        "backtest_origins": len(bt.origins),
        **dataclasses.asdict(s),
        "delivery_factors": factors,
        "report": bt.report,
    }
    print(json.dumps(results, indent=2, default=str))
    ratio = s.ratio_to_best_baseline
    print("\nTargets")
    print(f"  forecast < 30 s ............... {forecast_s:.1f} s {'OK' if forecast_s < 30 else 'MISSED'}")
    print(f"  WAPE h1-3 <= 0.75 x best ...... {ratio:.3f} {'OK' if ratio is not None and ratio <= 0.75 else 'MISSED'}")
    cov = s.coverage80_all
    print(
        f"  80% coverage in 75-85% ........ {cov:.1%} {'OK' if cov is not None and 0.75 <= cov <= 0.85 else 'MISSED'}"
    )
    bc, bcrm = s.brier_calibrated, s.brier_crm
    print(
        f"  Brier calibrated < CRM ........ {bc:.3f} vs {bcrm:.3f} {'OK' if bc is not None and bc < bcrm else 'MISSED'}"
    )
    md = factors["max_abs_diff"]
    print(f"  delivery factors within 0.05 .. max diff {md:.3f} {'OK' if md is not None and md <= 0.05 else 'MISSED'}")
    if args.out:
        args.out.write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
