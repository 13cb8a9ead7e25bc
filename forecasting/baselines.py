"""The forecasts users have today, to compare against (all from the same as-of inputs):

(a) scheduled: planned hours x bill rate (no delivery factor), fixed fees on plan, milestones at
    their due date (overdue ones in the first month), retainers, plus CRM-probability-weighted
    pipeline spread evenly from its expected start over its expected duration;
(b) seasonal naive: the same month last year;
(c) exponential smoothing on monthly revenue alone.
(b) and (c) run on each series (firm, practice) separately.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from forecasting.calendar import add_months, first_date, month_start
from forecasting.engine import Prepared
from forecasting.frames import ordered
from forecasting.unplanned import ets_fit, guarded_forecast, seasonal_naive


def scheduled(prep: Prepared) -> pl.DataFrame:
    """(practice, month, value) of baseline (a)."""
    months = prep.months
    parts = []
    tm = prep.tm_rows.with_columns((pl.col("hours") * pl.col("rate")).alias("value")).select(
        "practice", "month", "value"
    )
    parts.append(tm)
    # Fixed fee: remaining value earned in proportion to the remaining planned cost (no overrun).
    ff = prep.ff
    if ff.height:
        pc = (
            prep.ff_planned_cost.pipe(ordered)
            .group_by("project_id", "month", maintain_order=True)
            .agg(pl.col("cost_pc").sum())
        )
        tot = pc.pipe(ordered).group_by("project_id", maintain_order=True).agg(pl.col("cost_pc").sum().alias("_tot"))
        x = pc.join(tot, on="project_id").join(
            ff.select("project_id", "practice", "contract_value", "earned_pc", "fx"), on="project_id"
        )
        x = x.filter(pl.col("month").is_in(months)).with_columns(
            (
                pl.max_horizontal(pl.col("contract_value") - pl.col("earned_pc"), pl.lit(0.0))
                * pl.col("cost_pc")
                / pl.col("_tot")
                * pl.col("fx")
            ).alias("value")
        )
        parts.append(x.select("practice", "month", "value"))
    ms = prep.open_milestones
    if ms.height:
        x = ms.join(
            prep.projects.select("project_id", "practice"), on="project_id", how="left", maintain_order="left"
        ).with_columns(pl.max_horizontal(pl.col("due_date").dt.month_start(), pl.lit(months[0])).alias("month"))
        parts.append(x.select("practice", "month", pl.col("amount_reporting").alias("value")))
    if prep.retainer_rows.height:
        parts.append(
            prep.retainer_rows.join(
                prep.projects.select("project_id", "practice"), on="project_id", how="left", maintain_order="left"
            ).select("practice", "month", "value")
        )
    opp = prep.opportunities
    rows: list[tuple[str | None, dt.date, float]] = []
    for practice, p, amount, start, weeks in opp.select(
        "practice", "probability", "amount_reporting", "expected_start_date", "expected_duration_weeks"
    ).iter_rows():
        n = max(1, int(round((weeks or 26.0) / 4.345)))
        m = max(month_start(start), months[0])
        for i in range(n):
            rows.append((practice, add_months(m, i), (p or 0.0) * (amount or 0.0) / n))
    if rows:
        parts.append(
            pl.DataFrame(rows, schema={"practice": pl.String, "month": pl.Date, "value": pl.Float64}, orient="row")
        )
    out = pl.concat([x.with_columns(pl.col("value").cast(pl.Float64)) for x in parts], how="vertical_relaxed")
    return (
        out.filter(pl.col("month").is_in(months))
        .pipe(ordered)
        .group_by("practice", "month", maintain_order=True)
        .agg(pl.col("value").sum())
    )


def series_forecasts(y: np.ndarray, horizon: int) -> dict[str, np.ndarray]:
    """(b) seasonal naive and (c) guarded exponential smoothing of one monthly revenue series."""
    sn, _ = seasonal_naive(y, horizon)
    ets, _, _, _ = guarded_forecast(y, horizon, ets_fit)
    return {"baseline_seasonal_naive": np.maximum(sn, 0), "baseline_ets": ets}


def monthly_series(
    history: pl.DataFrame, projects: pl.DataFrame, last_complete: dt.date
) -> dict[str | None, np.ndarray]:
    """Complete monthly revenue series (firm under key None, and each practice) up to last_complete."""
    h = history.join(
        projects.select("project_id", "practice"), on="project_id", how="left", maintain_order="left"
    ).filter(pl.col("month") < last_complete)
    first = first_date(h["month"])
    if first is None:
        return {None: np.zeros(0)}
    grid = pl.DataFrame({"month": pl.date_range(first, add_months(last_complete, -1), "1mo", eager=True)})
    out: dict[str | None, np.ndarray] = {
        None: grid.join(
            h.pipe(ordered).group_by("month", maintain_order=True).agg(pl.col("revenue").sum()),
            on="month",
            how="left",
            maintain_order="left",
        )
        .fill_null(0.0)
        .sort("month")["revenue"]
        .to_numpy()
    }
    for p in sorted(h["practice"].drop_nulls().unique().to_list()):
        s = (
            h.filter(pl.col("practice") == p)
            .pipe(ordered)
            .group_by("month", maintain_order=True)
            .agg(pl.col("revenue").sum())
        )
        out[p] = grid.join(s, on="month", how="left").fill_null(0.0).sort("month")["revenue"].to_numpy()
    return out
