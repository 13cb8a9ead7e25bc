"""The contract's logical types expressed for Arrow and dlt (DuckDB's are wipcast.contract.WAREHOUSE_TYPES).

One table per concern keeps them in step: a validated entity leaves DuckDB in the
Arrow schema below, and dlt is told the same types as column hints so the raw tables get
the contract's warehouse types (DECIMAL(18,4), DATE, TIMESTAMP WITH TIME ZONE, ...).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from wipcast import contract as c

MONEY_PRECISION = 18
MONEY_SCALE = 4

ARROW_TYPES: dict[str, pa.DataType] = {
    c.STRING: pa.string(),
    c.CURRENCY: pa.string(),
    c.DATE: pa.date32(),
    # stored as UTC; an input without an offset is read as UTC
    c.TIMESTAMP: pa.timestamp("us", tz="UTC"),
    c.MONEY: pa.decimal128(MONEY_PRECISION, MONEY_SCALE),
    c.NUMBER: pa.float64(),
    c.INTEGER: pa.int64(),
    c.BOOLEAN: pa.bool_(),
}

DLT_TYPES: dict[str, dict[str, Any]] = {
    c.STRING: {"data_type": "text"},
    c.CURRENCY: {"data_type": "text"},
    c.DATE: {"data_type": "date"},
    c.TIMESTAMP: {"data_type": "timestamp", "timezone": True, "precision": 6},
    c.MONEY: {"data_type": "decimal", "precision": MONEY_PRECISION, "scale": MONEY_SCALE},
    c.NUMBER: {"data_type": "double"},
    c.INTEGER: {"data_type": "bigint"},
    c.BOOLEAN: {"data_type": "bool"},
}

# How a value of each type is described in messages ("is not a valid ...").
TYPE_WORDS: dict[str, str] = {
    c.STRING: "text",
    c.CURRENCY: "currency code",
    c.DATE: "date (YYYY-MM-DD)",
    c.TIMESTAMP: "timestamp (ISO 8601)",
    c.MONEY: "decimal number",
    c.NUMBER: "number",
    c.INTEGER: "whole number",
    c.BOOLEAN: "boolean (true or false)",
}


# dlt's row id column. Ingest fills it itself, vectorised in DuckDB (a random UUID without dashes),
# because dlt's own generator loops in Python per row (about a second per million rows).
ROW_ID = "_dlt_id"
# Set by a snapshot ingest on rows the export no longer holds: kept in raw for audit, left out from staging on.
DELETED_AT = "deleted_at"
ROW_ID_SQL = "replace(CAST(gen_random_uuid() AS VARCHAR), '-', '')"


def arrow_schema(entity: c.Entity) -> pa.Schema:
    """Arrow schema of an entity's validated rows: every contract column (keys not null), then _dlt_id
    and deleted_at (null unless a snapshot ingest found the row gone from the export)."""
    return pa.schema(
        [
            pa.field(col.name, ARROW_TYPES[col.type], nullable=col.name not in entity.primary_key)
            for col in entity.columns
        ]
        + [pa.field(ROW_ID, pa.string(), nullable=False), pa.field(DELETED_AT, pa.timestamp("us", tz="UTC"))]
    )


def dlt_column_hints(entity: c.Entity) -> dict[str, Any]:
    """dlt column hints: contract types; only key columns are NOT NULL.

    Other columns stay nullable in the warehouse even when the contract requires a value:
    the rows are validated before loading, and a NOT NULL column could not be added to an
    existing table by a later contract version.
    """
    hints = {
        col.name: {"name": col.name, **DLT_TYPES[col.type], "nullable": col.name not in entity.primary_key}
        for col in entity.columns
    }
    # the same hints dlt gives the row id it generates itself
    hints[ROW_ID] = {"name": ROW_ID, "data_type": "text", "nullable": False, "unique": True, "row_key": True}
    hints[DELETED_AT] = {"name": DELETED_AT, "data_type": "timestamp", "nullable": True}
    return hints
