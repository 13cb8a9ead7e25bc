"""From a number to its rows, views in the URL, filters only where they apply, names that never merge, and a
contradictory filter said as such: AppTest on the hand-made fixture, each figure against independent SQL."""

from __future__ import annotations

import pytest
from app_fixture_warehouse import DUPLICATE_NAME
from app_helpers import APP_SCRIPT, PAGE_FILES, metric, money_value, no_exception, open_page, percent_value
from streamlit.testing.v1 import AppTest

from app import data

DATA_YTD_SQL = """
    select sum(r.earned_revenue_reporting) from marts.mart_revenue_monthly r join marts.dim_project p using (project_id)
    where r.month_start between date '2026-01-01' and date '2026-10-01' and p.practice = 'Data' and p.entity_id = 'E1'
"""


@pytest.fixture(autouse=True)
def _published(use_warehouse, warehouse_dir):
    use_warehouse(warehouse_dir)


def detail_total(at) -> float:
    """The total a detail section states above its table ('22 rows · total **$818,233**')."""
    lines = [m.value for m in at.markdown if " rows · total " in m.value]
    assert lines, [m.value for m in at.markdown]
    return money_value(lines[-1].split("total")[-1])


def frame_with(at, column: str):
    """The last dataframe on the page that has `column` (the detail tables come after the tiles)."""
    frames = [d.value for d in at.dataframe if column in d.value.columns]
    assert frames, [list(d.value.columns) for d in at.dataframe]
    return frames[-1]


def open_drill(at, name: str):
    at.button(key=f"drill-{name}").click().run()
    no_exception(at)
    assert at.query_params.get("drill") in (name, [name])
    return at


def test_a_link_with_filters_opens_the_same_view(sql):
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=60)
    at.query_params["practice"] = ["Data"]
    at.query_params["entity"] = "E1"
    at.run()
    no_exception(at)
    assert at.multiselect(key="filter_practice").value == ["Data"]
    assert at.multiselect(key="filter_entity").value == ["E1"]
    assert money_value(metric(at, "Revenue year to date").value) == pytest.approx(sql(DATA_YTD_SQL), abs=0.5)


def test_a_filter_chosen_is_written_to_the_url_and_kept_across_pages():
    at = open_page("Overview")
    at.multiselect(key="filter_practice").set_value(["Cloud"]).run()
    assert at.query_params.get("practice") in ("Cloud", ["Cloud"])
    at.switch_page(PAGE_FILES["Forecast accuracy"]).run()
    no_exception(at)
    assert len(at.multiselect) == 0, "global filters do not apply to backtest scores: none is drawn"
    at.switch_page(PAGE_FILES["Utilization"]).run()
    keys = [m.key for m in at.multiselect]
    assert "filter_customer" not in keys and "filter_practice" in keys
    assert at.multiselect(key="filter_practice").value == ["Cloud"]


def test_a_contradictory_combination_says_no_data_instead_of_zero_tiles():
    at = open_page("Overview")
    # Customer C01 is in EMEA: no project is in NA and C01, but people in NA are (customers do not apply to
    # them), so the money tiles say so and utilization stays.
    at.multiselect(key="filter_region").set_value(["NA"]).run()
    at.multiselect(key="filter_customer").set_value(["C01"]).run()
    no_exception(at)
    assert metric(at, "Revenue year to date").value == "—"
    assert metric(at, "Unbilled exposure").value == "—"
    assert metric(at, "Utilization, last 4 weeks").value.endswith("%")
    assert sum("No data for this combination" in c.value for c in at.caption) >= 4
    # The fixture's legal entity E1 has its projects and people in EMEA: with region NA nothing matches at all.
    at.multiselect(key="filter_customer").set_value([]).run()
    at.multiselect(key="filter_entity").set_value(["E1"]).run()
    no_exception(at)
    assert any("No data for this combination" in i.value for i in at.info)
    assert len(at.metric) == 0, [m.label for m in at.metric]


def test_the_overdue_receivables_tile_opens_its_invoices_and_they_sum_to_it(sql):
    at = open_drill(open_page("Overview"), "receivables_over_90")
    tile = money_value(metric(at, "Receivables > 90 days").value)
    expected = sql("select sum(open_amount_reporting) from marts.mart_receivables where days_past_due > 90")
    assert tile == pytest.approx(expected, abs=0.5)
    assert detail_total(at) == pytest.approx(tile, abs=1)
    invoices = frame_with(at, "days_past_due")
    assert (invoices["days_past_due"] > 90).all()
    assert len(invoices) == sql("select count(*) from marts.mart_receivables where days_past_due > 90")


def test_every_other_tile_opens_rows_that_sum_to_it(sql):
    """One page, one button after the other (each replaces the open detail): money tiles by their totals, the
    no-rate tile by hours, utilization by billable over capacity hours."""
    at = open_page("Overview")
    for drill, tile in (
        ("unbilled", "Unbilled exposure"),
        ("revenue_ytd", "Revenue year to date"),
        ("revenue_qtd", "Revenue quarter"),
    ):
        open_drill(at, drill)
        assert detail_total(at) == pytest.approx(money_value(metric(at, tile).value), abs=1), drill

    open_drill(at, "no_rate")
    hours = float(metric(at, "Billable time with no bill rate").value.split()[0].replace(",", ""))
    assert hours == sql("select sum(at_risk_missing_rate_hours) from marts.mart_unbilled_exposure")
    entries = frame_with(at, "exposure_class")
    assert entries["hours"].sum() == pytest.approx(hours)
    assert set(entries["exposure_class"]) == {"at risk (no bill rate)"}

    open_drill(at, "utilization")
    people = frame_with(at, "employee")
    assert people["billable"].sum() / people["capacity"].sum() == pytest.approx(
        percent_value(metric(at, "Utilization, last 4 weeks").value), abs=0.0005
    )


def test_the_time_entries_behind_the_exposure_sum_to_its_time_and_materials_part(sql):
    entries = data.unbilled_time_entries(data.Filters())
    tm = sql(
        "select sum((approved_unbilled_value + pending_approval_value + coalesce(at_risk_after_close_value, 0)"
        " + over_cap_value) * fx_rate_to_reporting) from marts.mart_unbilled_exposure u "
        "join marts.dim_project p using (project_id) where p.billing_type = 'time_and_materials'"
    )
    assert entries["value"].sum() == pytest.approx(tm, abs=0.5)
    # Rejected, non-billable and invoiced time is in no class.
    assert set(entries["exposure_class"]) <= {
        "approved, unbilled",
        "pending approval",
        "at risk (after close)",
        "at risk (no bill rate)",
    }
    over_90 = data.unbilled_time_entries(data.Filters(), bucket="over 90")
    rows = data.exposure_rows(data.Filters(), bucket="over 90")
    tm_rows = rows[rows["project_id"].isin(over_90["project_id"])]
    assert over_90["value"].sum() == pytest.approx(
        (tm_rows["approved_unbilled"] + tm_rows["pending_approval"] + tm_rows["at_risk"]).sum(), abs=0.5
    )


def test_two_projects_with_one_name_stay_two_everywhere():
    names = data.labels("project_id")
    assert names["P012"] == f"{DUPLICATE_NAME} (P012)" and names["P024"] == f"{DUPLICATE_NAME} (P024)"
    by_project = data.unbilled_by(data.Filters(), "project_id")
    assert by_project["label"].is_unique
    at = open_page("Unbilled exposure")
    at.segmented_control(key="unbilled_group").set_value("project_id").run()
    no_exception(at)
    table = next(d.value for d in at.dataframe if "label" in d.value.columns and "link" in d.value.columns)
    assert {f"{DUPLICATE_NAME} (P012)", f"{DUPLICATE_NAME} (P024)"} <= set(table["label"])


def test_the_practice_by_region_table_adds_up_to_the_year_to_date_figures(sql):
    at = open_page("Overview")
    table = frame_with(at, "attainment")
    assert len(table) == 6  # 3 practices x 2 regions
    ytd = sql(
        "select sum(earned_revenue_reporting) from marts.mart_revenue_monthly "
        "where month_start between date '2026-01-01' and date '2026-10-01'"
    )
    # As of 31 October the as-of month is complete (31/31), so the target is January to October in full.
    target = sql(
        "select sum(target_amount) from marts.mart_revenue_vs_target "
        "where month_start between date '2026-01-01' and date '2026-10-01'"
    )
    assert table["earned"].sum() == pytest.approx(ytd, abs=1)
    assert table["target"].sum() == pytest.approx(target, abs=1)
    assert money_value(metric(at, "Revenue year to date").value) == pytest.approx(table["earned"].sum(), abs=1)
