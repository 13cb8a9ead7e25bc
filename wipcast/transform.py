"""Run the dbt project as a subprocess against the working database.

dbt runs in its own process (not dbtRunner in-process) so that no DuckDB handle of ours and
none of dbt's can keep a lock on the file after the step ends.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from wipcast.errors import WipcastError
from wipcast.settings import Settings

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"

# dbt prints lines such as "12 of 140 OK created sql table model marts.dim_date ..."
_PROGRESS = re.compile(r"\b(\d+) of (\d+) (START|OK|PASS|ERROR|FAIL|WARN|SKIP)\b")


def dbt_vars(settings: Settings) -> dict:
    values: dict = {"reporting_currency": settings.reporting_currency}
    if settings.as_of is not None:
        values["as_of"] = settings.as_of.isoformat()
    return values


def dbt_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env["WIPCAST_WORK_DB"] = str(settings.work_db)
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env["DBT_USE_COLORS"] = "false"
    env["DBT_LOG_PATH"] = str(settings.warehouse_dir / "dbt_logs")
    env["DBT_TARGET_PATH"] = str(settings.warehouse_dir / "dbt_target")
    return env


def dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def run_dbt(
    settings: Settings,
    command: list[str],
    progress: Callable[[str, float, float], None] | None = None,
) -> str:
    """Run `dbt <command>` for our project; return its output or raise WipcastError naming what failed."""
    if not DBT_PROJECT_DIR.exists():
        raise WipcastError(f"dbt project not found at {DBT_PROJECT_DIR}", "reinstall wipcast from a full checkout")
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    args = [
        dbt_executable(),
        *command,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--vars",
        json.dumps(dbt_vars(settings)),
    ]
    lines: list[str] = []
    proc = subprocess.Popen(args, env=dbt_env(settings), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line.rstrip("\n"))
        match = _PROGRESS.search(line) if progress else None
        if match and progress:
            progress(f"dbt {command[0]}", float(match.group(1)), float(match.group(2)))
    proc.wait()
    output = "\n".join(lines)
    if proc.returncode != 0:
        raise WipcastError(
            f"dbt {command[0]} failed: {_first_failure(lines)}",
            f"see {settings.warehouse_dir / 'dbt_logs'} for the full log",
        )
    return output


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


def dbt_build(settings: Settings, progress=None) -> str:
    return run_dbt(settings, ["build"], progress)
