"""Learned delivery factors: hours later worked / hours planned k months ahead.

For every month-end origin E and every later month m that is complete by the as-of date, the
hours the plan of E put in m (per project and role) are compared with the hours worked in m on
that project by people of that role. Factors are pooled by horizon bucket and shrunk from the
firm level to the practice, and from the practice to practice x role, with a prior worth
SHRINK_HOURS planned hours (empirical-Bayes style: thin cells stay near their parent).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TypedDict

import numpy as np
import polars as pl

from forecasting.calendar import month_index
from forecasting.frames import ordered

SHRINK_HOURS = 400.0
# Delivery is a behaviour of people and roles, not of the contract type, so every billable project
# teaches it; contract-type effects are calibrated separately (T&M realization, fixed-fee overrun).
BILLABLE_TYPES = ("time_and_materials", "fixed_fee", "milestone", "retainer")
BUCKETS = ((1, 1, "h1"), (2, 2, "h2"), (3, 3, "h3"), (4, 6, "h4_6"), (7, 12, "h7_12"), (13, 999, "h13p"))


class Factors(TypedDict):
    """Learned delivery factors (`learn_factors`): (bucket, factor, ...) for the firm, (practice,
    bucket, factor, ...) per practice, (practice, role, bucket, factor, ...) per cell, and the pooled
    firm ratio buckets without data borrow."""

    firm: pl.DataFrame
    practice: pl.DataFrame
    cell: pl.DataFrame
    pooled: float


def bucket_expr(h: pl.Expr) -> pl.Expr:
    e = pl.lit("h13p")
    for lo, hi, name in reversed(BUCKETS):
        e = pl.when((h >= lo) & (h <= hi)).then(pl.lit(name)).otherwise(e)
    return e


def planned_vs_worked(
    plan_origins: pl.DataFrame,
    rated: pl.DataFrame,
    projects: pl.DataFrame,
    as_of: dt.date,
    billing_types: tuple[str, ...],
) -> pl.DataFrame:
    """(origin, project_id, practice, role, month, h, planned, worked) for complete months after month-end origins."""
    ids = projects.filter(pl.col("billing_type").is_in(list(billing_types))).select("project_id", "practice")
    last_complete = (as_of + dt.timedelta(days=1)).replace(day=1)  # months strictly before this are complete
    po = plan_origins.filter((pl.col("origin") == pl.col("origin").dt.month_end()) & (pl.col("month") < last_complete))
    planned = (
        po.join(ids, on="project_id", how="inner")
        .pipe(ordered)
        .group_by("origin", "project_id", "practice", "role", "month", maintain_order=True)
        .agg(pl.col("hours").sum().alias("planned"))
        .filter(pl.col("planned") > 0)
    )
    worked = (
        rated.select("project_id", "role", "month", "hours")
        .pipe(ordered)
        .group_by("project_id", "role", "month", maintain_order=True)
        .agg(pl.col("hours").sum().alias("worked"))
    )
    pw = planned.join(worked, on=["project_id", "role", "month"], how="left", maintain_order="left").with_columns(
        pl.col("worked").fill_null(0.0)
    )
    return pw.with_columns((month_index("month") - month_index("origin")).alias("h"))


def _shrunk(df: pl.DataFrame, keys: list[str], parent: pl.DataFrame, parent_keys: list[str], name: str) -> pl.DataFrame:
    g = (
        df.pipe(ordered)
        .group_by(keys, maintain_order=True)
        .agg(pl.col("worked").sum().alias("W"), pl.col("planned").sum().alias("P"))
    )
    g = g.join(
        parent.select([*parent_keys, pl.col("factor").alias("_parent")]),
        on=parent_keys,
        how="left",
        maintain_order="left",
    )
    return g.with_columns(
        ((pl.col("W") + SHRINK_HOURS * pl.col("_parent")) / (pl.col("P") + SHRINK_HOURS)).alias("factor")
    ).drop("_parent")


def learn_factors(pw: pl.DataFrame) -> Factors:
    """Factors at three levels, each by horizon bucket: firm, practice, practice x role.
    With no history at all the firm factor is 1 (plans taken at face value)."""
    pw = pw.with_columns(bucket_expr(pl.col("h")).alias("bucket"))
    all_buckets = pl.DataFrame({"bucket": [b[2] for b in BUCKETS]})
    firm = (
        pw.pipe(ordered)
        .group_by("bucket", maintain_order=True)
        .agg(pl.col("worked").sum().alias("W"), pl.col("planned").sum().alias("P"))
    )
    # Buckets with no data borrow the pooled firm ratio (or 1 without any data).
    worked, planned = float(pw["worked"].sum()), float(pw["planned"].sum())
    pooled = worked / planned if pw.height and planned > 0 else 1.0
    firm = all_buckets.join(firm, on="bucket", how="left", maintain_order="left").with_columns(
        ((pl.col("W").fill_null(0.0) + SHRINK_HOURS * pooled) / (pl.col("P").fill_null(0.0) + SHRINK_HOURS)).alias(
            "factor"
        )
    )
    practice = _shrunk(pw, ["practice", "bucket"], firm, ["bucket"], "practice")
    cell = _shrunk(pw, ["practice", "role", "bucket"], practice, ["practice", "bucket"], "cell")
    return {"firm": firm, "practice": practice, "cell": cell, "pooled": pooled}


def raw_factors(pw: pl.DataFrame, keys: list[str], max_h: int = 1) -> pl.DataFrame:
    """Unshrunk worked / planned by `keys` over horizons 1..max_h (for reporting and recovery checks)."""
    return (
        pw.filter(pl.col("h") <= max_h)
        .pipe(ordered)
        .group_by(keys, maintain_order=True)
        .agg(
            (pl.col("worked").sum() / pl.col("planned").sum()).alias("factor"),
            pl.col("planned").sum().alias("planned_hours"),
        )
    )


def factor_for(rows: pl.DataFrame, factors: Factors) -> pl.DataFrame:
    """Adds `factor` to rows with practice, role, bucket: the most specific level available."""
    r = rows.join(
        factors["cell"].select("practice", "role", "bucket", pl.col("factor").alias("_f3")),
        on=["practice", "role", "bucket"],
        how="left",
        maintain_order="left",
    )
    r = r.join(
        factors["practice"].select("practice", "bucket", pl.col("factor").alias("_f2")),
        on=["practice", "bucket"],
        how="left",
        maintain_order="left",
    )
    r = r.join(
        factors["firm"].select("bucket", pl.col("factor").alias("_f1")), on="bucket", how="left", maintain_order="left"
    )
    return r.with_columns(pl.coalesce("_f3", "_f2", "_f1", pl.lit(factors.get("pooled", 1.0))).alias("factor")).drop(
        "_f1", "_f2", "_f3"
    )


CALENDAR_SHRINK_HOURS = 5 * SHRINK_HOURS


def calendar_month_factors(pw: pl.DataFrame) -> dict[int, float]:
    """Per calendar month (1-12), hours worked / planned in that month relative to all months
    (planned_vs_worked rows), shrunk toward 1 with a prior of CALENDAR_SHRINK_HOURS planned hours.
    Plans know public holidays but not leave, so December and the summer deliver less of them."""
    out = {k: 1.0 for k in range(1, 13)}
    if not pw.height:
        return out
    W, P = float(pw["worked"].sum()), float(pw["planned"].sum())
    if P <= 0 or W <= 0:
        return out
    f = W / P
    g = (
        pw.with_columns(pl.col("month").dt.month().alias("_m"))
        .pipe(ordered)
        .group_by("_m", maintain_order=True)
        .agg(pl.col("worked").sum(), pl.col("planned").sum())
    )
    for k, w, p in g.iter_rows():
        out[int(k)] = float((w + CALENDAR_SHRINK_HOURS * f) / (p + CALENDAR_SHRINK_HOURS) / f)
    return out


def dispersion(pw: pl.DataFrame) -> dict[str, float]:
    """Spread of delivery around the factor, for the Monte Carlo:
    project: planned-hours-weighted sd of log(worked/planned) per project x month, less the common part;
    common: sd over months of the firm-level log ratio (a shock every project of a month shares)."""
    if not pw.height:
        return {"project": 0.15, "common": 0.05}
    pm = (
        pw.filter(pl.col("h") <= 3)
        .pipe(ordered)
        .group_by("project_id", "month", maintain_order=True)
        .agg(pl.col("worked").sum(), pl.col("planned").sum())
        .filter(pl.col("planned") >= 8)
    )
    if pm.height < 5:
        return {"project": 0.15, "common": 0.05}
    ratio = np.log(np.clip(pm["worked"].to_numpy() / pm["planned"].to_numpy(), 0.05, 20))
    w = pm["planned"].to_numpy()
    mu = float(np.average(ratio, weights=w))
    sd_proj = math.sqrt(float(np.average((ratio - mu) ** 2, weights=w)))
    fm = (
        pw.filter(pl.col("h") <= 3)
        .pipe(ordered)
        .group_by("month", maintain_order=True)
        .agg(pl.col("worked").sum(), pl.col("planned").sum())
        .filter(pl.col("planned") > 0)
    )
    lr = np.log(np.clip(fm["worked"].to_numpy() / fm["planned"].to_numpy(), 0.05, 20))
    sd_common = float(np.std(lr, ddof=1)) if len(lr) >= 3 else 0.05
    return {"project": min(sd_proj, 1.0), "common": min(sd_common, 0.5)}
