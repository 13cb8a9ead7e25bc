"""The regime suite: the forecast engine on small simulated firms under other dynamics.

Each regime is a set of `simulator.generate` knobs (simulator/regimes.py). For every regime and
seed the firm is generated (36 months of history to 2026-10-31), and the engine forecasts 12
months from three month-end origins, each from exactly what was known then (`as_of_view`), next
to the baselines of the as-of backtest. Scored at the firm level on what was later earned:
WAPE over horizons 1-3 and 1-12 against the best baseline of the same band, bias (Σ(forecast −
actual) / Σ actual) over 1-3 and 1-12, and 80% interval coverage over 1-12, pooled over seeds and
origins per regime and over everything.

Used by `bench/bench_forecast.py --regimes` and by the regression test
tests/forecasting/test_regime_suite.py (a smaller suite).
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from forecasting import backtest, engine
from forecasting.inputs import RawData, as_of_view, from_parquet_dir

AS_OF = dt.date(2026, 10, 31)
MONTHS = 36
EMPLOYEES = 70
ORIGINS = (dt.date(2025, 4, 30), dt.date(2025, 7, 31), dt.date(2025, 10, 31))
DRAWS = 400
BASELINES = ("baseline_seasonal_naive", "baseline_ets", "baseline_scheduled")
UNASSESSED = "engine_unassessed"  # the engine's own draws before self-assessment (the "before" figures)

# name -> simulator.generate knobs (everything else at today's default)
REGIMES: dict[str, dict[str, Any]] = {
    "default": {},
    "growing": {"growth": 0.25},
    "flat": {"growth": 0.0},
    "shrinking": {"growth": -0.15},
    "plans_accurate": {"plans": "accurate"},
    "plans_understated": {"plans": "understated"},
    "many_extensions": {"extensions": "many"},
    "few_extensions": {"extensions": "few"},
    "weak_seasonality": {"seasonality": "weak"},
    "strong_seasonality": {"seasonality": "strong"},
    "price_change": {"price_change": 0.15},
    "crm_calibrated": {"crm": "calibrated"},
    "crm_pessimistic": {"crm": "pessimistic"},
    "hiring_freeze": {"hiring_freeze_months": 18},
}
DEFAULT_SUITE = (
    "default",
    "growing",
    "shrinking",
    "plans_accurate",
    "plans_understated",
    "many_extensions",
    "strong_seasonality",
    "weak_seasonality",
    "price_change",
    "crm_pessimistic",
    "hiring_freeze",
)

Forecaster = Callable[[RawData, dt.date, int, int], tuple[engine.Prepared, engine.ForecastResult]]


def forecast_at(raw: RawData, origin: dt.date, draws: int, seed: int) -> tuple[engine.Prepared, engine.ForecastResult]:
    """The published forecast as of `origin` (what run_forecast stores), from the raw data."""
    inputs = as_of_view(raw, origin)
    prep = engine.prepare(inputs, 12, diagnose=False)
    engine.self_assess(prep, raw)
    return prep, engine.simulate(prep, draws, seed)


def firm_points(
    raw: RawData,
    origins: tuple[dt.date, ...] = ORIGINS,
    draws: int = DRAWS,
    forecaster: Forecaster = forecast_at,
) -> pl.DataFrame:
    """Firm-level (origin, method, h, point, p10, p90, actual) for every origin; where the forecast
    was self-assessed, the engine's own draws of the same seed too (method UNASSESSED)."""
    truth, last_complete = backtest.truth_by_practice(raw, raw.latest_activity_date())
    firm_truth = truth.pipe(lambda t: t.group_by("month").agg(pl.col("actual").sum()))
    out = []
    for i, origin in enumerate(origins):
        prep, result = forecaster(raw, origin, draws, i + 1)
        rec = backtest._records_for_origin(origin, prep, result, 12)
        if prep.assessment is not None:
            own = engine.simulate(prep, draws, i + 1, publish=False)
            own_rec = backtest._records_for_origin(origin, prep, own, 12).filter(pl.col("method") == "wipcast")
            rec = pl.concat([rec, own_rec.with_columns(pl.lit(UNASSESSED).alias("method"))])
        rec = rec.filter(pl.col("level_key").is_null() & (pl.col("month") < last_complete))
        out.append(rec.join(firm_truth, on="month", how="inner"))
    return pl.concat(out).select("origin", "method", "h", "point", "p10", "p90", "actual")


def score(points: pl.DataFrame) -> dict[str, Any]:
    """Suite figures of firm-level points (see the module docstring)."""

    def wape(method: str, hmax: int, hmin: int = 1) -> float:
        x = points.filter((pl.col("method") == method) & pl.col("h").is_between(hmin, hmax))
        a = x["actual"].to_numpy()
        return float(np.sum(np.abs(x["point"].to_numpy() - a)) / np.sum(np.abs(a))) if x.height else float("nan")

    def bias(hmax: int) -> float:
        x = points.filter((pl.col("method") == "wipcast") & (pl.col("h") <= hmax))
        return float((x["point"].sum() - x["actual"].sum()) / x["actual"].sum()) if x.height else float("nan")

    ours = points.filter(pl.col("method") == "wipcast")
    a = ours["actual"].to_numpy()
    inside = (ours["p10"].to_numpy() <= a) & (a <= ours["p90"].to_numpy())
    below = a < ours["p10"].to_numpy()
    base3 = {m: wape(m, 3) for m in BASELINES}
    base12 = {m: wape(m, 12) for m in BASELINES}
    best3 = min(base3, key=lambda m: base3[m])
    best12 = min(base12, key=lambda m: base12[m])
    # each firm-origin on its own (a regime's seeds are different firms): summing the seeds of one origin
    # date first would let one firm's win hide another's loss
    firm_origin = [c for c in ("regime", "seed", "origin") if c in points.columns]
    losses = 0
    for _, sel in points.filter(pl.col("h") <= 3).group_by(firm_origin):
        err = {
            m: float(np.abs(g["point"].to_numpy() - g["actual"].to_numpy()).sum()) for (m,), g in sel.group_by("method")
        }
        if err.get("wipcast", 0.0) > err.get("baseline_seasonal_naive", float("inf")):
            losses += 1
    w3, w12 = wape("wipcast", 3), wape("wipcast", 12)
    return {
        "wape_h1_3": w3,
        "best_baseline_h1_3": best3,
        "best_baseline_wape_h1_3": base3[best3],
        "ratio_h1_3": w3 / base3[best3] if base3[best3] else float("nan"),
        "wape_h1_12": w12,
        "best_baseline_h1_12": best12,
        "best_baseline_wape_h1_12": base12[best12],
        "ratio_h1_12": w12 / base12[best12] if base12[best12] else float("nan"),
        "bias_h1_3": bias(3),
        "bias_h1_12": bias(12),
        "coverage80": float(inside.mean()) if len(a) else float("nan"),
        "below_p10": float(below.mean()) if len(a) else float("nan"),
        "origins": int(points.select(firm_origin).n_unique()),
        "origins_losing_to_seasonal_naive_h1_3": losses,
    }


def _as_published(points: pl.DataFrame) -> pl.DataFrame:
    """The points with the engine's own draws in place of the published forecast."""
    return points.filter(pl.col("method") != "wipcast").with_columns(
        pl.when(pl.col("method") == UNASSESSED).then(pl.lit("wipcast")).otherwise("method").alias("method")
    )


def pooled_points(points: list[pl.DataFrame]) -> pl.DataFrame:
    """Points of many firms as one: each firm-origin (regime, seed, origin) scaled to its own mean actual, so
    firms of different size weigh alike, and named by all three as its origin."""
    everything = pl.concat(points)
    scale = (
        everything.filter(pl.col("method") == "wipcast")
        .group_by("regime", "seed", "origin")
        .agg(pl.col("actual").mean().alias("_s"))
    )
    norm = everything.join(scale, on=["regime", "seed", "origin"]).with_columns(
        (pl.col(c) / pl.col("_s")).alias(c) for c in ("point", "p10", "p90", "actual")
    )
    return norm.with_columns(pl.concat_str("regime", "seed", "origin").alias("origin")).drop("_s")


def run_suite(
    names: list[str] | tuple[str, ...] | None = None,
    seeds: int = 3,
    employees: int = EMPLOYEES,
    origins: tuple[dt.date, ...] = ORIGINS,
    draws: int = DRAWS,
    progress: Callable[[str], None] | None = None,
    forecaster: Forecaster = forecast_at,
) -> dict[str, Any]:
    """Generate, forecast and score every regime x seed; returns per-regime and pooled figures."""
    from simulator import generate

    names = list(names or DEFAULT_SUITE)
    unknown = [n for n in names if n not in REGIMES]
    if unknown:
        raise ValueError(f"unknown regimes {unknown}; known: {', '.join(REGIMES)}")
    started = time.perf_counter()
    per: dict[str, Any] = {}
    all_points = []
    with tempfile.TemporaryDirectory(prefix="wipcast-regimes-") as tmp:
        for name in names:
            pts = []
            for seed in range(1, seeds + 1):
                folder = Path(tmp) / f"{name}-{seed}"
                t = time.perf_counter()
                generate(folder, employees=employees, months=MONTHS, as_of=AS_OF, seed=seed, **REGIMES[name])
                raw = from_parquet_dir(folder)
                p = firm_points(raw, origins, draws, forecaster).with_columns(
                    pl.lit(name).alias("regime"), pl.lit(seed).alias("seed")
                )
                pts.append(p)
                if progress is not None:
                    progress(f"  {name} seed {seed}: {time.perf_counter() - t:.1f} s")
            points = pl.concat(pts)
            per[name] = score(points)
            if points.filter(pl.col("method") == UNASSESSED).height:
                per[name]["before"] = score(_as_published(points))
            all_points.append(points)
    norm = pooled_points(all_points)
    pooled = score(norm)
    if norm.filter(pl.col("method") == UNASSESSED).height:
        pooled["before"] = score(_as_published(norm))
    return {
        "employees": employees,
        "seeds": seeds,
        "origins": [o.isoformat() for o in origins],
        "seconds": round(time.perf_counter() - started, 1),
        "regimes": per,
        "pooled": pooled,
    }


def format_table(suite: dict[str, Any]) -> str:
    """A Markdown table of the suite's figures."""
    lines = [
        f"Regime suite: {suite['employees']} employees, {suite['seeds']} seeds, origins "
        f"{', '.join(suite['origins'])}, {suite['seconds']} s",
        "",
        "| regime | WAPE h1-3 | best baseline h1-3 | ratio | WAPE h1-12 | best baseline h1-12 | ratio | "
        "bias h1-3 | bias h1-12 | cover80 | below p10 | origins losing to SN h1-3 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    short = {"baseline_seasonal_naive": "SN", "baseline_ets": "ETS", "baseline_scheduled": "sched"}
    rows = [*suite["regimes"].items(), ("**pooled**", suite["pooled"])]
    if any("before" in r for _, r in rows):  # before (the engine's own draws) and after, side by side
        rows = [x for name, r in rows for x in ((name, r), (f"{name} (before)", r["before"]))]
    for name, r in rows:
        lines.append(
            f"| {name} | {r['wape_h1_3']:.3f} | {r['best_baseline_wape_h1_3']:.3f} {short[r['best_baseline_h1_3']]} | "
            f"{r['ratio_h1_3']:.2f} | {r['wape_h1_12']:.3f} | "
            f"{r['best_baseline_wape_h1_12']:.3f} {short[r['best_baseline_h1_12']]} | {r['ratio_h1_12']:.2f} | "
            f"{r['bias_h1_3']:+.1%} | {r['bias_h1_12']:+.1%} | {r['coverage80']:.0%} | {r['below_p10']:.0%} | "
            f"{r['origins_losing_to_seasonal_naive_h1_3']}/{r['origins']} |"
        )
    return "\n".join(lines)
