"""ops.load_log and ops.quarantine: what each ingest run read, loaded and set aside.

For every file: rows_read = rows_loaded + rows_quarantined. Quarantined rows keep the
file's raw values as JSON, so nothing the user sent is lost. A file ingest also records
each file's fingerprint (ingest.fingerprints) in the same transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from ingest import fingerprints

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
-- file ingests: rows this run's dlt load wrote (new or changed rows, rows marked deleted); rows equal
-- to the row already loaded are counted in rows_loaded but not written again
alter table ops.load_log add column if not exists rows_merged bigint;
-- file ingests: the file was the one the last run ingested (same content, contract and parents), so it
-- was not read again; its counts and quarantined rows are that run's
alter table ops.load_log add column if not exists file_unchanged boolean;
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


@dataclass(frozen=True)
class FileLog:
    """One ops.load_log row of a file ingest, and where its quarantined rows come from."""

    entity: str
    source_file: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    rows_deleted: int | None
    rows_merged: int
    unchanged: bool
    quarantine_file: Path | None = None  # this run's quarantined rows (Parquet, QUARANTINE columns)
    quarantine_of_run: str | None = None  # an unchanged file: log again the rows that run quarantined


def write_file_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    logs: Sequence[FileLog],
    dlt_load_id: str | None,
    prints: Sequence[fingerprints.Fingerprint],
) -> Counter[tuple[str, str]]:
    """Record a file ingest in one transaction: load_log, quarantine (read from Parquet, or copied
    from the run an unchanged file was last logged by), and the files' fingerprints stamped with
    raw_canonical's loads as they are now. Returns the copied quarantined rows per (entity, reason)."""
    now = dt.datetime.now(dt.UTC)
    ensure_ops_tables(con)
    fingerprints.ensure_table(con)
    carried: Counter[tuple[str, str]] = Counter()
    con.execute("begin transaction")
    try:
        for log in logs:
            con.execute(
                "insert into ops.load_log (run_id, entity, source_file, rows_read, rows_loaded, rows_quarantined, "
                "loaded_at, dlt_load_id, rows_deleted, rows_merged, file_unchanged) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    run_id,
                    log.entity,
                    log.source_file,
                    log.rows_read,
                    log.rows_loaded,
                    log.rows_quarantined,
                    now,
                    dlt_load_id,
                    log.rows_deleted,
                    log.rows_merged,
                    log.unchanged,
                ],
            )
            if log.quarantine_file is not None:
                con.execute(
                    "insert into ops.quarantine select ?, ?, ?, row_number, column_name, reason, "
                    "cast(raw_row as json), ? from read_parquet(?)",
                    [run_id, log.entity, log.source_file, now, str(log.quarantine_file)],
                )
            if log.quarantine_of_run is not None:
                con.execute(
                    "insert into ops.quarantine select ?, entity, source_file, row_number, column_name, reason, "
                    "raw_row, ? from ops.quarantine where run_id = ? and entity = ?",
                    [run_id, now, log.quarantine_of_run, log.entity],
                )
                for reason, count in con.execute(
                    "select reason, count(*) from ops.quarantine where run_id = ? and entity = ? group by 1",
                    [run_id, log.entity],
                ).fetchall():
                    carried[(log.entity, reason)] += count
        loads = fingerprints.raw_loads(con, str(con.execute("select current_database()").fetchall()[0][0]))
        fingerprints.write(con, [dataclasses.replace(fp, raw_loads=loads) for fp in prints], now)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return carried
