"""AppTest of the Scenarios page on a published copy of the scenario warehouse."""

from __future__ import annotations

import json
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


def run_from_form(at, name: str, multiplier: float):
    [t for t in at.text_input if t.label == "Name"][0].input(name)
    at.slider(key="win_multiplier").set_value(multiplier)
    at.run()
    [b for b in at.button if b.key == "run-scenario"][0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def test_each_run_opens_its_own_comparison_with_base(app_warehouse):
    """The stale selection: the compare selectbox's key kept the first choice after a second run."""
    at = open_page()
    at.selectbox(key="compare_against").select("neutral").run()  # a choice the run must replace
    run_from_form(at, "first-try", 0.8)
    assert (at.selectbox(key="compare_scenario").value, at.selectbox(key="compare_against").value) == (
        "first-try",
        "base",
    )
    run_from_form(at, "second-try", 0.6)
    assert at.selectbox(key="compare_scenario").value == "second-try"
    assert at.selectbox(key="compare_against").value == "base"
    assert "second-try (horizon)" in [shown(m.label) for m in at.metric]
    assert at.query_params["scenario"] == "second-try" and "against" not in at.query_params
    at.run()  # a later rerun keeps it
    assert at.selectbox(key="compare_scenario").value == "second-try"


def open_with(query: dict[str, str]):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PAGE), default_timeout=120)
    at.query_params.update(query)
    return at.run()


def test_a_link_opens_the_scenario_and_what_it_is_compared_with(app_warehouse):
    at = open_with({"scenario": "neutral"})
    assert not at.exception, [e.value for e in at.exception]
    assert (at.selectbox(key="compare_scenario").value, at.selectbox(key="compare_against").value) == (
        "neutral",
        "base",
    )
    at = open_with({"scenario": "neutral", "against": "fewer-wins"})
    assert (at.selectbox(key="compare_scenario").value, at.selectbox(key="compare_against").value) == (
        "neutral",
        "fewer-wins",
    )
    at.selectbox(key="compare_scenario").select("fewer-wins").run()  # the choice goes back to the address bar
    assert at.query_params["scenario"] == "fewer-wins" and at.query_params["against"] == "fewer-wins"


def test_an_unknown_name_in_the_link_says_which_names_are_known(app_warehouse):
    at = open_with({"scenario": "nope"})
    assert not at.exception, [e.value for e in at.exception]
    warnings = [shown(w.value) for w in at.warning]
    assert len(warnings) == 1 and "\n" not in warnings[0]
    assert "scenario=nope" in warnings[0] and "known: base, fewer-wins, neutral" in warnings[0]
    assert at.selectbox(key="compare_scenario").value == "fewer-wins"  # the default is shown instead


def chart_traces(at) -> list[dict]:
    import json

    return [trace for chart in at.get("plotly_chart") for trace in json.loads(chart.proto.spec)["data"]]


def test_scenario_against_scenario_shows_the_paired_delta(app_warehouse, warehouse):
    from forecasting.scenarios.compare import FIRM, compare

    at = open_page()
    at.selectbox(key="compare_scenario").select("fewer-wins")
    at.selectbox(key="compare_against").select("neutral").run()
    assert not at.exception, [e.value for e in at.exception]
    con = duckdb.connect(str(warehouse.work_db), read_only=True)
    try:
        expected = compare(con, "neutral", "fewer-wins").horizon
    finally:
        con.close()
    firm = expected.filter(expected["practice"] == FIRM).row(0, named=True)
    metric = [m for m in at.metric if shown(m.label) == "fewer-wins (horizon)"][0]
    assert shown(metric.delta) == f"-${abs(firm['delta_mean']):,.0f}"
    assert f"${abs(firm['delta_p10']):,.0f}" in metric.help and f"${firm['delta_p90']:,.0f}" in metric.help
    assert not at.info or not any("random numbers" in i.value for i in at.info)  # paired: no note
    names = [t.get("name") for t in chart_traces(at)]
    assert "neutral p50" in names and "fewer-wins p50" in names and "neutral p10-p90" in names
    assert "p10-p90 of the paired difference" in names and "B - A (mean)" in names
    layouts = [json.loads(c.proto.spec)["layout"] for c in at.get("plotly_chart")]
    assert all(layout["yaxis"]["tickprefix"] == "$" for layout in layouts)  # money axis, reporting currency


def test_a_scenario_with_another_seed_says_so_and_has_no_band(app_warehouse):
    at = open_page()
    at.radio(key="scenario_source").set_value("Paste YAML").run()
    at.text_area(key="scenario_yaml").input("name: seven\nseed: 7\nwin_probability: [{multiplier: 0.9}]").run()
    [b for b in at.button if b.key == "run-scenario"][0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert (at.selectbox(key="compare_scenario").value, at.selectbox(key="compare_against").value) == ("seven", "base")
    notes = [shown(i.value) for i in at.info if "random numbers" in i.value]
    assert notes == [
        "Not paired: seven and base did not draw the same random numbers (seed 5 vs 7), "
        "so this is the difference of their means, without a band."
    ]
    names = [t.get("name") for t in chart_traces(at)]
    assert "B - A (mean)" in names and "p10-p90 of the paired difference" not in names
    metric = [m for m in at.metric if shown(m.label) == "seven (horizon)"][0]
    assert metric.help.startswith("No band")
