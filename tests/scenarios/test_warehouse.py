"""Scenario runs in the warehouse: exact neutral reproduction, the scenario tables, compare, and the CLI."""

from __future__ import annotations

import duckdb
import pytest
from scenario_consts import AS_OF, DRAWS, SEED

from forecasting.scenarios.compare import FIRM, compare
from forecasting.scenarios.tables import scenario_list

# engine.prepare() is bit-reproducible (tests/forecasting/test_recognition_marts.py), so a neutral run
# stores exactly the base run's numbers. Deltas that DuckDB sums in SQL (compare) may still differ in
# the last bits from the order of a parallel sum: those are checked to 1e-6 of a currency unit.
TOLERANCE = 1e-6


def test_neutral_run_equals_base_row_for_row(sql):
    rows = sql("""select count(*) from forecast.revenue_forecast where run_id = 'base-1'""")[0][0]
    matched = sql("""
        select count(*), max(abs(a.mean - b.mean)), max(abs(a.p10 - b.p10)), max(abs(a.p50 - b.p50)),
               max(abs(a.p90 - b.p90))
        from forecast.revenue_forecast a join forecast.revenue_forecast b
          on a.month = b.month and a.component = b.component
         and a.project_id is not distinct from b.project_id and a.opportunity_id is not distinct from b.opportunity_id
         and a.practice is not distinct from b.practice and a.region is not distinct from b.region
        where a.run_id = 'base-1' and b.run_id = 'neutral-1'""")[0]
    assert rows > 50 and matched[0] == rows and max(matched[1:]) == 0.0
    draws = sql("""select count(*), max(abs(a.value - b.value))
                   from forecast.revenue_forecast_draws a join forecast.revenue_forecast_draws b
                   on a.month = b.month and a.draw = b.draw and a.practice is not distinct from b.practice
                   and a.region is not distinct from b.region and a.entity_id is not distinct from b.entity_id
                   where a.run_id = 'base-1' and b.run_id = 'neutral-1'""")[0]
    assert (
        draws[0] == sql("select count(*) from forecast.revenue_forecast_draws where run_id = 'base-1'")[0][0]
        and draws[1] == 0.0
    )
    assert sql("select distinct scenario_id from forecast.revenue_forecast where run_id = 'neutral-1'") == [
        ("neutral",)
    ]


def test_scenario_tables_record_definition_and_run(sql):
    runs = sql("select scenario_id, run_id, as_of_date, seed, status from forecast.scenario_runs order by run_id")
    assert runs == [("fewer-wins", "fewer-1", AS_OF, SEED, "success"), ("neutral", "neutral-1", AS_OF, SEED, "success")]
    yaml_text = sql("""select s.definition_yaml
                       from forecast.scenario_runs r join forecast.scenarios s using (scenario_id, definition_hash)
                       where r.run_id = 'fewer-1'""")[0][0]
    assert "multiplier: 0.5" in yaml_text and "count: 2" in yaml_text
    params = sql(
        "select json_extract_string(parameters, '$.kind'), json_extract_string(parameters, '$.base_run_id') "
        "from forecast.runs where run_id = 'fewer-1'"
    )
    assert params == [("scenario", "base-1")]


def test_scenario_list(warehouse):
    con = duckdb.connect(str(warehouse.work_db), read_only=True)
    try:
        frame = scenario_list(con)
    finally:
        con.close()
    assert frame["scenario_id"].to_list() == ["fewer-wins", "neutral"]
    assert frame["latest_run_id"].to_list() == ["fewer-1", "neutral-1"]


def test_compare_deltas_match_independent_sql(warehouse, sql):
    con = duckdb.connect(str(warehouse.work_db), read_only=True)
    try:
        neutral = compare(con, "base", "neutral").monthly
        result = compare(con, "base", "fewer-wins")
    finally:
        con.close()
    assert neutral["delta_mean"].abs().max() < TOLERANCE and neutral["delta_p10"].abs().max() < TOLERANCE
    assert result.a.run_id == "base-1" and result.same_as_of
    assert result.paired and (result.a.seed, result.b.seed, result.b.draws) == (SEED, SEED, DRAWS)
    frame = result.monthly
    firm = frame.filter(frame["practice"] == FIRM).sort("month")
    expected = dict(
        sql("""select month,
                      (select sum(value) from forecast.revenue_forecast_draws
                       where run_id = 'fewer-1' and month = m.month)
                      - (select sum(value) from forecast.revenue_forecast_draws
                         where run_id = 'base-1' and month = m.month)
               from (select distinct month from forecast.revenue_forecast_draws where run_id = 'base-1') m""")
    )
    draws = sql("select count(distinct draw) from forecast.revenue_forecast_draws where run_id = 'base-1'")[0][0]
    for month, delta in firm.select("month", "delta_mean").iter_rows():
        assert delta == pytest.approx(expected[month] / draws, rel=1e-9, abs=1e-6)
    # the pipeline halves and the hires start in March: January can only go down
    assert firm["delta_mean"][0] < 0
    practices = set(frame["practice"].to_list()) - {FIRM}
    assert practices == {"Alpha", "Beta"}


def test_two_scenarios_of_one_base_pair_like_a_scenario_and_its_base(warehouse):
    """neutral reproduces base draw for draw, so fewer-wins minus neutral is fewer-wins minus base, band and all."""
    con = duckdb.connect(str(warehouse.work_db), read_only=True)
    try:
        against_base = compare(con, "base", "fewer-wins")
        against_neutral = compare(con, "neutral", "fewer-wins")
    finally:
        con.close()
    assert against_neutral.paired and against_neutral.a.run_id == "neutral-1"
    for part in ("monthly", "horizon"):
        one, other = getattr(against_base, part), getattr(against_neutral, part)
        assert one["practice"].to_list() == other["practice"].to_list()
        for column in ("delta_mean", "delta_p10", "delta_p90"):
            assert (one[column] - other[column]).abs().max() < TOLERANCE, (part, column)


def test_unknown_scenario_name_lists_known_ones(warehouse):
    from wipcast.errors import InputError

    con = duckdb.connect(str(warehouse.work_db), read_only=True)
    try:
        with pytest.raises(InputError) as caught:
            compare(con, "base", "nope")
    finally:
        con.close()
    assert "'nope'" in caught.value.one_line() and "base, fewer-wins, neutral" in caught.value.one_line()


def test_scenario_with_unknown_name_writes_nothing(warehouse, sql):
    from forecasting.scenarios import from_yaml_text, run_scenario
    from wipcast.errors import InputError

    text = "name: ghost\nprojects: [{project_id: NOPE, action: cancel}]"
    with pytest.raises(InputError, match="projects\\[0\\].project_id"):
        run_scenario(warehouse, from_yaml_text(text), "ghost-1")
    assert sql("select count(*) from forecast.runs where run_id = 'ghost-1'") == [(0,)]
    assert sql("select count(*) from forecast.scenario_runs where run_id = 'ghost-1' or scenario_id = 'ghost'") == [
        (0,)
    ]
    assert sql("select count(*) from forecast.scenarios where scenario_id = 'ghost'") == [(0,)]
