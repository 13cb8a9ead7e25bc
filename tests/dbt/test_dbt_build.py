"""dbt build on a hand-made small firm: models, data tests and unit tests pass, and the marts
hold the numbers computed by hand in raw_fixture.small_firm_rows()."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from wipcast.contract import ENTITIES, WAREHOUSE_TYPES

pytestmark = pytest.mark.slow


def query(db_path, sql):
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def check_build_runs_models_data_tests_and_unit_tests(built):
    db_path, dbt = built
    results = json.loads((dbt.work_dir / "target" / "run_results.json").read_text())["results"]
    kinds = {r["unique_id"].split(".")[0] for r in results}
    assert {"model", "test", "unit_test", "snapshot"} <= kinds
    assert all(r["status"] in ("success", "pass") for r in results), [
        (r["unique_id"], r["status"]) for r in results if r["status"] not in ("success", "pass")
    ]
    # the as-of date defaults to the latest activity: the payment on 15 July 2024; the data starts
    # with the first time entries on 17 June 2024 (the invoice is dated 30 June)
    assert query(db_path, "select as_of_date from intermediate.int_as_of") == [(dt.date(2024, 7, 15),)]
    assert query(db_path, "select * from marts.dim_as_of") == [
        (dt.date(2024, 7, 15), "latest activity", dt.date(2024, 6, 17), dt.date(2024, 7, 15))
    ]


def check_staging_and_union_views_carry_the_contract_columns_in_their_types(built):
    db_path, _ = built
    for e in ENTITIES:
        contract_columns = [(c.name, WAREHOUSE_TYPES[c.type]) for c in e.columns]
        for schema, view, extra in (
            ("staging", f"stg_canonical__{e.name}", ("loaded_at", "TIMESTAMP WITH TIME ZONE")),
            ("intermediate", f"int_{e.name}", ("source_system", "VARCHAR")),
        ):
            columns = query(
                db_path,
                "select column_name, data_type from information_schema.columns"
                f" where table_schema = '{schema}' and table_name = '{view}' order by ordinal_position",
            )
            # an entity whose contract has source_system keeps it in place of the union's own
            expected = contract_columns + ([] if extra[0] in e.column_names else [extra])
            assert columns == expected, view


def check_bill_rates_from_each_source_and_currency_conversion(built):
    db_path, _ = built
    rows = query(
        db_path,
        """
        select time_entry_id, rate_source, resolved_bill_rate, bill_value, bill_value_reporting
        from marts.fct_time_entries where time_entry_id in ('TE1', 'TE2', 'TE5', 'TE6', 'TE7')
        order by time_entry_id""",
    )
    te1, te2, te5, te6, te7 = rows
    assert te1[1:] == ("project_card", 150.0, 1200, 1200)
    assert te2[1:] == ("entry", 175.0, 1400, 1400)
    # firm card 200 USD at June's average GBP rate (1.25 + 1.27) / 2 = 1.26 -> 158.730159 GBP/h
    assert te5[1] == "firm_card"
    assert te5[2] == pytest.approx(200 / 1.26, abs=1e-6)
    assert float(te5[3]) == pytest.approx(7.5 * 200 / 1.26, abs=1e-4)
    assert float(te5[4]) == pytest.approx(1500.0, abs=1e-4)
    assert te6[1:] == ("missing", None, None, None)
    # July has no GBP rate: the latest earlier one (1.27) applies
    assert float(te7[4]) == pytest.approx(160 * 8 * 1.27, abs=1e-4)


def check_utilization_in_the_juneteenth_week(built):
    db_path, _ = built
    rows = query(
        db_path,
        """
        select employee_id, working_days, capacity_hours, billable_hours, non_billable_hours,
               planned_hours, billable_utilization, planned_utilization, bench_hours
        from marts.mart_utilization_weekly where week_start = date '2024-06-17' order by employee_id""",
    )
    by_emp = {r[0]: r[1:] for r in rows}
    # Ann: 4 NA working days x 40 / 5 = 32; billable approved 8 + submitted 8 (rejected, draft out)
    assert by_emp["EMP1"] == (4, 32.0, 16.0, 4.0, 24.0, 0.5, 0.75, 16.0)
    # Bob (UK, no holiday): 40 capacity, 7.5 billable, 40 planned (8 h x 5 days)
    assert by_emp["EMP2"] == (5, 40.0, 7.5, 0.0, 40.0, 0.1875, 1.0, 32.5)
    # Cy hired on the holiday: Thu + Fri -> 32 x 2 / 5 = 12.8; 6 billable
    assert by_emp["EMP3"] == (2, 12.8, 6.0, 0.0, 0.0, 0.46875, 0.0, 6.8)


def check_resource_plan_skips_holidays_except_for_placeholders(built):
    db_path, _ = built
    rows = query(
        db_path,
        """
        select assignment_id, week_start, planned_days, planned_hours, is_placeholder
        from marts.fct_resource_plan_weekly order by 1, 2""",
    )
    assert rows == [
        ("A1", dt.date(2024, 6, 17), 4, 24.0, False),
        ("A1", dt.date(2024, 6, 24), 5, 30.0, False),
        ("A2", dt.date(2024, 6, 17), 5, 20.0, True),
        ("A3", dt.date(2024, 6, 17), 5, 40.0, False),
    ]


def check_pipeline_in_reporting_currency(built):
    db_path, _ = built
    row = query(
        db_path,
        """
        select amount_reporting, weighted_amount_reporting, age_days, is_open
        from marts.mart_pipeline where opportunity_id = 'O2'""",
    )[0]
    assert (float(row[0]), float(row[1]), row[2], row[3]) == (1270.0, 635.0, 44, True)
    # a won deal's age stops at its close date: 1 to 30 April
    assert query(db_path, "select age_days from marts.mart_pipeline where opportunity_id = 'O1'") == [(29,)]


def check_every_mart_column_is_documented(built):
    _, dbt = built
    manifest = json.loads((dbt.work_dir / "target" / "manifest.json").read_text())
    mine = {
        "dim_date",
        "dim_customer",
        "dim_project",
        "dim_employee",
        "dim_entity",
        "fct_time_entries",
        "fct_resource_plan_weekly",
        "mart_utilization_weekly",
        "mart_pipeline",
    }
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["name"] in mine:
            assert node["config"]["contract"]["enforced"], node["name"]
            assert node["description"].strip(), node["name"]
            undocumented = [c for c, v in node["columns"].items() if not v.get("description", "").strip()]
            assert not undocumented, (node["name"], undocumented)
            mine.discard(node["name"])
    assert not mine, f"marts missing from the project: {mine}"


# The checks below change the warehouse or dbt's vars (each var change re-parses the project,
# which is the slow part), so they run last and in this order.


def check_source_freshness_reads_the_dlt_load_time(built):
    _, dbt = built
    dbt("source", "freshness")  # fails if loaded_at_field cannot be evaluated or data is stale
    sources = json.loads((dbt.work_dir / "target" / "sources.json").read_text())["results"]
    assert {r["unique_id"].split(".")[-1]: r["status"] for r in sources} == {"time_entries": "pass", "invoices": "pass"}


def check_docs_generate_succeeds(built):
    _, dbt = built
    dbt("docs", "generate")
    catalog = json.loads((dbt.work_dir / "target" / "catalog.json").read_text())
    assert "model.wipcast.mart_utilization_weekly" in catalog["nodes"]


def check_snapshot_keeps_the_superseded_plan(built):
    db_path, dbt = built
    con = duckdb.connect(str(db_path))
    try:
        con.execute("""update raw_canonical.assignments set hours_per_week = 20,
                       updated_at = timestamptz '2024-07-05 09:00:00+00' where assignment_id = 'A1'""")
    finally:
        con.close()
    dbt(
        "build",
        "-s",
        "assignments_snapshot",
        "int_assignment_plan_versions",
        "--exclude-resource-type",
        "test",
        "unit_test",
    )
    rows = query(
        db_path,
        """
        select plan_date, hours_per_week from intermediate.int_assignment_plan_versions
        where assignment_id = 'A1' order by plan_date""",
    )
    # the plan as it stood at the end of June kept 30 h/week; the current plan (as of 15 July) has 20
    assert rows == [(dt.date(2024, 6, 30), 30.0), (dt.date(2024, 7, 15), 20.0)]
    versions = query(db_path, "select count(*) from snapshots.assignments_snapshot where assignment_id = 'A1'")
    assert versions == [(2,)]


def check_bad_as_of_is_a_clear_error(built):
    _, dbt = built
    result = dbt("run", "-s", "int_as_of", "--vars", "{as_of: '30/06/2024'}", check=False)
    assert result.returncode != 0
    assert "var as_of must be a date YYYY-MM-DD" in result.stdout


def check_bad_history_vars_are_clear_errors(built):
    _, dbt = built
    for given, said in (
        ("{history_closes: 'two'}", "var history_closes must be a whole number of month ends (0 or more), got 'two'"),
        ("{history_as_of_dates: ['2024-6-30']}", "var history_as_of_dates must list dates YYYY-MM-DD, got '2024-6-30'"),
    ):
        result = dbt("run", "-s", "int_as_of_dates", "--vars", given, check=False)
        assert result.returncode != 0
        assert said in result.stdout


def check_as_of_override_moves_point_in_time_values(built):
    db_path, dbt = built
    dbt("run", "-s", "int_as_of", "int_calendar", "mart_pipeline", "--vars", "{as_of: '2024-06-30'}")
    assert query(db_path, "select as_of_date from intermediate.int_as_of") == [(dt.date(2024, 6, 30),)]
    rows = query(
        db_path, "select as_of_date, amount_reporting, age_days from marts.mart_pipeline where opportunity_id = 'O2'"
    )
    # June's GBP average 1.26 -> 1260; 29 days from 1 to 30 June
    assert rows == [(dt.date(2024, 6, 30), 1260, 29)]


def test_dbt_build_on_the_small_firm(small_warehouse):
    """One dbt build, then every check in order. A single test on purpose: the checks share one
    warehouse (a build costs most of the time) and the last ones mutate it, so they must not be
    spread over xdist workers."""
    db_path, dbt = small_warehouse
    dbt("build")
    built = (db_path, dbt)
    check_build_runs_models_data_tests_and_unit_tests(built)
    check_staging_and_union_views_carry_the_contract_columns_in_their_types(built)
    check_bill_rates_from_each_source_and_currency_conversion(built)
    check_utilization_in_the_juneteenth_week(built)
    check_resource_plan_skips_holidays_except_for_placeholders(built)
    check_pipeline_in_reporting_currency(built)
    check_every_mart_column_is_documented(built)
    check_source_freshness_reads_the_dlt_load_time(built)
    check_docs_generate_succeeds(built)
    check_snapshot_keeps_the_superseded_plan(built)
    check_bad_as_of_is_a_clear_error(built)
    check_bad_history_vars_are_clear_errors(built)
    check_as_of_override_moves_point_in_time_values(built)
