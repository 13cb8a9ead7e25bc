"""Opening the working and published DuckDB databases.

DuckDB allows one read-write process or many read-only ones, never both. The pipeline
opens the working database briefly, one step at a time; readers only ever open the
published copy, read-only, so they never hold a lock the pipeline needs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
from collections.abc import Iterator
from pathlib import Path

import duckdb

from wipcast.errors import WipcastError
from wipcast.settings import Settings


def new_run_id() -> str:
    """Sortable, unique run identifier: UTC timestamp plus a random suffix."""
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)


@contextlib.contextmanager
def work_connection(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """Read-write connection to the working database; closed on exit."""
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(settings.work_db))
    except duckdb.IOException as exc:
        hint = open_failure_hint(str(exc))
        raise WipcastError(f"cannot open the working warehouse {settings.work_db}", hint) from None
    try:
        yield con
    finally:
        con.close()


def open_failure_hint(error: str) -> str:
    """What to do, from DuckDB's reason. wipcast's own writers take the writer lock first, so a file
    lock here is held by something else: a DuckDB shell, a notebook or a BI tool on the working file."""
    lowered = error.lower()
    if "permission denied" in lowered or "read-only" in lowered:
        return "the file or its folder is not writable by this user; fix the permissions"
    if "lock" in lowered:
        return (
            "another program (a DuckDB shell, notebook or BI tool) has it open; close it, "
            "and point readers at the published wipcast.duckdb instead"
        )
    first = error.strip().splitlines()[0] if error.strip() else "unknown reason"
    return f"DuckDB says: {first[:200]}"


def open_published(path: Path) -> duckdb.DuckDBPyConnection:
    """Read-only connection to a published warehouse file."""
    if not path.exists():
        raise WipcastError(f"no published warehouse at {path}", "build it with `make build` or `wipcast run`")
    return duckdb.connect(str(path), read_only=True)


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    rows = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()  # fetchall: with DuckDB 2.0 an unfinished fetchone() result blocks the next statement
    return bool(rows and rows[0][0])
