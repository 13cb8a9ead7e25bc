"""Raw data onto the PostgreSQL warehouse with dlt's postgres destination.

Ingest validates and lands every source in the local working DuckDB file as always (its checks run
as SQL over staged files there, and its fingerprints, load log and quarantine live beside it). With
`kind = "postgres"` each raw schema dbt reads (every schema dlt loaded: raw_canonical,
conformed_<vendor>, ...) is then replicated to the server under the same name, one dlt load per
schema, streamed in Arrow batches and written with COPY (dlt's csv loader). The tables keep the
`_dlt_load_id` and `_dlt_id` of the original load (lineage; staging reads them).

The sync is skipped when the server already holds exactly the loads the working file holds
(`ops_sync.raw_loads` on the server records the last synced set), so a transform after an unchanged
ingest costs nothing here. Each table is replaced whole: a firm whose raw data no longer fits a copy
per ingest should load the server directly (docs/warehouses.md, limits).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

from wipcast.build_stamp import raw_loads
from wipcast.errors import WipcastError
from wipcast.settings import Settings
from wipcast.warehouse import work_connection
from wipcast.warehouses import postgres

SYNC_SCHEMA = "ops_sync"
BATCH_ROWS = 100_000
DLT_TABLES = ("_dlt_loads", "_dlt_version", "_dlt_pipeline_state")

DLT_SYNC_ENV = {
    "RUNTIME__DLTHUB_TELEMETRY": "false",
    "RUNTIME__LOG_LEVEL": "ERROR",
    # the rows already carry their original load and row ids
    "NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID": "false",
    "NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_ID": "false",
    "LOAD__DELETE_COMPLETED_JOBS": "true",
    "NORMALIZE__WORKERS": "1",
    "LOAD__WORKERS": "1",
}


def raw_schemas(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Schema -> its data tables, for every schema dlt loaded into the working file."""
    rows = con.execute(
        "select t.table_schema, t.table_name from information_schema.tables t "
        "where t.table_schema in (select table_schema from information_schema.tables where table_name = '_dlt_loads') "
        "and t.table_type = 'BASE TABLE' order by 1, 2"
    ).fetchall()
    found: dict[str, list[str]] = {}
    for schema, table in rows:
        if table not in DLT_TABLES and not table.startswith("_dlt_"):
            found.setdefault(schema, []).append(table)
    return found


def synced_loads(settings: Settings) -> str | None:
    """The raw loads the server holds, as recorded by the last sync; None when never synced."""
    con = postgres.connect(settings)
    try:
        with con.cursor() as cur:
            cur.execute("select to_regclass(%s)", [f"{SYNC_SCHEMA}.raw_loads"])
            row = cur.fetchone()
            if row is None or row[0] is None:
                return None
            cur.execute(f"select raw_loads from {SYNC_SCHEMA}.raw_loads")
            found = cur.fetchone()
            return str(found[0]) if found else None
    finally:
        con.close()


def _record(settings: Settings, loads: str) -> None:
    con = postgres.connect(settings)
    try:
        with con.cursor() as cur:
            cur.execute(f"create schema if not exists {SYNC_SCHEMA}")
            cur.execute(f"create table if not exists {SYNC_SCHEMA}.raw_loads (raw_loads text not null)")
            cur.execute(f"delete from {SYNC_SCHEMA}.raw_loads")
            cur.execute(f"insert into {SYNC_SCHEMA}.raw_loads values (%s)", [loads])
        con.commit()
    finally:
        con.close()


@contextlib.contextmanager
def _dlt_environment(folder: Path) -> Iterator[None]:
    values = {**DLT_SYNC_ENV, "DLT_DATA_DIR": str(folder)}
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    # dlt reads Streamlit's secrets when it finds no .dlt/secrets.toml; nothing here needs them
    had_streamlit = "streamlit" in sys.modules
    if not had_streamlit:
        sys.modules["streamlit"] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if not had_streamlit and sys.modules.get("streamlit", 0) is None:
            del sys.modules["streamlit"]
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old
        shutil.rmtree(folder, ignore_errors=True)


def _batches(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> Iterator[Any]:
    # a cursor per table: dlt may pull several resources in turn, and a DuckDB connection serves one result
    cursor = con.cursor()
    try:
        reader = cursor.sql(f"select * from {postgres.quote(schema)}.{postgres.quote(table)}").to_arrow_reader(
            BATCH_ROWS
        )
        schema_only = True
        for batch in reader:
            schema_only = False
            yield batch
        if schema_only:  # an empty table is still created, typed
            yield reader.schema.empty_table()
    finally:
        cursor.close()


def sync_raw(settings: Settings, run_id: str) -> str:
    """Replicate the raw schemas to the server unless it already holds them; return the loads synced."""
    import dlt
    from dlt.destinations.impl.postgres.configuration import PostgresCredentials

    with work_connection(settings) as con:
        loads = raw_loads(con)
        if synced_loads(settings) == loads:
            return loads
        schemas = raw_schemas(con)
        p = postgres.params(settings)
        credentials = PostgresCredentials()
        credentials.database, credentials.username = p["dbname"], p["user"]
        credentials.host, credentials.port = "localhost", p["port"]
        # libpq's own keywords (a host that is a socket folder, sslmode) ride in the query, which
        # overrides the URL's host: dlt's URL cannot spell a socket path
        credentials.query = {k: str(v) for k, v in p.items() if k not in ("port", "user", "dbname")}
        secret = postgres.password()
        if secret is not None:  # else libpq finds it (PGPASSWORD, ~/.pgpass)
            credentials.password = secret
        folder = settings.dlt_runs_dir / f"{run_id}-postgres"
        with _dlt_environment(folder):
            for schema, tables in schemas.items():
                resources = [
                    dlt.resource(_batches(con, schema, t), name=t, table_name=t, write_disposition="replace")
                    for t in tables
                ]
                pipeline = dlt.pipeline(
                    pipeline_name=f"wipcast_sync_{schema}",
                    destination=dlt.destinations.postgres(credentials),
                    dataset_name=schema,
                    pipelines_dir=str(folder / "pipelines"),
                )
                try:
                    pipeline.run(resources, loader_file_format="csv")
                except Exception as exc:
                    inner = exc.__cause__ or exc
                    first = (str(inner).strip().splitlines() or [type(inner).__name__])[0][:300]
                    raise WipcastError(
                        f"copying {schema} to the PostgreSQL warehouse {postgres.describe(settings)} failed ({first})",
                        "the published warehouse was not changed; fix the cause and rerun `wipcast transform`",
                    ) from exc
    _record(settings, loads)
    return loads
