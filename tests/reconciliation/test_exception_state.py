"""The transform step keeps the exceptions' state (no dbt here: the build itself is stubbed), and
`accept` refuses what it cannot do with one clear line."""

from __future__ import annotations

import duckdb
import pytest

from wipcast import transform
from wipcast.errors import InputError
from wipcast.exceptions import STATE_COLUMNS, accept
from wipcast.settings import Settings

TYPES = {
    "event_date": "date",
    "amount_at_risk_reporting": "decimal(18,2)",
    "accepted_amount_reporting": "decimal(18,2)",
    "first_seen_at": "timestamptz",
    "last_seen_at": "timestamptz",
    "resolved_at": "timestamptz",
    "accepted_at": "timestamptz",
    "occurrences": "bigint",
}


def _mart(con: duckdb.DuckDBPyConnection) -> None:
    cols = ", ".join(f"{c} {TYPES.get(c, 'varchar')}" for c in STATE_COLUMNS)
    con.execute("create schema marts")
    con.execute(f"create table marts.fct_sync_exceptions ({cols}, is_open boolean, owner varchar, age_days bigint)")
    con.execute(
        "insert into marts.fct_sync_exceptions (exception_id, exception_type, status, amount_at_risk_reporting, "
        "occurrences, is_open) values ('orphan_posting:erp:P1', 'orphan_posting', 'open', 12.50, 1, true), "
        "('hours_mismatch:erp:P2', 'hours_mismatch', 'resolved', 3.00, 2, false)"
    )


def test_a_successful_build_copies_the_state_and_a_failed_one_does_not(tmp_path, monkeypatch) -> None:
    settings = Settings(warehouse_dir=tmp_path, reporting_currency="USD")
    con = duckdb.connect(str(settings.work_db))
    _mart(con)
    con.close()
    monkeypatch.setattr(transform, "run_dbt", lambda *a, **k: "Done.")
    transform.dbt_build(settings, "run-1")
    con = duckdb.connect(str(settings.work_db))
    try:
        assert con.execute("select exception_id, status from ops.exception_state order by 1").fetchall() == [
            ("hours_mismatch:erp:P2", "resolved"),
            ("orphan_posting:erp:P1", "open"),
        ]
        con.execute("delete from marts.fct_sync_exceptions")
    finally:
        con.close()

    def fails(*a, **k):
        raise RuntimeError("dbt failed")

    monkeypatch.setattr(transform, "run_dbt", fails)
    with pytest.raises(RuntimeError):
        transform.dbt_build(settings, "run-2")
    con = duckdb.connect(str(settings.work_db))
    try:
        assert con.execute("select count(*) from ops.exception_state").fetchall() == [(2,)]  # kept as it was
    finally:
        con.close()


def test_accept_keeps_the_amount_and_refuses_what_it_cannot_accept(tmp_path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        _mart(con)
        assert accept(con, "orphan_posting:erp:P1", "  agreed with the client ") == 12.5
        assert con.execute(
            "select status, accepted_amount_reporting, accepted_reason from ops.exception_state"
            " where exception_id = 'orphan_posting:erp:P1'"
        ).fetchall() == [("accepted", 12.5, "agreed with the client")]
        assert con.execute(
            "select status, is_open from marts.fct_sync_exceptions where exception_id = 'orphan_posting:erp:P1'"
        ).fetchall() == [("accepted", False)]
        with pytest.raises(InputError, match="no exception 'nope'"):
            accept(con, "nope", "r")
        with pytest.raises(InputError, match="already resolved"):
            accept(con, "hours_mismatch:erp:P2", "r")
        with pytest.raises(InputError, match="the reason is empty"):
            accept(con, "orphan_posting:erp:P1", "  ")
    finally:
        con.close()
