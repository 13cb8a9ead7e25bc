"""Cell-for-cell comparison of the marts of a DuckDB build and a Spark build of the same raw data."""

from __future__ import annotations

from typing import Any

import duckdb
from mart_compare import difference, duckdb_tables

from wipcast.settings import Settings
from wipcast.warehouses import spark

__all__ = ["BUILD_RUN", "duckdb_tables", "mismatches"]

BUILD_RUN = "20240731T000000-spark1"  # the Spark build's run id (it names the build's databases)


def _kind(arrow_type: Any) -> str:
    return "decimal" if str(arrow_type).startswith("decimal") else str(arrow_type)


def mismatches(
    duck: duckdb.DuckDBPyConnection,
    settings: Settings,
    duck_schema: str,
    spark_database: str,
    ignore: dict[str, tuple[str, ...]] | None = None,
) -> dict[str, str]:
    """Per mart whose rows differ, what differs; empty when every mart is equal cell for cell.

    How cells compare: tests/dbt/mart_compare.py. `ignore`: table -> columns left out of the comparison."""
    found: dict[str, str] = {}
    for table in duckdb_tables(duck, duck_schema):
        skip = set((ignore or {}).get(table, ()))
        if not spark.exists(settings, spark_database, table):
            found[table] = f"missing on spark ({spark_database})"
            continue
        duck_arrow = duck.sql(f'select * from "{duck_schema}"."{table}"').to_arrow_table()
        spark_arrow = spark.to_arrow(settings, f"select * from {spark.table_name(spark_database, table)}")
        names = [n for n in duck_arrow.column_names if n not in skip]
        spark_names = [n for n in spark_arrow.column_names if n not in skip]
        if names != spark_names:
            found[table] = f"columns differ: duckdb {names} spark {spark_names}"
            continue
        mixed = {
            i
            for i, n in enumerate(names)
            if (_kind(duck_arrow.schema.field(n).type) == "decimal")
            != (_kind(spark_arrow.schema.field(n).type) == "decimal")
        }

        rows = [
            list(zip(*(arrow.column(n).to_pylist() for n in names), strict=True)) for arrow in (duck_arrow, spark_arrow)
        ]
        diff = difference(rows[0], rows[1], mixed, "spark")
        if diff:
            found[table] = diff
    return found
