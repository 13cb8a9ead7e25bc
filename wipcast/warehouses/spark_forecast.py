"""The forecast against a Spark warehouse: the relations it reads, brought over as Arrow, and its rows sent back.

The forecasting engine reads and writes a DuckDB connection. On Spark it gets one over a scratch file
that holds exactly the relations it reads (`relations`: raw tables, intermediate views, and the marts
of the latest build, under their published names), each read from Spark as one Arrow table; what it
writes there (the run's rows of every `forecast` table) is then appended to the Spark database
`forecast`, the `runs` row last. Readers join on `forecast.runs`, so a run whose copy failed half-way
has no runs row and is never shown; its leftover rows are those of a run id no one asks for.

Unlike the marts, `forecast` is not swapped by publish: runs are appended and every run is kept, as
on DuckDB, and a run is visible once its runs row is written.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import duckdb

from wipcast.settings import Settings
from wipcast.warehouse import work_connection
from wipcast.warehouses import spark
from wipcast.warehouses.spark_swap import generation_database, latest_build

FORECAST_SCHEMA = "forecast"
RUNS_TABLE = "runs"


def _spark_relation(settings: Settings, schema: str, table: str, build: str | None) -> str | None:
    """Where a relation of the DuckDB layout lives on Spark: the marts in the latest build's database."""
    database = generation_database(schema, build) if schema == "marts" and build else schema
    return spark.table_name(database, table) if spark.exists(settings, database, table) else None


@contextlib.contextmanager
def mirror(settings: Settings, relations: list[tuple[str, str]]) -> Iterator[Settings]:
    """Settings of a scratch DuckDB warehouse holding the given (schema, table)s read from Spark; removed
    on exit. A relation Spark does not have is left out, as it would be absent on DuckDB."""
    with work_connection(settings) as duck:
        build = latest_build(duck) if _has_build_stamp(duck) else None
    scratch = tempfile.mkdtemp(prefix=".forecast-", dir=settings.warehouse_dir)
    local = replace(settings, warehouse_dir=Path(scratch), warehouse_kind="duckdb")
    try:
        with work_connection(local) as con:
            for schema, table in dict.fromkeys(relations):
                found = _spark_relation(settings, schema, table, build)
                if found is None:
                    continue
                data = spark.to_arrow(settings, f"select * from {found}")
                con.execute(f'create schema if not exists "{schema}"')
                con.register("_mirrored", data)
                con.execute(f'create table "{schema}"."{table}" as select * from _mirrored')
                con.unregister("_mirrored")
        yield local
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _has_build_stamp(con: duckdb.DuckDBPyConnection) -> bool:
    rows = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'ops' and table_name = 'build_stamp'"
    ).fetchall()
    return bool(rows[0][0])


def write_back(settings: Settings, local: Settings, run_id: str) -> dict[str, int]:
    """Append the run's rows of every forecast table of the scratch warehouse to Spark; rows per table."""
    counts: dict[str, int] = {}
    with work_connection(local) as con:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = ? order by 1", [FORECAST_SCHEMA]
            ).fetchall()
        ]
        for table in sorted(tables, key=lambda t: t == RUNS_TABLE):  # runs last: it marks the run complete
            data = con.sql(
                f'select * from {FORECAST_SCHEMA}."{table}" where run_id = ?', params=[run_id]
            ).to_arrow_table()
            spark.write_arrow(settings, FORECAST_SCHEMA, table, data, mode="append")
            counts[table] = data.num_rows
    return counts
