"""Turn simulator arrays into Arrow tables of exactly the contract's columns and types,
and write them as Parquet or CSV (one file per entity, large ones in chunks).

Array conventions used by the simulator: dates are int day numbers (null when negative),
timestamps int microseconds since the epoch (null when negative), money and numbers floats
(null when nan), strings lists or Arrow arrays (null as None).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from wipcast import contract as C

ARROW_TYPES = {
    C.STRING: pa.string(),
    C.CURRENCY: pa.string(),
    C.DATE: pa.date32(),
    C.TIMESTAMP: pa.timestamp("us", tz="UTC"),
    C.MONEY: pa.decimal128(18, 2),
    C.NUMBER: pa.float64(),
    C.INTEGER: pa.int64(),
    C.BOOLEAN: pa.bool_(),
}
SECOND_US = 1_000_000


Columns = dict[str, Any]  # column name -> array-like values (see the conventions above)


def schema_of(entity_name: str) -> pa.Schema:
    ent = C.entity(entity_name)
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.type], nullable=c.nullable) for c in ent.columns])


def _convert(values: Any, type_: str) -> pa.Array:
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values.cast(ARROW_TYPES[type_]) if values.type != ARROW_TYPES[type_] else values
    if type_ in (C.STRING, C.CURRENCY):
        return pa.array(values, type=pa.string())
    arr = np.asarray(values)
    if type_ == C.DATE:
        arr = arr.astype(np.int64)
        valid = (arr >= 0) & (arr < 1_000_000)
        return pa.array(np.where(valid, arr, 0).astype(np.int32), mask=~valid).cast(pa.date32())
    if type_ == C.TIMESTAMP:
        arr = arr.astype(np.int64)
        valid = arr >= 0
        secs = np.where(valid, arr // SECOND_US * SECOND_US, 0)  # whole seconds: ISO text stays short
        return pa.array(secs, mask=~valid).cast(pa.timestamp("us", tz="UTC"))
    if type_ == C.MONEY:
        arr = arr.astype(np.float64)
        valid = ~np.isnan(arr)
        return pa.array(np.round(np.where(valid, arr, 0.0), 2), mask=~valid).cast(pa.decimal128(18, 2))
    if type_ == C.NUMBER:
        arr = arr.astype(np.float64)
        valid = ~np.isnan(arr)
        return pa.array(np.where(valid, arr, 0.0), mask=~valid)
    if type_ == C.BOOLEAN:
        return pa.array(arr.astype(bool))
    if type_ == C.INTEGER:
        return pa.array(arr.astype(np.int64))
    raise ValueError(type_)


def to_table(entity_name: str, columns: Columns) -> pa.Table:
    ent = C.entity(entity_name)
    missing = set(ent.column_names) - set(columns)
    extra = set(columns) - set(ent.column_names)
    if missing or extra:
        raise ValueError(f"{entity_name}: missing {sorted(missing)}, unexpected {sorted(extra)}")
    arrays = [_convert(columns[c.name], c.type) for c in ent.columns]
    return pa.Table.from_arrays(arrays, schema=schema_of(entity_name))


def _csv_ready(table: pa.Table) -> pa.Table:
    """ISO 8601 text for timestamps (pyarrow would write a space between date and time)."""
    cols = []
    for field, col in zip(table.schema, table.columns, strict=True):
        if pa.types.is_timestamp(field.type):
            col = pc.strftime(col.cast(pa.timestamp("s", tz="UTC")), format="%Y-%m-%dT%H:%M:%SZ")
        cols.append(col)
    return pa.Table.from_arrays(cols, names=table.column_names)


class EntityStream:
    """Append chunks of one entity to its file, in order."""

    def __init__(self, out_dir: Path, entity_name: str, fmt: str) -> None:
        self.entity_name, self.fmt = entity_name, fmt
        self.path = Path(out_dir) / f"{entity_name}.{fmt}"
        self.rows = 0
        self._writer: pq.ParquetWriter | pacsv.CSVWriter | None = None

    def write(self, columns_or_table: Columns | pa.Table) -> None:
        table = (
            columns_or_table if isinstance(columns_or_table, pa.Table) else to_table(self.entity_name, columns_or_table)
        )
        if self.fmt == "parquet":
            if self._writer is None:
                self._writer = pq.ParquetWriter(self.path, table.schema, compression="zstd")
            self._writer.write_table(table, row_group_size=1_000_000)
        else:
            csv_table = _csv_ready(table)
            if self._writer is None:
                self._writer = pacsv.CSVWriter(self.path, csv_table.schema)
            self._writer.write_table(csv_table)
        self.rows += table.num_rows

    def close(self) -> int:
        if self._writer is None:  # nothing written: still leave a valid empty file
            self.write(pa.Table.from_pylist([], schema=schema_of(self.entity_name)))
        assert self._writer is not None  # opened by the first write
        self._writer.close()
        return self.rows


def write_entity(out_dir: Path, entity_name: str, fmt: str, columns: Columns) -> int:
    stream = EntityStream(out_dir, entity_name, fmt)
    stream.write(columns)
    return stream.close()
