"""The contract's rules as DuckDB SQL: how each column is parsed and what makes a row bad.

Every function returns SQL text over already-validated identifiers (contract names only,
never a name taken from a user's file), so quoting is simple and injection impossible.
A row rule is (condition, column, reason); the first rule a row breaks is the one it is
quarantined for. Reasons name the column but never a value, so they count well per
(entity, reason); the value is in the quarantined row's raw JSON.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.schema import TYPE_WORDS
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
    return source_type is not None and col.type not in (c.STRING, c.CURRENCY)


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
        rules.append(Rule(condition, key, f"{key} is empty (primary key)"))
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
