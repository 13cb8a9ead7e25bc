"""Realization of the booked time-and-materials layer, learned by horizon.

The delivery factor explains hours on planned (project, role) pairs; revenue on a planned project
also moves with work by roles that were not planned, entry rates that differ from the card and
hours never billed. For every past month-end origin, the T&M layer's own formula (planned hours x
delivery factor x billable share x bill rate) is compared with the revenue the same projects
earned in the planned months; the ratio per horizon bucket, shrunk toward 1 when evidence is thin,
multiplies the forecast.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from forecasting import delivery
from forecasting.calendar import month_index
from forecasting.frames import ordered
from forecasting.inputs import Inputs
from forecasting.rates import future_bill_rates

SHRINK_SHARE = 0.05  # prior worth 5% of the bucket's modelled revenue, pulling toward 1


def tm_realization(
    inputs: Inputs,
    plan_origins: pl.DataFrame,
    history: pl.DataFrame,
    rated: pl.DataFrame,
    factors: delivery.Factors,
    tm_share: pl.DataFrame,
    fx: pl.DataFrame,
    as_of: dt.date,
) -> dict[str, float]:
    tm = inputs.projects.filter(pl.col("billing_type") == "time_and_materials").select("project_id", "practice")
    last_complete = (as_of + dt.timedelta(days=1)).replace(day=1)
    po = plan_origins.filter((pl.col("origin") == pl.col("origin").dt.month_end()) & (pl.col("month") < last_complete))
    po = (
        po.join(tm, on="project_id", how="inner")
        .pipe(ordered)
        .group_by("origin", "project_id", "practice", "role", "month", maintain_order=True)
        .agg(pl.col("hours").sum())
    )
    po = po.with_columns((month_index("month") - month_index("origin")).alias("h")).filter(
        pl.col("h").is_between(1, 12)
    )
    if not po.height:
        return {}
    po = delivery.factor_for(po.with_columns(delivery.bucket_expr(pl.col("h")).alias("bucket")), factors)
    rates = future_bill_rates(
        po.select("project_id", "role", "month"),
        inputs,
        fx,
        rated.filter(pl.col("billing_type") == "time_and_materials"),
    )
    po = (
        po.join(rates.select("project_id", "role", "month", "rate"), on=["project_id", "role", "month"], how="left")
        .join(tm_share, on="practice", how="left")
        .with_columns(
            (
                pl.col("hours")
                * pl.col("factor")
                * pl.col("billable_share").fill_null(1.0)
                * pl.col("rate").fill_null(0.0)
            ).alias("model")
        )
    )
    model = (
        po.pipe(ordered)
        .group_by("origin", "project_id", "month", "bucket", maintain_order=True)
        .agg(pl.col("model").sum())
    )
    actual = history.select("project_id", "month", "revenue")
    j = model.join(actual, on=["project_id", "month"], how="left").with_columns(pl.col("revenue").fill_null(0.0))
    out: dict[str, float] = {}
    for bucket, m, a in (
        j.pipe(ordered)
        .group_by("bucket", maintain_order=True)
        .agg(pl.col("model").sum(), pl.col("revenue").sum())
        .iter_rows()
    ):
        if m > 0:
            prior = SHRINK_SHARE * m
            out[bucket] = float(min(2.0, max(0.5, (a + prior) / (m + prior))))
    return out
