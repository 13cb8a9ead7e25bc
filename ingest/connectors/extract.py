"""Extract a vendor into raw_<vendor> with dlt: vendor-shaped tables merged on the vendor's key.

- The cursor lives in dlt state in the warehouse (raw_<vendor>._dlt_pipeline_state); each run
  gets its own dlt working folder (ingest.pipeline.dlt_environment), so state is restored from the
  warehouse every time and a killed run leaves nothing another run could resume.
- A failed extraction loads nothing and moves no cursor (dlt commits state with the load), so a
  rerun resumes where the last good run ended.
- Vendors do not signal deletes. After a full refresh every live row carries this run's load id;
  a row that still has an older one vanished upstream and is marked `_wipcast_deleted_at` (kept in
  raw, left out of the conformed output). A row that reappears is re-inserted unmarked by the merge.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ingest.connectors import failures, tally
from ingest.connectors.spec import Connector, Credentials, SourceOptions
from ingest.pipeline import dlt_environment
from wipcast.settings import Settings
from wipcast.warehouse import table_exists, work_connection

DELETED_COLUMN = "_wipcast_deleted_at"


@dataclass
class ExtractResult:
    load_id: str | None  # None when dlt had nothing to load
    rows: dict[str, int]  # raw table -> rows extracted this run
    cursors_before: dict[str, Any]
    cursors_after: dict[str, Any]
    marked_deleted: dict[str, int] = field(default_factory=dict)


@dataclass
class Reading:
    """What an extraction saw per resource, kept when it fails too (ops.sync_runs): the resources the
    source declared, the cursors before, the vendor's totals and the client's retries."""

    resources: list[str] = field(default_factory=list)
    cursors_before: dict[str, Any] = field(default_factory=dict)
    tally: tally.Tally = field(default_factory=tally.Tally)


def pipeline_name(connector: Connector) -> str:
    return f"wipcast_raw_{connector.vendor}"


def _cursors(state: Mapping[str, Any], vendor: str) -> dict[str, Any]:
    """resource -> last cursor value, read from dlt's source state."""
    resources = state.get("sources", {}).get(vendor, {}).get("resources", {})
    found: dict[str, Any] = {}
    for name, resource_state in resources.items():
        for cursor in resource_state.get("incremental", {}).values():
            if isinstance(cursor, dict) and cursor.get("last_value") is not None:
                found[name] = cursor["last_value"]
    return found


def extract(
    settings: Settings,
    connector: Connector,
    run_id: str,
    options: SourceOptions,
    credentials: Credentials,
    full_refresh: bool,
    reading: Reading | None = None,
) -> ExtractResult:
    """`reading` (optional) is filled as the extraction goes, so a caller still has it when this raises."""
    reading = reading if reading is not None else Reading()
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    with dlt_environment(settings, run_id) as folder, tally.recording(reading.tally):
        import dlt
        from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

        pipeline = dlt.pipeline(
            pipeline_name=pipeline_name(connector),
            destination=dlt.destinations.duckdb(DuckDbCredentials(str(settings.work_db))),
            dataset_name=connector.raw_schema,
            pipelines_dir=str(folder / "pipelines"),
        )
        try:
            pipeline.sync_destination()  # restore the cursor from the warehouse before reading it
            before = _cursors(pipeline.state, connector.vendor)
            reading.cursors_before = dict(before)
            source = connector.build_source(options, credentials)
            reading.resources = list(source.selected_resources)
            # Parquet load files: DuckDB reads them in bulk, where dlt's default INSERT batches were
            # most of a large first sync's time
            info = pipeline.run(source, loader_file_format="parquet")
        except Exception as exc:
            raise failures.describe(connector, exc, options.base_url) from exc
        trace = pipeline.last_trace
        normalize = trace.last_normalize_info if trace else None
        rows = {
            table: count
            for table, count in (normalize.row_counts if normalize else {}).items()
            if not table.startswith("_dlt")
        }
        after = _cursors(pipeline.state, connector.vendor)
        load_id = str(info.loads_ids[-1]) if info.loads_ids else None

    result = ExtractResult(load_id, rows, before, after)
    if (full_refresh and load_id is not None) or connector.after_load:
        with work_connection(settings) as con:
            if full_refresh and load_id is not None:
                scope = connector.vanish_scope(options)
                for table in connector.merge_tables:
                    if table_exists(con, connector.raw_schema, table):
                        result.marked_deleted[table] = _mark_vanished(
                            con, connector.raw_schema, table, load_id, scope.get(table)
                        )
            if connector.after_load:  # also when nothing changed: the day's snapshot is still due
                stamp = load_id or _latest_load(con, connector.raw_schema) or ""
                connector.after_load(con, connector.raw_schema, stamp, options.today)
    return result


def _latest_load(con: Any, schema: str) -> str | None:
    if not table_exists(con, schema, "_dlt_loads"):
        return None
    rows = con.execute(f"SELECT max(load_id) FROM {schema}._dlt_loads WHERE status = 0").fetchall()
    return str(rows[0][0]) if rows and rows[0][0] is not None else None


def _mark_vanished(con: Any, schema: str, table: str, load_id: str, scope: str | None) -> int:
    """Rows a full refresh did not bring back vanished upstream (only inside the re-read scope)."""
    where = f"_dlt_load_id <> ? AND {DELETED_COLUMN} IS NULL" + (f" AND ({scope})" if scope else "")
    rows = con.execute(f'SELECT count(*) FROM {schema}."{table}" WHERE {where}', [load_id]).fetchall()
    count = int(rows[0][0])
    if count:
        con.execute(
            f'UPDATE {schema}."{table}" SET {DELETED_COLUMN} = ? WHERE {where}', [dt.datetime.now(dt.UTC), load_id]
        )
    return count
