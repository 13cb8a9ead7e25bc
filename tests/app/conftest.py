"""Fixtures for the dashboard tests: a published warehouse on disk.

Helpers live in app_helpers.py (not here: several test folders have a conftest.py, and
`from conftest import ...` would pick whichever was imported last).
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # app_helpers, app_fixture_warehouse, app_live_server
if str(HERE.parents[1]) not in sys.path:  # the `app` package, even before `pip install -e .` picks it up
    sys.path.insert(0, str(HERE.parents[1]))

from app_fixture_warehouse import build_fixture_warehouse  # noqa: E402


@pytest.fixture(scope="session")
def warehouse_dir(tmp_path_factory) -> Path:
    """A published warehouse (hand-made fixture) in its own folder, as WIPCAST_WAREHOUSE_DIR would name it."""
    folder = tmp_path_factory.mktemp("published")
    build_fixture_warehouse(folder / "wipcast.duckdb")
    return folder


@pytest.fixture
def use_warehouse(monkeypatch):
    def point_at(folder: Path) -> Path:
        monkeypatch.setenv("WIPCAST_WAREHOUSE_DIR", str(folder))
        return folder

    return point_at


@pytest.fixture
def sql(warehouse_dir):
    """Independent SQL on the published file (read-only), returning one scalar."""

    def scalar(statement: str, params=(), folder: Path | None = None):
        con = duckdb.connect(str((folder or warehouse_dir) / "wipcast.duckdb"), read_only=True)
        try:
            return con.execute(statement, list(params)).fetchone()[0]
        finally:
            con.close()

    return scalar
