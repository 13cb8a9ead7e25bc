"""Raw column declarations: one list per raw table, used twice.

1. As dlt column hints: dlt creates no column that is null in every row, so a field the conform
   SQL reads (an `invoice` that is always null, an `approval_status` an account never sends) would
   otherwise be missing from the table.
2. As the shim the conform step reads through: a table or column that does not exist yet (no row
   ever arrived) is presented as typed NULLs, so the mapping SQL never depends on what arrived.

Written as "name type, name type" with dlt's type names. `decimal` marks a money number the vendor
sends in JSON: raw keeps it as the DOUBLE that JSON number is (a rate with more decimals than a
fixed scale would fail the whole Parquet load), and the conform SQL casts it to the contract's
decimal type, rounding there.
"""

from __future__ import annotations

from typing import Any

DUCKDB_TYPES = {
    "text": "VARCHAR",
    "bigint": "BIGINT",
    "double": "DOUBLE",
    "bool": "BOOLEAN",
    "timestamp": "TIMESTAMP WITH TIME ZONE",
    "date": "DATE",
    "decimal": "DOUBLE",
}

ROOT_COLUMNS = "_dlt_id text, _dlt_load_id text, _wipcast_deleted_at timestamp"
CHILD_COLUMNS = "_dlt_id text, _dlt_parent_id text, _dlt_root_id text, _dlt_list_idx bigint"


def parse(spec: str) -> dict[str, str]:
    """'id bigint, name text' -> {'id': 'bigint', 'name': 'text'}."""
    columns: dict[str, str] = {}
    for part in spec.split(","):
        name, type_ = part.split()
        if type_ not in DUCKDB_TYPES:
            raise ValueError(f"unknown raw column type {type_!r} for {name}")
        columns[name] = type_
    return columns


def root(spec: str) -> dict[str, str]:
    return {**parse(spec), **parse(ROOT_COLUMNS)}


def child(spec: str) -> dict[str, str]:
    return {**parse(spec), **parse(CHILD_COLUMNS)}


def dlt_hints(columns: dict[str, str]) -> dict[str, Any]:
    """dlt column hints for a root table's declared columns (dlt fills its own _dlt_* columns)."""
    hints: dict[str, Any] = {}
    for name, type_ in columns.items():
        if name in ("_dlt_id", "_dlt_load_id"):
            continue
        hint: dict[str, Any] = {"data_type": "double" if type_ == "decimal" else type_, "nullable": True}
        if type_ == "timestamp":
            hint.update(timezone=True)
        hints[name] = hint
    return hints
