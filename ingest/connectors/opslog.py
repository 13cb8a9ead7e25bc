"""The connectors' own ops tables, beside ops.load_log and ops.quarantine.

- ops.connector_syncs: one row per successful sync or reconform: what was extracted per resource,
  the cursors before and after, rows marked deleted, and the conform totals. `connectors list`
  reads it; failures are in ops.run_log (the step's one-line error).
- ops.sync_runs: one row per sync × resource, failed syncs included: what the API said it holds for
  the request (rows_reported), what was extracted, conformed and quarantined, the cursors, the HTTP
  retries, and the one-line error of a failed run. `shortfall` flags a full read that lost rows.
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
create table if not exists ops.sync_runs (
    run_id varchar not null,
    connector varchar not null,
    resource varchar not null,
    mode varchar not null,
    started_at timestamp with time zone not null,
    finished_at timestamp with time zone not null,
    status varchar not null,
    full_read boolean not null,
    rows_reported bigint,
    rows_extracted bigint,
    rows_filtered bigint,
    shortfall bigint,
    rows_conformed bigint,
    rows_quarantined bigint,
    cursor_before varchar,
    cursor_after varchar,
    retries bigint,
    error varchar
);
"""

# Written once, when ops.sync_runs is created (COMMENT ON is a catalog write: not on every sync).
SYNC_RUNS_COMMENTS = {
    None: "One row per connector sync x resource, failed syncs included (ingest.connectors.opslog).",
    "run_id": "The sync's run id (wipcast run / wipcast ingest); every resource of one sync shares it.",
    "connector": "Vendor: harvest, harvest_forecast, kantata, salesforce, hubspot, netsuite, xero, quickbooks.",
    "resource": "The vendor resource (dlt resource = its raw table); '*' when the sync failed before any "
    "resource was known (settings, mapping files, credentials).",
    "mode": "incremental, backfill (--since with a stored cursor) or full_refresh.",
    "started_at": "When the sync started (UTC).",
    "finished_at": "When the sync finished or failed (UTC); the same for every resource of the sync.",
    "status": "success, or failed: then nothing was loaded and no cursor moved (the whole sync fails).",
    "full_read": "The request asked for every row in scope: a full refresh, or the resource's first read "
    "(no cursor before; child resources: listed in full for every parent read). Only then is shortfall set.",
    "rows_reported": "The total the API said it holds for this request, summed over the listings (one per "
    "parent for a child resource): Harvest total_entries, Salesforce totalSize, HubSpot search total, "
    "NetSuite totalResults, Kantata count, Xero pagination.itemCount. Null where the vendor reports none "
    "(Harvest Forecast, QuickBooks, HubSpot's non-search endpoints, Xero responses without pagination).",
    "rows_extracted": "Rows of the resource's table dlt extracted this sync (after client-side filters such "
    "as Harvest's running timers); null when the sync failed (nothing was loaded).",
    "rows_filtered": "Rows the API sent that the connector's own filter steps left out on purpose (Harvest's "
    "running timers, Xero's supplier bills); null for a resource without a filter.",
    "shortfall": "rows_reported - rows_extracted - rows_filtered on a successful full read where the reported "
    "and extracted rows are known: above 0 the API said it had rows the sync did not get; below 0 rows arrived "
    "while it paged. Null otherwise.",
    "rows_conformed": "Valid rows in conformed_<vendor> of the entities conformed from this resource after "
    "the sync (conform re-derives the whole source); null for a resource no conform step reads directly "
    "(child tables, lookups joined into another entity) and for a failed sync.",
    "rows_quarantined": "Rows set aside (ops.quarantine) from this resource's entities after the sync; null "
    "like rows_conformed.",
    "cursor_before": "The incremental cursor (updated_at-like) stored before the sync; null: none.",
    "cursor_after": "The cursor after the sync; a failed sync leaves it at cursor_before.",
    "retries": "HTTP retries and backoffs (429, 5xx, dropped connections) the client made for this "
    "resource's requests (ingest.connectors.tally).",
    "error": "The one-line error the user saw (no URL query, header or token); null on success.",
}


@dataclass(frozen=True)
class SyncRun:
    """One row of ops.sync_runs."""

    run_id: str
    connector: str
    resource: str
    mode: str
    started_at: dt.datetime
    finished_at: dt.datetime
    status: str
    full_read: bool
    rows_reported: int | None
    rows_extracted: int | None
    rows_filtered: int | None
    rows_conformed: int | None
    rows_quarantined: int | None
    cursor_before: Any
    cursor_after: Any
    retries: int | None
    error: str | None

    @property
    def shortfall(self) -> int | None:
        if self.status != "success" or not self.full_read:
            return None
        if self.rows_reported is None or self.rows_extracted is None:
            return None
        return self.rows_reported - self.rows_extracted - (self.rows_filtered or 0)


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
    fresh = not table_exists(con, "ops", "sync_runs")
    con.execute(DDL)
    if fresh:
        for column, text in SYNC_RUNS_COMMENTS.items():
            target = "table ops.sync_runs" if column is None else f"column ops.sync_runs.{column}"
            con.execute(f"comment on {target} is '{text.replace(chr(39), chr(39) * 2)}'")


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


def _cursor_text(value: Any) -> str | None:
    return None if value is None else str(value)


def record_runs(con: duckdb.DuckDBPyConnection, runs: list[SyncRun]) -> None:
    """ops.sync_runs rows of one sync, in one statement."""
    ensure(con)
    if not runs:
        return
    con.executemany(
        "insert into ops.sync_runs (run_id, connector, resource, mode, started_at, finished_at, status, full_read, "
        "rows_reported, rows_extracted, rows_filtered, shortfall, rows_conformed, rows_quarantined, cursor_before, "
        "cursor_after, retries, error) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [
                r.run_id,
                r.connector,
                r.resource,
                r.mode,
                r.started_at,
                r.finished_at,
                r.status,
                r.full_read,
                r.rows_reported,
                r.rows_extracted,
                r.rows_filtered,
                r.shortfall,
                r.rows_conformed,
                r.rows_quarantined,
                _cursor_text(r.cursor_before),
                _cursor_text(r.cursor_after),
                r.retries,
                r.error,
            ]
            for r in runs
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
