"""Cell-for-cell comparison of the marts of a DuckDB build and a PostgreSQL build of the same raw data."""

from __future__ import annotations

from typing import Any

import duckdb
from mart_compare import difference, duckdb_tables

__all__ = ["duckdb_tables", "mismatches"]


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

    How cells compare: tests/dbt/mart_compare.py. `ignore`: table -> columns left out of the comparison."""
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
        diff = difference(duck_rows, pg_rows, mixed, "postgres")
        if diff:
            found[table] = diff
    return found
