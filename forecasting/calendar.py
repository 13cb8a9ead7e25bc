"""Months and working days: the calendar arithmetic every component shares."""

from __future__ import annotations

import datetime as dt
from typing import cast

import polars as pl

NO_REGION = ""  # placeholders (no employee): weekdays only, no public holidays


def first_date(dates: pl.Series) -> dt.date | None:
    """The first date of a Date column (None when it has none)."""
    return cast("dt.date | None", dates.min())


def last_date(dates: pl.Series) -> dt.date | None:
    """The last date of a Date column (None when it has none)."""
    return cast("dt.date | None", dates.max())


def month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def add_months(d: dt.date, n: int) -> dt.date:
    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    return dt.date(y, m + 1, 1)


def month_end(d: dt.date) -> dt.date:
    return add_months(d, 1) - dt.timedelta(days=1)


def month_index(col: str | pl.Expr) -> pl.Expr:
    """Months since year 0 (for month arithmetic in polars)."""
    e = pl.col(col) if isinstance(col, str) else col
    return e.dt.year().cast(pl.Int32) * 12 + e.dt.month().cast(pl.Int32) - 1


def forecast_months(as_of: dt.date, horizon: int) -> list[dt.date]:
    """The months a forecast made at the end of `as_of` covers: the first month with days after
    as_of (the current month when as_of is mid-month), then horizon - 1 more."""
    first = month_start(as_of + dt.timedelta(days=1))
    return [add_months(first, i) for i in range(horizon)]


def working_day_counter(holidays: pl.DataFrame, regions: list[str], start: dt.date, end: dt.date) -> pl.DataFrame:
    """(region, date, cum): working days (Mon-Fri, not a public holiday of the region) on or before
    date, from start - 1. Region NO_REGION skips no holidays. A count over [a, b] is cum(b) - cum(a-1)."""
    days = pl.date_range(start - dt.timedelta(days=1), end, "1d", eager=True).alias("date")
    frames = []
    for region in sorted(set(regions) | {NO_REGION}):
        hol = (
            holidays.filter(pl.col("region") == region)["holiday_date"]
            if region != NO_REGION
            else pl.Series([], dtype=pl.Date)
        )
        f = (
            pl.DataFrame({"date": days})
            .with_columns(
                ((pl.col("date").dt.weekday() <= 5) & ~pl.col("date").is_in(hol.implode())).cast(pl.Int32).alias("wd")
            )
            .with_columns(
                (pl.col("wd").cum_sum() - pl.col("wd").first()).alias("cum"),  # so cum(start - 1) = 0
                pl.lit(region).alias("region"),
            )
        )
        frames.append(f.select("region", "date", "cum"))
    return pl.concat(frames)


def planned_hours_by_month(
    rows: pl.DataFrame, employees: pl.DataFrame, holidays: pl.DataFrame, max_months: int = 36
) -> pl.DataFrame:
    """Expand plan rows into planned hours per calendar month.

    `rows` needs assignment_id, project_id, employee_id, role, start_date, end_date, hours_per_week and
    `count_from` (hours are counted on days strictly after it). An assignment plans hours_per_week / 5
    on each working day of the employee's region (placeholders: every weekday). Months more than
    `max_months` after count_from are dropped (nothing the engine uses lies that far out).
    Returns the input columns (except the dates) plus month and hours.
    """
    if not rows.height:
        return rows.with_columns(
            pl.lit(None, pl.Date).alias("month"), pl.lit(0.0).alias("hours"), pl.lit("").alias("region")
        ).head(0)
    reg = employees.select("employee_id", "region")
    r = (
        rows.join(reg, on="employee_id", how="left", maintain_order="left")
        .with_columns(
            pl.when(pl.col("employee_id").is_null())
            .then(pl.lit(NO_REGION))
            .otherwise(pl.col("region").fill_null(NO_REGION))
            .alias("region"),
            pl.max_horizontal(pl.col("start_date"), pl.col("count_from") + pl.duration(days=1)).alias("_a0"),
            pl.min_horizontal(
                pl.col("end_date"),
                (pl.col("count_from").dt.month_start().dt.offset_by(f"{max_months}mo") - pl.duration(days=1)),
            ).alias("_b0"),
        )
        .filter(pl.col("_a0") <= pl.col("_b0"))
    )
    if not r.height:
        return (
            r.drop("_a0", "_b0").with_columns(pl.lit(None, pl.Date).alias("month"), pl.lit(0.0).alias("hours")).head(0)
        )
    r = r.with_columns(
        pl.date_ranges(pl.col("_a0").dt.month_start(), pl.col("_b0").dt.month_start(), "1mo").alias("month")
    ).explode("month")
    r = r.with_columns(
        pl.max_horizontal(pl.col("_a0"), pl.col("month")).alias("_a"),
        pl.min_horizontal(pl.col("_b0"), pl.col("month").dt.month_end()).alias("_b"),
    ).with_columns((pl.col("_a") - pl.duration(days=1)).alias("_a1"))
    lo, hi = first_date(r["_a1"]), last_date(r["_b"])
    assert lo is not None and hi is not None  # r has rows, and the filter above dropped null dates
    cal = working_day_counter(holidays, r["region"].unique().to_list(), lo + dt.timedelta(days=1), hi)
    r = r.join(cal.rename({"date": "_b", "cum": "_cb"}), on=["region", "_b"], how="left", maintain_order="left").join(
        cal.rename({"date": "_a1", "cum": "_ca"}), on=["region", "_a1"], how="left", maintain_order="left"
    )
    r = r.with_columns(
        ((pl.col("_cb") - pl.col("_ca")).cast(pl.Float64) * pl.col("hours_per_week") / 5.0).alias("hours")
    )
    return r.drop(["_a0", "_b0", "_a", "_b", "_a1", "_cb", "_ca", "start_date", "end_date"])
