"""Find the contract files in a folder, check their columns, and stage each one as Parquet, untouched.

CSV files are read with every column as text (empty means null) so that a bad value in
one row never fails the whole file: parsing into contract types happens later, in
DuckDB, where a failure can be pinned to its row. Parquet files keep their own types.
Rows are numbered from 1 in file order (the header is not counted), which is what
ops.quarantine reports.

The file ingest never holds a whole file in memory: `inspect` checks names and columns from
the header or the Parquet footer, `copy_with_digest` takes a private copy (so the checks and
the load read the same bytes whatever happens to the folder meanwhile) and its SHA-256, and
`csv_to_parquet` streams a CSV copy into a Parquet file of text columns in record batches.
`read` (whole file into Arrow) remains for callers that stage Arrow tables.

Structural problems found here (unknown or duplicate files, missing files or columns,
unknown columns, unreadable files) are collected, not raised one at a time, so the user
sees all of them in one run.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from wipcast import contract as c

ROW_COLUMN = "__row"
SUFFIXES = {".csv": "csv", ".parquet": "parquet"}


@dataclass(frozen=True)
class SourceFile:
    entity: str
    path: Path
    fmt: str  # "csv" or "parquet"


@dataclass
class RawTable:
    source: SourceFile
    table: pa.Table  # the file's columns (text for CSV) plus __row


def _ignored(path: Path) -> bool:
    # Hidden files (.DS_Store) and files starting with "_" (e.g. the simulator's _truth.json)
    # are not data files.
    return path.name.startswith(".") or path.name.startswith("_")


def discover(folder: Path, problems: list[str]) -> dict[str, SourceFile]:
    """Map entity name → its file. Appends a message to `problems` for every structural issue."""
    found: dict[str, list[SourceFile]] = {}
    for path in sorted(folder.iterdir()):
        if _ignored(path):
            continue
        fmt = SUFFIXES.get(path.suffix.lower())
        name = path.stem
        if not path.is_file() or fmt is None or name not in c.ENTITIES_BY_NAME:
            hint = ""
            close = difflib.get_close_matches(name, list(c.ENTITIES_BY_NAME), n=1)
            if close:
                hint = f" (did you mean {close[0]}{path.suffix if fmt else '.csv'}?)"
            problems.append(f"{path.name}: unknown file; files must be named <entity>.csv or <entity>.parquet{hint}")
            continue
        found.setdefault(name, []).append(SourceFile(name, path, fmt))

    sources: dict[str, SourceFile] = {}
    for name, files in found.items():
        if len(files) > 1:
            listed = " and ".join(f.path.name for f in files)
            problems.append(f"{listed}: two files for entity {name}; keep exactly one")
            continue
        sources[name] = files[0]

    for ent in c.ENTITIES:
        if ent.name not in found and not ent.optional_file:
            problems.append(f"{ent.name}.csv (or .parquet): required file is missing")
    return sources


def _csv_header(path: Path) -> list[str]:
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        try:
            return next(csv.reader(fh))
        except StopIteration:
            raise ValueError("the file is empty (no header row)") from None


def first_invalid_utf8_line(path: Path) -> int | None:
    """1-based line of the first byte sequence that is not UTF-8 (None if the file is valid)."""
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return None


def _read_csv(path: Path) -> pa.Table:
    try:
        return _read_csv_utf8(path)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        if "UTF8" not in str(exc) and not isinstance(exc, UnicodeDecodeError):
            raise
        raise _not_utf8(path) from None


def _read_csv_utf8(path: Path) -> pa.Table:
    header = _csv_header(path)
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise ValueError(f"column(s) {', '.join(dupes)} appear more than once in the header")
    return pacsv.read_csv(
        path,
        # quoted values may contain line breaks (notes, names); parsing stays multi-threaded
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in header},
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )


def _read_parquet(path: Path) -> pa.Table:
    table = pq.read_table(path)
    names = table.column_names
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"column(s) {', '.join(dupes)} appear more than once")
    for field in table.schema:
        if pa.types.is_nested(field.type):
            raise ValueError(f"column {field.name} is nested ({field.type}); contract columns are flat values")
        if pa.types.is_dictionary(field.type):
            table = table.set_column(
                table.schema.get_field_index(field.name), field.name, table[field.name].cast(field.type.value_type)
            )
    return table


def _close_column(name: str, names: list[str]) -> list[str]:
    """The contract column a misspelt one most likely meant; case and surrounding spaces first."""
    folded = {n.lower(): n for n in names}
    if name.strip().lower() in folded:
        return [folded[name.strip().lower()]]
    return difflib.get_close_matches(name, names, n=1)


def _is_text(t: pa.DataType) -> bool:
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t))


def _whole_decimal(t: pa.DataType) -> bool:
    return bool(pa.types.is_decimal(t) and t.scale == 0)


# Physical Parquet types each contract type accepts without losing or inventing information.
# Text is always accepted: it is parsed row by row like CSV, so a bad value is quarantined with its row.
# Everything else must be the type itself or a lossless widening (int32 -> int64, int -> decimal,
# date -> timestamp); a boolean `hours` or an integer `billable` is a structural error, never a cast.
_ACCEPTS = {
    c.STRING: _is_text,
    c.CURRENCY: _is_text,
    c.NUMBER: lambda t: pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t),
    c.MONEY: lambda t: pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t),
    c.INTEGER: lambda t: pa.types.is_integer(t) or _whole_decimal(t),
    c.BOOLEAN: pa.types.is_boolean,
    c.DATE: pa.types.is_date,
    c.TIMESTAMP: lambda t: pa.types.is_timestamp(t) or pa.types.is_date(t),
}


def type_problems(source: SourceFile, entity: c.Entity, schema: pa.Schema) -> list[str]:
    """Parquet columns whose physical type cannot hold the contract type losslessly."""
    found = []
    for col in entity.columns:
        if col.name not in schema.names:
            continue
        physical = schema.field(col.name).type
        if _is_text(physical) or pa.types.is_null(physical) or _ACCEPTS[col.type](physical):
            continue
        found.append(
            f"{source.path.name}: column {col.name} is {physical} in the file but the contract type is {col.type}; "
            f"write it as {col.type} (or as text) in the export"
        )
    return found


def _column_problems(source: SourceFile, present: list[str], schema: pa.Schema | None) -> list[str]:
    """Unknown and missing columns, and (Parquet) lossy physical types."""
    entity = c.entity(source.entity)
    known = set(entity.column_names)
    found = []
    for name in present:
        if name not in known:
            close = _close_column(name, entity.column_names)
            hint = f" (did you mean {close[0]}?)" if close else ""
            found.append(
                f"{source.path.name}: column {name!r} is not in the contract for {entity.name}{hint}; "
                "remove or rename it"
            )
    for col in entity.columns:
        if col.name not in present and not col.optional:
            found.append(f"{source.path.name}: required column {col.name} is missing")
    if schema is not None:
        found.extend(type_problems(source, entity, schema))
    return found


def _unreadable(source: SourceFile, exc: BaseException) -> str:
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"{source.path.name}: cannot be read as {source.fmt.upper()} ({detail})"


READ_ERRORS = (pa.ArrowException, OSError, ValueError, UnicodeDecodeError, csv.Error)


def read(source: SourceFile, problems: list[str]) -> RawTable | None:
    """Read one file and check its columns against the contract. None when it cannot be used."""
    try:
        table = _read_csv(source.path) if source.fmt == "csv" else _read_parquet(source.path)
    except READ_ERRORS as exc:
        problems.append(_unreadable(source, exc))
        return None
    mismatched = _column_problems(source, table.column_names, table.schema if source.fmt == "parquet" else None)
    if mismatched:
        problems.extend(mismatched)
        return None
    rows = pa.array(np.arange(1, table.num_rows + 1, dtype=np.int64))
    return RawTable(source, table.append_column(ROW_COLUMN, rows))


# ---- streaming: the file ingest ---------------------------------------------------------------


def _checked_csv_header(path: Path) -> list[str]:
    try:
        header = _csv_header(path)
    except UnicodeDecodeError:
        raise _not_utf8(path) from None
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise ValueError(f"column(s) {', '.join(dupes)} appear more than once in the header")
    return header


def _parquet_schema(path: Path) -> pa.Schema:
    """The file's Arrow schema from its footer; dictionary columns as their value type."""
    schema = pq.read_schema(path)
    names = schema.names
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"column(s) {', '.join(dupes)} appear more than once")
    for i, field in enumerate(schema):
        if pa.types.is_nested(field.type):
            raise ValueError(f"column {field.name} is nested ({field.type}); contract columns are flat values")
        if pa.types.is_dictionary(field.type):
            schema = schema.set(i, field.with_type(field.type.value_type))
    return schema


def inspect(source: SourceFile, problems: list[str]) -> bool:
    """Check a file's columns from its header (CSV) or footer (Parquet), reading no data.

    CSV values that cannot be parsed at all (a row with too many values, bytes that are not UTF-8)
    are found when the copy is converted (`csv_to_parquet`)."""
    try:
        if source.fmt == "csv":
            names, schema = _checked_csv_header(source.path), None
        else:
            schema = _parquet_schema(source.path)
            names = schema.names
    except READ_ERRORS as exc:
        problems.append(_unreadable(source, exc))
        return False
    mismatched = _column_problems(source, names, schema)
    problems.extend(mismatched)
    return not mismatched


def copy_with_digest(path: Path, target: Path) -> str:
    """Copy a file (in the kernel where it can) and return the SHA-256 of the copy (hex): the bytes
    that are then checked and loaded, whatever happens to the original meanwhile."""
    shutil.copyfile(path, target)
    with target.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _not_utf8(path: Path) -> ValueError:
    line = first_invalid_utf8_line(path)
    where = f" at line {line} of the file" if line else ""
    return ValueError(
        f"the file is not UTF-8 text: bytes{where} are in another encoding; "
        "save it as UTF-8 (CSV UTF-8 in Excel) and run again"
    )


def csv_to_parquet(source: SourceFile, copy: Path, target: Path, problems: list[str]) -> bool:
    """Stream a CSV copy into a Parquet file of text columns (empty means null), batch by batch.

    The Parquet rows are in file order, so Parquet row i is data row i + 1 of the CSV."""
    try:
        header = _checked_csv_header(copy)
        schema = pa.schema([(name, pa.string()) for name in header])
        reader = pacsv.open_csv(
            copy,
            # quoted values may contain line breaks (notes, names)
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
        with pq.ParquetWriter(target, schema) as writer:
            for batch in reader:
                writer.write_batch(batch)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        if "UTF8" in str(exc) or isinstance(exc, UnicodeDecodeError):
            problems.append(_unreadable(source, _not_utf8(copy)))
        else:
            problems.append(_unreadable(source, exc))
        return False
    except READ_ERRORS as exc:
        problems.append(_unreadable(source, exc))
        return False
    return True
