"""Revenue actuals and targets (the Overview and the Variance page read them)."""

from __future__ import annotations

import datetime as dt
from typing import Literal, TypedDict

import pandas as pd

from app.queries.common import (
    month_start,
)
from app.queries.scope import Clause, Filters, _project_clause
from app.queries.tables import (
    Table,
)
from app.warehouse_access import query


def revenue_monthly(f: Filters, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Earned revenue, cost and margin per month in [start, end] (month starts), reporting currency."""
    r = Table("revenue_monthly")
    scope = _project_clause(r.c("project_id", "r"), f)
    return query(
        f"select cast(date_trunc('month', {r.c('month', 'r')}) as date) as month, "
        f"sum({r.c('earned', 'r')})::double as earned, sum({r.c('cost', 'r')})::double as cost, "
        f"sum({r.c('margin', 'r')})::double as margin from {r.ref} r "
        f"where {r.c('month', 'r')} between ? and ?{scope.sql} group by 1 order by 1",
        (start, end, *scope.params),
    )


def revenue_ytd(f: Filters, as_of: dt.date) -> float:
    """Earned revenue from 1 January of the as-of year through the as-of month."""
    frame = revenue_monthly(f, dt.date(as_of.year, 1, 1), month_start(as_of))
    return float(frame["earned"].sum()) if not frame.empty else 0.0


def target_monthly(f: Filters, start: dt.date, end: dt.date) -> tuple[pd.DataFrame, list[str]]:
    """Revenue target per month; targets exist per practice × region only, other filters are reported."""
    t = Table("revenue_vs_target")
    ignored = [d for d in ("entity_id", "customer_id") if f.by_dimension()[d]]
    clause = Clause()
    for dim in ("practice", "region"):
        values = f.by_dimension()[dim]
        if values:
            clause.sql += f" and list_contains(?, {t.c(dim)})"
            clause.params.append(list(values))
    frame = query(
        f"select cast(date_trunc('month', {t.c('month')}) as date) as month, sum({t.c('target')})::double as target "
        f"from {t.ref} where {t.c('month')} between ? and ?{clause.sql} group by 1 order by 1",
        (start, end, *clause.params),
    )
    return frame, ignored


def month_elapsed_fraction(as_of: dt.date) -> float:
    """Share of the as-of month that the data covers: 15 Oct -> 15/31; a month end -> 1."""
    next_month = (month_start(as_of) + dt.timedelta(days=32)).replace(day=1)
    return as_of.day / (next_month - month_start(as_of)).days


def target_ytd(f: Filters, as_of: dt.date) -> tuple[float | None, list[str]]:
    """Target from 1 January to the as-of date; the as-of month's target is prorated by the days elapsed."""
    frame, ignored = target_monthly(f, dt.date(as_of.year, 1, 1), month_start(as_of))
    if ignored:
        return None, ignored
    if frame.empty:
        return None, ignored
    weights = [
        month_elapsed_fraction(as_of) if pd.Timestamp(m).date() == month_start(as_of) else 1.0 for m in frame["month"]
    ]
    return float((frame["target"] * weights).sum()), ignored


Period = Literal["ytd", "qtd"]
PERIOD_LABELS: dict[str, str] = {"ytd": "Year to date", "qtd": "Quarter to date"}


def period_start(as_of: dt.date, period: Period) -> dt.date:
    """1 January, or the first day of the as-of date's calendar quarter."""
    if period == "ytd":
        return dt.date(as_of.year, 1, 1)
    return dt.date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)


def prorated_sum(frame: pd.DataFrame, column: str, last_month: dt.date, fraction: float) -> float:
    """Sum of a monthly column where the month `last_month` counts for `fraction` of itself (the share of the
    as-of month the data covers), so a full month of another year compares with a part month of this one."""
    if frame.empty:
        return 0.0
    weights = [fraction if pd.Timestamp(m).date() == last_month else 1.0 for m in frame["month"]]
    return float((frame[column].astype(float) * weights).sum())


class PeriodFigures(TypedDict):
    """Revenue and margin from the period start to the as-of date, with the same days of the year before and
    the target; target is None when the filters cut across how targets are set (target_ignored says which)."""

    start: dt.date
    revenue: float
    margin: float
    last_year_revenue: float | None
    last_year_margin: float | None
    target: float | None
    target_ignored: list[str]


def period_figures(f: Filters, as_of: dt.date, period: Period) -> PeriodFigures:
    start, last = period_start(as_of, period), month_start(as_of)
    this_year = revenue_monthly(f, start, last)
    ly_start, ly_last = start.replace(year=start.year - 1), last.replace(year=last.year - 1)
    last_year = revenue_monthly(f, ly_start, ly_last)
    fraction = month_elapsed_fraction(as_of)
    targets, ignored = target_monthly(f, start, last)
    return {
        "start": start,
        "revenue": float(this_year["earned"].sum()) if not this_year.empty else 0.0,
        "margin": float(this_year["margin"].sum()) if not this_year.empty else 0.0,
        "last_year_revenue": None if last_year.empty else prorated_sum(last_year, "earned", ly_last, fraction),
        "last_year_margin": None if last_year.empty else prorated_sum(last_year, "margin", ly_last, fraction),
        "target": None if ignored or targets.empty else prorated_sum(targets, "target", last, fraction),
        "target_ignored": ignored,
    }


def practice_region_vs_target(f: Filters, as_of: dt.date) -> tuple[pd.DataFrame, list[str]]:
    """Earned revenue against target per practice and region, 1 January to the as-of date (the as-of month's
    target prorated by the days elapsed). Targets are set per practice x region: other filters are reported."""
    t = Table("revenue_vs_target")
    ignored = [d for d in ("entity_id", "customer_id") if f.by_dimension()[d]]
    clause = Clause()
    for dim in ("practice", "region"):
        if f.by_dimension()[dim]:
            clause.sql += f" and list_contains(?, {t.c(dim)})"
            clause.params.append(list(f.by_dimension()[dim]))
    last = month_start(as_of)
    fraction = month_elapsed_fraction(as_of)
    frame = query(
        f"select {t.c('practice')} as practice, {t.c('region')} as region, "
        f"sum({t.c('earned')})::double as earned, "
        f"sum({t.c('target')} * case when {t.c('month')} = ? then ? else 1 end)::double as target "
        f"from {t.ref} where {t.c('month')} between ? and ?{clause.sql} group by 1, 2 order by 1, 2",
        (last, fraction, dt.date(as_of.year, 1, 1), last, *clause.params),
    )
    frame["variance"] = frame["earned"] - frame["target"]
    frame["attainment"] = frame["earned"] / frame["target"].where(frame["target"] != 0)
    return frame, ignored
