"""Raw data into the Spark warehouse as Parquet tables.

Ingest validates and lands every source in the local working DuckDB file as on the other kinds (its
checks, fingerprints, load log and quarantine stay there). With `kind = "spark"`, the first step of
`wipcast transform` writes each raw schema dbt reads (every schema dlt loaded: raw_canonical,
conformed_<vendor>, ...) as Parquet with DuckDB's own writer, one folder per table under
`<warehouse>/spark/raw/<schema>/<table>/`, and registers each folder as a Spark table of the same
database and name. The rows keep their `_dlt_load_id` and `_dlt_id`, and every type keeps its meaning
(decimals stay decimals, timestamps with a time zone are instants).

As for PostgreSQL (wipcast.warehouses.raw_sync), the copy is skipped when Spark already holds exactly
the loads the working file holds (`ops_sync.raw_loads` records the last set copied), and a changed
schema is copied whole. A table's new files are written beside the old ones and the table is pointed at
them before the old files are removed, so a failed copy leaves the previous raw tables readable.
"""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

from wipcast.build_stamp import raw_loads
from wipcast.errors import WipcastError
from wipcast.settings import Settings
from wipcast.warehouse import work_connection
from wipcast.warehouses import spark
from wipcast.warehouses.raw_sync import SYNC_SCHEMA, raw_schemas


def raw_dir(settings: Settings) -> Path:
    return spark.spark_dir(settings) / "raw"


def synced_loads(settings: Settings) -> str | None:
    """The raw loads Spark holds, as recorded by the last copy; None when never copied."""
    if not spark.exists(settings, SYNC_SCHEMA, "raw_loads"):
        return None
    rows = spark.sql(settings, f"select raw_loads from {spark.table_name(SYNC_SCHEMA, 'raw_loads')}")
    return str(rows[0][0]) if rows else None


def _record(settings: Settings, loads: str) -> None:
    import pyarrow as pa

    spark.write_arrow(settings, SYNC_SCHEMA, "raw_loads", pa.table({"raw_loads": [loads]}))


def sync_raw(settings: Settings, run_id: str) -> str:
    """Copy the raw schemas to Spark unless it already holds them; return the loads copied."""
    with work_connection(settings) as con:
        loads = raw_loads(con)
        if synced_loads(settings) == loads:
            return loads
        for schema, tables in raw_schemas(con).items():
            spark.sql(settings, f"create database if not exists {spark.quote(schema)}")
            for table in tables:
                parent = raw_dir(settings).resolve() / schema / table
                folder = parent / f"{run_id}-{secrets.token_hex(3)}"
                folder.mkdir(parents=True)
                source = f'"{schema}"."{table}"'
                try:
                    # one file per table: raw tables are read whole by staging; Spark splits a large
                    # file into tasks by its row groups
                    con.execute(f"copy (select * from {source}) to '{folder / 'part-0.parquet'}' (format parquet)")
                    spark.sql(settings, f"drop table if exists {spark.table_name(schema, table)}")
                    spark.sql(
                        settings,
                        f"create table {spark.table_name(schema, table)} using parquet location '{folder.as_uri()}'",
                    )
                except Exception as exc:
                    shutil.rmtree(folder, ignore_errors=True)
                    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
                    raise WipcastError(
                        f"copying {schema}.{table} to the Spark warehouse failed ({first})",
                        "the published warehouse was not changed; fix the cause and rerun `wipcast transform`",
                    ) from exc
                for old in parent.iterdir():  # the generations before this one
                    if old != folder:
                        shutil.rmtree(old, ignore_errors=True)
    _record(settings, loads)
    return loads
