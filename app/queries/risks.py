"""Projects ranked by money at stake."""

from __future__ import annotations

import pandas as pd

from app.queries.labels import _label_ids
from app.queries.scope import Filters, _project_clause
from app.queries.tables import (
    DataUnavailable,
    Table,
    has_table,
)
from app.queries.unbilled import unbilled_by
from app.warehouse_access import query


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
