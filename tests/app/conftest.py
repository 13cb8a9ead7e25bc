"""Fixtures for the dashboard tests: a published warehouse on disk and AppTest helpers."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import duckdb
import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # fixture_warehouse, live_server
if str(HERE.parents[1]) not in sys.path:  # the `app` package, even before `pip install -e .` picks it up
    sys.path.insert(0, str(HERE.parents[1]))

from fixture_warehouse import build_fixture_warehouse  # noqa: E402

APP_SCRIPT = HERE.parents[1] / "app" / "streamlit_app.py"
PAGE_FILES = {
    "Overview": "app_pages/overview.py",
    "Forecast": "app_pages/forecast.py",
    "Variance": "app_pages/variance.py",
    "Unbilled exposure": "app_pages/unbilled.py",
    "Utilization": "app_pages/utilization.py",
    "Forecast accuracy": "app_pages/accuracy.py",
    "Data health": "app_pages/data_health.py",
}


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


def open_page(page_title: str, timeout: float = 60):
    """Run the router, switch to a page, run again; return the AppTest."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=timeout).run()
    if page_title != "Overview":
        at.switch_page(PAGE_FILES[page_title]).run()
    return at


def metric(at, label_start: str):
    matches = [m for m in at.metric if m.label.startswith(label_start)]
    assert matches, f"no metric starting {label_start!r}; have {[m.label for m in at.metric]}"
    return matches[0]


def money_value(text: str) -> float:
    """'$12,888,362' -> 12888362.0; '-$2,500' -> -2500.0."""
    negative = text.strip().startswith("-")
    number = float(re.sub(r"[^0-9.]", "", text))
    return -number if negative else number


def percent_value(text: str) -> float:
    return float(text.rstrip("%").replace(",", "")) / 100


def no_exception(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
