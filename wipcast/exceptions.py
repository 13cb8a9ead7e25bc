"""The exceptions' life across runs: ops.exception_state, and what a user decides about one.

dbt rebuilds marts.fct_sync_exceptions on every transform from this build's detections and the
state the previous successful transform left (dbt reads ops.exception_state through
int_recon_exception_state). After a successful build, `record_state` copies the mart's state
columns back to ops.exception_state, so the next build continues from them. State lives in ops,
outside dbt's schemas, because dbt owns and replaces those: a full refresh or a rebuilt project
cannot lose what users accepted. `accept` writes the decision into both the state and the working
mart, so `wipcast exceptions list` shows it at once and the next build keeps it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import duckdb

from wipcast.errors import InputError, WipcastError
from wipcast.settings import Settings
from wipcast.warehouse import table_exists, work_connection

MART = "marts.fct_sync_exceptions"
STATE = "ops.exception_state"
STATE_COLUMNS = (
    "exception_id",
    "exception_type",
    "source_system",
    "record_id",
    "project_id",
    "entity_id",
    "practice",
    "event_date",
    "detail",
    "amount_at_risk_reporting",
    "status",
    "first_seen_at",
    "last_seen_at",
    "occurrences",
    "resolved_at",
    "accepted_amount_reporting",
    "accepted_reason",
    "accepted_at",
)
STATUSES = ("open", "accepted", "resolved")


@dataclass(frozen=True)
class ExceptionRow:
    exception_id: str
    exception_type: str
    owner: str | None
    status: str
    amount: Decimal | None
    age_days: int | None
    occurrences: int
    detail: str | None


def record_state(con: duckdb.DuckDBPyConnection) -> int:
    """Replace ops.exception_state with the state columns of the mart just built; return its rows.

    A project without the mart (an older dbt project) leaves the state as it is."""
    if not table_exists(con, "marts", "fct_sync_exceptions"):
        return 0
    con.execute("create schema if not exists ops")
    columns = ", ".join(STATE_COLUMNS)
    con.execute(f"create or replace table {STATE} as select {columns} from {MART}")
    rows = con.execute(f"select count(*) from {STATE}").fetchall()
    return int(rows[0][0])


def record_after_build(settings: Settings) -> int:
    """record_state on the working warehouse (called by the transform step after dbt build passed)."""
    with work_connection(settings) as con:
        return record_state(con)


def _require_mart(con: duckdb.DuckDBPyConnection) -> None:
    if not table_exists(con, "marts", "fct_sync_exceptions"):
        raise WipcastError(
            "the working warehouse has no marts.fct_sync_exceptions yet",
            "build it with `wipcast transform` (or `wipcast run`) first",
        )


def list_exceptions(
    con: duckdb.DuckDBPyConnection, status: str | None = "open", exception_type: str | None = None, limit: int = 50
) -> list[ExceptionRow]:
    """Exceptions of the working mart, largest amount first (status None: every status)."""
    _require_mart(con)
    if status is not None and status not in STATUSES:
        raise InputError(f"unknown status {status!r}", f"use one of: {', '.join(STATUSES)}")
    where, params = [], []
    if status is not None:
        where.append("status = ?")
        params.append(status)
    if exception_type is not None:
        where.append("exception_type = ?")
        params.append(exception_type)
    clause = f"where {' and '.join(where)}" if where else ""
    rows = con.execute(
        f"select exception_id, exception_type, owner, status, amount_at_risk_reporting, age_days, occurrences, detail "
        f"from {MART} {clause} order by amount_at_risk_reporting desc nulls last, exception_id limit {int(limit)}",
        params,
    ).fetchall()
    return [ExceptionRow(*row) for row in rows]


def accept(con: duckdb.DuckDBPyConnection, exception_id: str, reason: str, now: dt.datetime | None = None) -> Decimal:
    """Mark an open exception accepted at its current amount; return that amount.

    It stays accepted (out of the open count) over later runs until its amount changes; an accepted
    one can be accepted again (a new reason)."""
    if not reason.strip():
        raise InputError("the reason is empty", 'say why the difference is acceptable: --reason "..."')
    _require_mart(con)
    found = con.execute(f"select status, amount_at_risk_reporting from {MART} where exception_id = ?", [exception_id])
    rows = found.fetchall()
    if not rows:
        raise InputError(
            f"no exception {exception_id!r} in the working warehouse", "list them with `wipcast exceptions list`"
        )
    status, amount = rows[0]
    if status == "resolved":
        raise InputError(f"exception {exception_id!r} is already resolved", "only open exceptions can be accepted")
    when = now or dt.datetime.now(dt.UTC)
    con.execute("begin")
    try:
        if not table_exists(con, "ops", "exception_state"):
            record_state(con)
        for table in (STATE, MART):
            con.execute(
                f"update {table} set status = 'accepted', accepted_amount_reporting = amount_at_risk_reporting, "
                "accepted_reason = ?, accepted_at = ? where exception_id = ?",
                [reason.strip(), when, exception_id],
            )
        con.execute(f"update {MART} set is_open = false where exception_id = ?", [exception_id])
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return Decimal(amount) if amount is not None else Decimal(0)
