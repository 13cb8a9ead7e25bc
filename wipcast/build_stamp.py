"""The build stamp: which raw data the latest transform saw, and whether it succeeded completely.

`publish` trusts the marts only when the latest transform of this working warehouse succeeded and
nothing has been loaded into a raw schema since it started: a failed transform leaves some models
rebuilt and others stale, and an ingest after the build means the marts no longer describe raw.
The raw data's identity is the set of dlt load ids in every schema dlt loads into (each load of
canonical files, a connector, or a snapshot delete is one dlt load).
"""

from __future__ import annotations

import datetime as dt

import duckdb

from wipcast.settings import Settings
from wipcast.warehouse import table_exists, work_connection

STAMP_DDL = """
create schema if not exists ops;
create table if not exists ops.build_stamp (
    run_id varchar not null,
    invocation_id varchar,        -- dbt's id for the build (run_results.json), when dbt got that far
    started_at timestamp with time zone not null,
    finished_at timestamp with time zone not null,
    status varchar not null,      -- success, failed
    raw_loads varchar not null    -- the dlt load ids the build read, sorted: schema:load_id,...
);
"""


def raw_loads(con: duckdb.DuckDBPyConnection) -> str:
    """Every completed dlt load in the warehouse, as one comparable string."""
    schemas = [
        row[0]
        for row in con.execute(
            "select table_schema from information_schema.tables where table_name = '_dlt_loads' order by 1"
        ).fetchall()
    ]
    ids: list[str] = []
    for schema in schemas:
        quoted = '"' + schema.replace('"', '""') + '"'
        rows = con.execute(f"select load_id from {quoted}._dlt_loads where status = 0").fetchall()
        ids.extend(f"{schema}:{row[0]}" for row in rows)
    return ",".join(sorted(ids))


def current_raw_loads(settings: Settings) -> str:
    with work_connection(settings) as con:
        return raw_loads(con)


def record_build(
    settings: Settings,
    run_id: str,
    started_at: dt.datetime,
    status: str,
    loads: str,
    invocation_id: str | None = None,
) -> None:
    with work_connection(settings) as con:
        con.execute(STAMP_DDL)
        con.execute(
            "insert into ops.build_stamp values (?, ?, ?, ?, ?, ?)",
            [run_id, invocation_id, started_at, dt.datetime.now(dt.UTC), status, loads],
        )


def unpublishable_reason(con: duckdb.DuckDBPyConnection) -> str | None:
    """Why the working warehouse must not be published, or None when its marts are complete and current."""
    if not table_exists(con, "ops", "build_stamp"):
        return "no transform has run on this working warehouse"
    rows = con.execute(
        "select run_id, status, raw_loads from ops.build_stamp order by finished_at desc limit 1"
    ).fetchall()
    run_id, status, loads = rows[0]
    if status != "success":
        return f"the latest transform (run {run_id}) failed, so some marts are stale"
    if loads != raw_loads(con):
        return f"data was loaded after the latest transform (run {run_id}), so the marts do not include it"
    return None
