"""The connectors' own ops tables, beside ops.load_log and ops.quarantine.

- ops.connector_syncs: one row per successful sync or reconform: what was extracted per resource,
  the cursors before and after, rows marked deleted, and the conform totals. `connectors list`
  reads it; failures are in ops.run_log (the step's one-line error).
- ops.identity_exceptions: references the identity map could not resolve (a Forecast project with
  no harvest_id and no identity_map entry), per run, so a finance ops user can fix the map.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from ingest import oplogs
from wipcast.warehouse import table_exists

DDL = """
create schema if not exists ops;
create table if not exists ops.connector_syncs (
    run_id varchar not null,
    connector varchar not null,      -- harvest, harvest_forecast
    mode varchar not null,           -- incremental, backfill (--since), full_refresh, reconform
    base_url varchar,
    load_id varchar,                 -- dlt load id of the raw load (null: nothing new, or reconform)
    finished_at timestamp with time zone not null,
    extracted json,                  -- raw table -> rows extracted this run
    cursors_before json,             -- resource -> updated_at cursor before the run
    cursors_after json,
    marked_deleted json,             -- raw table -> rows marked vanished by a full refresh
    rows_conformed bigint,           -- valid rows in conformed_<vendor> after the run
    rows_quarantined bigint
);
create table if not exists ops.identity_exceptions (
    run_id varchar not null,
    source_system varchar not null,  -- the source holding the reference (harvest_forecast)
    referenced_by varchar not null,  -- the resource whose rows carry it (assignments)
    entity varchar not null,         -- canonical entity referenced (projects, employees)
    source_id varchar not null,      -- the unresolved id in the source system
    rows bigint not null,            -- rows that carry it
    recorded_at timestamp with time zone not null
);
"""


@dataclass(frozen=True)
class SyncRecord:
    run_id: str
    connector: str
    mode: str
    base_url: str | None
    load_id: str | None
    extracted: dict[str, int]
    cursors_before: dict[str, Any]
    cursors_after: dict[str, Any]
    marked_deleted: dict[str, int]
    rows_conformed: int
    rows_quarantined: int


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = 'ops' and table_name = ?", [table]
    ).fetchall()
    return {r[0] for r in rows}


def write_load_log(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    counts: list[tuple[str, str, int, int, int, int]],
    quarantined: list[tuple[str, str, pa.Table]],
    dlt_load_id: str,
) -> None:
    """ops.load_log and ops.quarantine rows, in one transaction, exactly as file ingests write them.

    `counts`: (entity, source, rows_read, rows_loaded, rows_quarantined, rows_removed). Columns are
    named, and the optional ones (dlt_load_id, rows_deleted) written only where the table has them.
    """
    oplogs.ensure_ops_tables(con)
    extra = _columns(con, "load_log") & {"dlt_load_id", "rows_deleted"}
    names = ["run_id", "entity", "source_file", "rows_read", "rows_loaded", "rows_quarantined", "loaded_at"]
    names += sorted(extra)
    now = dt.datetime.now(dt.UTC)
    con.execute("begin transaction")
    try:
        for entity, source, read, loaded, bad, removed in counts:
            values: dict[str, Any] = {"dlt_load_id": dlt_load_id, "rows_deleted": removed}
            row = [run_id, entity, source, read, loaded, bad, now] + [values[n] for n in sorted(extra)]
            con.execute(f"insert into ops.load_log ({', '.join(names)}) values ({', '.join('?' * len(names))})", row)
        for entity, source, table in quarantined:
            con.register("quarantine_batch", table)
            con.execute(
                "insert into ops.quarantine (run_id, entity, source_file, row_number, column_name, reason, raw_row, "
                "quarantined_at) select ?, ?, ?, row_number, column_name, reason, cast(raw_row as json), ? "
                "from quarantine_batch",
                [run_id, entity, source, now],
            )
            con.unregister("quarantine_batch")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def record_sync(con: duckdb.DuckDBPyConnection, rec: SyncRecord) -> None:
    ensure(con)
    con.execute(
        "insert into ops.connector_syncs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            rec.run_id,
            rec.connector,
            rec.mode,
            rec.base_url,
            rec.load_id,
            dt.datetime.now(dt.UTC),
            json.dumps(rec.extracted),
            json.dumps(rec.cursors_before, default=str),
            json.dumps(rec.cursors_after, default=str),
            json.dumps(rec.marked_deleted),
            rec.rows_conformed,
            rec.rows_quarantined,
        ],
    )


def record_identity_exceptions(
    con: duckdb.DuckDBPyConnection, run_id: str, source_system: str, unresolved: pa.Table
) -> None:
    ensure(con)
    if unresolved.num_rows == 0:
        return
    con.register("unresolved_batch", unresolved)
    try:
        con.execute(
            "insert into ops.identity_exceptions select ?, ?, referenced_by, entity, source_id, rows, ? "
            "from unresolved_batch",
            [run_id, source_system, dt.datetime.now(dt.UTC)],
        )
    finally:
        con.unregister("unresolved_batch")


def last_sync(con: duckdb.DuckDBPyConnection, vendor: str) -> dict[str, Any] | None:
    if not table_exists(con, "ops", "connector_syncs"):
        return None
    rows = con.execute(
        "select run_id, mode, finished_at, cursors_after, rows_conformed, rows_quarantined from ops.connector_syncs "
        "where connector = ? order by finished_at desc limit 1",
        [vendor],
    ).fetchall()
    if not rows:
        return None
    run_id, mode, finished, cursors, conformed, quarantined = rows[0]
    return {
        "run_id": run_id,
        "mode": mode,
        "finished_at": finished,
        "cursors": json.loads(cursors) if cursors else {},
        "rows_conformed": conformed,
        "rows_quarantined": quarantined,
    }


def has_cursor(con: duckdb.DuckDBPyConnection, vendor: str) -> bool:
    """Whether a sync of this vendor has stored a cursor (then --since is a backfill that leaves it alone)."""
    if not table_exists(con, "ops", "connector_syncs"):
        return False
    rows = con.execute(
        "select count(*) from ops.connector_syncs where connector = ? and cursors_after::varchar <> '{}'", [vendor]
    ).fetchall()
    return bool(rows[0][0])
