"""ops.run_log: one row per pipeline step of every run."""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Iterator

import duckdb

from wipcast.errors import WipcastError
from wipcast.lock import writer_lock
from wipcast.settings import Settings
from wipcast.warehouse import work_connection

RUN_LOG_DDL = """
create schema if not exists ops;
create table if not exists ops.run_log (
    run_id varchar not null,
    step varchar not null,
    started_at timestamp with time zone not null,
    finished_at timestamp with time zone,
    status varchar not null,      -- running, success, failed, abandoned (its process died mid-step)
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
    """Hold the writer lock and record the step as running, then success or failed.

    The lock is taken first (see wipcast.lock), so a second writer fails before it writes
    anything. The connection is not held while the step runs. Closing the row is retried; if it
    still cannot be written, a failed step raises its own error with a note, never the logging error.
    """
    with writer_lock(settings, step, run_id):
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
            message = scrub_paths(settings, str(exc)[:2000] or type(exc).__name__)
            try:
                _finish(settings, run_id, step, started, "failed", record.rows, message)
            except Exception as log_exc:  # the step's own error is the one the user must see
                exc.add_note(f"ops.run_log could not record step {step} of run {run_id} as failed: {log_exc}")
            raise
        _finish(settings, run_id, step, started, "success", record.rows, record.message)


def scrub_paths(settings: Settings, text: str) -> str:
    """Stored messages are published: they name the warehouse folder, never the server's absolute path."""
    return text.replace(str(settings.warehouse_dir.resolve()), "<warehouse>").replace(
        str(settings.warehouse_dir), "<warehouse>"
    )


FINISH_ATTEMPTS = 5


def _finish(
    settings: Settings, run_id: str, step: str, started: dt.datetime, status: str, rows: int | None, message: str | None
) -> None:
    for attempt in range(FINISH_ATTEMPTS):
        try:
            with work_connection(settings) as con:
                ensure_run_log(con)
                con.execute(
                    "update ops.run_log set finished_at = ?, status = ?, rows = ?, message = ? "
                    "where run_id = ? and step = ? and started_at = ?",
                    [_now(), status, rows, message, run_id, step, started],
                )
            return
        except WipcastError:  # the file is locked by another process: wait and retry
            if attempt == FINISH_ATTEMPTS - 1:
                raise
            time.sleep(0.1 * 2**attempt)
