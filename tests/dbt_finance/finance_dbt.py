"""Running dbt for the finance tests (a module of its own: `from conftest import` is ambiguous across test folders)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT = REPO_ROOT / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"


def run_dbt(db_path: Path, work: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    cmd = [
        str(DBT),
        *args,
        "--project-dir",
        str(DBT_PROJECT),
        "--profiles-dir",
        str(DBT_PROJECT),
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
    ]
    env = {**os.environ, "WIPCAST_WORK_DB": str(db_path), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    result = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        pytest.fail(f"dbt {args[0]} failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}")
    return result
