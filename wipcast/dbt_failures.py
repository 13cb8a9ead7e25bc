"""What a failed dbt run tells the user: the failed models and tests by name, with a failing test's first
offending rows (its compiled query rerun, limit 3, on the warehouse it ran on), in one line.

Apart from running dbt (wipcast.transform): reading run_results.json and querying the warehouse again is
its own job, and the same for every warehouse kind.
"""

from __future__ import annotations

import json
import re
from typing import Any

from wipcast.errors import WipcastError
from wipcast.settings import Settings


def explain_failure(settings: Settings, command: list[str], lines: list[str], succeeded: bool) -> str:
    """dbt's output when it succeeded; else a WipcastError naming the first failed models and tests."""
    output = "\n".join(lines)
    if not succeeded:
        failures = failed_nodes(settings)
        what = "; ".join(failures[:3]) if failures else _first_failure(lines)
        if len(failures) > 3:
            what += f"; and {len(failures) - 3} more"
        raise WipcastError(
            f"dbt {command[0]} failed: {what}",
            "fix the rows or the model named, then rerun; the full log is in <warehouse>/dbt_logs",
        )
    return output


MAX_KEYS_SHOWN = 3


def run_results(settings: Settings) -> dict[str, Any]:
    path = settings.warehouse_dir / "dbt_target" / "run_results.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def failed_nodes(settings: Settings) -> list[str]:
    """One phrase per failed model or test: `test X on model Y: 2 rows, first: (a, b), ...`.

    A failing test's compiled query is rerun (limit 3) on the working database to show the first
    offending rows, so the user can find them without reading dbt's log."""
    phrases: list[str] = []
    for result in run_results(settings).get("results", []):
        if result.get("status") not in ("error", "fail"):
            continue
        unique_id = str(result.get("unique_id", "?"))
        kind, _, rest = unique_id.partition(".")
        name = re.sub(r"\.[0-9a-f]{10}$", "", rest.split(".", 1)[-1])  # generic tests end in a hash
        if kind in ("test", "unit_test"):
            phrase = f"{kind.replace('_', ' ')} {name}"
            failures = result.get("failures")
            if failures:
                phrase += f": {failures} failing row(s)"
            keys = _first_rows(settings, result.get("compiled_code")) if kind == "test" else []
            if keys:
                phrase += ", first: " + ", ".join(keys)
        else:
            message = str(result.get("message") or "").strip().splitlines()
            phrase = f"{kind} {name}" + (f": {message[0][:200]}" if message else "")
        phrases.append(phrase)
    return phrases


def _first_rows(settings: Settings, compiled: object) -> list[str]:
    if not isinstance(compiled, str) or not compiled.strip():
        return []
    if settings.warehouse_kind == "postgres":
        return _first_rows_postgres(settings, compiled)
    if settings.warehouse_kind == "spark":
        return _first_rows_spark(settings, compiled)
    import duckdb

    try:
        con = duckdb.connect(str(settings.work_db), read_only=True)
    except duckdb.Error:
        return []
    try:
        rows = con.execute(f"select * from ({compiled}) limit {MAX_KEYS_SHOWN}").fetchall()
    except duckdb.Error:
        return []
    finally:
        con.close()
    return ["(" + ", ".join(str(v) for v in row) + ")" for row in rows]


def _first_rows_postgres(settings: Settings, compiled: str) -> list[str]:
    from wipcast.warehouses import postgres

    try:
        con = postgres.connect(settings)
    except WipcastError:
        return []
    try:
        with con.cursor() as cur:
            cur.execute(f"select * from ({compiled}) as failing limit {MAX_KEYS_SHOWN}")
            rows = cur.fetchall()
    except Exception:  # a query that fails again only loses the example rows, not the error
        return []
    finally:
        con.close()
    return ["(" + ", ".join(str(v) for v in row) + ")" for row in rows]


def _first_rows_spark(settings: Settings, compiled: str) -> list[str]:
    from wipcast.warehouses import spark

    try:
        rows = spark.sql(settings, f"select * from ({compiled}) as failing limit {MAX_KEYS_SHOWN}")
    except Exception:  # a query that fails again only loses the example rows, not the error
        return []
    return ["(" + ", ".join(str(v) for v in row) + ")" for row in rows]


def _first_failure(lines: list[str]) -> str:
    """The most useful single line of a failed dbt run."""
    for pattern in (
        r"\b(ERROR|FAIL)\b.*\b(model|test|unit_test|snapshot|seed)\b",
        r"(Compilation|Runtime|Database|Parsing) Error",
        r"Error",
    ):
        for line in lines:
            if re.search(pattern, line):
                return re.sub(r"^\S+\s+", "", line.strip())[:300]
    return (lines[-1] if lines else "no output")[:300]
