"""Unbilled exposure, receivables and DSO."""

from __future__ import annotations

import pandas as pd

from app.queries.labels import _label_ids
from app.queries.scope import Clause, Filters, _direct_clause, _project_clause
from app.queries.tables import (
    EXPOSURE_GROUPINGS,
    Table,
    bucket_label,
    bucket_order,
)
from app.warehouse_access import query

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
