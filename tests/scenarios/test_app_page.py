"""AppTest of the Scenarios page on a published copy of the scenario warehouse."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest

PAGE = Path(__file__).resolve().parents[2] / "app" / "app_pages" / "scenarios.py"


@pytest.fixture()
def app_warehouse(warehouse, tmp_path, monkeypatch):
    """A folder with a working and a published copy of the session warehouse; publish skips the marts check
    (this warehouse has no marts) but otherwise runs for real."""
    import wipcast.publish as publishing

    folder = tmp_path / "wh"
    folder.mkdir()
    shutil.copyfile(warehouse.work_db, folder / "work.duckdb")
    shutil.copyfile(warehouse.work_db, folder / "wipcast.duckdb")
    monkeypatch.setenv("WIPCAST_WAREHOUSE_DIR", str(folder))
    # As `wipcast app --allow-scenarios` serves it on loopback: running scenarios is allowed, no login.
    monkeypatch.setenv("WIPCAST_APP_ALLOW_SCENARIOS", "true")
    from streamlit import config

    before = config.get_option("server.address")
    config.set_option("server.address", "127.0.0.1")  # AppTest runs the page in this process
    real = publishing.publish
    monkeypatch.setattr(publishing, "publish", lambda settings, run_id: real(settings, run_id, required=()))
    yield folder
    config.set_option("server.address", before)


def shown(markdown: str) -> str:
    """The text a reader sees: the page escapes every data value for Markdown (backslashes)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def open_page():
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(PAGE), default_timeout=120).run()


def test_page_compares_and_offers_downloads(app_warehouse):
    at = open_page()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.selectbox(key="compare_scenario").value == "fewer-wins"
    labels = [shown(m.label) for m in at.metric]
    assert "Base forecast (horizon)" in labels and "fewer-wins (horizon)" in labels
    downloads = [e for e in at.get("download_button")]
    assert len(downloads) >= 5  # YAML, CSV, XLSX, Parquet, provenance
    assert any("Run scenario" in b.label for b in at.button)
    at.selectbox(key="compare_scenario").select("neutral").run()
    delta = [m for m in at.metric if shown(m.label) == "neutral (horizon)"][0]
    assert delta.delta in ("$0", "0", "$-0", "-$0")  # the neutral scenario changes nothing


def test_invalid_pasted_yaml_names_the_field(app_warehouse):
    at = open_page()
    at.radio(key="scenario_source").set_value("Paste YAML").run()
    at.text_area(key="scenario_yaml").input("name: x\nprojects: [{project_id: P1, action: pause}]").run()
    errors = [shown(e.value) for e in at.error]
    assert errors and "projects[0].action" in errors[0] and "'delay' or 'cancel'" in errors[0]
    assert not any("Run scenario" in b.label for b in at.button)  # nothing to run


def test_run_from_the_form_writes_and_publishes(app_warehouse):
    at = open_page()
    at.slider(key="win_multiplier").set_value(0.8)
    at.run()
    [b for b in at.button if b.key == "run-scenario"][0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert any("what-if" in s.value and "published" in s.value for s in at.success)
    con = duckdb.connect(str(app_warehouse / "wipcast.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "select scenario_id, status from forecast.scenario_runs where scenario_id = 'what-if'"
        ).fetchall()
    finally:
        con.close()
    assert rows == [("what-if", "success")]
