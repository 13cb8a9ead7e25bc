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
from app.queries.scope import Filters, _project_clause, _run_scope
from app.queries.tables import (
    FORECAST_COMPONENTS,
    Table,
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


def _forecast_by_project_component(f: Filters, run_id: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    t = Table("forecast")
    scope = _run_scope(t, f, run_id, "t", start, end)
    return query(
        f"select {t.c('project_id', 't')} as project_id, {t.c('opportunity_id', 't')} as opportunity_id, "
        f"{t.c('component', 't')} as component, coalesce({t.c('practice', 't')}, 'No practice') as practice, "
        f"cast({t.c('month', 't')} as date) as month, sum({t.c('mean', 't')})::double as forecast "
        f"from {t.ref} t where {scope.sql} and {t.c('component', 't')} <> 'actual' group by all",
        tuple(scope.params),
    )


# Which actuals a forecast is compared with: today's restated figures, or each month as it was
# reported at its own close (mart_revenue_monthly_history at the month end).
RESTATED, AS_REPORTED = "restated", "as_reported"
BASES = {RESTATED: "Restated (everything known today)", AS_REPORTED: "As reported at each month's close"}


def _actual_by_project(f: Filters, start: dt.date, end: dt.date, basis: str = RESTATED) -> pd.DataFrame:
    r = Table("revenue_monthly_history" if basis == AS_REPORTED else "revenue_monthly")
    p = Table("dim_project")
    scope = _project_clause(r.c("project_id", "r"), f)
    at_close = f" and {r.c('as_of_date', 'r')} = last_day({r.c('month', 'r')})" if basis == AS_REPORTED else ""
    return query(
        f"select r.{r.c('project_id')} as project_id, {p.c('opportunity_id', 'p')} as opportunity_id, "
        f"{p.c('billing_type', 'p')} as billing_type, "
        f"coalesce({p.c('practice', 'p')}, 'No practice') as practice, "
        f"cast(date_trunc('month', {r.c('month', 'r')}) as date) as month, sum({r.c('earned', 'r')})::double as actual "
        f"from {r.ref} r left join {p.ref} p on p.{p.c('project_id')} = r.{r.c('project_id')} "
        f"where {r.c('month', 'r')} between ? and ?{at_close}{scope.sql} group by all",
        (start, end, *scope.params),
    )


def months_without_close_report(start: dt.date, end: dt.date) -> list[dt.date]:
    """Months in [start, end] whose close the history mart does not hold (older than its closes)."""
    r = Table("revenue_monthly_history")
    held = query(f"select distinct cast({r.c('as_of_date')} as date) as d from {r.ref}")
    closes = {pd.Timestamp(d).date() for d in held["d"]}
    months = pd.date_range(start, end, freq="MS")
    return [m.date() for m in months if (m + pd.offsets.MonthEnd(0)).date() not in closes]


def variance(f: Filters, run_id: str, start: dt.date, end: dt.date, basis: str = RESTATED) -> dict[str, pd.DataFrame]:
    """Actual earned revenue versus an earlier forecast over [start, end]: by month, practice, component, project.

    Attribution of actual revenue to the forecast's components (for the bridge): a project the earlier
    forecast already had as booked work keeps that component; a project born from an opportunity the
    earlier forecast carried as pipeline counts as pipeline; anything else was unplanned.
    """
    fc = _forecast_by_project_component(f, run_id, start, end)
    ac = _actual_by_project(f, start, end, basis)
    for frame in (fc, ac):
        frame["month"] = pd.to_datetime(frame["month"]).astype("datetime64[ns]")
    booked = fc[fc["project_id"].notna() & (fc["component"] != "pipeline")]
    project_component = (
        booked.groupby(["project_id", "component"])["forecast"]
        .sum()
        .reset_index()
        .sort_values("forecast", ascending=False)
        .drop_duplicates("project_id")
        .set_index("project_id")["component"]
    )
    pipeline_opps = set(fc.loc[fc["component"] == "pipeline", "opportunity_id"].dropna())

    def attribute(project_id: str, opportunity_id: str | None) -> str:
        if project_id in project_component.index:
            return str(project_component[project_id])
        if opportunity_id is not None and opportunity_id in pipeline_opps:
            return "pipeline"
        return "unplanned"

    ac["component"] = (
        [attribute(p, o) for p, o in zip(ac["project_id"], ac["opportunity_id"], strict=True)]
        if not ac.empty
        else pd.Series(dtype=str)
    )

    by_month = (
        pd.DataFrame({"month": pd.date_range(start, end, freq="MS").astype("datetime64[ns]")})
        .merge(fc.groupby("month")["forecast"].sum().reset_index(), how="left")
        .merge(ac.groupby("month")["actual"].sum().reset_index(), how="left")
        .fillna(0.0)
    )
    by_practice = (
        fc.groupby("practice")["forecast"]
        .sum()
        .reset_index()
        .merge(ac.groupby("practice")["actual"].sum().reset_index(), how="outer")
        .fillna(0.0)
    )
    by_component = (
        pd.DataFrame({"component": [c for c in FORECAST_COMPONENTS if c != "actual"]})
        .merge(fc.groupby("component")["forecast"].sum().reset_index(), how="left")
        .merge(ac.groupby("component")["actual"].sum().reset_index(), how="left")
        .fillna(0.0)
    )
    fc_projects = fc[fc["project_id"].notna()].groupby("project_id")["forecast"].sum().reset_index()
    by_project = fc_projects.merge(ac.groupby("project_id")["actual"].sum().reset_index(), how="outer").fillna(0.0)
    for frame in (by_month, by_practice, by_component, by_project):
        frame["variance"] = frame["actual"] - frame["forecast"]
    by_project = by_project.reindex(by_project["variance"].abs().sort_values(ascending=False).index)
    by_project = _label_ids(by_project.head(20).reset_index(drop=True), "project_id", "project_id", keep_id=True)
    return {
        "by_month": by_month,
        "by_practice": by_practice.sort_values("practice").reset_index(drop=True),
        "by_component": by_component,
        "by_project": by_project,
    }
