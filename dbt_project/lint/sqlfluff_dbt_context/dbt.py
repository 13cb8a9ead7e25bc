"""dbt's cross-database macros (`dbt.<name>`), as dbt-duckdb compiles them.

Only what the project's SQL calls and a few common neighbours; a model that calls another one
fails lint with "'module object' has no attribute": add it here.
"""

from __future__ import annotations


def dateadd(datepart: str, interval: object, from_date_or_timestamp: str) -> str:
    return f"date_add({from_date_or_timestamp}, interval ({interval}) {datepart})"


def datediff(first_date: str, second_date: str, datepart: str) -> str:
    return f"date_diff('{datepart}', cast({first_date} as timestamp), cast({second_date} as timestamp))"


def date_trunc(datepart: str, date: str) -> str:
    return f"date_trunc('{datepart}', {date})"


def last_day(date: str, datepart: str) -> str:
    return f"cast(date_trunc('{datepart}', {date}) + interval 1 {datepart} - interval 1 day as date)"


def current_timestamp() -> str:
    return "now()"


def generate_series(upper_bound: object) -> str:
    return f"select unnest(generate_series(1, {upper_bound})) as generated_number"


def safe_cast(field: str, type: str) -> str:
    return f"try_cast({field} as {type})"


def cast(field: str, type: str) -> str:
    return f"cast({field} as {type})"


def concat(fields: list[str]) -> str:
    return " || ".join(fields)


def hash(field: str) -> str:
    return f"md5(cast({field} as varchar))"


def any_value(expression: str) -> str:
    return f"any_value({expression})"


def bool_or(expression: str) -> str:
    return f"bool_or({expression})"


def string_literal(value: str) -> str:
    return f"'{value}'"


def type_boolean() -> str:
    return "boolean"


def type_float() -> str:
    return "float"


def type_bigint() -> str:
    return "bigint"


def type_int() -> str:
    return "integer"


def type_numeric() -> str:
    return "numeric(28,6)"


def type_string() -> str:
    return "varchar"


def type_timestamp() -> str:
    return "timestamp"
