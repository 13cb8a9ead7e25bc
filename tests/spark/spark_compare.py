"""Cell-for-cell comparison of the marts of a DuckDB build and a Spark build of the same raw data."""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections import Counter
from typing import Any

import duckdb

from wipcast.settings import Settings
from wipcast.warehouses import spark

BUILD_RUN = "20240731T000000-spark1"  # the Spark build's run id (it names the build's databases)

FLOAT_PLACES = 9  # doubles: the same IEEE arithmetic, but a sum may add in another order


def _cell(value: Any, places: int | None = None) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return decimal.Decimal(value) if places is None else round(decimal.Decimal(value), places)
    if isinstance(value, decimal.Decimal):
        return value.normalize() if places is None else round(value, places)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        return round(decimal.Decimal(value), FLOAT_PLACES if places is None else places)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC) if value.tzinfo else value
    return value


def duckdb_tables(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = ? and table_type = 'BASE TABLE' "
        "order by 1",
        [schema],
    ).fetchall()
    return [r[0] for r in rows]


def _kind(arrow_type: Any) -> str:
    return "decimal" if str(arrow_type).startswith("decimal") else str(arrow_type)


def _rows(arrow: Any, names: list[str], money_columns: set[int]) -> list[tuple[Any, ...]]:
    columns = [arrow.column(n).to_pylist() for n in names]
    rows = zip(*columns, strict=True)
    cells = (tuple(_cell(v, 2 if i in money_columns else None) for i, v in enumerate(r)) for r in rows)
    return sorted(cells, key=repr)


def mismatches(
    duck: duckdb.DuckDBPyConnection,
    settings: Settings,
    duck_schema: str,
    spark_database: str,
    ignore: dict[str, tuple[str, ...]] | None = None,
) -> dict[str, str]:
    """Per mart whose rows differ, what differs; empty when every mart is equal cell for cell.

    Rows are compared as sorted lists. Decimals compare exactly (money columns are decimals on both);
    a column that is a decimal on one engine and a double on the other compares rounded to cents.
    `ignore`: table -> columns left out of the comparison."""
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

        left, right = _rows(duck_arrow, names, mixed), _rows(spark_arrow, names, mixed)
        if left != right:
            duck_count, spark_count = Counter(left), Counter(right)
            only_duck = list((duck_count - spark_count).elements())[:2]
            only_spark = list((spark_count - duck_count).elements())[:2]
            found[table] = f"{len(left)} vs {len(right)} rows; only in duckdb {only_duck}; only in spark {only_spark}"
    return found
