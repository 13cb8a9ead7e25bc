"""Fixtures for the finance marts tests: the finance firm built with dbt once per module."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT = REPO_ROOT / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"
FINANCE_MARTS = (
    "mart_revenue_monthly",
    "mart_project_financials",
    "mart_unbilled_exposure",
    "mart_receivables",
    "mart_dso_monthly",
    "mart_revenue_vs_target",
    "mart_project_risks",
)

# the raw-table builder of the dbt foundation tests (creates raw_canonical from the contract)
sys.path.insert(0, str(REPO_ROOT / "tests" / "dbt"))
from finance_dbt import run_dbt  # noqa: E402
from finance_firm import finance_firm_rows  # noqa: E402
from raw_fixture import build_raw_warehouse  # noqa: E402


@pytest.fixture(scope="module")
def finance_warehouse(tmp_path_factory) -> Path:
    """The finance firm as raw tables, built by `dbt build --select +<finance marts>`.

    The as-of date is left to its default (the latest activity, AS_OF). Cautious indirect
    selection keeps out tests that also read models outside the selection."""
    work = tmp_path_factory.mktemp("dbt_finance")
    db_path = work / "work.duckdb"
    build_raw_warehouse(db_path, finance_firm_rows())
    selection = " ".join(f"+{m}" for m in FINANCE_MARTS)
    run_dbt(db_path, work, "build", "--select", selection, "--indirect-selection", "cautious")
    return db_path


@pytest.fixture(scope="module")
def finance_warehouse_as_of_february(finance_warehouse, tmp_path_factory) -> Path:
    """A copy of the built finance firm, rebuilt from int_as_of down with the as_of var 2024-02-29."""
    work = tmp_path_factory.mktemp("dbt_finance_as_of")
    db_path = work / "work.duckdb"
    shutil.copy(finance_warehouse, db_path)
    # every model between int_as_of and a finance mart (intersections, one per mart)
    selection = " ".join(f"int_as_of+,+{m}" for m in FINANCE_MARTS)
    run_dbt(db_path, work, "run", "--select", selection, "--vars", json.dumps({"as_of": "2024-02-29"}))
    return db_path
