"""Fixtures for the dbt project tests: a tiny raw warehouse and a dbt runner."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from raw_fixture import build_raw_warehouse, small_firm_rows

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT = REPO_ROOT / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"


class DbtRunner:
    """Runs dbt as a subprocess against one DuckDB file, keeping its artefacts in tmp."""

    def __init__(self, db_path: Path, work_dir: Path):
        self.db_path = db_path
        self.work_dir = work_dir

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [
            str(DBT),
            *args,
            "--project-dir",
            str(DBT_PROJECT),
            "--profiles-dir",
            str(DBT_PROJECT),
            "--target-path",
            str(self.work_dir / "target"),
            "--log-path",
            str(self.work_dir / "logs"),
        ]
        env = {**os.environ, "WIPCAST_WORK_DB": str(self.db_path), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
        started = time.perf_counter()
        result = subprocess.run(cmd, cwd=self.work_dir, env=env, capture_output=True, text=True, timeout=300)
        print(f"dbt {' '.join(args)}: {time.perf_counter() - started:.1f}s")  # shown with pytest -s
        if check and result.returncode != 0:
            pytest.fail(f"dbt {' '.join(args)} failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}")
        return result


@pytest.fixture
def small_warehouse(tmp_path) -> tuple[Path, DbtRunner]:
    """The hand-made small firm loaded as raw_canonical tables, and a dbt runner for it."""
    work = tmp_path
    db_path = work / "work.duckdb"
    build_raw_warehouse(db_path, small_firm_rows())
    return db_path, DbtRunner(db_path, work)
