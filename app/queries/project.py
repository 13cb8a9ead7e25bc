"""One project in one place (the Project page): who it is for, its financials and money at stake, its time
against its plan, its invoices and its open exceptions. Each query reads one mart for one project id and
restates no rule: the marts already hold the figures in the reporting currency (or their rate beside them)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from app.queries.labels import labels
from app.queries.tables import Table, has_table
from app.warehouse_access import query


def project_choices() -> pd.DataFrame:
    """Every project for the chooser, largest contract first (by id where the warehouse has no contract
    value): id and a label unique per id."""
    p = Table("dim_project")
    size = f"coalesce({p.c('contract_value')}, 0) desc, " if p.has("contract_value") else ""
    frame = query(f"select {p.c('project_id')} as id from {p.ref} order by {size}{p.c('project_id')}")
    names = labels("project_id")
    frame["label"] = [names.get(i, i) for i in frame["id"]]
    return frame


def project_facts(project_id: str) -> dict[str, Any]:
    """Name, customer, entity, practice, billing type and status; empty when the project is unknown."""
    p = Table("dim_project")
    row = query(
        f"select {p.c('project_name')} as project_name, {p.c('customer_id')} as customer_id, "
        f"{p.c('entity_id')} as entity_id, {p.c('practice')} as practice, {p.c('billing_type')} as billing_type, "
        f"{p.c('status')} as status from {p.ref} where {p.c('project_id')} = ?",
        (project_id,),
    )
    if row.empty:
        return {}
    facts = {k: row[k].iloc[0] for k in row.columns}
    facts["customer"] = labels("customer_id").get(facts["customer_id"], facts["customer_id"])
    facts["entity"] = labels("entity_id").get(facts["entity_id"], facts["entity_id"])
    return facts


FINANCIALS = (
    "contract_value",
    "earned_to_date",
    "billed_to_date",
    "eac",
    "percent_complete",
    "margin_at_completion",
    "remaining_planned_hours",
    "is_loss_contract",
    "is_over_budget",
)


def project_financials(project_id: str) -> dict[str, Any]:
    """The project's current financials (reporting currency); empty when the mart has no row for it."""
    if not has_table("project_financials"):
        return {}
    pf = Table("project_financials")
    wanted = [k for k in FINANCIALS if pf.has(k)]
    row = query(
        f"select {', '.join(f'{pf.c(k)} as {k}' for k in wanted)} from {pf.ref} where {pf.c('project_id')} = ?",
        (project_id,),
    )
    return {} if row.empty else {k: row[k].iloc[0] for k in wanted}


def project_exposure(project_id: str) -> dict[str, float]:
    """Unbilled exposure, money at stake and its rank, as marts.mart_project_risks holds them (the rule lives
    there); a project with nothing at stake has no row there, so both are 0 and it has no rank."""
    if not has_table("project_risks"):
        return {}
    r = Table("project_risks")
    row = query(
        f"select {r.c('unbilled')} as unbilled, {r.c('money_at_stake')} as money_at_stake, {r.c('rank')} as risk_rank "
        f"from {r.ref} where {r.c('project_id')} = ?",
        (project_id,),
    )
    if row.empty:
        return {"unbilled": 0.0, "money_at_stake": 0.0}
    return {k: float(row[k].iloc[0]) for k in ("unbilled", "money_at_stake", "risk_rank")}


def project_time_and_plan(project_id: str) -> pd.DataFrame:
    """Per month: hours worked by approval status, their bill value (reporting currency), and the hours the
    current resource plan puts in that month (weeks counted in the month they start)."""
    t = Table("time_entries")
    worked = query(
        f"select cast(date_trunc('month', {t.c('work_date')}) as date) as month, "
        f"{t.c('approval_status')} as approval_status, sum({t.c('hours')})::double as hours, "
        f"coalesce(sum({t.c('bill_value')}), 0)::double as bill_value from {t.ref} "
        f"where {t.c('project_id')} = ? group by 1, 2 order by 1, 2",
        (project_id,),
    )
    wide = (
        worked.pivot_table(index="month", columns="approval_status", values="hours", aggfunc="sum", fill_value=0.0)
        if not worked.empty
        else pd.DataFrame()
    )
    wide.columns = [f"{c}_hours" for c in wide.columns]
    frame = wide.reset_index() if not wide.empty else pd.DataFrame({"month": pd.Series(dtype="datetime64[ns]")})
    if not worked.empty:
        frame = frame.merge(worked.groupby("month")["bill_value"].sum().reset_index(), on="month", how="left")
    if has_table("resource_plan"):
        plan = Table("resource_plan")
        planned = query(
            f"select cast(date_trunc('month', {plan.c('week_start')}) as date) as month, "
            f"sum({plan.c('planned_hours')})::double as planned_hours from {plan.ref} "
            f"where {plan.c('project_id')} = ? group by 1",
            (project_id,),
        )
        frame = frame.merge(planned, on="month", how="outer") if not planned.empty else frame
    frame["month"] = pd.to_datetime(frame["month"])
    return frame.sort_values("month").fillna(0.0).reset_index(drop=True)


INVOICE_COLUMNS = ("invoice_id", "invoice_date", "due_date", "status", "invoice_amount", "open_amount", "days_past_due")


def project_invoices(project_id: str) -> pd.DataFrame:
    """The project's invoices as of the as-of date, newest first: amounts in the reporting currency (the
    columns the warehouse has)."""
    if not has_table("receivables"):
        return pd.DataFrame()
    r = Table("receivables")
    wanted = [k for k in INVOICE_COLUMNS if r.has(k)]
    return query(
        f"select {', '.join(f'{r.c(k)} as {k}' for k in wanted)} from {r.ref} where {r.c('project_id')} = ? "
        f"order by {r.c('invoice_date')} desc, {r.c('invoice_id')}",
        (project_id,),
    )


def project_exceptions(project_id: str) -> pd.DataFrame:
    """The project's reconciliation exceptions that are open or accepted, largest amount first."""
    if not has_table("exceptions"):
        return pd.DataFrame()
    e = Table("exceptions")
    return query(
        f"select {e.c('exception_id')} as exception_id, {e.c('exception_type')} as exception_type, "
        f"{e.c('status')} as status, {e.c('amount_at_risk')}::double as amount_at_risk, "
        f"{e.c('age_days')} as age_days, {e.c('owner')} as owner, {e.c('detail')} as detail from {e.ref} "
        f"where {e.c('project_id')} = ? and {e.c('status')} in ('open', 'accepted') "
        f"order by {e.c('amount_at_risk')} desc nulls last, {e.c('exception_id')}",
        (project_id,),
    )
