"""The dashboard on a warehouse really built by the pipeline (simulator → ingest → dbt → forecast → backtest →
publish): every page renders, and the Overview's headline figures equal independent SQL on the real marts.

Slow (a dbt build): marked `slow`, skipped by `make test-fast`.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from app_helpers import PAGE_FILES, metric, money_value, no_exception, open_page, percent_value

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("app-real-warehouse")]

AS_OF = dt.date(2026, 10, 31)


@pytest.fixture(scope="module")
def real_warehouse(tmp_path_factory):
    import forecasting
    import simulator as demo
    from ingest.files import ingest_files
    from wipcast.publish import publish
    from wipcast.settings import load_settings
    from wipcast.transform import dbt_build
    from wipcast.warehouse import new_run_id

    root = tmp_path_factory.mktemp("real")
    settings = load_settings({"warehouse_dir": str(root / "warehouse")})
    demo.generate(root / "data", employees=20, months=14, as_of=AS_OF, seed=7)
    run_id = new_run_id()
    ingest_files(settings, root / "data", run_id)
    dbt_build(settings, run_id)
    forecasting.run_forecast(settings, run_id, draws=200, seed=1)
    forecasting.run_backtest(settings, new_run_id(), "2026-07", "2026-08")
    publish(settings, run_id)
    return settings.warehouse_dir


@pytest.fixture
def real_sql(real_warehouse):
    def scalar(statement: str, params=()):
        con = duckdb.connect(str(real_warehouse / "wipcast.duckdb"), read_only=True)
        try:
            return con.execute(statement, list(params)).fetchall()[0][0]
        finally:
            con.close()

    return scalar


@pytest.mark.parametrize("title", list(PAGE_FILES))
def test_every_page_renders_on_a_really_built_warehouse(title, real_warehouse, use_warehouse):
    use_warehouse(real_warehouse)
    at = open_page(title)
    no_exception(at)
    assert [t.value for t in at.title] == [title]
    assert at.metric, f"{title} shows no key figure"


def test_overview_headlines_equal_sql_on_the_real_marts(real_warehouse, use_warehouse, real_sql):
    use_warehouse(real_warehouse)
    at = open_page("Overview")
    no_exception(at)
    as_of = real_sql("select max(as_of_date) from marts.mart_unbilled_exposure")
    assert as_of == AS_OF  # the simulated history ends on the as-of date; the weeks below depend on it
    ytd = real_sql(
        "select sum(earned_revenue_reporting) from marts.mart_revenue_monthly where month_start between ? and ?",
        [dt.date(as_of.year, 1, 1), as_of.replace(day=1)],
    )
    assert money_value(metric(at, "Revenue year to date").value) == pytest.approx(float(ytd), abs=0.5)
    unbilled = real_sql("select sum(total_exposure_value_reporting) from marts.mart_unbilled_exposure")
    assert money_value(metric(at, "Unbilled exposure").value) == pytest.approx(float(unbilled), abs=1)
    # The latest forecast run: actuals (deterministic) plus the p50 of the summed draws of the year.
    run_id = real_sql(
        "select run_id from forecast.runs where json_extract_string(parameters, '$.kind') = 'forecast' "
        "order by created_at desc limit 1"
    )
    run_year = real_sql("select year(as_of_date) from forecast.runs where run_id = ?", [run_id])
    p50 = real_sql(
        """
        select (select coalesce(sum(mean), 0) from forecast.revenue_forecast
                where run_id = $1 and component = 'actual' and year(month) = $2)
             + (select quantile_cont(t, 0.5) from (select draw, sum(value) t from forecast.revenue_forecast_draws
                where run_id = $1 and year(month) = $2 group by draw))""",
        [run_id, run_year],
    )
    assert money_value(metric(at, f"Full-year {run_year} outlook (p50)").value) == pytest.approx(p50, abs=0.5)
    utilization = real_sql(
        "select sum(billable_hours) / sum(capacity_hours) from marts.mart_utilization_weekly "
        "where week_start between date '2026-09-28' and date '2026-10-19'"
    )  # hand-derived for 31 Oct 2026
    assert percent_value(metric(at, "Utilization, last 4 weeks").value) == pytest.approx(utilization, abs=0.0005)


def test_the_rows_behind_the_tiles_sum_to_them_on_the_real_marts(real_warehouse, use_warehouse, real_sql):
    """The detail tables list the rows the marts count: on a real build they sum to the marts' figures."""
    from app import data

    use_warehouse(real_warehouse)
    everything = data.Filters()
    exposure = data.exposure_rows(everything)
    total = real_sql("select sum(total_exposure_value_reporting) from marts.mart_unbilled_exposure")
    assert exposure["total"].sum() == pytest.approx(float(total), abs=1)
    # Time and materials: the billable entries as int_finance_time_entries classifies them, valued at the
    # project's as-of-month rate, sum to the mart's T&M exposure (approved + pending + at risk + over cap).
    entries = data.unbilled_time_entries(everything)
    tm = real_sql(
        "select coalesce(sum((approved_unbilled_value + pending_approval_value + at_risk_after_close_value "
        "+ over_cap_value) * fx_rate_to_reporting), 0) from marts.mart_unbilled_exposure u "
        "join marts.dim_project p using (project_id) where p.billing_type = 'time_and_materials'"
    )
    assert entries["value"].sum() == pytest.approx(float(tm), rel=0.001, abs=1)
    no_rate = entries.loc[entries["exposure_class"] == "at risk (no bill rate)", "hours"].sum()
    mart_no_rate = real_sql("select coalesce(sum(at_risk_missing_rate_hours), 0) from marts.mart_unbilled_exposure")
    assert no_rate == pytest.approx(float(mart_no_rate), abs=0.01)
    over_90 = data.receivable_rows(everything, over_days=90)
    mart_over_90 = real_sql(
        "select coalesce(sum(open_amount_reporting), 0) from marts.mart_receivables "
        "where open_amount_reporting > 0 and days_past_due > 90"
    )
    assert over_90["open_amount"].sum() == pytest.approx(float(mart_over_90), abs=0.5)


def test_reconciliation_page_shows_the_marts_figures(real_warehouse, use_warehouse, real_sql):
    """The Reconciliation page on a real build: its tiles equal SQL on the reconciliation marts, and the
    demo firm's planted discrepancies are there to show (open exceptions, overdue unposted time)."""
    from app_helpers import APP_SCRIPT
    from streamlit.testing.v1 import AppTest

    use_warehouse(real_warehouse)
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=60).run()
    at.switch_page("app_pages/reconciliation.py").run()
    no_exception(at)
    assert [t.value for t in at.title] == ["Reconciliation"]
    unposted = real_sql(
        "select coalesce(sum(entry_value_reporting), 0) from marts.mart_unposted_approved_time where is_overdue"
    )
    assert unposted > 0  # the simulator plants approved time the ERP never received
    assert money_value(metric(at, "Approved time not posted (overdue)").value) == pytest.approx(float(unposted), abs=1)
    open_count = real_sql("select count(*) from marts.fct_sync_exceptions where is_open")
    assert open_count > 0
    assert int(metric(at, "All open exceptions").value.replace(",", "")) == open_count
    old = real_sql("select count(*) from marts.fct_sync_exceptions where is_open and age_days > 30")
    assert int(metric(at, "Open exceptions over 30 days").value.replace(",", "")) == old
    # the close-control table and both drill tables are drawn, each with its download
    assert len(at.dataframe) >= 3
