"""Projects ranked by money at stake: read from marts.mart_project_risks, where the rule lives."""

from __future__ import annotations

import pandas as pd

from app.queries.labels import _label_ids
from app.queries.scope import Filters, _project_clause
from app.queries.tables import (
    DataUnavailable,
    Table,
    has_table,
)
from app.warehouse_access import query

AMOUNTS = ("money_at_stake", "at_risk", "unbilled", "expected_loss", "overdue_milestones")


def top_risks(f: Filters, limit: int = 10) -> pd.DataFrame:
    """The `limit` projects with most money at stake among those the filters keep, in the mart's rank order
    (at-risk + unbilled + expected loss + overdue milestones, reporting currency; the rule and the "why" text
    are dbt's, in mart_project_risks)."""
    if not has_table("project_risks"):
        raise DataUnavailable("the warehouse has no marts.mart_project_risks (projects ranked by money at stake)")
    r = Table("project_risks")
    scope = _project_clause(r.c("project_id", "r"), f)
    amounts = ", ".join(f"{r.c(a, 'r')}::double as {a}" for a in AMOUNTS)
    risks = query(
        f"select {r.c('project_id', 'r')} as project_id, {r.c('why', 'r')} as why, {amounts} "
        f"from {r.ref} r where true{scope.sql} order by {r.c('rank', 'r')} limit ?",
        (*scope.params, int(limit)),
    )
    risks = _label_ids(risks, "project_id", "project_id", keep_id=True)
    return risks[["id", "label", "why", *AMOUNTS]]


def tracks_overdue_milestones() -> bool:
    """Whether the risk ranking has overdue milestone amounts (from project financials); else the risk table
    hides the column."""
    return has_table("project_risks") and Table("project_risks").has("overdue_milestones")
