"""Validate raw tables against the contract in an in-memory DuckDB, vectorised.

Two passes, both before anything is written:
1. `stage` parses every column into its contract type and flags per row where a value
   could not be parsed. A column in which no value parses (but some are present) is a
   structural problem: the whole file is probably in another format, so the run stops.
2. `check` applies the row rules (keys, ranges, enums, entity checks, duplicates, parent
   references) and splits the rows into valid Arrow (for dlt) and quarantined rows with
   their raw values as JSON. Entities are checked parents first, so a child whose parent
   was quarantined (and is not already in the warehouse) is quarantined too.

Python touches only quarantined rows; valid rows stay in DuckDB/Arrow throughout.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ingest import rules
from ingest.readers import ROW_COLUMN, RawTable
from ingest.rules import q
from ingest.schema import DELETED_AT, ROW_ID, ROW_ID_SQL, TYPE_WORDS, arrow_schema
from wipcast import contract as c
from wipcast.errors import WipcastError
from wipcast.warehouse import open_failure_hint

QUARANTINE_SCHEMA = pa.schema(
    [
        ("row_number", pa.int64()),
        ("column_name", pa.string()),
        ("reason", pa.string()),
        ("raw_row", pa.string()),
    ]
)


@dataclass
class Checked:
    entity: str
    rows_read: int
    valid: pa.Table  # contract schema, ready for dlt
    quarantined: pa.Table  # QUARANTINE_SCHEMA


def new_connection() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")  # timestamps without an offset are read as UTC
    con.execute("SET preserve_insertion_order = false")  # lets big scans stream; order is not needed
    return con


def typed_select(entity: c.Entity, source_types: dict[str, str]) -> tuple[str, set[str]]:
    """SELECT list parsing raw_<entity> into contract types (with __row and a parse-failure flag per
    column that can fail), and the columns that have such a flag."""
    select = [q(ROW_COLUMN)]
    flags: set[str] = set()
    for col in entity.columns:
        src = source_types.get(col.name)
        select.append(f"{rules.parse_expr(col, src)} AS {q(col.name)}")
        if rules.can_fail_parse(col, src):
            flags.add(col.name)
            select.append(
                f"({rules.present_expr(col, src)} AND {rules.parse_expr(col, src)} IS NULL) "
                f"AS {q(rules.parse_flag(col.name))}"
            )
    return ", ".join(select), flags


def report_unparseable_columns(
    con: duckdb.DuckDBPyConnection, entity: c.Entity, file_name: str, flags: set[str], problems: list[str]
) -> None:
    """A column in which no value parses (but some are present) is a structural problem: the file is
    probably in another format. Reads typed_<entity> and raw_<entity>."""
    if not flags:
        return
    ordered = [col for col in entity.column_names if col in flags]
    stats = ", ".join(
        f"count(*) FILTER (WHERE {q(rules.parse_flag(n))}), count({q(n)}), "
        f"min({q(ROW_COLUMN)}) FILTER (WHERE {q(rules.parse_flag(n))})"
        for n in ordered
    )
    row = con.execute(f"SELECT {stats} FROM typed_{entity.name}").fetchall()[0]
    for i, name in enumerate(ordered):
        failed, parsed, first_bad = row[3 * i], row[3 * i + 1], row[3 * i + 2]
        if failed and not parsed:
            value = con.execute(
                f"SELECT CAST({q(name)} AS VARCHAR) FROM raw_{entity.name} WHERE {q(ROW_COLUMN)} = ?",
                [first_bad],
            ).fetchall()[0][0]
            col = entity.column(name)
            problems.append(
                f"{file_name}: column {name}: none of its {failed} value(s) can be read as a "
                f"{TYPE_WORDS[col.type]} (row {first_bad}: {value!r})"
            )


def row_conditions(entity: c.Entity, parsed: set[str], dups: str | None) -> list[tuple[str, str, str]]:
    """Every row rule of an entity as (condition, column, reason), in reporting order: value rules,
    then duplicates (when `dups`, a table of duplicated keys __k<i> with the row kept, __keep, is
    joined as d), then parent references (against keys_<parent>). Columns are those of typed_ as t."""
    conds = [(r.condition, r.column, r.reason) for r in rules.value_rules(entity, parsed)]
    if dups:
        column, reason = rules.duplicate_reason(entity)
        conds.append((f"(d.__keep IS NOT NULL AND t.{q(ROW_COLUMN)} <> d.__keep)", column, reason))
    return conds + reference_conditions(entity)


def reference_conditions(entity: c.Entity) -> list[tuple[str, str, str]]:
    """A row whose reference to a parent (over alias t) is not among keys_<parent>."""
    conds = []
    for col in entity.columns:
        if col.references:
            parent, pcol = col.references.split(".")
            assert pcol == c.entity(parent).primary_key[0], col.references
            conds.append(
                (
                    f"(t.{q(col.name)} IS NOT NULL AND t.{q(col.name)} NOT IN (SELECT k FROM keys_{parent}))",
                    col.name,
                    rules.reference_reason(col),
                )
            )
    return conds


def dups_join(entity: c.Entity, dups: str) -> str:
    on = " AND ".join(f"t.{q(k)} = d.__k{i}" for i, k in enumerate(entity.primary_key))
    return f"LEFT JOIN {dups} d ON {on}"


class Validator:
    """Holds the in-memory DuckDB where raw tables are staged and checked (Arrow in, Arrow out;
    the file ingest streams files instead, see ingest.filecheck)."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self._raw: dict[str, RawTable] = {}
        self._parsed: dict[str, set[str]] = {}  # entity → columns that may fail to parse

    # ---- pass 1 -------------------------------------------------------------------------
    def stage(self, raw: RawTable, problems: list[str]) -> None:
        """Parse one file into contract types; report columns in which nothing parses."""
        entity = c.entity(raw.source.entity)
        name = entity.name
        self.con.register(f"raw_{name}", raw.table)
        source_types = {row[0]: row[1] for row in self.con.execute(f"DESCRIBE raw_{name}").fetchall()}
        select, flags = typed_select(entity, source_types)
        try:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE typed_{name} AS SELECT {select} FROM raw_{name}")
        except duckdb.Error as exc:
            problems.append(
                f"{raw.source.path.name}: columns cannot be read as contract types ({str(exc).splitlines()[0]})"
            )
            return
        self._raw[name] = raw
        self._parsed[name] = flags
        report_unparseable_columns(self.con, entity, raw.source.path.name, flags, problems)

    # ---- pass 2 -------------------------------------------------------------------------
    def load_existing_keys(self, work_db: Path, parents: set[str]) -> None:
        """Keys already in raw_canonical count as valid parents (the warehouse keeps them)."""
        for parent in parents:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE keys_{parent} (k VARCHAR)")
        self.con.execute(rules.EXISTING_DAY_HOURS_DDL)
        if not work_db.exists():
            return
        try:
            self.con.execute(f"ATTACH {rules.lit(str(work_db))} AS wh (READ_ONLY)")
        except duckdb.Error as exc:
            raise WipcastError(f"cannot open the working warehouse {work_db}", open_failure_hint(str(exc))) from None
        try:
            for parent in parents:
                pkey = c.entity(parent).primary_key[0]
                exists = self.con.execute(
                    "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'wh' "
                    "AND schema_name = ? AND table_name = ?",
                    [c.RAW_SCHEMA, parent],
                ).fetchall()[0][0]
                if exists:
                    self.con.execute(
                        f"INSERT INTO keys_{parent} SELECT DISTINCT {q(pkey)} FROM wh.{c.RAW_SCHEMA}.{q(parent)}"
                        f" WHERE {rules.not_deleted('wh', parent, self.con)}"
                    )
            if rules.raw_table_exists(self.con, "wh", "time_entries"):
                self.con.execute(rules.existing_day_hours_sql("wh", self.con))
        finally:
            self.con.execute("DETACH wh")

    def load_existing_keys_from(self, catalog: str, schemas: list[str], parents: set[str]) -> None:
        """Keys in the given schemas of an already attached `catalog` count as valid parents.

        For rows that do not come from files (ingest.connectors): their parents may be in
        raw_canonical or in another source's conformed_<vendor> schema. No day totals are carried
        over: a connector re-conforms its whole source, so its own rows are all in the batch.
        """
        for parent in parents:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE keys_{parent} (k VARCHAR)")
        self.con.execute(rules.EXISTING_DAY_HOURS_DDL)
        for schema in schemas:
            for parent in parents:
                columns = {
                    r[0]
                    for r in self.con.execute(
                        "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? "
                        "AND table_name = ?",
                        [catalog, schema, parent],
                    ).fetchall()
                }
                if columns:
                    pkey = c.entity(parent).primary_key[0]
                    live = f" WHERE {q(DELETED_AT)} IS NULL" if DELETED_AT in columns else ""
                    self.con.execute(
                        f"INSERT INTO keys_{parent} SELECT DISTINCT {q(pkey)} "
                        f"FROM {q(catalog)}.{q(schema)}.{q(parent)}{live}"
                    )

    def check(self, entity: c.Entity, referenced: bool, snapshot: bool = False) -> Checked:
        """Apply row rules; return valid rows and quarantined rows. Frees the staged tables."""
        name = entity.name
        if name not in self._raw:  # absent optional file: an empty, typed table
            empty = arrow_schema(entity).empty_table()
            return Checked(name, 0, empty, QUARANTINE_SCHEMA.empty_table())

        parsed = self._parsed[name]

        join = ""
        keys = entity.primary_key
        # Key columns are renamed in dups_ so that bare column names in the rules stay unambiguous.
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE dups_{name} AS "
            f"SELECT {', '.join(f'{q(k)} AS __k{i}' for i, k in enumerate(keys))}, "
            f"max({q(ROW_COLUMN)}) AS __keep FROM typed_{name} "
            f"WHERE {' AND '.join(f'{q(k)} IS NOT NULL' for k in keys)} "
            f"GROUP BY ALL HAVING count(*) > 1"
        )
        n_dup_keys = self.con.execute(f"SELECT count(*) FROM dups_{name}").fetchall()[0][0]
        if n_dup_keys:
            join = dups_join(entity, f"dups_{name}")
        conds = row_conditions(entity, parsed, f"dups_{name}" if n_dup_keys else None)

        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE checked_{name} AS "
            f"SELECT t.*, {rules.problem_case(conds)} AS __problem FROM typed_{name} t {join}"
        )
        self.con.execute(f"DROP TABLE typed_{name}")  # free memory early: big files are held three times
        for statement in rules.cross_row_rules(name, snapshot):
            self.con.execute(statement)

        columns = ", ".join(q(col) for col in entity.column_names)
        valid = self.con.sql(
            f"SELECT {columns}, {ROW_ID_SQL} AS {ROW_ID}, CAST(NULL AS TIMESTAMPTZ) AS {DELETED_AT} "
            f"FROM checked_{name} WHERE __problem IS NULL"
        ).to_arrow_table()
        valid = valid.cast(arrow_schema(entity))

        raw = self._raw[name]
        bad = self.con.sql(
            f"SELECT {q(ROW_COLUMN)}, __problem FROM checked_{name} WHERE __problem IS NOT NULL ORDER BY 1"
        ).to_arrow_table()
        quarantined = self._quarantine_rows(raw, bad) if bad.num_rows else QUARANTINE_SCHEMA.empty_table()

        if snapshot:  # every key the file holds, good rows and bad: only keys it lacks are deletions
            key_list = ", ".join(q(k) for k in keys)
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE filekeys_{name} AS SELECT {key_list} FROM checked_{name}")
        if referenced:
            pkey = keys[0]
            self.con.execute(f"INSERT INTO keys_{name} SELECT {q(pkey)} FROM checked_{name} WHERE __problem IS NULL")
        for table in (f"checked_{name}", f"dups_{name}"):
            self.con.execute(f"DROP TABLE IF EXISTS {table}")
        self.con.unregister(f"raw_{name}")
        rows_read = raw.table.num_rows
        del self._raw[name]
        return Checked(name, rows_read, valid, quarantined)

    def _quarantine_rows(self, raw: RawTable, bad: pa.Table) -> pa.Table:
        """Bad rows with their raw values as JSON. Only these rows are touched, never the whole file:
        __row is the 1-based position, so the raw rows are picked out with one Arrow take."""
        picked = raw.table.take(pc.subtract(bad.column(ROW_COLUMN), 1))
        self.con.register("bad_problems", bad)
        self.con.register("bad_raw", picked)
        try:
            names = [n for n in picked.column_names if n != ROW_COLUMN]
            as_json = "to_json({" + ", ".join(f"{rules.lit(n)}: r.{q(n)}" for n in names) + "})"
            return (
                self.con.sql(
                    f"SELECT b.{q(ROW_COLUMN)} AS row_number, split_part(b.__problem, chr(31), 1) AS column_name, "
                    f"split_part(b.__problem, chr(31), 2) AS reason, CAST({as_json} AS VARCHAR) AS raw_row "
                    f"FROM bad_problems b JOIN bad_raw r ON r.{q(ROW_COLUMN)} = b.{q(ROW_COLUMN)} ORDER BY row_number"
                )
                .to_arrow_table()
                .cast(QUARANTINE_SCHEMA)
            )
        finally:
            self.con.unregister("bad_problems")
            self.con.unregister("bad_raw")

    # ---- snapshot deletes ---------------------------------------------------------------
    def vanished(self, entity: c.Entity, work_db: Path, deleted_at: dt.datetime) -> pa.Table:
        """Rows in raw (not yet deleted) whose key the snapshot file lacks, stamped deleted_at.

        Loaded by the same dlt merge as the file's rows, so the deletion is one more version of
        the row: kept in raw for audit, left out from staging on. Needs check(..., snapshot=True)."""
        name = entity.name
        empty = arrow_schema(entity).empty_table()
        if not work_db.exists():
            return empty
        self.con.execute(f"ATTACH {rules.lit(str(work_db))} AS wh (READ_ONLY)")
        try:
            if not rules.raw_table_exists(self.con, "wh", name):
                return empty
            present = {
                r[0]
                for r in self.con.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE database_name = 'wh' "
                    "AND schema_name = ? AND table_name = ?",
                    [c.RAW_SCHEMA, name],
                ).fetchall()
            }
            columns = ", ".join(
                f"r.{q(col.name)}" if col.name in present else f"NULL AS {q(col.name)}" for col in entity.columns
            )
            match = " AND ".join(f"f.{q(k)} = r.{q(k)}" for k in entity.primary_key)
            stamp = rules.lit(deleted_at.isoformat())
            table = self.con.sql(
                f"SELECT {columns}, r.{ROW_ID}, CAST({stamp} AS TIMESTAMPTZ) AS {DELETED_AT} "
                f"FROM wh.{c.RAW_SCHEMA}.{q(name)} r "
                f"WHERE {rules.not_deleted('wh', name, self.con, alias='r.')} "
                f"AND NOT EXISTS (SELECT 1 FROM filekeys_{name} f WHERE {match})"
            ).to_arrow_table()
        finally:
            self.con.execute("DETACH wh")
            self.con.execute(f"DROP TABLE IF EXISTS filekeys_{name}")
        assert table is not None
        return table.cast(arrow_schema(entity))
