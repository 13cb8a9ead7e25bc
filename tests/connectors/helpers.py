"""Reading the warehouse in tests (read-only, closed after each query)."""

from __future__ import annotations

from typing import Any

import duckdb

from wipcast.settings import Settings


def query(settings: Settings, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(settings.work_db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def count(settings: Settings, table: str, where: str = "true") -> int:
    return int(query(settings, f"select count(*) from {table} where {where}")[0][0])


def tables(settings: Settings, schema: str) -> set[str]:
    rows = query(settings, "select table_name from information_schema.tables where table_schema = ?", [schema])
    return {r[0] for r in rows}
