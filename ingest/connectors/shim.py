"""The read-only view of the warehouse that conform SQL runs against.

The working database is attached read-only as `src`; schemas of the same names are created in the
in-memory database with one view per declared table, so the SQL reads `raw_harvest.users` without
a catalog prefix. A declared column or table that does not exist yet is a typed NULL (see
rawcols), and another source's conformed schema that does not exist yet is an empty typed table.
"""

from __future__ import annotations

import duckdb

from ingest.connectors.rawcols import DUCKDB_TYPES
from ingest.rules import q
from wipcast import contract as c

CATALOG = "src"


def _existing_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> set[str] | None:
    rows = con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? AND table_name = ?",
        [CATALOG, schema, table],
    ).fetchall()
    return {r[0] for r in rows} if rows else None


def _view(con: duckdb.DuckDBPyConnection, schema: str, table: str, columns: dict[str, str]) -> None:
    existing = _existing_columns(con, schema, table)
    if existing is None:
        select = ", ".join(f"CAST(NULL AS {sql_type}) AS {q(name)}" for name, sql_type in columns.items())
        body = f"SELECT {select} WHERE false"
    else:
        missing = [f"CAST(NULL AS {t}) AS {q(n)}" for n, t in columns.items() if n not in existing]
        body = f"SELECT *{', ' if missing else ''}{', '.join(missing)} FROM {CATALOG}.{q(schema)}.{q(table)}"
    con.execute(f"CREATE OR REPLACE VIEW {q(schema)}.{q(table)} AS {body}")


def raw_views(con: duckdb.DuckDBPyConnection, schema: str, tables: dict[str, dict[str, str]]) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {q(schema)}")
    for table, columns in tables.items():
        _view(con, schema, table, {n: DUCKDB_TYPES[t] for n, t in columns.items()})


def conformed_views(con: duckdb.DuckDBPyConnection, schema: str) -> None:
    """Another source's conformed tables (canonical columns), empty when that source never ran."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {q(schema)}")
    for entity in c.ENTITIES:
        columns = {col.name: c.WAREHOUSE_TYPES[col.type] for col in entity.columns}
        _view(con, schema, entity.name, columns)


def attach(con: duckdb.DuckDBPyConnection, path: str) -> None:
    con.execute(f"ATTACH '{path.replace(chr(39), chr(39) * 2)}' AS {CATALOG} (READ_ONLY)")
