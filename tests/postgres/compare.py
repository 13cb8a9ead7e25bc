"""Cell-for-cell comparison of the marts of a DuckDB build and a PostgreSQL build of the same raw data."""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections import Counter
from typing import Any

import duckdb

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


def _row(values: tuple[Any, ...], money_columns: set[int]) -> tuple[Any, ...]:
    return tuple(_cell(v, 2 if i in money_columns else None) for i, v in enumerate(values))


def duckdb_tables(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = ? and table_type = 'BASE TABLE' "
        "order by 1",
        [schema],
    ).fetchall()
    return [r[0] for r in rows]


def columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[tuple[str, str]]:
    return [
        (name, kind)
        for name, kind in con.execute(
            "select column_name, data_type from information_schema.columns where table_schema = ? and table_name = ? "
            "order by ordinal_position",
            [schema, table],
        ).fetchall()
    ]


def mismatches(
    duck: duckdb.DuckDBPyConnection,
    pg: Any,
    duck_schema: str,
    pg_schema: str,
    ignore: dict[str, tuple[str, ...]] | None = None,
) -> dict[str, str]:
    """Per mart whose rows differ, what differs; empty when every mart is equal cell for cell.

    Rows are compared as sorted lists. Decimals compare exactly (money columns are decimals on both);
    a column that is a decimal on one engine and a double on the other compares rounded to cents.
    `ignore`: table -> columns left out of the comparison."""
    found: dict[str, str] = {}
    for table in duckdb_tables(duck, duck_schema):
        skip = set((ignore or {}).get(table, ()))
        cols = [c for c in columns(duck, duck_schema, table) if c[0] not in skip]
        names = ", ".join(f'"{n}"' for n, _ in cols)
        with pg.cursor() as cur:
            cur.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = %s and table_name = %s order by ordinal_position",
                [pg_schema, table],
            )
            pg_cols = [c for c in cur.fetchall() if c[0] not in skip]
            if [n for n, _ in pg_cols] != [n for n, _ in cols]:
                found[table] = f"columns differ: duckdb {[n for n, _ in cols]} postgres {[n for n, _ in pg_cols]}"
                continue
            cur.execute(f'select {names} from "{pg_schema}"."{table}"')
            pg_rows = cur.fetchall()
        duck_rows = duck.execute(f'select {names} from "{duck_schema}"."{table}"').fetchall()
        mixed = {
            i
            for i, ((_, dk), (_, pk)) in enumerate(zip(cols, pg_cols, strict=True))
            if ("DECIMAL" in dk.upper()) != (pk == "numeric")
        }
        left = sorted((_row(r, mixed) for r in duck_rows), key=repr)
        right = sorted((_row(r, mixed) for r in pg_rows), key=repr)
        if left != right:
            duck_count, pg_count = Counter(left), Counter(right)
            only_duck = list((duck_count - pg_count).elements())[:2]
            only_pg = list((pg_count - duck_count).elements())[:2]
            found[table] = f"{len(left)} vs {len(right)} rows; only in duckdb {only_duck}; only in postgres {only_pg}"
    return found
