"""Actual earned revenue against an earlier forecast, attributed to the forecast's components."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from app.queries.common import (
    forecast_runs,
    last_closed_month,
    month_start,
)
from app.queries.labels import _label_ids
from app.queries.scope import Filters, _direct_clause
from app.queries.table_map import TABLES
from app.queries.tables import (
    FORECAST_COMPONENTS,
    DataUnavailable,
    Table,
    has_table,
)
from app.warehouse_access import query


def earlier_run(as_of: dt.date, months_before: int) -> pd.Series | None:
    """The latest run made on or before `as_of` minus `months_before` months."""
    target = (pd.Timestamp(as_of) - pd.DateOffset(months=months_before)).date()
    runs = forecast_runs()
    runs = runs[pd.to_datetime(runs["as_of_date"]).dt.date <= target]
    return None if runs.empty else runs.iloc[0]


def variance_window(early_as_of: dt.date, actual_as_of: dt.date) -> tuple[dt.date, dt.date] | None:
    """Months the earlier run forecast (those after its as-of month) that have closed since."""
    first = (pd.Timestamp(month_start(early_as_of)) + pd.DateOffset(months=1)).date()
    last = last_closed_month(actual_as_of)
    return (first, last) if first <= last else None


# Which actuals a forecast is compared with: today's restated figures, or each month as it was
# reported at its own close (mart_revenue_monthly_history at the month end).
RESTATED, AS_REPORTED = "restated", "as_reported"
BASES = {RESTATED: "Restated (everything known today)", AS_REPORTED: "As reported at each month's close"}


def months_without_close_report(start: dt.date, end: dt.date) -> list[dt.date]:
    """Months in [start, end] whose close the history mart does not hold (older than its closes)."""
    r = Table("revenue_monthly_history")
    held = query(f"select distinct cast({r.c('as_of_date')} as date) as d from {r.ref}")
    closes = {pd.Timestamp(d).date() for d in held["d"]}
    months = pd.date_range(start, end, freq="MS")
    return [m.date() for m in months if (m + pd.offsets.MonthEnd(0)).date() not in closes]


# The attribution rule lives in SQL, in views forecasting/variance_view.py creates beside the forecast
# tables: one view per basis rather than a basis column, so that a sum over a view never counts a
# forecast twice. The app reads them by name (it never imports forecasting), through the allow-list.
def _attribution_view(basis: str) -> Table:
    key = f"variance_{AS_REPORTED if basis == AS_REPORTED else RESTATED}"
    if not has_table(key):
        raise DataUnavailable(
            f"the warehouse has no view forecast.{TABLES[key][1]} yet (`wipcast forecast` or `wipcast backtest` "
            "creates it beside the forecast tables)"
        )
    return Table(key)


def variance(f: Filters, run_id: str, start: dt.date, end: dt.date, basis: str = RESTATED) -> dict[str, pd.DataFrame]:
    """Actual earned revenue versus an earlier forecast over [start, end]: by month, practice, component, project.

    Read from forecast.variance_attribution (or its as-reported twin), which holds the run's forecast rows
    and the actual revenue of the months it forecast that have closed, attributed to its components: a
    project the earlier forecast already had as booked work keeps that component (the largest of its
    forecast); a project born from an opportunity the earlier forecast carried as pipeline counts as
    pipeline; anything else was unplanned. The filters restrict forecast rows by their own dimensions and
    actual rows by their project's, as elsewhere; the attribution itself does not depend on them.
    """
    v = _attribution_view(basis)
    dims = _direct_clause(v, f, "v")
    keys = {
        "month": f"cast({v.c('month', 'v')} as date)",
        "practice": f"coalesce({v.c('practice', 'v')}, 'No practice')",
        "component": v.c("component", "v"),
        "project_id": v.c("project_id", "v"),
    }
    # One query, not four (each opens the file anew): every row totals one month, practice, component or
    # project, the other keys null; the forecast that names no project totals under no key.
    totals = query(
        f"select {', '.join(f'{sql} as {key}' for key, sql in keys.items())}, "
        f"sum({v.c('forecast', 'v')}) as forecast, sum({v.c('actual', 'v')}) as actual, "
        f"sum({v.c('variance', 'v')}) as variance "
        f"from {v.ref} v where {v.c('run_id', 'v')} = ? and {v.c('month', 'v')} between ? and ?{dims.sql} "
        f"group by grouping sets ({', '.join(f'({sql})' for sql in keys.values())})",
        (run_id, start, end, *dims.params),
    )

    def by(key: str) -> pd.DataFrame:
        rows = totals[totals[key].notna()]
        return rows[[key, "forecast", "actual", "variance"]].reset_index(drop=True)

    monthly = by("month").assign(month=lambda m: pd.to_datetime(m["month"]).astype("datetime64[ns]"))
    by_month = (
        pd.DataFrame({"month": pd.date_range(start, end, freq="MS").astype("datetime64[ns]")})
        .merge(monthly, how="left")
        .fillna(0.0)
    )
    by_component = (
        pd.DataFrame({"component": [c for c in FORECAST_COMPONENTS if c != "actual"]})
        .merge(by("component"), how="left")
        .fillna(0.0)
    )
    by_project = by("project_id")
    by_project = by_project.assign(size=by_project["variance"].abs()).sort_values(
        ["size", "project_id"], ascending=[False, True]
    )
    by_project = _label_ids(
        by_project.drop(columns="size").head(20).reset_index(drop=True), "project_id", "project_id", keep_id=True
    )
    return {
        "by_month": by_month,
        "by_practice": by("practice").sort_values("practice").reset_index(drop=True),
        "by_component": by_component,
        "by_project": by_project,
    }
