"""The forecast of a run: by component, quantiles of the summed draws, by group, one project."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict

import pandas as pd

from app.queries.labels import _label, _label_ids, labels
from app.queries.scope import Filters, _run_scope
from app.queries.tables import (
    FORECAST_GROUPINGS,
    DataUnavailable,
    Table,
    has_table,
)
from app.warehouse_access import query


def forecast_by_component(f: Filters, run_id: str) -> tuple[pd.DataFrame, list[str]]:
    """Mean forecast per month and component for a run (base scenario)."""
    t = Table("forecast")
    scope = _run_scope(t, f, run_id, "t")
    frame = query(
        f"select cast({t.c('month', 't')} as date) as month, {t.c('component', 't')} as component, "
        f"sum({t.c('mean', 't')})::double as mean from {t.ref} t where {scope.sql} group by 1, 2 order by 1, 2",
        tuple(scope.params),
    )
    return frame, scope.ignored


def forecast_quantiles(
    f: Filters,
    run_id: str,
    group: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    per_month: bool = True,
) -> pd.DataFrame:
    """p10/p50/p90 of summed draws (never a sum of quantiles), per month (and group) or over the window.

    Raises DataUnavailable when there are no draws, or when a filter or the grouping needs a dimension
    the draws are not broken down by.
    """
    d = Table("draws")
    scope = _run_scope(d, f, run_id, "d", start, end)
    if scope.ignored:
        raise DataUnavailable(
            "the simulation draws are not broken down by "
            + ", ".join(_label(x) for x in scope.ignored)
            + ", so the p10-p90 range cannot be computed for this filter"
        )
    if group is not None:
        if group not in FORECAST_GROUPINGS:
            raise ValueError(f"unknown grouping {group}")
        if not d.has(group):
            raise DataUnavailable(f"the simulation draws are not broken down by {_label(group)}")
    keys = []
    if per_month:
        keys.append(f"cast({d.c('month', 'd')} as date) as month")
    if group:
        keys.append(f"{d.c(group, 'd')} as grp")
    key_names = [k.split(" as ")[-1] for k in keys]
    inner_keys = ", ".join(keys + [f"{d.c('draw', 'd')} as draw"])
    group_inner = ", ".join(str(i + 1) for i in range(len(keys) + 1))
    outer_keys = ", ".join(key_names)
    select_keys = (outer_keys + ", ") if outer_keys else ""
    group_outer = f" group by {outer_keys} order by {outer_keys}" if outer_keys else ""
    sql = (
        f"select {select_keys}quantile_cont(total, 0.1) as p10, quantile_cont(total, 0.5) as p50, "
        f"quantile_cont(total, 0.9) as p90, avg(total) as mean from ("
        f"select {inner_keys}, sum({d.c('value', 'd')})::double as total from {d.ref} d "
        f"where {scope.sql} group by {group_inner}){group_outer}"
    )
    simulated = query(sql, tuple(scope.params))
    return _add_actuals(simulated, f, run_id, group, start, end, per_month)


def _add_actuals(
    simulated: pd.DataFrame,
    f: Filters,
    run_id: str,
    group: str | None,
    start: dt.date | None,
    end: dt.date | None,
    per_month: bool,
) -> pd.DataFrame:
    """The `actual` component is deterministic and not in the draws: add it to every quantile.

    A constant shifts every quantile by itself, so p(actual + draws) = actual + p(draws). Months with
    actuals only (closed months) get p10 = p50 = p90 = actual.
    """
    t = Table("forecast")
    scope = _run_scope(t, f, run_id, "t", start, end)
    keys, names = [], []
    if per_month:
        keys.append(f"cast({t.c('month', 't')} as date)")
        names.append("month")
    if group:
        keys.append(t.c(group, "t"))
        names.append("grp")
    select_keys = "".join(f"{k} as {n}, " for k, n in zip(keys, names, strict=True))
    group_by = f" group by {', '.join(str(i + 1) for i in range(len(keys)))}" if keys else ""
    actual = query(
        f"select {select_keys}coalesce(sum({t.c('mean', 't')}), 0)::double as actual from {t.ref} t "
        f"where {scope.sql} and {t.c('component', 't')} = 'actual'{group_by}",
        tuple(scope.params),
    )
    if not names:
        extra = float(actual["actual"].iloc[0]) if not actual.empty else 0.0
        result = simulated.copy()
        if result.empty or result["p50"].isna().all():
            result = pd.DataFrame({"p10": [0.0], "p50": [0.0], "p90": [0.0], "mean": [0.0]})
        for column in ("p10", "p50", "p90", "mean"):
            result[column] = result[column].fillna(0.0) + extra
        return result
    for frame in (simulated, actual):
        if "month" in frame:
            frame["month"] = pd.to_datetime(frame["month"]).astype("datetime64[ns]")
    merged = simulated.merge(actual, on=names, how="outer")
    merged["actual"] = merged["actual"].fillna(0.0)
    for column in ("p10", "p50", "p90", "mean"):
        merged[column] = merged[column].fillna(0.0) + merged["actual"]
    return merged.drop(columns="actual").sort_values(names).reset_index(drop=True)


class Outlook(TypedDict):
    """A calendar year's revenue outlook; p10/p50/p90 are None when the draws cannot give a range (see range_note)."""

    mean: float
    p10: float | None
    p50: float | None
    p90: float | None
    range_note: str | None
    ignored: list[str]


def full_year_outlook(f: Filters, run_id: str, year: int) -> Outlook:
    """Actuals plus forecast for the calendar year: mean from the forecast, p10/p50/p90 from draws."""
    t = Table("forecast")
    scope = _run_scope(t, f, run_id, "t", dt.date(year, 1, 1), dt.date(year, 12, 31))
    mean = query(
        f"select coalesce(sum({t.c('mean', 't')}), 0)::double as mean from {t.ref} t where {scope.sql}",
        tuple(scope.params),
    )["mean"].iloc[0]
    result: Outlook = {
        "mean": float(mean),
        "p10": None,
        "p50": None,
        "p90": None,
        "range_note": None,
        "ignored": scope.ignored,
    }
    try:
        q = forecast_quantiles(f, run_id, start=dt.date(year, 1, 1), end=dt.date(year, 12, 1), per_month=False)
        if not q.empty and pd.notna(q["p50"].iloc[0]):
            result["p10"] = float(q["p10"].iloc[0])
            result["p50"] = float(q["p50"].iloc[0])
            result["p90"] = float(q["p90"].iloc[0])
    except DataUnavailable as exc:
        result["range_note"] = str(exc)
    return result


def forecast_by_group(f: Filters, run_id: str, group: str) -> pd.DataFrame:
    """Mean forecast per month and group (practice, region, customer or entity)."""
    if group not in FORECAST_GROUPINGS:
        raise ValueError(f"unknown grouping {group}")
    t = Table("forecast")
    scope = _run_scope(t, f, run_id, "t")
    frame = query(
        f"select cast({t.c('month', 't')} as date) as month, {t.c(group, 't')} as grp, "
        f"sum({t.c('mean', 't')})::double as mean from {t.ref} t where {scope.sql} group by 1, 2 order by 1, 2",
        tuple(scope.params),
    )
    return _label_ids(frame, "grp", group)


def forecast_projects(f: Filters, run_id: str) -> pd.DataFrame:
    """Projects in a run (with actuals or forecast), largest forecast first, for the drill-down chooser."""
    t = Table("forecast")
    scope = _run_scope(t, f, run_id, "t")
    frame = query(
        f"select {t.c('project_id', 't')} as project_id, sum(case when {t.c('component', 't')} <> 'actual' "
        f"then {t.c('mean', 't')} else 0 end)::double as forecast "
        f"from {t.ref} t where {scope.sql} and {t.c('project_id', 't')} is not null group by 1 order by 2 desc, 1",
        tuple(scope.params),
    )
    return _label_ids(frame, "project_id", "project_id", keep_id=True)


def project_forecast(run_id: str, project_id: str) -> pd.DataFrame:
    t = Table("forecast")
    return query(
        f"select cast({t.c('month')} as date) as month, {t.c('component')} as component, "
        f"sum({t.c('mean')})::double as mean, sum({t.c('p10')})::double as p10, "
        f"sum({t.c('p50')})::double as p50, sum({t.c('p90')})::double as p90 from {t.ref} "
        f"where {t.c('run_id')} = ? and {t.c('scenario_id')} = 'base' and {t.c('project_id')} = ? "
        f"group by 1, 2 order by 1, 2",
        (run_id, project_id),
    )


def project_inputs(project_id: str) -> dict[str, Any]:
    """The inputs behind a project's forecast: plan, contract, progress (current financials).

    Values are the warehouse's, as pandas reads them (numbers, text, or missing).
    """
    inputs: dict[str, Any] = {}
    if has_table("project_financials"):
        pf = Table("project_financials")
        wanted = [
            k
            for k in (
                "contract_value",
                "remaining_planned_hours",
                "eac",
                "percent_complete",
                "earned_to_date",
                "billed_to_date",
                "margin_at_completion",
            )
            if pf.has(k)
        ]
        if wanted:
            row = query(
                f"select {', '.join(f'{pf.c(k)} as {k}' for k in wanted)} from {pf.ref} where {pf.c('project_id')} = ?",
                (project_id,),
            )
            if not row.empty:
                inputs.update({k: row[k].iloc[0] for k in wanted})
    if has_table("dim_project"):
        p = Table("dim_project")
        wanted = [k for k in ("project_name", "billing_type", "status", "practice") if p.has(k)]
        row = query(
            f"select {', '.join(f'{p.c(k)} as {k}' for k in wanted)} from {p.ref} where {p.c('project_id')} = ?",
            (project_id,),
        )
        if not row.empty:
            inputs.update({k: row[k].iloc[0] for k in wanted})
    return inputs


def project_bill_rate(project_id: str) -> float | None:
    """Average realised bill rate of a project: billable value / billable hours of its time entries."""
    if not has_table("time_entries"):
        return None
    t = Table("time_entries")
    value = query(
        f"select (sum({t.c('bill_value')}) / nullif(sum({t.c('hours')}), 0))::double as rate from {t.ref} "
        f"where {t.c('project_id')} = ? and {t.c('billable')} and {t.c('bill_value')} is not null",
        (project_id,),
    )["rate"].iloc[0]
    return None if pd.isna(value) else float(value)


def model_factors(run_id: str, name_like: str) -> pd.DataFrame:
    """Diagnostics of a run whose name contains `name_like` (e.g. learned delivery factors)."""
    d = Table("diagnostics")
    return query(
        f"select {d.c('name')} as name, {d.c('value')} as value from {d.ref} "
        f"where {d.c('run_id')} = ? and contains(lower(cast({d.c('name')} as varchar)), ?) order by 1",
        (run_id, name_like.lower()),
    )


def forecast_rows(f: Filters, run_id: str, month: dt.date, component: str | None = None) -> pd.DataFrame:
    """The forecast rows of one month (and component): per project, opportunity or run-rate line, largest
    first. Their means sum to the bar clicked."""
    t = Table("forecast")
    scope = _run_scope(t, f, run_id, "t", month, month)
    sql, params = scope.sql, list(scope.params)
    if component is not None:
        sql += f" and {t.c('component', 't')} = ?"
        params.append(component)
    frame = query(
        f"select {t.c('component', 't')} as component, {t.c('project_id', 't')} as project_id, "
        f"{t.c('opportunity_id', 't')} as opportunity_id, {t.c('practice', 't')} as practice, "
        f"sum({t.c('mean', 't')})::double as mean from {t.ref} t where {sql} group by all "
        f"order by mean desc, project_id nulls last",
        tuple(params),
    )
    names = labels("project_id")
    frame.insert(2, "project", [names.get(p, p) if isinstance(p, str) else None for p in frame["project_id"]])
    return frame
