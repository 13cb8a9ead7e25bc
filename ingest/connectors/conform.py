"""Conform raw_<vendor> into canonical rows: the vendor's SQL, then the same contract validator as files.

The whole source is conformed on every run (a pure function of the raw tables and the settings),
so a changed mapping file, a deleted row or an edited invoice is always reflected; a Harvest-sized
firm is small enough for that. Per entity, in the contract's load order (parents first):

1. the vendor's SQL file yields canonical columns plus `_source_row` (the raw row as JSON),
   `_source_load_id`, and optionally `_problem_column`/`_problem_reason` (a row the mapping itself
   cannot place, e.g. an unmatched identity) and `_unresolved_entity`/`_unresolved_id`;
2. rows the mapping could not complete are set aside first, with a reason naming the setting to
   fill; so are rows whose parent was set aside in this run (the reason repeats the parent's);
3. the rest go through ingest.validate.Validator, exactly as a file's rows would;
4. valid rows are registered as `this_<entity>` for later entities' SQL (invoices read projects).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from ingest.connectors import shim
from ingest.connectors.spec import ConformStep, Connector
from ingest.readers import ROW_COLUMN, RawTable, SourceFile
from ingest.rules import lit, q
from ingest.validate import QUARANTINE_SCHEMA, Validator, new_connection
from wipcast import contract as c
from wipcast.errors import WipcastError

SOURCE_ROW = "_source_row"
SOURCE_LOAD = "_source_load_id"
PROBLEM_COLUMN = "_problem_column"
PROBLEM_REASON = "_problem_reason"
UNRESOLVED_ENTITY = "_unresolved_entity"
UNRESOLVED_ID = "_unresolved_id"
SEP = chr(31)


@dataclass
class EntityResult:
    entity: str
    resource: str
    rows_read: int
    valid: pa.Table  # contract schema (ingest.schema.arrow_schema)
    quarantined: pa.Table  # QUARANTINE_SCHEMA plus source_load_id
    reasons: Counter[str] = field(default_factory=Counter)


@dataclass
class ConformOutput:
    entities: dict[str, EntityResult]
    unresolved: pa.Table  # referenced_by, entity, source_id, rows


def _parents() -> set[str]:
    return {col.references.split(".")[0] for ent in c.ENTITIES for col in ent.columns if col.references}


class ConformRun:
    """One in-memory DuckDB holding the shim views, the settings tables and the validator."""

    def __init__(self, connector: Connector, work_db: Path):
        self.connector = connector
        self.con = new_connection()
        try:
            shim.attach(self.con, str(work_db))
        except duckdb.Error as exc:
            self.con.close()
            raise WipcastError(
                f"cannot open the working warehouse {work_db} ({str(exc).splitlines()[0]})",
                "another wipcast step is probably running; wait for it to finish and rerun",
            ) from None
        self.validator = Validator(self.con)
        self.validator.load_existing_keys_from(shim.CATALOG, self._key_schemas(), _parents())
        self.set_aside: dict[str, dict[str, str]] = {}  # entity -> key -> reason, for children
        self.unresolved: list[pa.Table] = []

    def _key_schemas(self) -> list[str]:
        """Where a reference may point (decision 7): the canonical files and every other source's
        conformed rows (a CRM account tied to whichever PSA's customer), never this source's own."""
        own = f"conformed_{self.connector.vendor}"
        rows = self.con.execute(
            "SELECT schema_name FROM duckdb_schemas() WHERE database_name = ? AND schema_name LIKE 'conformed\\_%' "
            "ESCAPE '\\' ORDER BY schema_name",
            [shim.CATALOG],
        ).fetchall()
        return [c.RAW_SCHEMA] + [name for (name,) in rows if name != own]

    def close(self) -> None:
        self.con.close()

    def run_step(self, step: ConformStep, load_id: str) -> EntityResult:
        entity = c.entity(step.entity)
        try:
            out = self.con.sql(self.connector.sql(step)).to_arrow_table()
        except duckdb.Error as exc:
            raise WipcastError(
                f"{self.connector.label} conform SQL {step.sql} failed ({str(exc).splitlines()[0]})",
                "this is a bug in the connector mapping; report it with the file name",
            ) from None
        out = out.append_column(ROW_COLUMN, pa.array(np.arange(1, out.num_rows + 1, dtype=np.int64)))
        self.con.register("conform_out", out)
        try:
            self._collect_unresolved(step, out)
            pre = self._pre_checks(step, entity, out)
        finally:
            self.con.unregister("conform_out")

        first_pass_bad = set(pre.column(ROW_COLUMN).to_pylist())
        keep_mask = pa.array([r not in first_pass_bad for r in out.column(ROW_COLUMN).to_pylist()], pa.bool_())
        passed = out.filter(keep_mask)
        contract_cols = [col for col in entity.column_names if col in passed.column_names]
        staged = passed.select(contract_cols).append_column(
            ROW_COLUMN, pa.array(np.arange(1, passed.num_rows + 1, dtype=np.int64))
        )
        label = f"{self.connector.source_system}:{step.resource}@{load_id}"
        problems: list[str] = []
        self.validator.stage(RawTable(SourceFile(entity.name, Path(label), "arrow"), staged), problems)
        if problems:  # a whole column unreadable: mapped values in the wrong format, nothing was loaded
            raise WipcastError(
                f"conformed {entity.name} from {self.connector.label} cannot be loaded: {'; '.join(problems)}",
                "fix the mapping file or default that fills the column (dates YYYY-MM-DD, plain decimal numbers), "
                f"then `wipcast connectors reconform {self.connector.name}` (the raw data is loaded)",
            )
        checked = self.validator.check(entity, referenced=step.entity in _parents())

        # validator rows are numbered within `passed`: map them back to the conform output's rows
        original = passed.column(ROW_COLUMN).to_numpy()
        validator_bad = checked.quarantined
        mapped_rows = original[np.asarray(validator_bad.column("row_number").to_numpy(), dtype=np.int64) - 1]
        bad = pa.concat_tables(
            [
                pre.select(["row_number", "column_name", "reason"]),
                pa.table(
                    {
                        "row_number": pa.array(mapped_rows, pa.int64()),
                        "column_name": validator_bad.column("column_name"),
                        "reason": validator_bad.column("reason"),
                    }
                ),
            ]
        )
        quarantined = self._with_source(out, bad, entity)
        self._remember_set_aside(entity, out, bad)
        self.con.register(f"this_{entity.name}", checked.valid)
        reasons: Counter[str] = Counter(bad.column("reason").to_pylist())
        return EntityResult(entity.name, step.resource, out.num_rows, checked.valid, quarantined, reasons)

    # ---- first pass: what the mapping could not complete ------------------------------------
    def _pre_checks(self, step: ConformStep, entity: c.Entity, out: pa.Table) -> pa.Table:
        whens: list[str] = []
        joins: list[str] = []
        if PROBLEM_REASON in out.column_names:
            whens.append(
                f"WHEN t.{PROBLEM_REASON} IS NOT NULL THEN t.{PROBLEM_COLUMN} || chr(31) || t.{PROBLEM_REASON}"
            )
        for column, hint in step.gaps.items():
            reason = f"{column} is empty ({self.connector.label} has no such field); set {hint}"
            whens.append(f"WHEN t.{q(column)} IS NULL THEN {lit(column + SEP + reason)}")
        for i, col in enumerate(entity.columns):
            parent = col.references.split(".")[0] if col.references else None
            if parent is None or parent not in self.set_aside or col.name not in out.column_names:
                continue
            joins.append(f"LEFT JOIN set_aside_{parent} p{i} ON p{i}.k = t.{q(col.name)}")
            prefix = lit(f"{col.name}{SEP}{col.name} refers to a row of {parent} set aside in this run (")
            whens.append(f"WHEN p{i}.reason IS NOT NULL THEN {prefix} || p{i}.reason || ')'")
        if not whens:
            return pa.table(
                {
                    ROW_COLUMN: pa.array([], pa.int64()),
                    "row_number": pa.array([], pa.int64()),
                    "column_name": pa.array([], pa.string()),
                    "reason": pa.array([], pa.string()),
                }
            )
        problem = f"CASE {' '.join(whens)} END"
        return self.con.sql(
            f"SELECT {q(ROW_COLUMN)}, {q(ROW_COLUMN)} AS row_number, "
            f"split_part(__p, chr(31), 1) AS column_name, split_part(__p, chr(31), 2) AS reason "
            f"FROM (SELECT t.{q(ROW_COLUMN)}, {problem} AS __p FROM conform_out t {' '.join(joins)}) "
            f"WHERE __p IS NOT NULL ORDER BY 1"
        ).to_arrow_table()

    def _remember_set_aside(self, entity: c.Entity, out: pa.Table, bad: pa.Table) -> None:
        """Keys of rows set aside now, so their children are set aside with the same reason."""
        key = entity.primary_key[0]
        if key not in out.column_names or bad.num_rows == 0:
            return
        keys = out.column(key).take(pa.array(np.asarray(bad.column("row_number").to_numpy()) - 1))
        table = pa.table({"k": keys.cast(pa.string()), "reason": bad.column("reason")})
        self.set_aside[entity.name] = dict(
            zip(table.column("k").to_pylist(), table.column("reason").to_pylist(), strict=True)
        )
        self.con.register(f"set_aside_{entity.name}", table)

    def _collect_unresolved(self, step: ConformStep, out: pa.Table) -> None:
        if UNRESOLVED_ENTITY not in out.column_names:
            return
        self.unresolved.append(
            self.con.sql(
                f"SELECT {lit(step.resource)} AS referenced_by, {UNRESOLVED_ENTITY} AS entity, "
                f"CAST({UNRESOLVED_ID} AS VARCHAR) AS source_id, count(*) AS rows FROM conform_out "
                f"WHERE {UNRESOLVED_ENTITY} IS NOT NULL GROUP BY ALL ORDER BY ALL"
            ).to_arrow_table()
        )

    def _with_source(self, out: pa.Table, bad: pa.Table, entity: c.Entity) -> pa.Table:
        """Quarantine rows: the raw vendor row and the conformed values, both as JSON."""
        if bad.num_rows == 0:
            return QUARANTINE_SCHEMA.append(pa.field("source_load_id", pa.string())).empty_table()
        rows = np.asarray(bad.column("row_number").to_numpy(), dtype=np.int64) - 1
        picked = out.take(pa.array(rows))
        source = picked.column(SOURCE_ROW).to_pylist() if SOURCE_ROW in picked.column_names else [None] * len(rows)
        loads = picked.column(SOURCE_LOAD).to_pylist() if SOURCE_LOAD in picked.column_names else [None] * len(rows)
        conformed = picked.select([col for col in entity.column_names if col in picked.column_names]).to_pylist()
        raw_rows = [
            json.dumps({"source": json.loads(s) if s else None, "conformed": conf}, default=str)
            for s, conf in zip(source, conformed, strict=True)
        ]
        return pa.table(
            {
                "row_number": bad.column("row_number"),
                "column_name": bad.column("column_name"),
                "reason": bad.column("reason"),
                "raw_row": pa.array(raw_rows, pa.string()),
                "source_load_id": pa.array(loads, pa.string()),
            }
        )

    def unresolved_table(self) -> pa.Table:
        if not self.unresolved:
            return pa.table(
                {
                    "referenced_by": pa.array([], pa.string()),
                    "entity": pa.array([], pa.string()),
                    "source_id": pa.array([], pa.string()),
                    "rows": pa.array([], pa.int64()),
                }
            )
        return pa.concat_tables(self.unresolved)


def conform(connector: Connector, work_db: Path, config_tables: dict[str, pa.Table], load_id: str) -> ConformOutput:
    """Run every conform step of a connector against the warehouse (read-only)."""
    run = ConformRun(connector, work_db)
    try:
        shim.raw_views(run.con, connector.raw_schema, dict(connector.raw_tables))
        for dep in connector.depends_on:
            shim.conformed_views(run.con, f"conformed_{dep}")
        for schema in connector.reads_schemas:
            shim.conformed_views(run.con, schema)
        for name, table in config_tables.items():
            run.con.register(name, table)
        results: dict[str, EntityResult] = {}
        for step in sorted(connector.conform_steps, key=lambda s: c.LOAD_ORDER.index(s.entity)):
            results[step.entity] = run.run_step(step, load_id)
        return ConformOutput(results, run.unresolved_table())
    finally:
        run.close()
