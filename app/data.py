"""Every query the dashboard runs, and every warehouse column name it relies on, in one place.

Pages call the functions below and get pandas frames with stable, logical column names. The physical
names live in TABLES, taken from the marts' enforced dbt contracts (dbt_project/models/marts/**) and the
forecast DDL (forecasting/store.py); a few are expressions, e.g. converting a mart amount kept in the
project currency with the rate alongside. A table that is absent (a warehouse without forecasts, say)
raises DataUnavailable with a sentence the page shows as its empty state.

Safety: values are always bound parameters. Identifiers are only ever taken from TABLES (an allow-list)
after checking that the published file has them, and are quoted.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

import pandas as pd

from app.warehouse_access import (
    BUILD_HINT,
    SqlParam,
    WarehouseBusy,
    WarehouseMissing,
    catalog,
    file_identity,
    published_path,
    query,
)
from wipcast.settings import load_settings

# Pages reach the warehouse only through this module: it re-exports what they need of app.warehouse_access.
__all__ = [
    "BUILD_HINT",
    "WarehouseBusy",
    "WarehouseMissing",
    "DataUnavailable",
    "Filters",
    "catalog",
    "published_path",
    "query",
]


class DataUnavailable(Exception):
    """A table or column the page needs is not in the published warehouse; the message says why."""


# --------------------------------------------------------------------------------------------------
# Column map: logical name -> candidate physical names, per table
# --------------------------------------------------------------------------------------------------

TABLES: dict[str, tuple[str, str, dict[str, tuple[str, ...]]]] = {
    "as_of": (
        "marts",
        "dim_as_of",
        {
            "as_of_date": ("as_of_date",),
        },
    ),
    "dim_entity": (
        "marts",
        "dim_entity",
        {
            "entity_id": ("entity_id",),
            "entity_name": ("entity_name",),
        },
    ),
    "dim_customer": (
        "marts",
        "dim_customer",
        {
            "customer_id": ("customer_id",),
            "customer_name": ("customer_name",),
            "region": ("region",),
        },
    ),
    "dim_project": (
        "marts",
        "dim_project",
        {
            "project_id": ("project_id",),
            "project_name": ("project_name",),
            "customer_id": ("customer_id",),
            "entity_id": ("entity_id",),
            "practice": ("practice",),
            "billing_type": ("billing_type",),
            "status": ("status",),
            "opportunity_id": ("opportunity_id",),
        },
    ),
    "dim_employee": (
        "marts",
        "dim_employee",
        {
            "employee_id": ("employee_id",),
            "practice": ("practice",),
            "region": ("region",),
            "entity_id": ("entity_id",),
        },
    ),
    "revenue_monthly": (
        "marts",
        "mart_revenue_monthly",
        {
            "project_id": ("project_id",),
            "month": ("month_start",),
            "earned": ("earned_revenue_reporting",),
            "cost": ("cost_reporting",),
            "billed": ("billed_reporting",),
            "reporting_currency": ("reporting_currency",),
        },
    ),
    "revenue_vs_target": (
        "marts",
        "mart_revenue_vs_target",
        {
            "practice": ("practice",),
            "region": ("region",),
            "month": ("month_start",),
            "target": ("target_amount",),
        },
    ),
    "project_financials": (
        "marts",
        "mart_project_financials",
        {
            "project_id": ("project_id",),
            "as_of_date": ("as_of_date",),
            "contract_value": ("contract_value_reporting",),
            "remaining_planned_hours": ("remaining_planned_hours",),
            "eac": ("estimate_at_completion_reporting",),
            "percent_complete": ("percent_complete",),
            "earned_to_date": ("earned_to_date_reporting",),
            "billed_to_date": ("billed_to_date_reporting",),
            "margin_at_completion": ("margin_at_completion_reporting",),
            "is_loss_contract": ("is_loss_contract",),
            "is_over_budget": ("is_over_budget",),
            # The mart keeps overdue milestones in the project currency with the as-of month's rate alongside.
            "overdue_milestone_amount": ("{overdue_milestone_amount} * {fx_rate_to_reporting}",),
        },
    ),
    "unbilled": (
        "marts",
        "mart_unbilled_exposure",
        {
            "project_id": ("project_id",),
            "as_of_date": ("as_of_date",),
            "bucket": ("ageing_bucket",),
            # The mart keeps these in the project currency with the as-of month's rate alongside.
            "approved_unbilled": ("{approved_unbilled_value} * {fx_rate_to_reporting}",),
            "pending_approval": ("{pending_approval_value} * {fx_rate_to_reporting}",),
            "at_risk": (
                "(coalesce({at_risk_after_close_value}, 0) + coalesce({over_cap_value}, 0)) * {fx_rate_to_reporting}",
            ),
            "contract_asset": ("{contract_asset} * {fx_rate_to_reporting}",),
            "at_risk_hours_no_rate": ("at_risk_missing_rate_hours",),
        },
    ),
    "receivables": (
        "marts",
        "mart_receivables",
        {
            "invoice_id": ("invoice_id",),
            "as_of_date": ("as_of_date",),
            "project_id": ("project_id",),
            "customer_id": ("customer_id",),
            "entity_id": ("entity_id",),
            "open_amount": ("open_amount_reporting",),
            "days_past_due": ("days_past_due",),
            "bucket": ("ageing_bucket",),
        },
    ),
    "dso_monthly": (
        "marts",
        "mart_dso_monthly",
        {
            "month": ("month_start",),
            "receivables": ("receivables",),
            "dso": ("dso_days",),
        },
    ),
    "utilization": (
        "marts",
        "mart_utilization_weekly",
        {
            "employee_id": ("employee_id",),
            "week": ("week_start",),
            "capacity": ("capacity_hours",),
            "billable": ("billable_hours",),
            "planned": ("planned_hours",),
            "target": ("utilization_target",),
            "bench": ("bench_hours",),
        },
    ),
    "time_entries": (
        "marts",
        "fct_time_entries",
        {
            "work_date": ("work_date",),
            "project_id": ("project_id",),
            "hours": ("hours",),
            "billable": ("billable",),
            "bill_value": ("bill_value_reporting",),
        },
    ),
    "runs": (
        "forecast",
        "runs",
        {
            "run_id": ("run_id",),
            "as_of_date": ("as_of_date",),
            "created_at": ("created_at",),
            "kind": ("json_extract_string({parameters}, '$.kind')",),
        },
    ),
    "forecast": (
        "forecast",
        "revenue_forecast",
        {
            "run_id": ("run_id",),
            "scenario_id": ("scenario_id",),
            "month": ("month",),
            "project_id": ("project_id",),
            "opportunity_id": ("opportunity_id",),
            "customer_id": ("customer_id",),
            "practice": ("practice",),
            "region": ("region",),
            "entity_id": ("entity_id",),
            "component": ("component",),
            "mean": ("mean",),
            "p10": ("p10",),
            "p50": ("p50",),
            "p90": ("p90",),
        },
    ),
    "draws": (
        "forecast",
        "revenue_forecast_draws",
        {
            "run_id": ("run_id",),
            "scenario_id": ("scenario_id",),
            "month": ("month",),
            "practice": ("practice",),
            "region": ("region",),
            "entity_id": ("entity_id",),
            "draw": ("draw",),
            "value": ("value",),
        },
    ),
    "backtest": (
        "forecast",
        "backtest_metrics",
        {
            "method": ("method",),
            "level": ("level",),
            "horizon": ("horizon",),
            "metric": ("metric",),
            "value": ("value",),
            "run_id": ("run_id",),
        },
    ),
    "diagnostics": (
        "forecast",
        "model_diagnostics",
        {
            "run_id": ("run_id",),
            "name": ("name",),
            "value": ("value",),
        },
    ),
    "calibration": (
        "forecast",
        "win_probability_calibration",
        {
            "run_id": ("run_id",),
            "source": ("source",),
            "bin": ("bin",),
            "predicted": ("predicted",),
            "observed": ("observed",),
            "count": ("n",),
        },
    ),
    "run_log": (
        "ops",
        "run_log",
        {
            "run_id": ("run_id",),
            "step": ("step",),
            "started_at": ("started_at",),
            "finished_at": ("finished_at",),
            "status": ("status",),
            "rows": ("rows",),
            "message": ("message",),
        },
    ),
    "load_log": (
        "ops",
        "load_log",
        {
            "entity": ("entity",),
            "loaded_at": ("loaded_at",),
            "rows": ("rows_loaded",),
            "rows_quarantined": ("rows_quarantined",),
        },
    ),
    "quarantine": (
        "ops",
        "quarantine",
        {
            "entity": ("entity",),
            "reason": ("reason",),
        },
    ),
}

FORECAST_COMPONENTS = (
    "actual",
    "booked_time_and_materials",
    "booked_fixed_fee",
    "milestone",
    "retainer",
    "pipeline",
    "unplanned",
)
BILLING_TYPE_COMPONENT = {
    "time_and_materials": "booked_time_and_materials",
    "fixed_fee": "booked_fixed_fee",
    "milestone": "milestone",
    "retainer": "retainer",
}
AGEING_BUCKETS = ("0-30", "31-60", "61-90", "over 90")
RECEIVABLE_BUCKETS = ("not due", "current", "1-30", "0-30", "31-60", "61-90", "over 90")


def bucket_label(bucket: object) -> str:
    """'over_90' -> 'over 90', 'not_due' -> 'not due' (labels as the marts write them, made readable)."""
    return str(bucket).replace("_", " ") if bucket is not None else "(none)"


def bucket_order(label: str) -> int:
    return RECEIVABLE_BUCKETS.index(label) if label in RECEIVABLE_BUCKETS else 99


# Dimensions a user may group the forecast by: logical name -> label. The allow-list for GROUP BY.
FORECAST_GROUPINGS = {
    "practice": "Practice",
    "region": "Region",
    "customer_id": "Customer",
    "entity_id": "Legal entity",
}
EXPOSURE_GROUPINGS = {"customer_id": "Customer", "project_id": "Project", "entity_id": "Legal entity"}


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class Table:
    """A table of TABLES as found in the published file.

    A candidate is either a column name or, when it contains braces, an expression over other columns
    (e.g. "{contract_asset} * {fx_rate_to_reporting}": the mart keeps the project currency and the rate);
    it is used when all the columns it names exist. Names are still quoted; expressions are ours, never
    the user's.
    """

    def __init__(self, key: str):
        schema, name, columns = TABLES[key]
        present = catalog().get((schema, name))
        if present is None:
            raise DataUnavailable(f"the warehouse has no table {schema}.{name}")
        self.key, self.schema, self.name = key, schema, name
        self.ref = f"{_q(schema)}.{_q(name)}"
        self._lower = {c.lower(): c for c in present}
        self._resolved: dict[str, str] = {}
        for logical, candidates in columns.items():
            for candidate in candidates:
                if "{" in candidate:
                    names = re.findall(r"\{(\w+)\}", candidate)
                    if all(n.lower() in self._lower for n in names):
                        self._resolved[logical] = candidate
                        break
                elif candidate.lower() in self._lower:
                    self._resolved[logical] = "{" + candidate + "}"
                    break

    def has(self, logical: str) -> bool:
        return logical in self._resolved

    def c(self, logical: str, alias: str | None = None) -> str:
        if logical not in self._resolved:
            raise DataUnavailable(
                f"{self.schema}.{self.name} has no {logical} column (looked for "
                f"{', '.join(TABLES[self.key][2][logical])})"
            )
        template = self._resolved[logical]
        prefix = f"{alias}." if alias else ""
        expression = re.sub(r"\{(\w+)\}", lambda m: prefix + _q(self._lower[m.group(1).lower()]), template)
        plain_column = re.fullmatch(r"\{\w+\}", template) is not None
        return expression if plain_column else f"({expression})"


def has_table(key: str) -> bool:
    schema, name, _ = TABLES[key]
    return (schema, name) in catalog()


# --------------------------------------------------------------------------------------------------
# Filters
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """Global filters chosen in the sidebar. Empty tuple = no restriction."""

    run_id: str | None = None
    entities: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    practices: tuple[str, ...] = ()
    customers: tuple[str, ...] = ()

    def by_dimension(self) -> dict[str, tuple[str, ...]]:
        return {
            "entity_id": self.entities,
            "region": self.regions,
            "practice": self.practices,
            "customer_id": self.customers,
        }

    @property
    def any_dimension(self) -> bool:
        return any(self.by_dimension().values())


@dataclass
class Clause:
    sql: str = ""
    params: list[SqlParam] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # filters this figure cannot honour (said on the page)


def _direct_clause(table: Table, f: Filters, alias: str) -> Clause:
    """Filter on dimension columns the table itself carries; report the ones it lacks."""
    clause = Clause()
    for dim, values in f.by_dimension().items():
        if not values:
            continue
        if table.has(dim):
            clause.sql += f" and list_contains(?, {table.c(dim, alias)})"
            clause.params.append(list(values))
        else:
            clause.ignored.append(dim)
    return clause


def _run_scope(
    table: Table, f: Filters, run_id: str, alias: str, start: dt.date | None = None, end: dt.date | None = None
) -> Clause:
    """Where-clause (without `where`) for one run's base scenario, months in [start, end] when given,
    restricted by the filters the forecast table carries; the others are reported as ignored."""
    dims = _direct_clause(table, f, alias)
    sql = f"{table.c('run_id', alias)} = ? and {table.c('scenario_id', alias)} = 'base'"
    params: list[SqlParam] = [run_id]
    if start is not None:
        sql += f" and {table.c('month', alias)} >= ?"
        params.append(start)
    if end is not None:
        sql += f" and {table.c('month', alias)} <= ?"
        params.append(end)
    return Clause(sql + dims.sql, params + dims.params, dims.ignored)


def _project_clause(project_col: str, f: Filters) -> Clause:
    """Restrict a project-grain table to the projects matching the filters (through dim_project)."""
    if not f.any_dimension:
        return Clause()
    p = Table("dim_project")
    conditions: list[str] = []
    params: list[SqlParam] = []
    join = ""
    for dim, values in f.by_dimension().items():
        if not values:
            continue
        if dim == "region":  # dim_project carries no region: a project's region is its customer's
            cust = Table("dim_customer")
            join = f" left join {cust.ref} fc on fc.{cust.c('customer_id')} = fp.{p.c('customer_id')}"
            conditions.append(f"list_contains(?, {cust.c('region', 'fc')})")
        else:
            conditions.append(f"list_contains(?, {p.c(dim, 'fp')})")
        params.append(list(values))
    sql = (
        f" and {project_col} in (select fp.{p.c('project_id')} from {p.ref} fp{join} where {' and '.join(conditions)})"
    )
    return Clause(sql, params)


def _employee_clause(employee_col: str, f: Filters) -> Clause:
    """Restrict an employee-grain table; customers do not apply to people and are reported as ignored."""
    e = Table("dim_employee")
    clause = Clause()
    conditions = []
    for dim, values in f.by_dimension().items():
        if not values:
            continue
        if dim == "customer_id" or not e.has(dim):
            clause.ignored.append(dim)
            continue
        conditions.append(f"list_contains(?, {e.c(dim, 'fe')})")
        clause.params.append(list(values))
    if conditions:
        clause.sql = (
            f" and {employee_col} in (select fe.{e.c('employee_id')} from {e.ref} fe where {' and '.join(conditions)})"
        )
    return clause


# --------------------------------------------------------------------------------------------------
# Filter options, runs, as-of dates
# --------------------------------------------------------------------------------------------------


def filter_options() -> dict[str, pd.DataFrame]:
    """Choices for the sidebar: id and label per dimension."""
    options: dict[str, pd.DataFrame] = {}
    empty = pd.DataFrame({"id": pd.Series(dtype=str), "label": pd.Series(dtype=str)})
    try:
        e = Table("dim_entity")
        options["entity_id"] = query(
            f"select {e.c('entity_id')} as id, {e.c('entity_name')} as label from {e.ref} order by 2"
        )
    except DataUnavailable:
        options["entity_id"] = empty
    try:
        c = Table("dim_customer")
        options["customer_id"] = query(
            f"select {c.c('customer_id')} as id, {c.c('customer_name')} as label from {c.ref} order by 2"
        )
    except DataUnavailable:
        options["customer_id"] = empty
    for dim in ("practice", "region"):
        parts = []
        for key in ("dim_project", "dim_employee", "dim_customer"):
            if has_table(key) and Table(key).has(dim):
                t = Table(key)
                parts.append(f"select {t.c(dim)} as v from {t.ref}")
        if parts:
            options[dim] = query(
                f"select distinct v as id, v as label from ({' union all '.join(parts)}) where v is not null order by 1"
            )
        else:
            options[dim] = empty
    return options


def forecast_runs() -> pd.DataFrame:
    """Forecast runs with forecast rows, newest as-of first (a forecast before a backtest of the same date)."""
    r = Table("runs")
    kind = r.c("kind")
    return query(
        f"select {r.c('run_id')} as run_id, cast({r.c('as_of_date')} as date) as as_of_date, "
        f"{r.c('created_at')} as created_at, {kind} as kind from {r.ref} "
        f"where coalesce({kind}, '') not like '%summary%' "
        f"order by as_of_date desc, coalesce({kind}, '') = 'forecast' desc, created_at desc nulls last, run_id desc"
    )


def run_as_of(run_id: str | None) -> dt.date | None:
    if not run_id or not has_table("runs"):
        return None
    runs = forecast_runs()
    match = runs[runs["run_id"] == run_id]
    return None if match.empty else pd.Timestamp(match["as_of_date"].iloc[0]).date()


def actuals_as_of() -> dt.date:
    """The as-of date of the point-in-time marts: marts.dim_as_of, the one row where dbt decides it
    (the as_of var at build time, else the latest work, invoice or payment date)."""
    if has_table("as_of"):
        t = Table("as_of")
        value = query(f"select max({t.c('as_of_date')}) as d from {t.ref}")["d"].iloc[0]
        if pd.notna(value):
            return pd.Timestamp(value).date()
    raise DataUnavailable("the published warehouse has no marts.dim_as_of; rebuild it with `wipcast run`")


def reporting_currency() -> str:
    """The currency the marts were built in (their reporting_currency column), else the app's setting."""
    if has_table("revenue_monthly") and Table("revenue_monthly").has("reporting_currency"):
        r = Table("revenue_monthly")
        frame = query(f"select max({r.c('reporting_currency')}) as c from {r.ref}")
        code = frame["c"].iloc[0] if not frame.empty else None
        # Shown in every amount and chart axis: only an ISO 4217-shaped code, never arbitrary text.
        if isinstance(code, str) and re.fullmatch(r"[A-Za-z]{3}", code.strip()):
            return code.strip().upper()
    return load_settings().reporting_currency


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def last_closed_month(as_of: dt.date) -> dt.date:
    """Start of the latest month fully covered by the data at `as_of`."""
    next_day = as_of + dt.timedelta(days=1)
    if next_day.month != as_of.month:
        return month_start(as_of)
    return month_start(month_start(as_of) - dt.timedelta(days=1))


# --------------------------------------------------------------------------------------------------
# Revenue actuals and targets
# --------------------------------------------------------------------------------------------------


def revenue_monthly(f: Filters, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Earned revenue, cost and billed per month in [start, end] (month starts), reporting currency."""
    r = Table("revenue_monthly")
    scope = _project_clause(r.c("project_id", "r"), f)
    return query(
        f"select cast(date_trunc('month', {r.c('month', 'r')}) as date) as month, "
        f"sum({r.c('earned', 'r')})::double as earned, sum({r.c('cost', 'r')})::double as cost from {r.ref} r "
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


# --------------------------------------------------------------------------------------------------
# Forecast
# --------------------------------------------------------------------------------------------------


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
        f"select cast({t.c('month', 't')} as date) as month, coalesce({t.c(group, 't')}, '(none)') as grp, "
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


# --------------------------------------------------------------------------------------------------
# Variance
# --------------------------------------------------------------------------------------------------


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
        f"{t.c('component', 't')} as component, coalesce({t.c('practice', 't')}, '(none)') as practice, "
        f"cast({t.c('month', 't')} as date) as month, sum({t.c('mean', 't')})::double as forecast "
        f"from {t.ref} t where {scope.sql} and {t.c('component', 't')} <> 'actual' group by all",
        tuple(scope.params),
    )


def _actual_by_project(f: Filters, start: dt.date, end: dt.date) -> pd.DataFrame:
    r = Table("revenue_monthly")
    p = Table("dim_project")
    scope = _project_clause(r.c("project_id", "r"), f)
    return query(
        f"select r.{r.c('project_id')} as project_id, {p.c('opportunity_id', 'p')} as opportunity_id, "
        f"{p.c('billing_type', 'p')} as billing_type, "
        f"coalesce({p.c('practice', 'p')}, '(none)') as practice, "
        f"cast(date_trunc('month', {r.c('month', 'r')}) as date) as month, sum({r.c('earned', 'r')})::double as actual "
        f"from {r.ref} r left join {p.ref} p on p.{p.c('project_id')} = r.{r.c('project_id')} "
        f"where {r.c('month', 'r')} between ? and ?{scope.sql} group by all",
        (start, end, *scope.params),
    )


def variance(f: Filters, run_id: str, start: dt.date, end: dt.date) -> dict[str, pd.DataFrame]:
    """Actual earned revenue versus an earlier forecast over [start, end]: by month, practice, component, project.

    Attribution of actual revenue to the forecast's components (for the bridge): a project the earlier
    forecast already had as booked work keeps that component; a project born from an opportunity the
    earlier forecast carried as pipeline counts as pipeline; anything else was unplanned.
    """
    fc = _forecast_by_project_component(f, run_id, start, end)
    ac = _actual_by_project(f, start, end)
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


# --------------------------------------------------------------------------------------------------
# Unbilled exposure, receivables, DSO
# --------------------------------------------------------------------------------------------------

EXPOSURE_MEASURES = ("approved_unbilled", "pending_approval", "at_risk", "contract_asset")


def unbilled_by(f: Filters, group: str | None = None) -> pd.DataFrame:
    """Unbilled exposure per ageing bucket (and per customer / project / entity when grouped)."""
    u = Table("unbilled")
    scope = _project_clause(u.c("project_id", "u"), f)
    sums = ", ".join(f"coalesce(sum({u.c(m, 'u')}), 0)::double as {m}" for m in EXPOSURE_MEASURES)
    join, key = "", f"{u.c('bucket', 'u')} as bucket"
    group_sql = "1"
    if group is not None:
        if group not in EXPOSURE_GROUPINGS:
            raise ValueError(f"unknown grouping {group}")
        p = Table("dim_project")
        join = f" left join {p.ref} p on p.{p.c('project_id')} = u.{u.c('project_id')}"
        key = f"{p.c(group, 'p')} as grp"
    frame = query(
        f"select {key}, {sums} from {u.ref} u{join} where true{scope.sql} group by {group_sql}", tuple(scope.params)
    )
    frame["total"] = frame[list(EXPOSURE_MEASURES)].sum(axis=1)
    if group is None:
        frame["bucket"] = frame["bucket"].map(bucket_label)
        return frame.sort_values("bucket", key=lambda s: s.map(bucket_order)).reset_index(drop=True)
    frame = frame.sort_values("total", ascending=False).reset_index(drop=True)
    return _label_ids(frame, "grp", group, keep_id=True)


def unbilled_hours_without_rate(f: Filters) -> float:
    """Billable hours at risk because no bill rate resolves: counted in hours, they have no value."""
    u = Table("unbilled")
    scope = _project_clause(u.c("project_id", "u"), f)
    value = query(
        f"select coalesce(sum({u.c('at_risk_hours_no_rate', 'u')}), 0)::double as h from {u.ref} u "
        f"where true{scope.sql}",
        tuple(scope.params),
    )["h"].iloc[0]
    return float(value)


def unbilled_total(f: Filters) -> float:
    frame = unbilled_by(f)
    return float(frame["total"].sum()) if not frame.empty else 0.0


def receivables_ageing(f: Filters) -> pd.DataFrame:
    r = Table("receivables")
    scope = _direct_clause(r, f, "r")
    if "practice" in scope.ignored or "region" in scope.ignored:
        # Invoices carry no practice or region of their own: restrict through their project.
        only_project_dims = Filters(practices=f.practices, regions=f.regions)
        extra = _project_clause(r.c("project_id", "r"), only_project_dims)
        scope = Clause(
            scope.sql + extra.sql,
            scope.params + extra.params,
            [d for d in scope.ignored if d not in ("practice", "region")],
        )
    frame = query(
        f"select {r.c('bucket', 'r')} as bucket, coalesce(sum({r.c('open_amount', 'r')}), 0)::double as open_amount, "
        f"count(*) as invoices from {r.ref} r where {r.c('open_amount', 'r')} > 0{scope.sql} group by 1",
        tuple(scope.params),
    )
    frame["bucket"] = frame["bucket"].map(bucket_label)
    return frame.sort_values("bucket", key=lambda s: s.map(bucket_order)).reset_index(drop=True)


def dso_trend(f: Filters) -> tuple[pd.DataFrame, list[str]]:
    """Firm-level DSO per month; the mart has no dimensions, so every active filter is reported as ignored."""
    d = Table("dso_monthly")
    ignored = [dim for dim, values in f.by_dimension().items() if values]
    frame = query(
        f"select cast({d.c('month')} as date) as month, {d.c('receivables')}::double as receivables, "
        f"{d.c('dso')}::double as dso from {d.ref} order by 1"
    )
    return frame, ignored


# --------------------------------------------------------------------------------------------------
# Utilization
# --------------------------------------------------------------------------------------------------


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
        f"select cast({u.c('week', 'u')} as date) as week, coalesce({e.c('practice', 'e')}, '(none)') as practice, "
        f"sum({u.c('capacity', 'u')})::double as capacity, sum({u.c('billable', 'u')})::double as billable, "
        f"sum({u.c('planned', 'u')})::double as planned, sum({u.c('bench', 'u')})::double as bench, "
        f"{unassigned}::double as unassigned "
        f"from {u.ref} u "
        f"left join {e.ref} e on e.{e.c('employee_id')} = u.{u.c('employee_id')} "
        f"where {u.c('week', 'u')} between ? and ?{scope.sql} group by 1, 2 order by 1, 2",
        (start, end, *scope.params),
    )
    frame["utilization"] = frame["billable"] / frame["capacity"].where(frame["capacity"] > 0)
    frame["planned_utilization"] = frame["planned"] / frame["capacity"].where(frame["capacity"] > 0)
    return frame, scope.ignored


# --------------------------------------------------------------------------------------------------
# Risks
# --------------------------------------------------------------------------------------------------


def top_risks(f: Filters, limit: int = 10) -> pd.DataFrame:
    """Projects ranked by money at stake: at-risk and unbilled amounts, expected loss, overdue milestones."""
    frames = []
    if has_table("unbilled"):
        u = unbilled_by(f, "project_id")
        if not u.empty:
            frames.append(
                u.rename(columns={"id": "project_id"})[
                    ["project_id", "at_risk", "approved_unbilled", "pending_approval", "contract_asset"]
                ]
            )
    if has_table("project_financials"):
        pf = Table("project_financials")
        scope = _project_clause(pf.c("project_id", "pf"), f)
        loss = f"greatest(0, -{pf.c('margin_at_completion', 'pf')})"
        flag = f"coalesce({pf.c('is_loss_contract', 'pf')}, false)"
        overdue = f"coalesce({pf.c('overdue_milestone_amount', 'pf')}, 0)"
        frames.append(
            query(
                f"select {pf.c('project_id', 'pf')} as project_id, (case when {flag} then {loss} else 0 end)::double "
                f"as expected_loss, {overdue}::double as overdue_milestones, {flag} as loss_contract "
                f"from {pf.ref} pf where true{scope.sql}",
                tuple(scope.params),
            )
        )
    if not frames:
        raise DataUnavailable("the warehouse has neither unbilled exposure nor project financials")
    risks = frames[0]
    for other in frames[1:]:
        risks = risks.merge(other, on="project_id", how="outer")
    for col in (
        "at_risk",
        "approved_unbilled",
        "pending_approval",
        "contract_asset",
        "expected_loss",
        "overdue_milestones",
    ):
        if col not in risks:
            risks[col] = 0.0
        risks[col] = risks[col].fillna(0.0).astype(float)
    risks["unbilled"] = risks["approved_unbilled"] + risks["pending_approval"] + risks["contract_asset"]
    risks["money_at_stake"] = (
        risks["at_risk"] + risks["unbilled"] + risks["expected_loss"] + risks["overdue_milestones"]
    )
    risks = risks[risks["money_at_stake"] > 0].sort_values("money_at_stake", ascending=False).head(limit)
    amounts = zip(risks["expected_loss"], risks["at_risk"], risks["overdue_milestones"], risks["unbilled"], strict=True)
    risks["why"] = [_risk_reason(loss, at_risk, overdue, unbilled) for loss, at_risk, overdue, unbilled in amounts]
    risks = _label_ids(risks.reset_index(drop=True), "project_id", "project_id", keep_id=True)
    return risks[["id", "label", "why", "money_at_stake", "at_risk", "unbilled", "expected_loss", "overdue_milestones"]]


def tracks_overdue_milestones() -> bool:
    """Whether the warehouse has project financials, the source of overdue milestone amounts (else the risk
    table hides the column)."""
    return has_table("project_financials")


def _risk_reason(expected_loss: float, at_risk: float, overdue_milestones: float, unbilled: float) -> str:
    parts = []
    if expected_loss > 0:
        parts.append("loss contract")
    if at_risk > 0:
        parts.append("at-risk time")
    if overdue_milestones > 0:
        parts.append("overdue milestones")
    if unbilled > 0:
        parts.append("unbilled")
    return ", ".join(parts)


# --------------------------------------------------------------------------------------------------
# Forecast accuracy
# --------------------------------------------------------------------------------------------------


def backtest_metrics() -> pd.DataFrame:
    """Backtest metrics in long form: method, level, horizon, metric, value (of the latest backtest)."""
    b = Table("backtest")
    latest = ""
    if has_table("runs"):
        r = Table("runs")
        # Only the latest backtest: older ones scored other windows or older code.
        latest = (
            f" where {b.c('run_id')} = (select b2.{b.c('run_id')} from {b.ref} b2 left join {r.ref} r2 "
            f"on r2.{r.c('run_id')} = b2.{b.c('run_id')} order by r2.{r.c('created_at')} desc nulls last, "
            f"b2.{b.c('run_id')} desc limit 1)"
        )
    # Practice-level rows are averaged over the practices.
    return query(
        f"select {b.c('method')} as method, {b.c('level')} as level, {b.c('horizon')} as horizon, "
        f"lower({b.c('metric')}) as metric, avg({b.c('value')})::double as value from {b.ref}{latest} "
        f"group by all order by 1, 2, 3, 4"
    )


def calibration_bins(run_id: str | None = None) -> pd.DataFrame:
    """Calibration of win probabilities from the latest backtest (run ids start with their UTC
    timestamp, so the greatest is the latest); older backtests scored other windows or older code.
    `run_id` is accepted for symmetry with the other queries: backtests have their own run ids."""
    c = Table("calibration")
    return query(
        f"select {c.c('source')} as source, avg({c.c('predicted')})::double as predicted, "
        f"avg({c.c('observed')})::double as observed, sum({c.c('count')}) as opportunities from {c.ref} "
        f"where {c.c('run_id')} = (select max({c.c('run_id')}) from {c.ref}) "
        f"group by {c.c('source')}, {c.c('bin')} order by 1, 2"
    )


# --------------------------------------------------------------------------------------------------
# Data health
# --------------------------------------------------------------------------------------------------


def last_run_steps() -> pd.DataFrame:
    r = Table("run_log")
    return query(
        f"select {r.c('run_id')} as run_id, {r.c('step')} as step, {r.c('status')} as status, "
        f"{r.c('started_at')} as started_at, {r.c('finished_at')} as finished_at, "
        f"epoch({r.c('finished_at')}) - epoch({r.c('started_at')}) as seconds, {r.c('rows')} as rows, "
        f"{r.c('message')} as message from {r.ref} where {r.c('run_id')} = "
        f"(select {r.c('run_id')} from {r.ref} order by {r.c('started_at')} desc limit 1) order by started_at"
    )


def row_counts() -> pd.DataFrame:
    """Rows per table of the published schemas (names come from the file's own catalog, quoted)."""
    tables = sorted(k for k in catalog() if k[0] in ("marts", "forecast", "ops"))
    if not tables:
        raise DataUnavailable("the warehouse has no marts, forecast or ops tables")
    sql = " union all ".join(
        f"select '{s}' as schema, '{t}' as table_name, count(*) as row_count from {_q(s)}.{_q(t)}"
        for s, t in tables
        if "'" not in s + t
    )
    return query(sql + " order by 1, 2")


def quarantine_summary() -> pd.DataFrame:
    q = Table("quarantine")
    return query(
        f"select {q.c('entity')} as entity, {q.c('reason')} as reason, count(*) as rows "
        f"from {q.ref} group by 1, 2 order by 3 desc, 1, 2"
    )


def source_freshness() -> pd.DataFrame:
    """Per source entity: when it was last loaded and how many rows, from ops.load_log."""
    l = Table("load_log")  # noqa: E741
    rows, quarantined = f"sum({l.c('rows')})", f"sum({l.c('rows_quarantined')})"
    frame = query(
        f"with last as (select {l.c('entity')} as entity, max({l.c('loaded_at')}) as last_loaded_at "
        f"from {l.ref} group by 1) select last.entity, last.last_loaded_at, {rows} as rows_in_last_load, "
        f"{quarantined} as rows_quarantined from last join {l.ref} l on l.{l.c('entity')} = last.entity "
        f"and l.{l.c('loaded_at')} = last.last_loaded_at group by 1, 2 order by 1"
    )
    return frame


def latest_business_dates() -> pd.DataFrame:
    """Latest activity date in each fact the marts are built from (what the as-of date is derived from)."""
    rows = []
    if has_table("time_entries"):
        t = Table("time_entries")
        rows.append(("time entries (latest work date)", f"select max({t.c('work_date')}) from {t.ref}"))
    if has_table("revenue_monthly"):
        r = Table("revenue_monthly")
        rows.append(("revenue (latest month)", f"select max({r.c('month')}) from {r.ref}"))
    if has_table("runs"):
        r = Table("runs")
        rows.append(("forecast (latest as-of)", f"select max({r.c('as_of_date')}) from {r.ref}"))
    if not rows:
        raise DataUnavailable("the warehouse has no facts to date")
    sql = " union all ".join(f"select '{label}' as source, cast(({q}) as date) as latest" for label, q in rows)
    return query(sql)


class PublishedFileInfo(TypedDict):
    name: str  # the file's name only: where it lives on the server is not for the page
    size_mb: float
    modified: dt.datetime


def published_file_info() -> PublishedFileInfo:
    identity = file_identity()
    return {
        "name": Path(identity.path).name,
        "size_mb": identity.size / 1e6,
        "modified": dt.datetime.fromtimestamp(identity.mtime_ns / 1e9),
    }


# --------------------------------------------------------------------------------------------------
# Labels
# --------------------------------------------------------------------------------------------------


def _label(dim: str) -> str:
    return {
        "entity_id": "legal entity",
        "customer_id": "customer",
        "project_id": "project",
        "practice": "practice",
        "region": "region",
    }.get(dim, dim)


def labels(dim: str) -> dict[str, str]:
    """id -> display name for customers, projects and entities (ids themselves for the rest)."""
    named_in = {
        "customer_id": ("dim_customer", "customer_name"),
        "project_id": ("dim_project", "project_name"),
        "entity_id": ("dim_entity", "entity_name"),
    }
    if dim not in named_in:
        return {}
    key, name = named_in[dim]
    if not has_table(key):
        return {}
    t = Table(key)
    frame = query(f"select {t.c(dim)} as id, {t.c(name)} as label from {t.ref}")
    return dict(zip(frame["id"], frame["label"], strict=True))


def _label_ids(frame: pd.DataFrame, column: str, dim: str, keep_id: bool = False) -> pd.DataFrame:
    """Replace (or accompany) ids with names: adds `label`; renames the id column to `id` when kept."""
    names = labels(dim)
    frame = frame.copy()
    ids = frame[column]
    frame["label"] = [names.get(i, i) if i is not None else "(none)" for i in ids]
    if keep_id:
        frame = frame.rename(columns={column: "id"})
        frame = frame[["id", "label"] + [c for c in frame.columns if c not in ("id", "label")]]
    else:
        frame[column] = frame["label"]
        frame = frame.drop(columns="label")
    return frame
