"""The Project page: one project's financials, exposure, forecast, time against plan, invoices and exceptions,
opened by id from the address bar; every figure checked against independent SQL on the hand-made fixture."""

from __future__ import annotations

import pytest
from app_fixture_warehouse import DUPLICATE_NAME
from app_helpers import APP_SCRIPT, PAGE_FILES, metric, money_value, no_exception
from streamlit.testing.v1 import AppTest

PROJECT = "P012"  # shares its name with P024: the chooser must say which


@pytest.fixture(autouse=True)
def _published(use_warehouse, warehouse_dir):
    use_warehouse(warehouse_dir)


def open_project(project_id: str) -> AppTest:
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=60).run()
    at.query_params["project"] = project_id
    at.switch_page(PAGE_FILES["Project"]).run()
    return at


def frame_with(at: AppTest, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_the_project_page_shows_the_projects_financials_and_exposure(sql):
    at = open_project(PROJECT)
    no_exception(at)
    assert at.selectbox(key="project_page_project").value == PROJECT
    assert at.selectbox(key="project_page_project").format_func(PROJECT) == f"{DUPLICATE_NAME} (P012)"
    for label, column in (
        ("Contract value", "contract_value_reporting"),
        ("Estimate at completion", "estimate_at_completion_reporting"),
        ("Margin at completion", "margin_at_completion_reporting"),
    ):
        expected = sql(f"select {column} from marts.mart_project_financials where project_id = ?", [PROJECT])
        assert money_value(metric(at, label).value) == pytest.approx(expected, abs=0.5), label
    # Unbilled exposure: approved unbilled + pending approval + contract asset, the mart keeping the project
    # currency with the as-of month's rate beside it.
    unbilled = sql(
        "select sum((approved_unbilled_value + pending_approval_value + contract_asset) * fx_rate_to_reporting) "
        "from marts.mart_unbilled_exposure where project_id = ?",
        [PROJECT],
    )
    assert money_value(metric(at, "Unbilled exposure").value) == pytest.approx(unbilled, abs=0.5)
    at_stake = sql("select money_at_stake from marts.mart_project_risks where project_id = ?", [PROJECT]) or 0.0
    assert money_value(metric(at, "Money at stake").value) == pytest.approx(at_stake, abs=0.5)


def test_time_invoices_and_forecast_are_the_projects_rows(sql):
    at = open_project(PROJECT)
    no_exception(at)
    time = frame_with(at, "bill_value")
    hour_columns = [c for c in time.columns if c.endswith("_hours") and c != "planned_hours"]
    worked = sql("select sum(hours) from marts.fct_time_entries where project_id = ?", [PROJECT])
    assert float(time[hour_columns].to_numpy().sum()) == pytest.approx(worked, abs=0.01)
    approved = sql(
        "select sum(hours) from marts.fct_time_entries where project_id = ? and approval_status = 'approved'", [PROJECT]
    )
    assert float(time["approved_hours"].sum()) == pytest.approx(approved, abs=0.01)
    invoices = frame_with(at, "open_amount")
    assert len(invoices) == sql("select count(*) from marts.mart_receivables where project_id = ?", [PROJECT])
    open_total = sql("select sum(open_amount_reporting) from marts.mart_receivables where project_id = ?", [PROJECT])
    assert float(invoices["open_amount"].sum()) == pytest.approx(open_total, abs=0.01)
    forecast = frame_with(at, "p50")
    run = at.selectbox(key="filter_run").value
    expected = sql(
        "select sum(mean) from forecast.revenue_forecast where run_id = ? and scenario_id = 'base' and project_id = ?",
        [run, PROJECT],
    )
    assert float(forecast["mean"].sum()) == pytest.approx(expected, abs=0.01)


def test_an_unknown_project_in_the_link_says_so_and_shows_another():
    at = open_project("P999")
    assert not at.exception, [e.value for e in at.exception]
    assert any("P999" in w.value for w in at.warning)
    assert at.selectbox(key="project_page_project").value != "P999"
    assert at.query_params["project"] == at.selectbox(key="project_page_project").value  # the link names it


def test_a_risk_link_opens_the_project_page_with_the_filters_kept():
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=60).run()
    at.multiselect(key="filter_practice").set_value(["Cloud"]).run()
    risks = next(d.value for d in at.dataframe if "money_at_stake" in d.value.columns)
    link = risks["link"].iloc[0]
    assert link.startswith("project?") and "practice=Cloud" in link and f"project={risks['id'].iloc[0]}" in link
    at.query_params["project"] = risks["id"].iloc[0]
    at.switch_page(PAGE_FILES["Project"]).run()
    no_exception(at)
    assert at.selectbox(key="project_page_project").value == risks["id"].iloc[0]
    assert at.title[0].value == "Project"
