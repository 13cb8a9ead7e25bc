"""What the cross-engine tests share (tests/postgres, tests/spark): a mart's rows from DuckDB and from
another engine, compared cell for cell as sorted lists.

Decimals compare exactly (money columns are decimals on every engine); a column that is a decimal on one
engine and a double on the other compares rounded to cents; doubles to FLOAT_PLACES (the same IEEE
arithmetic, but a sum may add in another order)."""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections import Counter
from collections.abc import Iterable
from typing import Any

import duckdb

FLOAT_PLACES = 9


def cell(value: Any, places: int | None = None) -> Any:
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


def _normalised(rows: Iterable[tuple[Any, ...]], cents_columns: set[int]) -> list[tuple[Any, ...]]:
    return sorted((tuple(cell(v, 2 if i in cents_columns else None) for i, v in enumerate(r)) for r in rows), key=repr)


def difference(
    duck_rows: Iterable[tuple[Any, ...]], other_rows: Iterable[tuple[Any, ...]], cents_columns: set[int], engine: str
) -> str | None:
    """What differs between two row sets (None when equal): the counts and up to two rows only in each."""
    left, right = _normalised(duck_rows, cents_columns), _normalised(other_rows, cents_columns)
    if left == right:
        return None
    duck_count, other_count = Counter(left), Counter(right)
    only_duck = list((duck_count - other_count).elements())[:2]
    only_other = list((other_count - duck_count).elements())[:2]
    return f"{len(left)} vs {len(right)} rows; only in duckdb {only_duck}; only in {engine} {only_other}"
