"""Every page renders on a published warehouse, and its headline figures equal independent SQL on the marts.

Dates below are worked out by hand from the fixture's as-of date, Saturday 31 October 2026:
- year to date = months January to October 2026;
- the last four complete ISO weeks start on Mondays 28 Sep, 5 Oct, 12 Oct and 19 Oct 2026;
- the next twelve weeks start on Monday 2 November 2026 and end with the week of 18 January 2027;
- the forecast made "3 months before" is the run as of 31 July 2026, compared over August-October 2026.
"""

from __future__ import annotations

import pytest
from app_helpers import APP_SCRIPT, PAGE_FILES, metric, money_value, no_exception, open_page, percent_value

LATEST_RUN = "run-202610"
YTD_SQL = """
    select sum(r.earned_revenue_reporting) from marts.mart_revenue_monthly r
    join marts.dim_project p using (project_id)
    where r.month_start between date '2026-01-01' and date '2026-10-01' and list_contains(?, p.practice)
"""
ALL_PRACTICES = ["Cloud", "Data", "Strategy"]
UTILIZATION_SQL = """
    select sum(u.billable_hours) / sum(u.capacity_hours) from marts.mart_utilization_weekly u
    join marts.dim_employee e using (employee_id)
    where u.week_start in (date '2026-09-28', date '2026-10-05', date '2026-10-12', date '2026-10-19')
      and list_contains(?, e.practice)
"""
UNBILLED_SQL = """
    select sum(total_exposure_value_reporting)
    from marts.mart_unbilled_exposure u join marts.dim_project p using (project_id)
    where list_contains(?, p.practice)
"""
# The actual months are deterministic and kept out of the draws: p50(actual + draws) = actual + p50(draws).
OUTLOOK_P50_SQL = """
    select (select sum(mean) from forecast.revenue_forecast where run_id = $1 and component = 'actual'
              and year(month) = 2026 and list_contains($2, practice))
         + (select quantile_cont(total, 0.5) from (
              select draw, sum(value) as total from forecast.revenue_forecast_draws
              where run_id = $1 and month between date '2026-01-01' and date '2026-12-01'
                and list_contains($2, practice) group by draw))
"""


@pytest.fixture(autouse=True)
def _published(use_warehouse, warehouse_dir):
    use_warehouse(warehouse_dir)


@pytest.mark.parametrize("title", list(PAGE_FILES))
def test_every_page_renders_with_its_title_and_no_exception(title):
    at = open_page(title)
    no_exception(at)
    assert [t.value for t in at.title] == [title]
    assert len(at.metric) >= 1, "every page leads with key figures"


def test_overview_headline_figures_equal_sql_on_the_marts(sql):
    at = open_page("Overview")
    no_exception(at)
    assert money_value(metric(at, "Revenue year to date").value) == pytest.approx(
        sql(YTD_SQL, [ALL_PRACTICES]), abs=0.5
    )
    assert money_value(metric(at, "Full-year 2026 outlook (p50)").value) == pytest.approx(
        sql(OUTLOOK_P50_SQL, [LATEST_RUN, ALL_PRACTICES]), abs=0.5
    )
    # Display rounds to whole dollars and the mart's total is rounded to cents per row: within $1.
    assert money_value(metric(at, "Unbilled exposure").value) == pytest.approx(
        sql(UNBILLED_SQL, [ALL_PRACTICES]), abs=1
    )
    assert percent_value(metric(at, "Utilization, last 4 weeks").value) == pytest.approx(
        sql(UTILIZATION_SQL, [ALL_PRACTICES]), abs=0.0005
    )
    target = sql(
        "select sum(target_amount) from marts.mart_revenue_vs_target "
        "where month_start between date '2026-01-01' and date '2026-10-01'"
    )
    ytd = sql(YTD_SQL, [ALL_PRACTICES])
    assert metric(at, "Revenue year to date").delta == f"{(ytd - target) / target:+.1%} vs target"
    year_target = sql("select sum(target_amount) from marts.mart_revenue_vs_target where year(month_start) = 2026")
    outlook = sql(OUTLOOK_P50_SQL, [LATEST_RUN, ALL_PRACTICES])
    assert (
        metric(at, "Full-year 2026 outlook").delta
        == f"{(outlook - year_target) / year_target:+.1%} vs full-year target"
    )


def test_overview_practice_filter_changes_every_headline_consistently(sql):
    at = open_page("Overview")
    totals = {label: money_value(metric(at, label).value) for label in ("Revenue year to date", "Unbilled exposure")}
    by_practice = {label: 0.0 for label in totals}
    for practice in ALL_PRACTICES:
        at.multiselect(key="filter_practice").set_value([practice]).run()
        no_exception(at)
        ytd = money_value(metric(at, "Revenue year to date").value)
        unbilled = money_value(metric(at, "Unbilled exposure").value)
        assert ytd == pytest.approx(sql(YTD_SQL, [[practice]]), abs=0.5)
        assert unbilled == pytest.approx(sql(UNBILLED_SQL, [[practice]]), abs=1)
        assert money_value(metric(at, "Full-year 2026 outlook").value) == pytest.approx(
            sql(OUTLOOK_P50_SQL, [LATEST_RUN, [practice]]), abs=0.5
        )
        assert percent_value(metric(at, "Utilization, last 4 weeks").value) == pytest.approx(
            sql(UTILIZATION_SQL, [[practice]]), abs=0.0005
        )
        assert 0 < ytd < totals["Revenue year to date"]
        by_practice["Revenue year to date"] += ytd
        by_practice["Unbilled exposure"] += unbilled
    # The practices partition the firm: the filtered figures add back up to the unfiltered ones.
    for label, total in totals.items():
        assert by_practice[label] == pytest.approx(total, abs=2)


def test_overview_entity_filter_has_no_target_and_says_why(sql):
    at = open_page("Overview")
    at.multiselect(key="filter_entity").set_value(["E1"]).run()
    no_exception(at)
    ytd = sql("""select sum(r.earned_revenue_reporting) from marts.mart_revenue_monthly r
                 join marts.dim_project p using (project_id)
                 where r.month_start between date '2026-01-01' and date '2026-10-01' and p.entity_id = 'E1'""")
    assert money_value(metric(at, "Revenue year to date").value) == pytest.approx(ytd, abs=0.5)
    assert not metric(at, "Revenue year to date").delta
    assert any("practice and region only" in c.value for c in at.caption)


def test_overview_lists_the_ten_largest_risks_in_order(sql):
    at = open_page("Overview")
    risks = at.dataframe[-1].value
    assert len(risks) == 10
    assert list(risks["money_at_stake"]) == sorted(risks["money_at_stake"], reverse=True)
    # Overdue milestones are kept in the project currency: shown at the as-of month's rate.
    for row in risks.itertuples():
        overdue = sql(
            "select overdue_milestone_amount * fx_rate_to_reporting from marts.mart_project_financials "
            "where project_id = ?",
            [row.id],
        )
        assert row.overdue_milestones == pytest.approx(overdue, abs=0.01)
    assert (risks["overdue_milestones"] > 0).any()


def test_forecast_page_figures_equal_sql(sql):
    at = open_page("Forecast")
    no_exception(at)
    booked = sql(
        """select sum(mean) from forecast.revenue_forecast where run_id = ? and month >= date '2026-11-01'
                    and component in ('booked_time_and_materials', 'booked_fixed_fee', 'milestone', 'retainer')""",
        [LATEST_RUN],
    )
    assert money_value(metric(at, "Booked work").value) == pytest.approx(booked, abs=0.5)
    p50 = sql(
        """select quantile_cont(total, 0.5) from (select draw, sum(value) total
                 from forecast.revenue_forecast_draws where run_id = ? and month >= date '2026-11-01' group by draw)""",
        [LATEST_RUN],
    )
    assert money_value(metric(at, "Revenue Nov 2026–Oct 2027 (p50)").value) == pytest.approx(p50, abs=0.5)
    pipeline = sql(
        "select sum(mean) from forecast.revenue_forecast where run_id = ? and component = 'pipeline'", [LATEST_RUN]
    )
    assert money_value(metric(at, "Pipeline").value) == pytest.approx(pipeline, abs=0.5)


def test_forecast_groupings_and_project_drill_down_render(sql):
    at = open_page("Forecast")
    for group in ("region", "customer_id", "entity_id"):
        at.segmented_control(key="forecast_group").set_value(group).run()
        no_exception(at)
    at.selectbox(key="forecast_project").set_value("P002").run()
    no_exception(at)
    remaining = sql("select remaining_planned_hours from marts.mart_project_financials where project_id = 'P002'")
    assert metric(at, "Remaining planned hours").value == f"{remaining:,.0f} h"


def test_variance_compares_actuals_with_the_forecast_made_three_months_before(sql):
    at = open_page("Variance")
    no_exception(at)
    actual = sql(
        "select sum(earned_revenue_reporting) from marts.mart_revenue_monthly "
        "where month_start between date '2026-08-01' and date '2026-10-01'"
    )
    forecast = sql(
        "select sum(mean) from forecast.revenue_forecast where run_id = 'run-202607' "
        "and component <> 'actual' and month between date '2026-08-01' and date '2026-10-01'"
    )
    assert money_value(metric(at, "Actual earned revenue").value) == pytest.approx(actual, abs=0.5)
    assert money_value(metric(at, "Forecast made 31 Jul 2026").value) == pytest.approx(forecast, abs=0.5)
    assert money_value(metric(at, "Variance to forecast").value) == pytest.approx(actual - forecast, abs=1)
    # The bridge's steps add up from the forecast to the actual.
    bridge = next(df.value for df in at.dataframe if "component" in df.value.columns)
    assert bridge["variance"].sum() == pytest.approx(actual - forecast, abs=1)

    at.segmented_control(key="variance_months").set_value(1).run()
    no_exception(at)
    october = sql(
        "select sum(earned_revenue_reporting) from marts.mart_revenue_monthly where month_start = date '2026-10-01'"
    )
    assert money_value(metric(at, "Actual earned revenue").value) == pytest.approx(october, abs=0.5)
    assert metric(at, "Forecast made 30 Sep 2026")


def test_variance_can_compare_with_actuals_as_reported_at_each_close(sql):
    at = open_page("Variance")
    assert any("restated (everything known today)" in c.value for c in at.caption)
    at.segmented_control(key="variance_basis").set_value("as_reported").run()
    no_exception(at)
    reported = sql(
        "select sum(earned_revenue_reporting) from marts.mart_revenue_monthly_history "
        "where month_start between date '2026-08-01' and date '2026-10-01' and as_of_date = last_day(month_start)"
    )
    restated = sql(
        "select sum(earned_revenue_reporting) from marts.mart_revenue_monthly "
        "where month_start between date '2026-08-01' and date '2026-10-01'"
    )
    assert reported < restated  # the fixture's closes miss 5% approved later
    assert money_value(metric(at, "Actual earned revenue").value) == pytest.approx(reported, abs=0.5)
    assert any("as reported at each month's close" in c.value for c in at.caption)


def test_unbilled_page_figures_equal_sql_and_follow_the_customer_filter(sql):
    at = open_page("Unbilled exposure")
    no_exception(at)
    # The mart keeps project-currency values and the month's rate; the page shows the reporting currency.
    for label, amount in (
        ("Approved, unbilled", "approved_unbilled_value"),
        ("Pending approval", "pending_approval_value"),
        ("At risk", "at_risk_after_close_value + over_cap_value"),
    ):
        assert money_value(metric(at, label).value) == pytest.approx(
            sql(f"select sum(({amount}) * fx_rate_to_reporting) from marts.mart_unbilled_exposure"), abs=0.5
        )
    hours = sql("select sum(at_risk_missing_rate_hours) from marts.mart_unbilled_exposure")
    assert any(f"plus {hours:,.0f} h of billable time with no bill rate" in c.value for c in at.caption)
    open_ar = sql("select sum(open_amount_reporting) from marts.mart_receivables where open_amount_reporting > 0")
    assert money_value(metric(at, "Open receivables").value) == pytest.approx(open_ar, abs=0.5)

    at.multiselect(key="filter_customer").set_value(["C03"]).run()
    no_exception(at)
    c03 = sql("""select sum(total_exposure_value_reporting) from marts.mart_unbilled_exposure u
                 join marts.dim_project p using (project_id) where p.customer_id = 'C03'""")
    assert money_value(metric(at, "Unbilled exposure").value) == pytest.approx(c03, abs=1)
    for group in ("project_id", "entity_id"):
        at.segmented_control(key="unbilled_group").set_value(group).run()
        no_exception(at)


def test_utilization_page_figures_equal_sql(sql):
    at = open_page("Utilization")
    no_exception(at)
    assert percent_value(metric(at, "Billable utilization, last 4 weeks").value) == pytest.approx(
        sql(UTILIZATION_SQL, [ALL_PRACTICES]), abs=0.0005
    )
    planned = sql(
        "select sum(planned_hours) / sum(capacity_hours) from marts.mart_utilization_weekly "
        "where week_start between date '2026-11-02' and date '2027-01-18'"
    )
    assert percent_value(metric(at, "Planned utilization, next 12 weeks").value) == pytest.approx(planned, abs=0.0005)
    bench = sql(
        "select sum(greatest(capacity_hours - planned_hours, 0)) from marts.mart_utilization_weekly "
        "where week_start between date '2026-11-02' and date '2027-01-18'"
    )
    assert metric(at, "Bench hours, next 12 weeks").value == f"{bench:,.0f} h"
    at.multiselect(key="filter_region").set_value(["NA"]).run()
    no_exception(at)
    na = sql("""select sum(u.billable_hours) / sum(u.capacity_hours) from marts.mart_utilization_weekly u
                join marts.dim_employee e using (employee_id) where e.region = 'NA'
                and u.week_start between date '2026-09-28' and date '2026-10-19'""")
    assert percent_value(metric(at, "Billable utilization, last 4 weeks").value) == pytest.approx(na, abs=0.0005)


def test_accuracy_page_reports_the_backtest():
    at = open_page("Forecast accuracy")
    no_exception(at)
    # The fixture's WAPE for wipcast is 0.08 × (1 + h/12): horizons 1 and 3 average 0.08 × 14/12 = 9.33%.
    assert metric(at, "WAPE, horizons 1-3 months").value == "9.3%"
    assert metric(at, "Brier score").value == "0.170"
    assert metric(at, "80% interval coverage").value == "80.0%"


def test_data_health_page_shows_the_last_run_and_quarantine():
    at = open_page("Data health")
    no_exception(at)
    assert any("Run **R1**: success" in s.value for s in at.success)
    assert metric(at, "Rows in quarantine").value == "2"
    assert metric(at, "Data as of").value == "31 Oct 2026"
    # 15 marts (with the close history and the risk ranking) + 3 reconciliation marts + 6 forecast tables in the
    # fixture + the 2 variance attribution views analysts query like tables
    assert metric(at, "Published tables").value == "26"


def test_a_project_link_opens_that_projects_page():
    at = open_page("Overview")
    link = at.dataframe[-1].value["link"].iloc[0]  # the largest risk's "open" link
    project_id = link.split("project=")[1]
    at.query_params["project"] = project_id
    at.switch_page(PAGE_FILES["Project"]).run()
    no_exception(at)
    assert at.selectbox(key="project_page_project").value == project_id


def test_the_forecast_page_still_opens_a_projects_forecast_from_its_link():
    at = open_page("Overview")
    at.query_params["project"] = "P012"
    at.switch_page(PAGE_FILES["Forecast"]).run()
    no_exception(at)
    assert at.selectbox(key="forecast_project").value == "P012"


def test_choosing_an_earlier_forecast_run_changes_the_outlook_to_that_runs(sql):
    at = open_page("Overview")
    latest = money_value(metric(at, "Full-year 2026 outlook (p50)").value)
    at.selectbox(key="filter_run").set_value("run-202607").run()
    no_exception(at)
    earlier = money_value(metric(at, "Full-year 2026 outlook (p50)").value)
    assert earlier == pytest.approx(sql(OUTLOOK_P50_SQL, ["run-202607", ALL_PRACTICES]), abs=0.5)
    assert earlier != pytest.approx(latest, abs=0.5)
    assert any("forecast made as of **31 Jul 2026**" in c.value for c in at.caption)


def test_the_run_chooser_offers_forecast_runs_newest_first_and_no_backtest_summaries():
    at = open_page("Overview")
    options = at.selectbox(key="filter_run").options
    assert options[0].endswith("202610") and options[0].startswith("31 Oct 2026 · forecast")
    assert not any("summary" in o for o in options)
    assert len(options) == 7


def test_a_customer_filter_shows_the_mean_outlook_and_says_why_there_is_no_range(sql):
    at = open_page("Overview")
    at.multiselect(key="filter_customer").set_value(["C02"]).run()
    no_exception(at)
    mean = sql(
        "select sum(mean) from forecast.revenue_forecast where run_id = ? and year(month) = 2026 "
        "and customer_id = 'C02'",
        [LATEST_RUN],
    )
    assert money_value(metric(at, "Full-year 2026 outlook (mean)").value) == pytest.approx(mean, abs=0.5)
    assert any("not broken down by customer" in c.value for c in at.caption)


@pytest.mark.skipif(not (APP_SCRIPT.parent / "app_pages" / "scenarios.py").exists(), reason="no Scenarios page")
def test_the_scenarios_page_joins_the_navigation_and_renders():
    at = open_page("Overview")
    at.switch_page("app_pages/scenarios.py").run()
    no_exception(at)
    assert [t.value for t in at.title] == ["Scenarios"]
