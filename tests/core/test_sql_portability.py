"""dbt models stay portable: engine-only syntax lives only in macros (adapter.dispatch), never in models.
The engines: DuckDB, PostgreSQL and Spark SQL (all three build the project in CI), and the warehouses
docs/warehouses.md names."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Constructs that Postgres, Spark, Snowflake or BigQuery spell differently or lack; each has a dbt
# cross-database macro or must be wrapped in one of ours.
NON_PORTABLE = {
    r"::": "PostgreSQL/DuckDB cast shorthand; use cast() or dbt.cast",
    r"\bstrftime\s*\(": "DuckDB date formatting",
    r"(?<![.\w])date_diff\s*\(": "use dbt.datediff",
    r"(?<![.\w])datediff\s*\(": "use dbt.datediff",
    r"(?<![.\w])date_add\s*\(": "use dbt.dateadd",
    r"(?<![.\w])dateadd\s*\(": "use dbt.dateadd",
    r"(?<![.\w])date_trunc\s*\(": "use dbt.date_trunc (argument order differs on BigQuery)",
    r"(?<![.\w])last_day\s*\(": "use dbt.last_day",
    r"(?<![.\w])try_cast\s*\(": "use dbt.safe_cast",
    r"\bisodow\b|\bisoyear\b": "ISO date parts differ by engine; use a macro",
    r"\bgenerate_series\s*\(|(?<![.\w])range\s*\(": "series generation differs; use a date spine macro",
    r"\bstruct_pack\s*\(|\blist_\w+\s*\(": "DuckDB nested types",
    r"\bexclude\s*\(": "SELECT * EXCLUDE is not portable; list the columns",
    r"\bqualify\b": "QUALIFY is not in PostgreSQL; filter a window in a CTE",
    r"\bepoch\s*\(": "DuckDB epoch()",
    r"\bmake_date\s*\(": "date construction differs; use a macro",
    # Spark SQL
    r"\bas\s+varchar\b|\bas\s+text\b": "Spark has no varchar without a length; use type_varchar()",
    r"with\s+time\s+zone": "Spark has no timestamp with time zone; use type_timestamp_tz()",
    r"double\s+precision": "Spark has no double precision; use type_double()",
    r"\bilike\b|\bstring_agg\s*\(": "not in Spark SQL; use lower() = lower() / dbt.listagg",
    r"cross\s+join\s+lateral": "Spark has no LATERAL subquery joins; use a macro (day_spine)",
    r"cast\([^()]*\s/\s[^()]*\s+as\s+\{\{\s*type_double\(\)\s*\}\}\s*\)": (
        "a quotient cast to double divides decimals in decimal on Spark (6 places); use decimal_ratio"
    ),
}


def _strip_comments(sql: str) -> str:
    sql = re.sub(r"\{#.*?#\}", "", sql, flags=re.S)
    sql = re.sub(r"/\*.*?\*/", "", sql, flags=re.S)
    return re.sub(r"--[^\n]*", "", sql)


def find_problems(sql: str) -> list[str]:
    code = _strip_comments(sql)
    return [why for pattern, why in NON_PORTABLE.items() if re.search(pattern, code, flags=re.I)]


def test_models_use_only_portable_sql():
    problems = []
    for path in sorted((ROOT / "dbt_project" / "models").rglob("*.sql")):
        for why in find_problems(path.read_text()):
            problems.append(f"{path.relative_to(ROOT)}: {why}")
    assert problems == [], "\n".join(problems)


def test_the_check_catches_duckdb_only_syntax():
    assert find_problems("select a::date, date_diff('day', a, b) from t")
    assert find_problems("select * exclude (x) from t")
    assert find_problems("select cast(a as varchar), cast(b as timestamp with time zone) from t")
    assert find_problems("select cast(x.revenue / x.target as {{ type_double() }}) from x")
    assert not find_problems(
        "select {{ decimal_ratio('x.revenue', 'x.target') }}, cast(a as {{ type_varchar() }}) from x"
    )
    assert not find_problems("select {{ dbt.datediff('a', 'b', 'day') }} -- a::date in a comment\nfrom t")


SPARK_MACROS = {
    "dates.sql": ("iso_day_of_week", "iso_year", "iso_week", "day_spine", "dlt_load_timestamp"),
    "types.sql": ("type_varchar", "type_double", "type_timestamp_tz"),
    "portability.sql": ("decimal_ratio",),
}


def test_every_dispatched_date_and_type_macro_has_a_spark_implementation():
    """The Spark build uses these; the default implementations are ANSI SQL that Spark does not run."""
    missing = []
    for name, macros in SPARK_MACROS.items():
        text = (ROOT / "dbt_project" / "macros" / name).read_text()
        missing += [f"{name}: spark__{m}" for m in macros if f"macro spark__{m}(" not in text]
    assert missing == []


# PostgreSQL keeps 63 bytes of an identifier; dbt-postgres refuses a longer relation name, and a unit
# test's name is the name of the relation it builds, so a long test name fails only on PostgreSQL.
POSTGRES_IDENTIFIER_LIMIT = 63


def test_model_and_unit_test_names_fit_a_postgres_identifier():
    import yaml

    names = [path.stem for path in (ROOT / "dbt_project" / "models").rglob("*.sql")]
    for path in (ROOT / "dbt_project").rglob("*.yml"):
        document = yaml.safe_load(path.read_text()) or {}
        names += [test["name"] for test in document.get("unit_tests") or []]
    assert len(names) > 100
    too_long = sorted(name for name in names if len(name.encode()) > POSTGRES_IDENTIFIER_LIMIT)
    assert not too_long, f"longer than PostgreSQL's {POSTGRES_IDENTIFIER_LIMIT} bytes: {too_long}"
