"""Utilization: billable and planned hours against capacity, per practice and week."""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

import pandas as pd

from app.queries.scope import Filters, _employee_clause
from app.queries.tables import (
    Table,
)
from app.warehouse_access import query


class UtilizationSummary(TypedDict):
    """Hours over a span of weeks; utilization is None without capacity, target None when the mart has none."""

    billable: float
    capacity: float
    utilization: float | None
    target: float | None


def utilization_summary(f: Filters, start: dt.date, end: dt.date) -> tuple[UtilizationSummary, list[str]]:
    """Billable utilization over weeks starting in [start, end]: billable / capacity, and capacity-weighted target."""
    u = Table("utilization")
    scope = _employee_clause(u.c("employee_id", "u"), f)
    target = f"sum({u.c('target', 'u')} * {u.c('capacity', 'u')}) / nullif(sum({u.c('capacity', 'u')}), 0)"
    row = query(
        f"select sum({u.c('billable', 'u')})::double as billable, sum({u.c('capacity', 'u')})::double as capacity, "
        f"({target})::double as target from {u.ref} u where {u.c('week', 'u')} between ? and ?{scope.sql}",
        (start, end, *scope.params),
    ).iloc[0]
    capacity: float = row["capacity"] if pd.notna(row["capacity"]) else 0.0
    billable: float = row["billable"] if pd.notna(row["billable"]) else 0.0
    return {
        "billable": billable,
        "capacity": capacity,
        "utilization": (billable / capacity) if capacity else None,
        "target": float(row["target"]) if pd.notna(row["target"]) else None,
    }, scope.ignored


def last_complete_weeks(as_of: dt.date, weeks: int) -> tuple[dt.date, dt.date]:
    """Mondays of the last `weeks` ISO weeks that ended on or before `as_of`."""
    this_monday = as_of - dt.timedelta(days=as_of.weekday())
    last_full = this_monday if as_of.weekday() == 6 else this_monday - dt.timedelta(days=7)
    return last_full - dt.timedelta(days=7 * (weeks - 1)), last_full


def utilization_by_practice_week(f: Filters, start: dt.date, end: dt.date) -> tuple[pd.DataFrame, list[str]]:
    u = Table("utilization")
    e = Table("dim_employee")
    scope = _employee_clause(u.c("employee_id", "u"), f)
    # Capacity no assignment covers, per person and week: the bench ahead (the mart's bench_hours is
    # capacity minus hours actually billed, which is all of capacity in future weeks).
    unassigned = f"sum(greatest({u.c('capacity', 'u')} - coalesce({u.c('planned', 'u')}, 0), 0))"
    frame = query(
        f"select cast({u.c('week', 'u')} as date) as week, "
        f"coalesce({e.c('practice', 'e')}, 'No practice') as practice, "
        f"sum({u.c('capacity', 'u')})::double as capacity, sum({u.c('billable', 'u')})::double as billable, "
        f"sum({u.c('planned', 'u')})::double as planned, sum({u.c('bench', 'u')})::double as bench, "
        f"{unassigned}::double as unassigned, "
        f"sum({u.c('target', 'u')} * {u.c('capacity', 'u')})::double as target_hours "
        f"from {u.ref} u "
        f"left join {e.ref} e on e.{e.c('employee_id')} = u.{u.c('employee_id')} "
        f"where {u.c('week', 'u')} between ? and ?{scope.sql} group by 1, 2 order by 1, 2",
        (start, end, *scope.params),
    )
    frame["utilization"] = frame["billable"] / frame["capacity"].where(frame["capacity"] > 0)
    frame["planned_utilization"] = frame["planned"] / frame["capacity"].where(frame["capacity"] > 0)
    return frame, scope.ignored


def practice_targets(frame: pd.DataFrame) -> dict[str, float]:
    """Each practice's utilization target over the frame's weeks, weighted by capacity (people with more
    capacity weigh more, as they do in the utilization itself)."""
    sums = frame.groupby("practice")[["target_hours", "capacity"]].sum()
    sums = sums[(sums["capacity"] > 0) & sums["target_hours"].notna()]
    return {str(p): float(t / c) for p, t, c in zip(sums.index, sums["target_hours"], sums["capacity"], strict=True)}
