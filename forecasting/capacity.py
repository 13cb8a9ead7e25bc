"""Capacity ceiling: the firm cannot bill more hours than its people have.

Capacity hours of a month = Σ over people employed in it of weekly capacity x working days
(Mon-Fri, not a holiday of their region, within employment) / 5. History gives the utilization
the firm has shown (billable hours / capacity, per complete month) and the revenue it earned per
billable hour (the highest month of the last REVENUE_MONTHS). Future capacity counts the people
employed at the as-of date (and hires already dated after it) minus known leavers, moved by the
net headcount change of the last 12 months (leavers replaced as they have been; a hiring freeze
shrinks it). The ceiling on a month's revenue is

    capacity hours x the highest monthly utilization shown x revenue per billable hour x SLACK.

The published forecast never exceeds it in any draw (forecasting/selfassess.apply); when it
binds the diagnostics say in which months and how often.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from forecasting.calendar import add_months, month_end
from forecasting.frames import ordered

REVENUE_MONTHS = 6
UTILIZATION_MONTHS = 24
SLACK = 1.10
DEFAULT_WEEKLY_HOURS = 40.0  # when the employees carry no weekly capacity (utilization is relative anyway)


def capacity_hours(employees: pl.DataFrame, holidays: pl.DataFrame, months: list[dt.date]) -> np.ndarray:
    """Capacity hours per month (see the module docstring); a termination not (yet) known counts as none."""
    if not months or not employees.height:
        return np.zeros(len(months))
    far = dt.date(2999, 12, 31)
    out = np.zeros(len(months))
    hol: dict[str | None, list[np.datetime64]] = {}
    if holidays.height:
        for (region,), g in holidays.group_by("region"):
            hol[region] = [np.datetime64(d) for d in g["holiday_date"].to_list() if d is not None]
    emp = employees.select(
        "region",
        "hire_date",
        "termination_date",
        (pl.col("weekly_capacity_hours") if "weekly_capacity_hours" in employees.columns else pl.lit(None))
        .cast(pl.Float64)
        .fill_null(DEFAULT_WEEKLY_HOURS)
        .alias("cap"),
    )
    starts = np.array([np.datetime64(m) for m in months])
    ends = np.array([np.datetime64(month_end(m)) + np.timedelta64(1, "D") for m in months])
    # fixed region order: the sum is bit-identical run to run
    for (region,), g in sorted(emp.group_by("region"), key=lambda kv: str(kv[0][0])):
        h = hol.get(region, [])
        hire = np.array([np.datetime64(d if d is not None else dt.date(1900, 1, 1)) for d in g["hire_date"].to_list()])
        term = np.array(
            [
                np.datetime64((d if d is not None else far) + dt.timedelta(days=1))
                for d in g["termination_date"].to_list()
            ]
        )
        cap = g["cap"].to_numpy().astype(float)
        a = np.maximum(hire[:, None], starts[None, :])
        b = np.minimum(term[:, None], ends[None, :])
        ok = b > a
        days = np.zeros(a.shape)
        days[ok] = np.busday_count(a[ok], b[ok], holidays=h)
        out += (cap[:, None] * days / 5.0).sum(axis=0)
    return out


def ceiling(
    employees: pl.DataFrame,
    holidays: pl.DataFrame,
    rated: pl.DataFrame,
    history: pl.DataFrame,
    as_of: dt.date,
    months: list[dt.date],
) -> tuple[np.ndarray | None, dict[str, float]]:
    """(revenue ceiling per forecast month or None without the history to learn it, diagnostics)."""
    diag: dict[str, float] = {}
    last_complete = (as_of + dt.timedelta(days=1)).replace(day=1)
    hist_months = [add_months(last_complete, -k) for k in range(UTILIZATION_MONTHS, 0, -1)]
    billable = (
        rated.filter(pl.col("billable") & (pl.col("month") < last_complete))
        .select("month", "hours")
        .pipe(ordered)
        .group_by("month", maintain_order=True)
        .agg(pl.col("hours").sum())
    )
    bill = dict(billable.iter_rows())
    hist_months = [m for m in hist_months if m in bill]
    if len(hist_months) < 3:
        return None, {"capacity.learned": 0.0}
    cap_hist = capacity_hours(employees, holidays, hist_months)
    util = np.array([bill[m] for m in hist_months]) / np.where(cap_hist > 0, cap_hist, np.nan)
    util = util[np.isfinite(util)]
    if not len(util):
        return None, {"capacity.learned": 0.0}
    max_util = float(np.max(util))
    rev = dict(
        history.filter(pl.col("month") < last_complete)
        .select("month", "revenue")
        .pipe(ordered)
        .group_by("month", maintain_order=True)
        .agg(pl.col("revenue").sum())
        .iter_rows()
    )
    recent = hist_months[-REVENUE_MONTHS:]
    hours = sum(bill[m] for m in recent)
    if hours <= 0:
        return None, {"capacity.learned": 0.0}
    per_month = [rev.get(m, 0.0) / bill[m] for m in recent if bill[m] > 0]
    per_hour = max(per_month) if per_month else sum(rev.get(m, 0.0) for m in recent) / hours

    # Future headcount: people employed at as_of (and hires already dated after it), known leavers,
    # and the net change of the last 12 months (leavers replaced as they have been; a freeze shrinks).
    def headcount(d: dt.date) -> int:
        return employees.filter(
            (pl.col("hire_date").is_null() | (pl.col("hire_date") <= d))
            & (pl.col("termination_date").is_null() | (pl.col("termination_date") > d))
        ).height

    now, before = headcount(as_of), headcount(as_of - dt.timedelta(days=365))
    net = float(np.clip(now / before, 0.5, 2.0)) if before else 1.0
    # known future terminations are already in capacity_hours; the net trend applies on top
    trend = np.array([net ** ((t + 0.5) / 12) for t in range(len(months))])
    cap_future = capacity_hours(employees, holidays, months) * trend
    top = cap_future * max_util * per_hour * SLACK
    diag.update(
        {
            "capacity.learned": 1.0,
            "capacity.max_utilization": max_util,
            "capacity.revenue_per_billable_hour": float(per_hour),
            "capacity.net_headcount_change_12m": net - 1.0,
        }
    )
    for t in range(len(months)):
        diag[f"capacity.ceiling.m{t + 1}"] = float(top[t])
    return top, diag
