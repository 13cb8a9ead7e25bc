"""Variance attribution in SQL (forecasting/variance_view.py): a worked example computed by hand, read
through the views directly, through the Variance page's query and through README query 10.

The warehouse: marts as of Saturday 31 October 2026; one forecast run "r-jul" as of 31 July 2026, so the
months it is compared over are August, September and October 2026 (after its as-of month, closed by
31 October). A later run "r-sep" (as of 30 September) has no forecast rows at all.

    r-jul's forecast (base scenario)          Aug   Sep   Oct | total   outside the months
    P1  booked_fixed_fee                      100   100   100 |   300
    P1  milestone                               .    50     . |    50   Nov 500 (not closed yet)
    O7  pipeline (no project yet)               .    80    80 |   160
    unplanned, Cloud (no project)              30    30    30 |    90
    P1  actual (the run's own history)                             Jul 95 (not a forecast)

    actual revenue, restated                  Aug   Sep   Oct | total
    P1  fixed fee, no opportunity              90   120   110 |   320   Jul 999 (r-jul's as-of month)
    P2  won from O7                             .    50    70 |   120
    P3  won from O9, which r-jul never had      .     .    40 |    40

    as reported at each close                 Aug   Sep   Oct | total
    P1 (Aug was 88 at the September close:     85   110   110 |   305
        not its own close, so not counted)
    P2                                          .    45    70 |   115
    P3                                          .     .    40 |    40

Attribution for r-jul: P1 was booked work with booked_fixed_fee 300 > milestone 50 (the November
milestone would make it 550 but that month has not closed), so P1's actuals count as booked_fixed_fee;
P2 came from O7, carried as pipeline: pipeline; P3's opportunity O9 was never forecast: unplanned.

    by component (restated)       forecast  actual  variance
    booked_fixed_fee                   300     320       +20   (90 + 120 + 110 = 320)
    milestone                           50       0       -50
    pipeline                           160     120       -40   (50 + 70 = 120)
    unplanned                           90      40       -50
    total                              600     480      -120

    as reported: booked_fixed_fee 300 / 305 / +5, milestone 50 / 0 / -50, pipeline 160 / 115 / -45,
    unplanned 90 / 40 / -50; total 600 / 460 / -140.

r-sep carried nothing, so all of its October actuals (110 + 70 + 40 = 220) are unplanned.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
from pathlib import Path

import duckdb
import pytest

from app import data
from app.queries.scope import Filters
from forecasting import store
from forecasting.variance_view import AS_REPORTED_VIEW, RESTATED_VIEW, VIEWS, view_sql

ROOT = Path(__file__).resolve().parents[2]
AUG, SEP, OCT, NOV, JUL = (dt.date(2026, m, 1) for m in (8, 9, 10, 11, 7))
RESTATED_BY_COMPONENT = {
    "booked_fixed_fee": (300.0, 320.0, 20.0),
    "milestone": (50.0, 0.0, -50.0),
    "pipeline": (160.0, 120.0, -40.0),
    "unplanned": (90.0, 40.0, -50.0),
}
AS_REPORTED_BY_COMPONENT = {
    "booked_fixed_fee": (300.0, 305.0, 5.0),
    "milestone": (50.0, 0.0, -50.0),
    "pipeline": (160.0, 115.0, -45.0),
    "unplanned": (90.0, 40.0, -50.0),
}

PROJECTS = [  # project_id, name, customer, entity, practice, billing type, opportunity
    ("P1", "Platform", "C1", "E1", "Cloud", "fixed_fee", None),
    ("P2", "Lakehouse", "C2", "E2", "Data", "time_and_materials", "O7"),
    ("P3", "Landing zone", "C2", "E1", "Cloud", "retainer", "O9"),
]
RESTATED = [("P1", JUL, 999), ("P1", AUG, 90), ("P1", SEP, 120), ("P1", OCT, 110), ("P2", SEP, 50), ("P2", OCT, 70)]
RESTATED += [("P3", OCT, 40)]
AS_REPORTED = [  # as_of_date, project, month, earned
    (dt.date(2026, 8, 31), "P1", AUG, 85),
    (dt.date(2026, 9, 30), "P1", AUG, 88),
    (dt.date(2026, 9, 30), "P1", SEP, 110),
    (dt.date(2026, 10, 31), "P1", OCT, 110),
    (dt.date(2026, 9, 30), "P2", SEP, 45),
    (dt.date(2026, 10, 31), "P2", OCT, 70),
    (dt.date(2026, 10, 31), "P3", OCT, 40),
]
P1 = ("P1", None, "C1", "Cloud", "EMEA", "E1")  # project, opportunity, customer, practice, region, entity
O7 = (None, "O7", "C2", "Data", "NA", "E2")
UNPLANNED = (None, None, None, "Cloud", "EMEA", "E1")
FORECAST = [  # month, series, component, mean
    *((m, P1, "booked_fixed_fee", 100) for m in (AUG, SEP, OCT)),
    (SEP, P1, "milestone", 50),
    (NOV, P1, "milestone", 500),
    (JUL, P1, "actual", 95),
    *((m, O7, "pipeline", 80) for m in (SEP, OCT)),
    *((m, UNPLANNED, "unplanned", 30) for m in (AUG, SEP, OCT)),
]


def build(path: Path, history: bool = True) -> Path:
    """The worked example's warehouse; its forecast tables and views made by the pipeline's own code."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema marts")
        con.execute("create table marts.dim_as_of as select date '2026-10-31' as as_of_date")
        con.execute("create table marts.dim_customer (customer_id varchar, customer_name varchar, region varchar)")
        con.execute("insert into marts.dim_customer values ('C1', 'Acme', 'EMEA'), ('C2', 'Globex', 'NA')")
        con.execute(
            "create table marts.dim_project (project_id varchar, project_name varchar, customer_id varchar, "
            "entity_id varchar, practice varchar, billing_type varchar, opportunity_id varchar)"
        )
        con.executemany("insert into marts.dim_project values (?, ?, ?, ?, ?, ?, ?)", PROJECTS)
        con.execute(
            "create table marts.mart_revenue_monthly (project_id varchar, month_start date, as_of_date date, "
            "earned_revenue_reporting decimal(18, 2))"
        )
        con.executemany(
            "insert into marts.mart_revenue_monthly values (?, ?, date '2026-10-31', ?)", [list(r) for r in RESTATED]
        )
        if history:
            con.execute(
                "create table marts.mart_revenue_monthly_history (as_of_date date, project_id varchar, "
                "month_start date, earned_revenue_reporting decimal(18, 2))"
            )
            con.executemany(
                "insert into marts.mart_revenue_monthly_history values (?, ?, ?, ?)", [list(r) for r in AS_REPORTED]
            )
        store.ensure_schema(con)
        for run_id, as_of in (("r-jul", dt.date(2026, 7, 31)), ("r-sep", dt.date(2026, 9, 30))):
            store.write_run(con, run_id, as_of, 12, {}, {"kind": "forecast"}, {})
        con.executemany(
            "insert into forecast.revenue_forecast values ('r-jul', 'base', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [m, pid, oid, cust, practice, region, entity, comp, mean, mean, mean, mean]
                for m, (pid, oid, cust, practice, region, entity), comp, mean in FORECAST
            ],
        )
    finally:
        con.close()
    return path


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("variance") / "wipcast.duckdb")


def rows(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def by_component(path: Path, view: str, run_id: str = "r-jul") -> dict[str, tuple[float, float, float]]:
    found = rows(
        path,
        f"select component, sum(forecast), sum(actual), sum(variance) from forecast.{view} "
        "where run_id = ? group by component",
        [run_id],
    )
    return {c: cents(f, a, v) for c, f, a, v in found}


def cents(*amounts: float) -> tuple[float, ...]:
    return tuple(round(float(x), 2) for x in amounts)


def views_in(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("select view_name from duckdb_views() where schema_name = 'forecast' order by 1").fetchall()


def test_each_projects_actuals_carry_the_component_the_earlier_forecast_gave_it(example):
    actual = rows(
        example,
        f"select project_id, month, component, actual, practice, region from forecast.{RESTATED_VIEW} "
        "where run_id = 'r-jul' and source = 'actual' order by project_id, month",
    )
    assert actual == [
        ("P1", AUG, "booked_fixed_fee", 90.0, "Cloud", "EMEA"),
        ("P1", SEP, "booked_fixed_fee", 120.0, "Cloud", "EMEA"),
        ("P1", OCT, "booked_fixed_fee", 110.0, "Cloud", "EMEA"),
        ("P2", SEP, "pipeline", 50.0, "Data", "NA"),
        ("P2", OCT, "pipeline", 70.0, "Data", "NA"),
        ("P3", OCT, "unplanned", 40.0, "Cloud", "NA"),
    ]
    # The forecast side: only the compared months, never the run's own `actual` rows or November.
    months = rows(example, f"select distinct month from forecast.{RESTATED_VIEW} where run_id = 'r-jul' order by 1")
    assert months == [(AUG,), (SEP,), (OCT,)]


def test_sums_by_component_are_the_hand_computed_ones_on_both_bases(example):
    assert by_component(example, RESTATED_VIEW) == RESTATED_BY_COMPONENT
    assert by_component(example, AS_REPORTED_VIEW) == AS_REPORTED_BY_COMPONENT
    totals = rows(
        example,
        f"select sum(forecast), sum(actual), sum(variance) from forecast.{RESTATED_VIEW} where run_id = 'r-jul'",
    )
    assert totals == [(600.0, 480.0, -120.0)]
    # A run that carried nothing: all of its compared month's actuals are unplanned.
    assert by_component(example, RESTATED_VIEW, "r-sep") == {"unplanned": (0.0, 220.0, 220.0)}


def test_the_variance_page_shows_the_views_numbers(example, use_warehouse):
    use_warehouse(example.parent)
    window = data.variance_window(dt.date(2026, 7, 31), data.actuals_as_of())
    assert window == (AUG, OCT)
    for basis, expected in ((data.RESTATED, RESTATED_BY_COMPONENT), (data.AS_REPORTED, AS_REPORTED_BY_COMPONENT)):
        result = data.variance(Filters(), "r-jul", *window, basis)
        bridge = {c: cents(f, a, v) for c, f, a, v in result["by_component"].itertuples(index=False) if f or a}
        assert bridge == expected
    result = data.variance(Filters(), "r-jul", *window)
    # By month: Aug 100 + 30 against 90; Sep 100 + 50 + 80 + 30 against 120 + 50; Oct 100 + 80 + 30 against
    # 110 + 70 + 40.
    by_month = result["by_month"]
    assert by_month["forecast"].tolist() == [130.0, 260.0, 210.0]
    assert by_month["actual"].tolist() == [90.0, 170.0, 220.0]
    # By project, largest variance first: P2 0 against 120 (its forecast was the opportunity's), P3 0 against
    # 40, P1 300 + 50 against 320.
    projects = result["by_project"][["id", "label", "forecast", "actual", "variance"]].values.tolist()
    assert projects == [
        ["P2", "Lakehouse", 0.0, 120.0, 120.0],
        ["P3", "Landing zone", 0.0, 40.0, 40.0],
        ["P1", "Platform", 350.0, 320.0, -30.0],
    ]
    # By practice: Cloud 350 + 90 against 320 + 40; Data 160 against 120.
    assert result["by_practice"].values.tolist() == [["Cloud", 440.0, 360.0, -80.0], ["Data", 160.0, 120.0, -40.0]]
    # The region filter: forecast rows by their own region, actuals by their customer's (P2 and P3 are NA).
    na = data.variance(Filters(regions=("NA",)), "r-jul", *window)["by_component"]
    assert {c: (f, a) for c, f, a, _ in na.itertuples(index=False) if f or a} == {
        "pipeline": (160.0, 120.0),
        "unplanned": (0.0, 40.0),
    }


def test_readme_query_10_gives_the_same_bridge(example):
    readme = (ROOT / "README.md").read_text()
    query = re.search(r"-- 10\. Variance by component.*?;", readme, flags=re.S)
    assert query is not None
    found = rows(example, query.group(0))
    assert {c: cents(f, a, v) for c, f, a, v in found} == RESTATED_BY_COMPONENT


def test_a_view_is_created_only_where_its_inputs_are(tmp_path):
    con = duckdb.connect(str(tmp_path / "empty.duckdb"))
    try:
        store.ensure_schema(con)  # forecast tables, no marts: nothing to compare with, no view
        assert views_in(con) == []
    finally:
        con.close()
    path = build(tmp_path / "no-history" / "wipcast.duckdb", history=False)
    con = duckdb.connect(str(path))
    try:
        assert views_in(con) == [(RESTATED_VIEW,)]
    finally:
        con.close()


def test_the_views_sql_is_portable():
    spec = importlib.util.spec_from_file_location("portability", ROOT / "tests" / "core" / "test_sql_portability.py")
    assert spec is not None and spec.loader is not None
    portability = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(portability)
    for name in VIEWS:
        sql = view_sql(name)
        assert portability.find_problems(sql) == [], name
        assert not re.search(r"group\s+by\s+all", sql, flags=re.I), name
