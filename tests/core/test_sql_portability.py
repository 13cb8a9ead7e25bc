"""dbt models stay portable: DuckDB-only syntax lives only in macros (adapter.dispatch), never in models."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Constructs that Postgres, Snowflake or BigQuery spell differently or lack; each has a dbt cross-database
# macro or must be wrapped in one of ours.
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
    assert not find_problems("select {{ dbt.datediff('a', 'b', 'day') }} -- a::date in a comment\nfrom t")
