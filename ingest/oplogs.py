"""ops.load_log and ops.quarantine: what each ingest run read, loaded and set aside.

For every file: rows_read = rows_loaded + rows_quarantined. Quarantined rows keep the
file's raw values as JSON, so nothing the user sent is lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import duckdb
import pyarrow as pa

OPS_DDL = """
create schema if not exists ops;
create table if not exists ops.load_log (
    run_id varchar not null,
    entity varchar not null,
    source_file varchar not null,     -- file name inside the ingested folder
    rows_read bigint not null,
    rows_loaded bigint not null,      -- merged into raw_canonical.<entity>
    rows_quarantined bigint not null, -- sent to ops.quarantine
    loaded_at timestamp with time zone not null
);
-- the dlt load that merged these rows (raw tables carry it as _dlt_load_id): ties every raw row to its log row
alter table ops.load_log add column if not exists dlt_load_id varchar;
-- snapshot ingests: rows loaded earlier that the file no longer holds, marked deleted (null: not a snapshot)
alter table ops.load_log add column if not exists rows_deleted bigint;
create table if not exists ops.quarantine (
    run_id varchar not null,
    entity varchar not null,
    source_file varchar not null,
    row_number bigint not null,       -- 1-based data row in the file (the header row is not counted)
    column_name varchar,              -- the column blamed (key columns joined by ', ' for duplicates)
    reason varchar not null,
    raw_row json not null,            -- the row exactly as read, column name → value
    quarantined_at timestamp with time zone not null
);
"""


def ensure_ops_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(OPS_DDL)


def write_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    files: Iterable[tuple[str, str, int, int, int, int | None]],
    quarantined: Iterable[tuple[str, str, pa.Table]],
    dlt_load_id: str | None = None,
) -> None:
    """Record one run in a single transaction.

    `files`: (entity, source_file, rows_read, rows_loaded, rows_quarantined, rows_deleted).
    `quarantined`: (entity, source_file, table with row_number, column_name, reason, raw_row).
    """
    now = dt.datetime.now(dt.UTC)
    ensure_ops_tables(con)
    con.execute("begin transaction")
    try:
        for entity, source_file, read, loaded, bad, gone in files:
            con.execute(
                "insert into ops.load_log (run_id, entity, source_file, rows_read, rows_loaded, rows_quarantined, "
                "loaded_at, dlt_load_id, rows_deleted) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [run_id, entity, source_file, read, loaded, bad, now, dlt_load_id, gone],
            )
        for entity, source_file, table in quarantined:
            if table.num_rows == 0:
                continue
            con.register("quarantine_batch", table)
            con.execute(
                "insert into ops.quarantine select ?, ?, ?, row_number, column_name, reason, "
                "cast(raw_row as json), ? from quarantine_batch",
                [run_id, entity, source_file, now],
            )
            con.unregister("quarantine_batch")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
