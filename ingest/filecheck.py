"""Check staged files against the contract with DuckDB reading them in place, and plan their load.

The file ingest's counterpart of ingest.validate.Validator, with the same rules (the same SQL), but
no file is ever held whole in memory, in Python or in DuckDB: every rule is a query over the staged
Parquet file (read_parquet, in parallel by row group), and what a check keeps is narrow: into an
empty table, one small row per file row (the first broken rule's number and the hashes the checks of
the whole file group by); otherwise, after one join with raw_canonical, only the rows that matter
(bad, new or changed, gone from the file). DuckDB's memory is capped (MEMORY_LIMIT); it spills to the
run's scratch folder. The warehouse is attached read-only for the whole check.

Per entity, check() writes small Parquet files into the scratch folder and returns a LoadPlan:
- the quarantined rows with their raw values as JSON (ops.quarantine copies them in),
- the rows to merge: into an absent or empty raw table every valid row (appended: nothing to merge
  with); otherwise only the valid rows that are new or differ from the row in raw_canonical (by key,
  comparing a 64-bit hash of every contract column), plus the rows a snapshot marks deleted,
- the SELECT that yields exactly those rows, for dlt to run in the warehouse as a SQL model: into an
  empty table it parses the staged file with the same expressions as the checks (so no validated
  copy of the file is ever written); otherwise it reads the changed rows, which the check wrote typed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ingest import rules
from ingest.readers import ROW_COLUMN, SourceFile
from ingest.rules import lit, q
from ingest.schema import DELETED_AT, ROW_ID
from ingest.validate import reference_conditions, report_unparseable_columns, typed_select
from wipcast import contract as c
from wipcast.errors import WipcastError
from wipcast.warehouse import open_failure_hint

WH = "wh"  # the attached working warehouse
# DuckDB's cap while checking (it spills beyond it); the ingest stays well under 2 GB whatever the file size.
MEMORY_LIMIT = "1GB"


@dataclass
class LoadPlan:
    """What the load must do for one entity, and the counts ops.load_log records."""

    entity: str
    rows_read: int
    rows_quarantined: int
    reasons: dict[str, int] = field(default_factory=dict)  # reason -> quarantined rows
    quarantine_file: Path | None = None  # Parquet: row_number, column_name, reason, raw_row
    rows_merged: int = 0  # rows the load writes: new or changed rows, and rows marked deleted
    rows_deleted: int | None = None  # snapshot: rows loaded earlier that the file lacks
    query: str | None = None  # SELECT yielding the rows to write (None: nothing to write)
    append: bool = False  # the raw table is absent or empty: insert without merging
    create_empty: bool = False  # the raw table is absent and nothing is written: create it empty

    @property
    def rows_loaded(self) -> int:
        return self.rows_read - self.rows_quarantined


@dataclass
class _Staged:
    source: SourceFile
    path: Path
    source_types: dict[str, str]
    flags: set[str]


def typed(col: c.Column, alias: str = "") -> str:
    return f"CAST({alias}{q(col.name)} AS {c.WAREHOUSE_TYPES[col.type]})"


def row_hash(entity: c.Entity, columns: set[str] | None = None, alias: str = "") -> str:
    """64-bit hash of every contract column in warehouse types (NULL for a column not in `columns`)."""
    parts = [
        typed(col, alias) if columns is None or col.name in columns else f"CAST(NULL AS {c.WAREHOUSE_TYPES[col.type]})"
        for col in entity.columns
    ]
    return f"hash({', '.join(parts)})"


class _Rules:
    """An entity's row rules numbered in reporting order (value rules, a repeated key, references,
    the day rule): a check computes the number of the first broken rule, a SMALLINT, rather than
    carrying the reason's text through every row; reasons_<entity> maps numbers to reasons."""

    def __init__(self, entity: c.Entity, parsed: set[str]):
        self.value = [(r.condition, r.column, r.reason) for r in rules.value_rules(entity, parsed)]
        self.dup_code = len(self.value) + 1
        self.dup = rules.duplicate_reason(entity)
        self.refs = reference_conditions(entity)
        self.day_code = self.dup_code + len(self.refs) + 1

    @staticmethod
    def _case(conds: list[tuple[str, str, str]], first: int) -> str:
        if not conds:
            return "CAST(NULL AS SMALLINT)"
        whens = " ".join(f"WHEN {cond} THEN {first + i}" for i, (cond, _, _) in enumerate(conds))
        return f"CAST(CASE {whens} END AS SMALLINT)"

    def value_case(self) -> str:
        return self._case(self.value, 1)

    def reference_case(self) -> str:
        return self._case(self.refs, self.dup_code + 1)

    def reasons_sql(self) -> str:
        listed = [(col, reason) for _, col, reason in self.value] + [self.dup]
        listed += [(col, reason) for _, col, reason in self.refs] + [("hours", rules.DAY_OVER_24_REASON)]
        values = ", ".join(f"({i}, {lit(col)}, {lit(reason)})" for i, (col, reason) in enumerate(listed, start=1))
        return f"SELECT * FROM (VALUES {values}) AS r(code, column_name, reason)"


class FileChecker:
    """The in-memory DuckDB where staged files are checked; see the module docstring."""

    def __init__(self, scratch: Path, work_db: Path, row_id_prefix: str):
        self.scratch = scratch
        self.work_db = work_db
        self.row_id_prefix = row_id_prefix  # unique per run: _dlt_id = prefix.row
        spill = scratch / "duckdb_tmp"
        self.con = duckdb.connect(
            ":memory:",
            config={
                "preserve_insertion_order": False,  # lets big scans stream; order is not needed
                "memory_limit": MEMORY_LIMIT,
                "temp_directory": str(spill),
            },
        )
        self.con.execute("SET TimeZone = 'UTC'")  # timestamps without an offset are read as UTC (as in the load)
        self.con.execute("SET enable_progress_bar = false")
        self._staged: dict[str, _Staged] = {}
        self._raw_tables: set[str] = set()
        self.attached = False

    def close(self) -> None:
        try:
            if self.attached:
                self.con.execute(f"DETACH {WH}")
                self.attached = False
        finally:
            self.con.close()

    # ---- the warehouse ----------------------------------------------------------------------
    def attach(self) -> None:
        """Attach the working warehouse read-only (if it exists) for the whole check."""
        if not self.work_db.exists():
            return
        try:
            self.con.execute(f"ATTACH {lit(str(self.work_db))} AS {WH} (READ_ONLY)")
        except duckdb.Error as exc:
            raise WipcastError(
                f"cannot open the working warehouse {self.work_db}", open_failure_hint(str(exc))
            ) from None
        self.attached = True
        self._raw_tables = {
            r[0]
            for r in self.con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = ?",
                [WH, c.RAW_SCHEMA],
            ).fetchall()
        }

    @property
    def raw_tables(self) -> set[str]:
        return set(self._raw_tables)

    def _raw_columns(self, name: str) -> set[str]:
        return {
            r[0]
            for r in self.con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? "
                "AND table_name = ?",
                [WH, c.RAW_SCHEMA, name],
            ).fetchall()
        }

    def _raw_rows(self, name: str) -> int:
        if name not in self._raw_tables:
            return 0
        return int(self.con.execute(f"SELECT count(*) FROM {self._raw(name)}").fetchall()[0][0])

    @staticmethod
    def _raw(name: str) -> str:
        return f"{WH}.{c.RAW_SCHEMA}.{q(name)}"

    def _live(self, name: str, alias: str = "") -> str:
        return rules.not_deleted(WH, name, self.con, alias=alias)

    # ---- pass 1: stage ----------------------------------------------------------------------
    def stage(self, source: SourceFile, path: Path, problems: list[str]) -> None:
        """Read a staged Parquet file as raw_<entity> (with __row) and typed_<entity> (views: nothing
        is copied); report columns in which nothing parses."""
        entity = c.entity(source.entity)
        name = entity.name
        try:
            self.con.execute(
                f"CREATE OR REPLACE TEMP VIEW raw_{name} AS SELECT * EXCLUDE (file_row_number), "
                f"file_row_number + 1 AS {q(ROW_COLUMN)} FROM read_parquet({lit(str(path))}, file_row_number = true)"
            )
            source_types = {row[0]: row[1] for row in self.con.execute(f"DESCRIBE raw_{name}").fetchall()}
            select, flags = typed_select(entity, source_types)
            self.con.execute(f"CREATE OR REPLACE TEMP VIEW typed_{name} AS SELECT {select} FROM raw_{name}")
            report_unparseable_columns(self.con, entity, source.path.name, flags, problems)
        except duckdb.Error as exc:
            problems.append(f"{source.path.name}: cannot be read as {source.fmt.upper()} ({str(exc).splitlines()[0]})")
            return
        self._staged[name] = _Staged(source, path, source_types, flags)

    # ---- pass 2: check ----------------------------------------------------------------------
    def load_parent_keys(self, parents: set[str]) -> None:
        """Keys already in raw_canonical (not marked deleted) count as valid parents."""
        for parent in sorted(parents):
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE keys_{parent} (k VARCHAR)")
            if parent in self._raw_tables:
                pkey = c.entity(parent).primary_key[0]
                self.con.execute(
                    f"INSERT INTO keys_{parent} SELECT DISTINCT {q(pkey)} FROM {self._raw(parent)} "
                    f"WHERE {self._live(parent)}"
                )

    def check(self, entity: c.Entity, referenced: bool, snapshot: bool, deleted_at: dt.datetime) -> LoadPlan:
        """Apply the row rules to a staged file and plan its load; see the module docstring.

        One scan of every column for the rules a row breaks on its own (a small rule number, not its
        text), joined with raw_canonical when it holds rows; then repeated keys (counted from that
        scan where possible), references (a scan of their columns) and, for time entries, the day
        totals."""
        name = entity.name
        staged = self._staged.pop(name)
        rows_read = int(self.con.execute(f"SELECT count(*) FROM raw_{name}").fetchall()[0][0])
        ruleset = _Rules(entity, staged.flags)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE reasons_{name} AS {ruleset.reasons_sql()}")
        existing = self._raw_rows(name)
        # rows gone from the file matter to a snapshot (deleted), to the day rule (they still count)
        # and to the count that rules out repeated keys
        self._events(entity, ruleset, existing > 0)
        dups = self._duplicates(entity, existing)
        bad = f"bad_{name}"
        self._bad_rows(entity, ruleset, dups)
        if name == "time_entries":
            self._day_rule(ruleset, merged=existing > 0, with_existing=existing > 0 and not snapshot)
        n_bad = int(self.con.execute(f"SELECT count(*) FROM {bad}").fetchall()[0][0])
        not_bad = f"{q(ROW_COLUMN)} NOT IN (SELECT {q(ROW_COLUMN)} FROM {bad})" if n_bad else "TRUE"
        plan = LoadPlan(name, rows_read, n_bad)
        if n_bad:
            plan.quarantine_file = self._quarantine(name, bad)
            plan.reasons = {
                reason: int(count)
                for reason, count in self.con.execute(
                    f"SELECT r.reason, count(*) FROM {bad} b JOIN reasons_{name} r ON r.code = b.__code GROUP BY 1"
                ).fetchall()
            }
        if referenced:
            self.con.execute(
                f"INSERT INTO keys_{name} SELECT {q(entity.primary_key[0])} FROM typed_{name} WHERE {not_bad}"
            )

        deleted = self._vanished(entity, deleted_at) if snapshot and existing else None
        if snapshot:
            plan.rows_deleted = deleted[1] if deleted else 0
        if not existing:  # absent or empty raw table: every valid row is new, read from the staged file
            plan.append = True
            plan.rows_merged = plan.rows_loaded
            where = ""
            if n_bad:
                skip = self._copy(f"SELECT {q(ROW_COLUMN)} FROM {bad}", f"{name}.bad_rows.parquet")[0]
                where = f"WHERE {q(ROW_COLUMN)} NOT IN (SELECT {q(ROW_COLUMN)} FROM read_parquet({lit(str(skip))}))"
            if plan.rows_merged:
                plan.query = self._load_query(entity, self._parsed_file(entity, staged, where), None)
        else:  # only the new and changed rows, already typed, and the rows marked deleted
            columns = ", ".join([*(q(n) for n in entity.column_names), q(ROW_COLUMN)])
            changed, n_changed = self._copy(
                f"SELECT {columns} FROM ev_{name} WHERE {q(ROW_COLUMN)} IS NOT NULL AND __changed AND {not_bad}",
                f"{name}.changed.parquet",
            )
            plan.rows_merged = n_changed + (deleted[1] if deleted else 0)
            if plan.rows_merged:
                plan.query = self._load_query(entity, f"read_parquet({lit(str(changed))})", deleted)
        if not plan.rows_merged and name not in self._raw_tables:
            plan.create_empty = True
        for table in (bad, f"dup_rows_{name}", f"ev_{name}", f"reasons_{name}"):
            self.con.execute(f"DROP TABLE IF EXISTS {table}")
        return plan

    def _duplicates(self, entity: c.Entity, raw_rows: int) -> bool:
        """dup_rows_<entity>(__row): rows whose key a later row of the file repeats (the last one wins).

        First only whether a key may repeat. Against a raw table (its keys are unique: dlt merges on
        them) the join already tells: every raw key matched by the file is matched once exactly when
        the file's keys matched (those not new) are as many as raw's keys matched (those not gone),
        and the new keys are few enough to count apart. Into an empty table, by a 64-bit hash of the
        key (cheaper than grouping the keys). Only if a key may repeat, exactly."""
        name = entity.name
        key_list = ", ".join(q(k) for k in entity.primary_key)
        present = " AND ".join(f"{q(k)} IS NOT NULL" for k in entity.primary_key)
        hashed = f"CASE WHEN {present} THEN hash({key_list}) END"
        if raw_rows:
            row = q(ROW_COLUMN)
            with_keys = self.con.execute(f"SELECT count(*) FROM typed_{name} WHERE {present}").fetchall()[0][0]
            new, raw_only = self.con.execute(
                f"SELECT count({hashed}) FILTER (WHERE {row} IS NOT NULL AND __wk0 IS NULL), "
                f"count(*) FILTER (WHERE {row} IS NULL) FROM ev_{name}"
            ).fetchall()[0]
            # (grouped, not count(DISTINCT ...): DuckDB spills a grouping to disk, not a distinct count)
            repeated = self.con.execute(
                f"SELECT count(*) FROM (SELECT {hashed} AS __hk FROM ev_{name} "
                f"WHERE {row} IS NOT NULL AND __wk0 IS NULL AND {present} GROUP BY 1 HAVING count(*) > 1)"
            ).fetchall()[0][0]
            if with_keys - new == raw_rows - raw_only and not repeated:
                return False
        elif not self.con.execute(
            f"SELECT count(*) FROM (SELECT __hk FROM ev_{name} WHERE __hk IS NOT NULL GROUP BY 1 HAVING count(*) > 1)"
        ).fetchall()[0][0]:
            return False
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE dup_rows_{name} AS SELECT {q(ROW_COLUMN)} FROM ("
            f"SELECT {q(ROW_COLUMN)}, max({q(ROW_COLUMN)}) OVER (PARTITION BY {key_list}) AS __keep "
            f"FROM typed_{name} WHERE {present} AND hash({key_list}) IN "
            f"(SELECT hash({key_list}) FROM typed_{name} WHERE {present} GROUP BY 1 HAVING count(*) > 1)"
            f") WHERE {q(ROW_COLUMN)} <> __keep"
        )
        return bool(self.con.execute(f"SELECT count(*) FROM dup_rows_{name}").fetchall()[0][0])

    def _events(self, entity: c.Entity, ruleset: _Rules, merge: bool) -> None:
        """ev_<entity>: the rows that matter, with their typed values. Each row of the file gets the
        first value rule it breaks (__pv, a rule number); with
        `merge` it is also joined by key with raw_canonical: __changed when raw lacks the key, holds
        other values (a 64-bit hash of every contract column in warehouse types) or has the row marked
        deleted (a returning row is undeleted). Kept: rows breaking a rule, changed rows (new ones with
        __wk<i> NULL), and the keys (__wk<i>, __row NULL) of raw rows that no row of the file holds."""
        name = entity.name
        keys = entity.primary_key
        columns = ", ".join(f"t.{q(n)}" for n in [*entity.column_names, ROW_COLUMN])
        rows = (
            f"SELECT {columns}, {ruleset.value_case()} AS __pv"
            + (f", {row_hash(entity, None, 't.')} AS __h" if merge else "")
            + f" FROM typed_{name} t"
        )
        broken = "f.__pv IS NOT NULL"
        if not merge:
            # Into an empty table every row is kept, narrow: the rule number, and what the checks of the
            # whole file group by (the key's hash; the person-day's hash and the hours), which then
            # read this table instead of scanning the file again.
            keyed = " AND ".join(f"t.{q(k)} IS NOT NULL" for k in keys)
            key_list = ", ".join(f"t.{q(k)}" for k in keys)
            day = ", hash(t.employee_id, t.work_date) AS __hd, t.hours" if name == "time_entries" else ""
            self.con.execute(
                f"CREATE OR REPLACE TEMP TABLE ev_{name} AS SELECT t.{q(ROW_COLUMN)}, {ruleset.value_case()} AS __pv, "
                f"CASE WHEN {keyed} THEN hash({key_list}) END AS __hk{day} FROM typed_{name} t"
            )
            return
        present = self._raw_columns(name)
        gone = f"w.{q(DELETED_AT)} IS NOT NULL" if DELETED_AT in present else "FALSE"
        key_cols = ", ".join(f"{typed(entity.column(k), 'w.')} AS __wk{i}" for i, k in enumerate(keys))
        match = " AND ".join(f"f.{q(k)} = w.__wk{i}" for i, k in enumerate(keys))
        changed = "(w.__h IS NULL OR w.__gone OR w.__h <> f.__h)"
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE ev_{name} AS SELECT "
            f"{', '.join(f'f.{q(n)}' for n in [*entity.column_names, ROW_COLUMN])}, f.__pv, "
            f"{', '.join(f'w.__wk{i}' for i in range(len(keys)))}, {changed} AS __changed "
            f"FROM ({rows}) f FULL OUTER JOIN ("
            f"SELECT {key_cols}, {row_hash(entity, present, 'w.')} AS __h, {gone} AS __gone "
            f"FROM {self._raw(name)} w) w ON {match} "
            f"WHERE f.{q(ROW_COLUMN)} IS NULL OR {broken} OR {changed}"
        )

    def _bad_rows(self, entity: c.Entity, ruleset: _Rules, dups: bool) -> None:
        """bad_<entity>(__row, __code): each row's first broken rule in the contract's order (value
        rules, a repeated key, references): rule numbers follow that order, so it is the least one.
        References are checked in a scan of their own columns: joined inside the wide scan of
        every column they cost more than the scan."""
        name = entity.name
        row = q(ROW_COLUMN)
        parts = [f"SELECT {row}, __pv AS __code FROM ev_{name} WHERE {row} IS NOT NULL AND __pv IS NOT NULL"]
        if dups:
            parts.append(f"SELECT {row}, CAST({ruleset.dup_code} AS SMALLINT) FROM dup_rows_{name}")
        if ruleset.refs:
            columns = ", ".join(f"t.{q(col.name)}" for col in entity.columns if col.references)
            parts.append(
                f"SELECT {row}, __pr FROM (SELECT t.{row}, {ruleset.reference_case()} AS __pr FROM "
                f"(SELECT t.{row}, {columns} FROM typed_{name} t) t) WHERE __pr IS NOT NULL"
            )
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE bad_{name} AS SELECT {row}, min(__code) AS __code "
            f"FROM ({' UNION ALL '.join(parts)}) GROUP BY {row}"
        )

    def _day_rule(self, ruleset: _Rules, merged: bool, with_existing: bool) -> None:
        """No one works over 24 hours a day, counting the entries already loaded that the file does not
        hold (those it holds, good or bad, it replaces; in a snapshot none count: they are about to be
        marked deleted). Person-days over 24 are found by a hash of (employee_id, work_date) first,
        which is cheaper to group (into an empty table, from ev_time_entries), then exactly.
        `merged`: ev_time_entries holds the join with raw (else every row, narrow)."""
        entries = (
            "SELECT t.employee_id, t.work_date, t.hours FROM typed_time_entries t "
            f"WHERE t.{q(ROW_COLUMN)} NOT IN (SELECT {q(ROW_COLUMN)} FROM bad_time_entries)"
        )
        if with_existing:
            entries += (
                f" UNION ALL SELECT w.employee_id, w.work_date, w.hours FROM {self._raw('time_entries')} w "
                f"WHERE {self._live('time_entries', 'w.')} AND w.time_entry_id IN "
                f"(SELECT __wk0 FROM ev_time_entries WHERE {q(ROW_COLUMN)} IS NULL)"
            )
        limit = rules.MAX_HOURS_PER_DAY
        hashed = (
            f"SELECT hash(employee_id, work_date) AS __hd, hours FROM ({entries})"
            if merged
            else f"SELECT __hd, hours FROM ev_time_entries WHERE {q(ROW_COLUMN)} NOT IN "
            f"(SELECT {q(ROW_COLUMN)} FROM bad_time_entries)"
        )
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE over_day_hash AS SELECT __hd FROM ({hashed}) "
            f"GROUP BY 1 HAVING sum(hours) > {limit}"
        )
        if not self.con.execute("SELECT count(*) FROM over_day_hash").fetchall()[0][0]:
            self.con.execute("DROP TABLE over_day_hash")
            return
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE over_day AS SELECT employee_id, work_date "
            f"FROM ({entries}) WHERE hash(employee_id, work_date) IN (SELECT __hd FROM over_day_hash) "
            f"GROUP BY ALL HAVING sum(hours) > {limit}"
        )
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE over_day_rows AS SELECT t.{q(ROW_COLUMN)}, {ruleset.day_code} AS __code "
            "FROM typed_time_entries t JOIN over_day o ON t.employee_id = o.employee_id AND t.work_date = o.work_date "
            f"WHERE t.{q(ROW_COLUMN)} NOT IN (SELECT {q(ROW_COLUMN)} FROM bad_time_entries)"
        )
        self.con.execute("INSERT INTO bad_time_entries SELECT * FROM over_day_rows")
        for table in ("over_day_rows", "over_day", "over_day_hash"):
            self.con.execute(f"DROP TABLE {table}")

    def _copy(self, select: str, file_name: str) -> tuple[Path, int]:
        path = self.scratch / file_name
        count = self.con.execute(f"COPY ({select}) TO {lit(str(path))} (FORMAT parquet)").fetchall()[0][0]
        return path, int(count)

    def _quarantine(self, name: str, bad: str) -> Path:
        """Bad rows with their raw values (the file's columns as read) as JSON, by row number."""
        raw_columns = [r[0] for r in self.con.execute(f"DESCRIBE raw_{name}").fetchall() if r[0] != ROW_COLUMN]
        as_json = "to_json({" + ", ".join(f"{lit(n)}: x.{q(n)}" for n in raw_columns) + "})"
        return self._copy(
            f"SELECT b.{q(ROW_COLUMN)} AS row_number, r.column_name, r.reason, CAST({as_json} AS VARCHAR) AS raw_row "
            f"FROM {bad} b JOIN reasons_{name} r ON r.code = b.__code "
            f"JOIN raw_{name} x ON x.{q(ROW_COLUMN)} = b.{q(ROW_COLUMN)} ORDER BY row_number",
            f"{name}.quarantine.parquet",
        )[0]

    def _vanished(self, entity: c.Entity, deleted_at: dt.datetime) -> tuple[Path, int] | None:
        """Rows in raw (not yet deleted) whose key the snapshot file lacks (good or bad rows alike,
        from ev_<entity>), stamped deleted_at and keeping their row id: one more version of the row,
        kept for audit."""
        name = entity.name
        present = self._raw_columns(name)
        columns = ", ".join(
            f"{typed(col, 'r.')} AS {q(col.name)}"
            if col.name in present
            else f"CAST(NULL AS {c.WAREHOUSE_TYPES[col.type]}) AS {q(col.name)}"
            for col in entity.columns
        )
        keys = entity.primary_key
        match = " AND ".join(f"g.__wk{i} = r.{q(k)}" for i, k in enumerate(keys))
        wk = ", ".join(f"__wk{i}" for i in range(len(keys)))
        found = self._copy(
            f"SELECT {columns}, r.{ROW_ID}, CAST({lit(deleted_at.isoformat())} AS TIMESTAMPTZ) AS {DELETED_AT} "
            f"FROM {self._raw(name)} r JOIN (SELECT {wk} FROM ev_{name} WHERE {q(ROW_COLUMN)} IS NULL) g "
            f"ON {match} WHERE {self._live(name, 'r.')}",
            f"{name}.deleted.parquet",
        )
        return found if found[1] else None

    @staticmethod
    def _parsed_file(entity: c.Entity, staged: _Staged, where: str) -> str:
        """The staged file's rows (filtered by `where`) parsed into contract types as in the checks."""
        parsed = ", ".join(
            f"{rules.parse_expr(col, staged.source_types.get(col.name))} AS {q(col.name)}" for col in entity.columns
        )
        return (
            f"(SELECT {parsed}, {q(ROW_COLUMN)} FROM (SELECT *, file_row_number + 1 AS {q(ROW_COLUMN)} "
            f"FROM read_parquet({lit(str(staged.path))}, file_row_number = true)) AS s {where})"
        )

    def _load_query(self, entity: c.Entity, rows: str, deleted: tuple[Path, int] | None) -> str:
        """The SELECT dlt runs in the warehouse: `rows` (typed contract columns and __row) with a row id
        and deleted_at, plus the rows marked deleted."""
        columns = ", ".join(q(n) for n in entity.column_names)
        row_id = f"{lit(self.row_id_prefix + '.')} || CAST({q(ROW_COLUMN)} AS VARCHAR)"
        select = f"SELECT {columns}, {row_id} AS {ROW_ID}, CAST(NULL AS TIMESTAMPTZ) AS {DELETED_AT} FROM {rows} AS f"
        if deleted is None:
            return select
        names = f"{columns}, {ROW_ID}, {DELETED_AT}"
        return f"SELECT {names} FROM ({select} UNION ALL SELECT {names} FROM read_parquet({lit(str(deleted[0]))})) AS u"
