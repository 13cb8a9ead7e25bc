"""The contract's rules as DuckDB SQL: how each column is parsed and what makes a row bad.

Every function returns SQL text over already-validated identifiers (contract names only,
never a name taken from a user's file), so quoting is simple and injection impossible.
A row rule is (condition, column, reason); the first rule a row breaks is the one it is
quarantined for. Reasons name the column but never a value, so they count well per
(entity, reason); the value is in the quarantined row's raw JSON.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from ingest.schema import DELETED_AT, TYPE_WORDS
from wipcast import contract as c


def q(name: str) -> str:
    """Quote an identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    """Quote a string literal."""
    return "'" + value.replace("'", "''") + "'"


def parse_expr(col: c.Column, source_type: str | None) -> str:
    """SQL that turns the file's value into the contract type, NULL when it cannot.

    `source_type` is the DuckDB type of the column as read (VARCHAR for every CSV column),
    None when the (opt) column is absent from the file.
    """
    target = c.WAREHOUSE_TYPES[col.type]
    if source_type is None:
        return f"CAST(NULL AS {target})"
    if source_type == "VARCHAR":
        v = f"NULLIF({q(col.name)}, '')"  # empty means null, in Parquet text too
        if col.type in (c.STRING, c.CURRENCY):
            return v
        if col.type == c.BOOLEAN:
            return (
                f"CASE lower(trim({v})) WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE "
                "WHEN '1' THEN TRUE WHEN '0' THEN FALSE END"
            )
    else:
        v = q(col.name)
        if col.type in (c.STRING, c.CURRENCY):
            return f"CAST({v} AS VARCHAR)"
    if col.type == c.NUMBER:
        # DuckDB reads 'nan' and 'inf' as doubles; a contract number must be finite
        return f"CASE WHEN isfinite(TRY_CAST({v} AS DOUBLE)) THEN TRY_CAST({v} AS DOUBLE) END"
    return f"TRY_CAST({v} AS {target})"


def present_expr(col: c.Column, source_type: str | None) -> str | None:
    """SQL that is true when the file holds a value (before parsing); None for absent columns."""
    if source_type is None:
        return None
    if source_type == "VARCHAR":
        return f"NULLIF({q(col.name)}, '') IS NOT NULL"
    return f"{q(col.name)} IS NOT NULL"


def can_fail_parse(col: c.Column, source_type: str | None) -> bool:
    """Whether parse_expr can turn a present value into NULL (a typed Parquet column of the
    warehouse type itself cannot fail, except a double, which may be NaN or infinite)."""
    if source_type is None or col.type in (c.STRING, c.CURRENCY):
        return False
    return source_type != c.WAREHOUSE_TYPES[col.type] or col.type == c.NUMBER


def parse_flag(col_name: str) -> str:
    return f"__pf_{col_name}"


@dataclass(frozen=True)
class Rule:
    condition: str  # SQL over the typed columns (and __pf_* flags), true when the row is bad
    column: str
    reason: str


def _num(v: float) -> str:
    return f"{v:g}"


# Entity-level checks named in the contract: column blamed, violation SQL, reason.
ENTITY_CHECKS: dict[str, tuple[str, str, str]] = {
    "termination_not_before_hire": (
        "termination_date",
        '"termination_date" < "hire_date"',
        "termination_date is before hire_date",
    ),
    "end_not_before_start": ("end_date", '"end_date" < "start_date"', "end_date is before start_date"),
    "valid_to_not_before_valid_from": (
        "valid_to",
        '"valid_to" < "valid_from"',
        "valid_to is before valid_from",
    ),
    "due_not_before_invoice": ("due_date", '"due_date" < "invoice_date"', "due_date is before invoice_date"),
    "rate_positive": ("rate_to_reporting", '"rate_to_reporting" <= 0', "rate_to_reporting is not positive"),
    "month_is_first_day": ("month", 'day("month") <> 1', "month is not the first day of a month"),
}


def _key_rules(entity: c.Entity, parsed: set[str]) -> list[Rule]:
    rules = []
    for key in entity.primary_key:
        # an unparseable key is reported as unparseable (next rule), not as empty
        condition = f"{q(key)} IS NULL" + (f" AND NOT {q(parse_flag(key))}" if key in parsed else "")
        if entity.column(key).type == c.STRING:
            # only spaces: trim() is costly over millions of keys, so only for keys starting with one
            k = q(key)
            condition = f"({condition} OR {k} = '' OR (starts_with({k}, ' ') AND trim({k}) = ''))"
        rules.append(Rule(condition, key, f"{key} is empty (primary key)"))
    for key in entity.primary_key:
        if entity.column(key).type == c.STRING:
            # `CUS00004"` from a stray quote, or ` CUS00004` from a spreadsheet, would load as a new member
            rules.append(
                Rule(
                    f"regexp_matches({q(key)}, '^\\s|\\s$|[\"'']')",
                    key,
                    f"{key} has surrounding spaces or quote characters (primary key)",
                )
            )
    return rules


def _parse_rules(entity: c.Entity, parsed: set[str]) -> list[Rule]:
    return [
        Rule(q(parse_flag(col.name)), col.name, f"{col.name} is not a valid {TYPE_WORDS[col.type]}")
        for col in entity.columns
        if col.name in parsed
    ]


def _required_rules(entity: c.Entity) -> list[Rule]:
    return [
        Rule(f"{q(col.name)} IS NULL", col.name, f"{col.name} is empty (required)")
        for col in entity.columns
        if not col.nullable and col.name not in entity.primary_key
    ]


def _domain_rules(col: c.Column) -> list[Rule]:
    """Currency format, allowed values and numeric range of one column."""
    name, rules = q(col.name), []
    if col.type == c.CURRENCY:
        condition = f"{name} IS NOT NULL AND NOT regexp_full_match({name}, '[A-Z]{{3}}')"
        rules.append(Rule(condition, col.name, f"{col.name} is not an ISO 4217 code (three capital letters)"))
    if col.enum:
        allowed = ", ".join(lit(v) for v in col.enum)
        rules.append(Rule(f"{name} NOT IN ({allowed})", col.name, f"{col.name} is not one of: {', '.join(col.enum)}"))
    lo, hi = col.min_value, col.max_value
    if lo is not None and hi is not None:
        rules.append(
            Rule(f"({name} < {lo} OR {name} > {hi})", col.name, f"{col.name} is outside {_num(lo)} to {_num(hi)}")
        )
    elif lo is not None:
        rules.append(Rule(f"{name} < {lo}", col.name, f"{col.name} is below {_num(lo)}"))
    elif hi is not None:
        rules.append(Rule(f"{name} > {hi}", col.name, f"{col.name} is above {_num(hi)}"))
    return rules


def value_rules(entity: c.Entity, parsed_columns: set[str]) -> list[Rule]:
    """Rules a row can break on its own, in the order they are reported (see docs/canonical-contract.md)."""
    rules = _key_rules(entity, parsed_columns) + _parse_rules(entity, parsed_columns) + _required_rules(entity)
    for col in entity.columns:
        rules += _domain_rules(col)
    for check in entity.checks:
        column, condition, reason = ENTITY_CHECKS[check]
        rules.append(Rule(condition, column, reason))
    return rules


def duplicate_reason(entity: c.Entity) -> tuple[str, str]:
    keys = ", ".join(entity.primary_key)
    return keys, f"duplicate {keys} (the file's last row with this key is the one loaded)"


def reference_reason(col: c.Column) -> str:
    return f"{col.name} refers to a missing {col.references}"


def problem_case(rules: list[tuple[str, str, str]]) -> str:
    """CASE expression giving 'column<US>reason' for the first broken rule, NULL for a good row."""
    if not rules:
        return "CAST(NULL AS VARCHAR)"
    whens = " ".join(f"WHEN {cond} THEN {lit(column + chr(31) + reason)}" for cond, column, reason in rules)
    return f"CASE {whens} END"


# ---- rules across rows ----------------------------------------------------------------------

MAX_HOURS_PER_DAY = 24
DAY_OVER_24_REASON = (
    f"employee_id's hours on work_date add up to over {MAX_HOURS_PER_DAY} "
    "(with the entries already loaded); every entry of that person and day in the file is set aside"
)

# A person's entries already in the warehouse, which the file's entries add to (those the file
# replaces are left out when the total is taken).
EXISTING_DAY_HOURS_DDL = (
    "CREATE OR REPLACE TEMP TABLE existing_day_hours "
    "(time_entry_id VARCHAR, employee_id VARCHAR, work_date DATE, hours DOUBLE)"
)


def raw_table_exists(con: duckdb.DuckDBPyConnection, database: str, table: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? AND table_name = ?",
            [database, c.RAW_SCHEMA, table],
        ).fetchall()[0][0]
    )


def not_deleted(database: str, table: str, con: duckdb.DuckDBPyConnection, alias: str = "") -> str:
    """SQL condition excluding rows a snapshot ingest marked deleted (raw tables gain the column then)."""
    has_column = con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? "
        "AND table_name = ? AND column_name = ?",
        [database, c.RAW_SCHEMA, table, DELETED_AT],
    ).fetchall()[0][0]
    return f"{alias}{q(DELETED_AT)} IS NULL" if has_column else "TRUE"


def existing_day_hours_sql(database: str, con: duckdb.DuckDBPyConnection) -> str:
    return (
        "INSERT INTO existing_day_hours SELECT time_entry_id, employee_id, work_date, hours "
        f"FROM {database}.{c.RAW_SCHEMA}.time_entries WHERE {not_deleted(database, 'time_entries', con)}"
    )


def cross_row_rules(entity_name: str, snapshot: bool) -> list[str]:
    """Statements over checked_<entity> that set __problem on rows that are bad only together.

    In a snapshot ingest the file is the whole truth: entries already loaded but absent from it are
    about to be marked deleted, so they do not count towards a day's total."""
    if entity_name != "time_entries":
        return []
    existing = "AND FALSE" if snapshot else ""
    problem = lit("hours" + chr(31) + DAY_OVER_24_REASON)
    return [
        f"""
        UPDATE checked_time_entries t SET __problem = {problem}
        FROM (
            SELECT employee_id, work_date FROM (
                SELECT employee_id, work_date, hours FROM checked_time_entries WHERE __problem IS NULL
                UNION ALL
                SELECT e.employee_id, e.work_date, e.hours FROM existing_day_hours e
                WHERE e.time_entry_id NOT IN (SELECT time_entry_id FROM checked_time_entries) {existing}
            )
            GROUP BY ALL HAVING sum(hours) > {MAX_HOURS_PER_DAY}
        ) over_day
        WHERE t.__problem IS NULL AND t.employee_id = over_day.employee_id AND t.work_date = over_day.work_date
        """
    ]
