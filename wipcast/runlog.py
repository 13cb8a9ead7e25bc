"""ops.run_log: one row per pipeline step of every run."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

import duckdb

from wipcast.settings import Settings
from wipcast.warehouse import work_connection

RUN_LOG_DDL = """
create schema if not exists ops;
create table if not exists ops.run_log (
    run_id varchar not null,
    step varchar not null,
    started_at timestamp with time zone not null,
    finished_at timestamp with time zone,
    status varchar not null,      -- running, success, failed
    rows bigint,                  -- rows the step wrote (when it counts them)
    message varchar
);
"""


def ensure_run_log(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(RUN_LOG_DDL)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class StepRecord:
    """Handle given to a step so it can report the rows it wrote and a message."""

    def __init__(self) -> None:
        self.rows: int | None = None
        self.message: str | None = None


@contextlib.contextmanager
def logged_step(settings: Settings, run_id: str, step: str) -> Iterator[StepRecord]:
    """Record a step as running, then success or failed. The connection is not held while the step runs."""
    started = _now()
    with work_connection(settings) as con:
        ensure_run_log(con)
        con.execute(
            "insert into ops.run_log values (?, ?, ?, null, 'running', null, null)", [run_id, step, started]
        )
    record = StepRecord()
    try:
        yield record
    except BaseException as exc:
        _finish(settings, run_id, step, started, "failed", record.rows, str(exc)[:2000] or type(exc).__name__)
        raise
    _finish(settings, run_id, step, started, "success", record.rows, record.message)


def _finish(settings, run_id, step, started, status, rows, message) -> None:
    with work_connection(settings) as con:
        ensure_run_log(con)
        con.execute(
            "update ops.run_log set finished_at = ?, status = ?, rows = ?, message = ? "
            "where run_id = ? and step = ? and started_at = ?",
            [_now(), status, rows, message, run_id, step, started],
        )
