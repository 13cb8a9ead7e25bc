"""The rows behind a figure: projects, invoices, time entries, people, so that a tile or a bar opens the list
whose sum is the number clicked. Each function takes the same filters as the figure it explains.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from app.queries.labels import labels
from app.queries.scope import Clause, Filters, _direct_clause, _employee_clause, _project_clause
from app.queries.tables import EXPOSURE_GROUPINGS, Table, bucket_label
from app.queries.unbilled import EXPOSURE_MEASURES
from app.warehouse_access import SqlParam, query

# How the drill names the finance rules' exposure classes (fct_time_entries.exposure_class); approved time is
# listed for its unbilled part, or, once billed, for its part over the contract cap (at risk even then).
EXPOSURE_LABEL_SQL = """case {klass}
    when 'approved' then case when {unbilled_hours} > 0 then 'approved, unbilled'
        else 'at risk (over the contract cap, invoiced)' end
    when 'pending_approval' then 'pending approval'
    when 'at_risk_after_close' then 'at risk (after close)'
    when 'at_risk_missing_rate' then 'at risk (no bill rate)'
end"""
# The value the mart counts for the entry, in the project currency: approved, what is unbilled plus what is over
# the cap; pending and after close, the bill value; no bill rate, none (the mart counts its hours).
EXPOSURE_VALUE_SQL = """case {klass}
    when 'approved' then {unbilled_value} + {over_cap_value}
    when 'at_risk_after_close' then coalesce({value}, 0)
    else {value}
end"""
AGE_BUCKET_SQL = (
    "case when {age} <= 30 then '0-30' when {age} <= 60 then '31-60' when {age} <= 90 then '61-90' else 'over 90' end"
)


def _with_project_labels(frame: pd.DataFrame) -> pd.DataFrame:
    names = labels("project_id")
    frame.insert(1, "project", [names.get(p, p) for p in frame["project_id"]])
    return frame


def _ids_clause(column: str, ids: tuple[str, ...] | None) -> Clause:
    return Clause(f" and list_contains(?, {column})", [list(ids)]) if ids else Clause()


def exposure_rows(
    f: Filters, bucket: str | None = None, group: str | None = None, ids: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """Unbilled exposure per project and ageing bucket, optionally one bucket ('over 90') and the projects of
    some customers / projects / entities (`group` is one of EXPOSURE_GROUPINGS). Sums to the tile and bars."""
    u = Table("unbilled")
    p = Table("dim_project")
    scope = _project_clause(u.c("project_id", "u"), f)
    params: list[SqlParam] = list(scope.params)
    sql = scope.sql
    if group is not None:
        if group not in EXPOSURE_GROUPINGS:
            raise ValueError(f"unknown grouping {group}")
        extra = _ids_clause(p.c(group, "p"), ids)
        sql, params = sql + extra.sql, params + extra.params
    sums = ", ".join(f"coalesce(sum({u.c(m, 'u')}), 0)::double as {m}" for m in EXPOSURE_MEASURES)
    frame = query(
        f"select u.{u.c('project_id')} as project_id, {p.c('customer_id', 'p')} as customer_id, "
        f"{u.c('bucket', 'u')} as bucket, {sums} from {u.ref} u "
        f"left join {p.ref} p on p.{p.c('project_id')} = u.{u.c('project_id')} where true{sql} group by all",
        tuple(params),
    )
    frame["bucket"] = frame["bucket"].map(bucket_label)
    if bucket is not None:
        frame = frame[frame["bucket"] == bucket]
    frame["total"] = frame[list(EXPOSURE_MEASURES)].sum(axis=1)
    frame = frame[frame["total"] != 0].sort_values(["total", "project_id"], ascending=[False, True])
    customers = labels("customer_id")
    frame["customer_id"] = [customers.get(c, c) for c in frame["customer_id"]]
    return _with_project_labels(frame.rename(columns={"customer_id": "customer"}).reset_index(drop=True))


def unbilled_time_entries(
    f: Filters, bucket: str | None = None, project_ids: tuple[str, ...] | None = None, no_rate_only: bool = False
) -> pd.DataFrame:
    """The billable time entries behind time-and-materials exposure (approved and unbilled, pending approval,
    at risk) as the finance rules classify them (fct_time_entries), valued like the mart: in the project
    currency at the as-of month's rate. A billed entry is here only for its part over the contract's cap (at
    risk in the mart even once billed); an entry billed in part, for its unbilled part and hours."""
    t = Table("time_entries")
    u = Table("unbilled")
    scope = _project_clause(t.c("project_id", "t"), f)
    extra = _ids_clause(t.c("project_id", "t"), project_ids)
    klass = t.c("exposure_class", "t")
    label = EXPOSURE_LABEL_SQL.format(klass=klass, unbilled_hours=t.c("unbilled_hours", "t"))
    value = EXPOSURE_VALUE_SQL.format(
        klass=klass,
        unbilled_value=t.c("unbilled_value", "t"),
        over_cap_value=t.c("over_cap_value", "t"),
        value=t.c("bill_value_project_ccy", "t"),
    )
    hours = f"case when {label} = 'approved, unbilled' then {t.c('unbilled_hours', 't')} else {t.c('hours', 't')} end"
    rates = f"select {u.c('project_id')} as project_id, max({u.c('fx_rate')}) as fx from {u.ref} group by 1"
    frame = query(
        f"select {t.c('time_entry_id', 't')} as time_entry_id, {t.c('project_id', 't')} as project_id, "
        f"{t.c('employee_id', 't')} as employee_id, cast({t.c('work_date', 't')} as date) as work_date, "
        f"{AGE_BUCKET_SQL.format(age=t.c('age_days', 't'))} as bucket, {label} as exposure_class, "
        f"{t.c('approval_status', 't')} as approval_status, ({hours})::double as hours, "
        f"(({value}) * coalesce(fx.fx, 1))::double as value "
        f"from {t.ref} t left join ({rates}) fx on fx.project_id = t.{t.c('project_id')} "
        f"where {t.c('billing_type', 't')} = 'time_and_materials' "
        f"and {klass} in ('approved', 'pending_approval', 'at_risk_after_close', 'at_risk_missing_rate') "
        f"and ({klass} <> 'approved' or {t.c('unbilled_hours', 't')} > 0 or {t.c('over_cap_value', 't')} > 0)"
        f"{scope.sql}{extra.sql} order by work_date, time_entry_id",
        (*scope.params, *extra.params),
    )
    if bucket is not None:
        frame = frame[frame["bucket"] == bucket]
    if no_rate_only:
        frame = frame[frame["exposure_class"] == "at risk (no bill rate)"]
    return _with_project_labels(frame.reset_index(drop=True))


def receivable_rows(f: Filters, over_days: int | None = None, bucket: str | None = None) -> pd.DataFrame:
    """Open invoices (open amount > 0), optionally more than `over_days` past due or of one ageing bucket."""
    r = Table("receivables")
    scope = _direct_clause(r, f, "r")
    sql, params = scope.sql, list(scope.params)
    if "practice" in scope.ignored or "region" in scope.ignored:  # invoices reach them through their project
        extra = _project_clause(r.c("project_id", "r"), Filters(practices=f.practices, regions=f.regions))
        sql, params = sql + extra.sql, params + extra.params
    if over_days is not None:
        sql += f" and {r.c('days_past_due', 'r')} > ?"
        params.append(over_days)
    dates = "".join(f"cast({r.c(c, 'r')} as date) as {c}, " for c in ("invoice_date", "due_date") if r.has(c))
    frame = query(
        f"select {r.c('invoice_id', 'r')} as invoice_id, {r.c('project_id', 'r')} as project_id, "
        f"{r.c('customer_id', 'r')} as customer_id, {dates}{r.c('days_past_due', 'r')} as days_past_due, "
        f"{r.c('bucket', 'r')} as bucket, {r.c('open_amount', 'r')}::double as open_amount from {r.ref} r "
        f"where {r.c('open_amount', 'r')} > 0{sql} order by days_past_due desc, invoice_id",
        tuple(params),
    )
    frame["bucket"] = frame["bucket"].map(bucket_label)
    if bucket is not None:
        frame = frame[frame["bucket"] == bucket].reset_index(drop=True)
    customers = labels("customer_id")
    frame["customer_id"] = [customers.get(c, c) for c in frame["customer_id"]]
    return _with_project_labels(frame.rename(columns={"customer_id": "customer"}))


def revenue_rows(f: Filters, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Earned revenue, cost and margin per project over the months [start, end]: the rows of the revenue and
    margin tiles."""
    r = Table("revenue_monthly")
    scope = _project_clause(r.c("project_id", "r"), f)
    frame = query(
        f"select {r.c('project_id', 'r')} as project_id, sum({r.c('earned', 'r')})::double as earned, "
        f"sum({r.c('cost', 'r')})::double as cost, sum({r.c('margin', 'r')})::double as margin from {r.ref} r "
        f"where {r.c('month', 'r')} between ? and ?{scope.sql} group by 1 order by earned desc, project_id",
        (start, end, *scope.params),
    )
    frame["margin_pct"] = frame["margin"] / frame["earned"].where(frame["earned"] != 0)
    return _with_project_labels(frame)


def utilization_rows(f: Filters, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Billable and capacity hours per person over weeks starting in [start, end]: the utilization tile's rows."""
    u = Table("utilization")
    e = Table("dim_employee")
    scope = _employee_clause(u.c("employee_id", "u"), f)
    name = f"{e.c('employee_name', 'e')}" if e.has("employee_name") else f"u.{u.c('employee_id')}"
    frame = query(
        f"select u.{u.c('employee_id')} as employee_id, any_value({name}) as employee, "
        f"any_value({e.c('practice', 'e')}) as practice, sum({u.c('billable', 'u')})::double as billable, "
        f"sum({u.c('capacity', 'u')})::double as capacity from {u.ref} u "
        f"left join {e.ref} e on e.{e.c('employee_id')} = u.{u.c('employee_id')} "
        f"where {u.c('week', 'u')} between ? and ?{scope.sql} group by 1 order by 1",
        (start, end, *scope.params),
    )
    frame["utilization"] = frame["billable"] / frame["capacity"].where(frame["capacity"] > 0)
    return frame
