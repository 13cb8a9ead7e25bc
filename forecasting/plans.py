"""The resource plan as it stood at each origin date, in hours per month after that date."""

from __future__ import annotations

import datetime as dt

import polars as pl

from forecasting.calendar import month_end, planned_hours_by_month


def month_end_origins(first: dt.date, as_of: dt.date) -> list[dt.date]:
    """Month ends from first's month through as_of (and as_of itself when it is not a month end)."""
    out = []
    d = month_end(first)
    while d <= as_of:
        out.append(d)
        d = month_end(d + dt.timedelta(days=1))
    if not out or out[-1] != as_of:
        out.append(as_of)
    return out


def plan_at(versions: pl.DataFrame, origin: dt.date) -> pl.DataFrame:
    """The latest plan version dated on or before origin (empty when none)."""
    v = versions.filter(pl.col("plan_date") <= origin)
    if not v.height:
        return v
    return v.filter(pl.col("plan_date") == v["plan_date"].max())


def plan_by_origin(
    versions: pl.DataFrame,
    employees: pl.DataFrame,
    holidays: pl.DataFrame,
    origins: list[dt.date],
    max_months: int = 36,
) -> pl.DataFrame:
    """(origin, assignment_id, project_id, employee_id, role, region, month, hours): hours planned after
    each origin by the plan as it stood then. Origins without any plan version are absent."""
    parts = []
    for o in origins:
        p = plan_at(versions, o)
        if p.height:
            parts.append(p.with_columns(pl.lit(o).alias("origin"), pl.lit(o).alias("count_from")))
    if not parts:
        return pl.DataFrame(
            schema={
                "origin": pl.Date,
                "assignment_id": pl.String,
                "project_id": pl.String,
                "employee_id": pl.String,
                "role": pl.String,
                "region": pl.String,
                "month": pl.Date,
                "hours": pl.Float64,
            }
        )
    rows = pl.concat(parts)
    out = planned_hours_by_month(rows, employees, holidays, max_months)
    return out.select("origin", "assignment_id", "project_id", "employee_id", "role", "region", "month", "hours")
