"""Scoring backtest forecasts against what was later earned: WAPE, bias, MASE and 80% coverage per
method, level and horizon, the Brier scores of the win probabilities, their reliability bins, and the
headline figures the targets are stated in (forecasting.backtest runs the origins; this module only
scores their records)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

import numpy as np
import polars as pl

from forecasting import engine
from forecasting.calendar import month_start
from forecasting.frames import ordered

HORIZONS = (1, 3, 6, 12)
METHODS = ("wipcast", "baseline_scheduled", "baseline_seasonal_naive", "baseline_ets")


@dataclass(frozen=True)
class BacktestHeadline:
    """The figures the backtest's targets are stated in (firm level; None where nothing was scored):
    WAPE over horizons 1-3 of wipcast and of each baseline, wipcast's ratio to the best baseline
    (target <= 0.75), the share of actuals inside the 80% interval over all horizons (target 75-85%),
    and the Brier score of the calibrated win probability next to the CRM's own."""

    wape_h1_3: float | None
    baselines_wape_h1_3: dict[str, float | None]
    best_baseline_wape_h1_3: float | None
    ratio_to_best_baseline: float | None
    coverage80_all: float | None
    brier_calibrated: float | None
    brier_crm: float | None


def mase_scales(truth: pl.DataFrame, first_origin: dt.date) -> dict[str | None, float]:
    """In-sample MAE of the seasonal naive (m = 12; lag 1 with less than 13 months) per series, on
    the months up to the first origin."""
    t = truth.filter(pl.col("month") <= month_start(first_origin))
    out: dict[str | None, float] = {}
    series: dict[str | None, np.ndarray] = {
        None: t.pipe(ordered)
        .group_by("month", maintain_order=True)
        .agg(pl.col("actual").sum())
        .sort("month")["actual"]
        .to_numpy()
    }
    for (p,), g in t.group_by("practice"):
        series[p] = g.sort("month")["actual"].to_numpy()
    for k, y in series.items():
        lag = 12 if len(y) > 12 else 1
        out[k] = float(np.mean(np.abs(y[lag:] - y[:-lag]))) if len(y) > lag else float("nan")
    return out


def compute_metrics(records: pl.DataFrame, truth: pl.DataFrame, scales: dict[str | None, float]) -> pl.DataFrame:
    firm = (
        truth.pipe(ordered)
        .group_by("month", maintain_order=True)
        .agg(pl.col("actual").sum())
        .with_columns(pl.lit(None, pl.String).alias("level_key"))
    )
    prac = truth.rename({"practice": "level_key"})
    t = pl.concat([firm.select("level_key", "month", "actual"), prac.select("level_key", "month", "actual")])
    j = records.join(t, on=["level_key", "month"], how="inner", nulls_equal=True)
    out: list[dict[str, object]] = []

    def add(method: str, level: str, key: str | None, h: int | None, metric: str, value: float, n: int) -> None:
        out.append(
            {
                "method": method,
                "level": level,
                "level_key": key,
                "horizon": h,
                "metric": metric,
                "value": None if value is None or not np.isfinite(value) else float(value),
                "n_points": int(n),
            }
        )

    for (method, key), g in j.group_by("method", "level_key"):
        level = "firm" if key is None else "practice"
        for h, sel in [(h, g.filter(pl.col("h") == h)) for h in HORIZONS] + [(None, g.filter(pl.col("h") <= 3))]:
            if not sel.height:
                continue
            y, f = sel["actual"].to_numpy(), sel["point"].to_numpy()
            denom = float(np.sum(np.abs(y)))
            suffix = "" if h is not None else "_h1_3"
            add(
                method,
                level,
                key,
                h,
                "wape" + suffix,
                float(np.sum(np.abs(y - f)) / denom) if denom else float("nan"),
                len(y),
            )
            add(
                method,
                level,
                key,
                h,
                "bias" + suffix,
                float(np.sum(f - y) / np.sum(y)) if np.sum(y) else float("nan"),
                len(y),
            )
            sc = scales.get(key, float("nan"))
            add(
                method,
                level,
                key,
                h,
                "mase" + suffix,
                float(np.mean(np.abs(y - f)) / sc) if sc and np.isfinite(sc) else float("nan"),
                len(y),
            )
            if method == "wipcast":
                inside = (sel["p10"].to_numpy() <= y) & (y <= sel["p90"].to_numpy())
                add(method, level, key, h, "coverage80" + suffix, float(inside.mean()), len(y))
        allh = g.filter(pl.col("h") <= 12)
        if method == "wipcast" and allh.height:
            y = allh["actual"].to_numpy()
            inside = (allh["p10"].to_numpy() <= y) & (y <= allh["p90"].to_numpy())
            add(method, level, key, None, "coverage80_all", float(inside.mean()), len(y))
    return pl.DataFrame(
        out,
        schema={
            "method": pl.String,
            "level": pl.String,
            "level_key": pl.String,
            "horizon": pl.Int32,
            "metric": pl.String,
            "value": pl.Float64,
            "n_points": pl.Int32,
        },
    )


def brier_rows(origin: dt.date, prep: engine.Prepared, outcomes: pl.DataFrame) -> pl.DataFrame:
    o = prep.opportunities
    if not o.height:
        return pl.DataFrame(
            schema={
                "origin": pl.Date,
                "opportunity_id": pl.String,
                "won": pl.Int8,
                "calibrated": pl.Float64,
                "crm": pl.Float64,
            }
        )
    return (
        o.select(
            "opportunity_id", pl.col("win_prob").alias("calibrated"), pl.col("probability").fill_null(0.5).alias("crm")
        )
        .join(outcomes, on="opportunity_id", how="inner")
        .with_columns(pl.lit(origin).alias("origin"))
        .select("origin", "opportunity_id", "won", "calibrated", "crm")
    )


CALIBRATION_BINS = 10
CALIBRATION_SOURCES = ("calibrated", "crm")


def calibration_bins(pairs: pl.DataFrame, bins: int = CALIBRATION_BINS) -> pl.DataFrame:
    """Reliability table of win probabilities, from the pairs `brier_rows` scores (columns won,
    calibrated, crm): per source and equal-width bin over [0, 1] (bin i holds [i/bins, (i+1)/bins),
    a probability of exactly 1 falls in the last bin), the mean predicted probability, the share
    won and the count. Empty bins get no row, so every point on the chart stands for real deals."""
    parts = [
        pairs.select(
            pl.lit(source).alias("source"),
            pl.col(source).cast(pl.Float64).alias("p"),
            pl.col("won").cast(pl.Float64).alias("won"),
        ).drop_nulls()
        for source in CALIBRATION_SOURCES
    ]
    return (
        pl.concat(parts)
        .with_columns((pl.col("p") * bins).floor().clip(0, bins - 1).cast(pl.Int32).alias("bin"))
        .pipe(ordered)
        .group_by("source", "bin", maintain_order=True)
        .agg(
            pl.col("p").mean().alias("predicted"),
            pl.col("won").mean().alias("observed"),
            pl.len().cast(pl.Int32).alias("n"),
        )
        .sort("source", "bin")
    )


def summary(metrics: pl.DataFrame) -> BacktestHeadline:
    """The headline figures of the backtest's targets (see BacktestHeadline)."""

    def get(method: str, metric: str, level: str = "firm", h: int | None = None) -> float | None:
        f = metrics.filter((pl.col("method") == method) & (pl.col("metric") == metric) & (pl.col("level") == level))
        f = f.filter(pl.col("horizon").is_null()) if h is None else f.filter(pl.col("horizon") == h)
        return cast("float | None", f["value"][0]) if f.height else None

    base = {m: get(m, "wape_h1_3") for m in METHODS[1:]}
    best = min((v for v in base.values() if v is not None), default=None)
    ours = get("wipcast", "wape_h1_3")
    return BacktestHeadline(
        wape_h1_3=ours,
        baselines_wape_h1_3=base,
        best_baseline_wape_h1_3=best,
        ratio_to_best_baseline=(ours / best) if ours is not None and best else None,
        coverage80_all=get("wipcast", "coverage80_all"),
        brier_calibrated=get("wipcast", "brier"),
        brier_crm=get("crm", "brier"),
    )
