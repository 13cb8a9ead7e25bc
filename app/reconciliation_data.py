"""What the Reconciliation page reads: the reconciliation marts, filtered by entity and practice.

Plain SQL over the published warehouse (no rule lives here: types, amounts, owners and ages are the
marts'); the page only draws. A warehouse built before the reconciliation marts existed raises
DataUnavailable naming the table, which the router shows as a message.
"""

from __future__ import annotations

import pandas as pd

from app.queries.scope import Filters
from app.queries.tables import DataUnavailable
from app.warehouse_access import SqlParam, catalog, query

EXCEPTIONS = "fct_sync_exceptions"
UNPOSTED = "mart_unposted_approved_time"
CLOSE_CONTROL = "mart_close_control_monthly"
RECONCILED_TIME = "mart_time_reconciliation_monthly"
STATUSES = ("open", "accepted", "resolved")
AGE_ORDER = ("0-30", "31-60", "61-90", "90+")


def _require(table: str) -> str:
    if ("marts", table) not in catalog():
        raise DataUnavailable(f"the warehouse has no marts.{table} yet (reconciliation needs a newer build)")
    return f"marts.{table}"


def _where(filters: Filters, *, entity: bool = True, practice: bool = True) -> tuple[str, tuple[SqlParam, ...]]:
    """`where` clause and parameters for the global entity and practice filters."""
    parts: list[str] = []
    params: list[SqlParam] = []
    for column, chosen, applies in (("entity_id", filters.entities, entity), ("practice", filters.practices, practice)):
        if applies and chosen:
            parts.append(f"{column} in ({', '.join('?' for _ in chosen)})")
            params.extend(chosen)
    return (" and ".join(parts) or "true"), tuple(params)


def exceptions_by_type_and_age(filters: Filters, status: str = "open") -> pd.DataFrame:
    """Exceptions per type and age bucket: how many, and the money at risk (reporting currency)."""
    table = _require(EXCEPTIONS)
    where, params = _where(filters)
    return query(
        f"select exception_type, age_bucket, count(*) as exceptions, "
        f"sum(amount_at_risk_reporting) as amount_at_risk from {table} "
        f"where status = ? and {where} group by exception_type, age_bucket order by amount_at_risk desc",
        (status, *params),
    )


def exception_rows(filters: Filters, status: str = "open", types: tuple[str, ...] = ()) -> pd.DataFrame:
    """The exceptions behind a selection, largest amount first, for the owner to work through."""
    table = _require(EXCEPTIONS)
    where, params = _where(filters)
    type_clause = f" and exception_type in ({', '.join('?' for _ in types)})" if types else ""
    return query(
        f"select exception_id, exception_type, owner, source_system, record_id, project_id, entity_id, practice, "
        f"event_date, detail, amount_at_risk_reporting, age_days, age_bucket, status, first_seen_at, last_seen_at, "
        f"occurrences, resolved_at, accepted_reason from {table} "
        f"where status = ? and {where}{type_clause} order by amount_at_risk_reporting desc, exception_id",
        (status, *params, *types),
    )


def exception_trend(filters: Filters) -> pd.DataFrame:
    """Exceptions opened and resolved per day (first_seen_at, resolved_at), across the runs kept in ops."""
    table = _require(EXCEPTIONS)
    where, params = _where(filters)
    return query(
        f"select day, sum(opened) as opened, sum(resolved) as resolved from ("
        f"select cast(first_seen_at as date) as day, 1 as opened, 0 as resolved from {table} where {where} "
        f"union all select cast(resolved_at as date), 0, 1 from {table} where resolved_at is not null and {where}"
        f") group by day order by day",
        (*params, *params),
    )


def open_exceptions_over_runs(filters: Filters) -> pd.DataFrame:
    """Per transform run: the exceptions open at that run and their money at risk (reporting currency).

    Rebuilt from ops.exception_state, which keeps each exception's latest state, not one row per run:
    - the runs are the distinct first_seen_at and last_seen_at (every build stamps what it detects with
      its run time; resolved_at is a last_seen_at, so it adds no run);
    - an exception was detected at run t when first_seen_at <= t <= last_seen_at, and open then unless it
      is accepted now and was accepted by t (accepted_at <= t);
    - its money is its amount at risk as last seen (earlier amounts are not kept).
    What the state cannot tell: a run in which no exception was first or last seen is not listed, an
    exception resolved and later seen again counts as open through the gap, and an acceptance that lapsed
    or was followed by a resolve is forgotten (the exception counts as open while it was detected).
    """
    if ("ops", "exception_state") not in catalog():
        raise DataUnavailable("the warehouse has no ops.exception_state yet (it is written after each transform)")
    where, params = _where(filters)
    return query(
        f"with state as (select * from ops.exception_state where {where}), "
        "runs as (select first_seen_at as run_at from state where first_seen_at is not null "
        "union select last_seen_at from state where last_seen_at is not null) "
        "select runs.run_at, count(s.exception_id) as open_exceptions, "
        "coalesce(sum(s.amount_at_risk_reporting), 0) as amount_at_risk from runs left join state s "
        "on s.first_seen_at <= runs.run_at and s.last_seen_at >= runs.run_at "
        "and not (s.status = 'accepted' and s.accepted_at is not null and s.accepted_at <= runs.run_at) "
        "group by runs.run_at order by runs.run_at",
        params,
    )


def headline(filters: Filters) -> dict[str, float]:
    """The Overview's tile: overdue unposted approved value, and open exceptions older than 30 days."""
    unposted, exceptions = _require(UNPOSTED), _require(EXCEPTIONS)
    where, params = _where(filters)
    value = query(
        f"select coalesce(sum(entry_value_reporting), 0) as v, count(*) as n from {unposted} "
        f"where is_overdue and {where}",
        params,
    )
    old = query(
        f"select count(*) as n, coalesce(sum(amount_at_risk_reporting), 0) as v from {exceptions} "
        f"where is_open and age_days > 30 and {where}",
        params,
    )
    return {
        "unposted_value": float(value["v"].iloc[0]),
        "unposted_entries": float(value["n"].iloc[0]),
        "old_exceptions": float(old["n"].iloc[0]),
        "old_exceptions_amount": float(old["v"].iloc[0]),
    }


def unposted_by_reason_and_owner(filters: Filters) -> pd.DataFrame:
    table = _require(UNPOSTED)
    where, params = _where(filters)
    return query(
        f"select reason_code, owner, count(*) as entries, sum(hours) as hours, "
        f"sum(entry_value_reporting) as value from {table} where is_overdue and {where} "
        f"group by reason_code, owner order by value desc",
        params,
    )


def unposted_rows(filters: Filters, reasons: tuple[str, ...] = ()) -> pd.DataFrame:
    table = _require(UNPOSTED)
    where, params = _where(filters)
    reason_clause = f" and reason_code in ({', '.join('?' for _ in reasons)})" if reasons else ""
    return query(
        f"select time_entry_id, project_id, employee_id, entity_id, practice, work_date, approved_date, hours, "
        f"entry_value_reporting, days_since_approval, ageing_bucket, reason_code, owner from {table} "
        f"where is_overdue and {where}{reason_clause} order by entry_value_reporting desc, time_entry_id",
        (*params, *reasons),
    )


def close_control(filters: Filters) -> pd.DataFrame:
    """Control totals per legal entity and month, newest month first (practice does not apply)."""
    table = _require(CLOSE_CONTROL)
    where, params = _where(filters, practice=False)
    return query(
        f"select entity_id, month_start, approved_time_value, posted_time_value, posted_minus_approved, "
        f"invoiced_value, recognised_revenue, invoiced_minus_recognised, paid_value, open_exceptions, "
        f"open_exceptions_amount, open_exceptions_over_90, period_closed_at, stale_sources from {table} "
        f"where {where} order by month_start desc, entity_id",
        params,
    )


def sync_health() -> pd.DataFrame:
    """Sources whose sync is overdue and quarantined input, as the exceptions mart flags them."""
    table = _require(EXCEPTIONS)
    return query(
        f"select exception_type, source_system, record_id, detail, first_seen_at, last_seen_at from {table} "
        f"where is_open and exception_type in ('stale_sync', 'ingest_quarantine') order by exception_type, record_id"
    )
