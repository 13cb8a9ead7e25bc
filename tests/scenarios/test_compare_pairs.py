"""B minus A for any two runs, on a tiny warehouse written by hand: 3 draws x 2 months x 2 practices, so every
mean and band below is computed by hand.

Quantiles are DuckDB's `quantile_cont`: linear interpolation between order statistics (numpy's default
'linear', Hyndman & Fan type 7). Of n sorted values x1..xn, quantile q sits at position h = (n - 1) q:
x(floor h + 1) + (h - floor h) (x(floor h + 2) - x(floor h + 1)). With 3 draws, p10 is at h = 0.2, so
x1 + 0.2 (x2 - x1), and p90 at h = 1.8, so x2 + 0.8 (x3 - x2).
"""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pandas as pd
import pytest

from app import scenario_compare
from forecasting import store
from forecasting.scenarios import compare as cmp
from forecasting.scenarios import tables
from wipcast.errors import InputError

FEB, MAR, JAN = dt.date(2026, 2, 1), dt.date(2026, 3, 1), dt.date(2026, 1, 1)
AS_OF = dt.date(2026, 2, 14)  # mid-month: February has an `actual` part as well as draws

# (run, month, practice) -> the value of draw 0, 1, 2 (...)
DRAWS = {
    ("base-r", FEB, "Data"): [100, 200, 300],
    ("base-r", FEB, "Cloud"): [50, 50, 50],
    ("base-r", MAR, "Data"): [10, 20, 30],
    # no Cloud row in March for base: it counts 0 in every draw
    ("up-r", FEB, "Data"): [130, 190, 360],
    ("up-r", FEB, "Cloud"): [50, 60, 40],
    ("up-r", MAR, "Data"): [20, 20, 20],
    ("up-r", MAR, "Cloud"): [5, 5, 5],
    ("other-r", FEB, "Data"): [400, 500, 600, 700],  # another seed and 4 draws: does not pair with base or up
}
# `actual` rows: February's (the as-of month) are added to every statistic; January is before the horizon.
ACTUALS = {("base-r", FEB, "Data"): 1000, ("up-r", FEB, "Data"): 1000, ("other-r", FEB, "Data"): 1000}
ACTUALS_OUTSIDE = {(run, JAN, "Data"): 5000 for run in ("base-r", "up-r", "other-r")}


def write_tiny_warehouse(path) -> None:
    con = duckdb.connect(str(path))
    try:
        store.ensure_schema(con)
        tables.ensure_tables(con)
        created = dt.datetime(2026, 2, 15, tzinfo=dt.UTC)
        runs = [("base-r", "base", "forecast", 11, 3), ("up-r", "up", "scenario", 11, 3)]
        runs.append(("other-r", "other", "scenario", 12, 4))
        for i, (run_id, scenario, kind, seed, draws) in enumerate(runs):
            parameters = {"kind": kind, "draws": draws, "seed": seed, "scenario_id": scenario}
            at = created + dt.timedelta(minutes=i)
            con.execute(
                "insert into forecast.runs values (?, ?, 2, ?, '{}', ?, '{}')",
                [run_id, AS_OF, at, json.dumps(parameters)],
            )
            if kind == "scenario":
                con.execute(
                    "insert into forecast.scenario_runs values (?, ?, 'h', ?, 2, ?, ?, ?, 'success', null)",
                    [scenario, run_id, AS_OF, draws, seed, at],
                )
        con.execute(
            "insert into forecast.scenario_runs values ('broken', 'broken-r', 'h', ?, 2, 3, 11, ?, 'failed', 'x')",
            [AS_OF, created],
        )
        scenario_of = {"base-r": "base", "up-r": "up", "other-r": "other"}
        for (run_id, month, practice), values in DRAWS.items():
            for draw, value in enumerate(values):
                con.execute(
                    "insert into forecast.revenue_forecast_draws values (?, ?, ?, ?, 'NA', 'E1', ?, ?)",
                    [run_id, scenario_of[run_id], month, practice, draw, float(value)],
                )
        for (run_id, month, practice), value in {**ACTUALS, **ACTUALS_OUTSIDE}.items():
            con.execute(
                "insert into forecast.revenue_forecast values (?, ?, ?, null, null, null, ?, 'NA', 'E1', 'actual', "
                "?, ?, ?, ?)",
                [run_id, scenario_of[run_id], month, practice, value, value, value, value],
            )
    finally:
        con.close()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny-warehouse")
    write_tiny_warehouse(folder / "work.duckdb")
    return folder


@pytest.fixture()
def con(tiny):
    connection = duckdb.connect(str(tiny / "work.duckdb"), read_only=True)
    yield connection
    connection.close()


def row(frame, practice, month=None):
    import polars as pl

    picked = frame.filter((pl.col("practice") == practice) & (pl.col("month") == month if month else True))
    assert picked.height == 1, picked
    return picked.row(0, named=True)


def test_paired_delta_by_month_and_practice_by_hand(con):
    result = cmp.compare(con, "base", "up")
    assert result.paired and result.unpaired_reason is None
    assert (result.a.run_id, result.b.run_id) == ("base-r", "up-r")
    # Data, February: differences 30, -10, 60 -> sorted -10, 30, 60
    data_feb = row(result.monthly, "Data", FEB)
    assert data_feb["delta_mean"] == pytest.approx(80 / 3)
    assert data_feb["delta_p10"] == pytest.approx(-10 + 0.2 * (30 - -10))  # -2
    assert data_feb["delta_p90"] == pytest.approx(30 + 0.8 * (60 - 30))  # 54
    assert data_feb["draws"] == 3
    # the February actual (1000) is in both levels, not in the delta: base Data p10 = 1000 + 100 + 0.2 * 100
    assert data_feb["a_mean"] == pytest.approx(1200) and data_feb["a_p10"] == pytest.approx(1120)
    assert data_feb["b_p50"] == pytest.approx(1190)
    # the firm, February: base 150, 250, 350; up 180, 250, 400 -> differences 30, 0, 50 -> sorted 0, 30, 50
    firm_feb = row(result.monthly, cmp.FIRM, FEB)
    assert firm_feb["delta_mean"] == pytest.approx(80 / 3)
    assert firm_feb["delta_p10"] == pytest.approx(0 + 0.2 * 30)  # 6
    assert firm_feb["delta_p90"] == pytest.approx(30 + 0.8 * 20)  # 46
    assert firm_feb["a_p50"] == pytest.approx(1250) and firm_feb["delta_pct"] == pytest.approx((80 / 3) / 1250)
    # Cloud, March: base has no row (0 in each draw), up has 5, 5, 5
    cloud_mar = row(result.monthly, "Cloud", MAR)
    assert (cloud_mar["a_mean"], cloud_mar["b_mean"]) == (0, 5)
    assert cloud_mar["delta_p10"] == pytest.approx(5) and cloud_mar["delta_p90"] == pytest.approx(5)
    # January (before the horizon: actuals only) is not compared
    assert set(result.monthly["month"].to_list()) == {FEB, MAR}


def test_horizon_band_comes_from_each_draws_total_not_a_sum_of_monthly_bands(con):
    result = cmp.compare(con, "base", "up")
    march = row(result.monthly, cmp.FIRM, MAR)
    # the firm, March: base 10, 20, 30; up 20+5, 20+5, 20+5 -> differences 15, 5, -5 -> sorted -5, 5, 15
    assert march["delta_p10"] == pytest.approx(-5 + 0.2 * 10)  # -3
    assert march["delta_p90"] == pytest.approx(5 + 0.8 * 10)  # 13
    # per draw over both months: 30 + 15, 0 + 5, 50 - 5 = 45, 5, 45 -> sorted 5, 45, 45
    firm = row(result.horizon, cmp.FIRM)
    assert firm["delta_mean"] == pytest.approx(95 / 3)
    assert firm["delta_p10"] == pytest.approx(5 + 0.2 * 40)  # 13; the monthly p10s add up to 6 - 3 = 3
    assert firm["delta_p90"] == pytest.approx(45 + 0.8 * 0)  # 45; the monthly p90s add up to 46 + 13 = 59
    # Data over the horizon: 30 + 10, -10 + 0, 60 - 10 = 40, -10, 50 -> sorted -10, 40, 50
    data = row(result.horizon, "Data")
    assert data["delta_p10"] == pytest.approx(-10 + 0.2 * 50) and data["delta_p90"] == pytest.approx(40 + 0.8 * 10)
    assert data["a_mean"] == pytest.approx(1000 + 200 + 20)  # the February actual and both months' means


def test_scenario_against_scenario_is_the_negated_comparison(con):
    forward = cmp.compare(con, "base", "up")
    backward = cmp.compare(con, "up", "base")
    f, b = row(forward.monthly, "Data", FEB), row(backward.monthly, "Data", FEB)
    assert b["delta_mean"] == pytest.approx(-f["delta_mean"])
    assert b["delta_p10"] == pytest.approx(-f["delta_p90"]) and b["delta_p90"] == pytest.approx(-f["delta_p10"])
    same = cmp.compare(con, "up", "up")
    assert same.paired and same.monthly["delta_mean"].abs().max() == 0 and same.monthly["delta_p90"].abs().max() == 0


def test_runs_with_another_seed_or_draw_count_say_so_and_give_no_band(con):
    result = cmp.compare(con, "up", "other")
    assert not result.paired
    assert result.unpaired_reason == (
        "other and up did not draw the same random numbers (seed 11 vs 12; 3 vs 4 draws), "
        "so this is the difference of their means, without a band"
    )
    assert "\n" not in result.unpaired_reason
    assert result.monthly["delta_p10"].is_null().all() and result.monthly["delta_p90"].is_null().all()
    assert result.horizon["delta_p10"].is_null().all() and result.monthly["draws"].is_null().all()
    # the difference of means, each over its own draws: other Data Feb 1000 + 550, up 1000 + 680 / 3
    data_feb = row(result.monthly, "Data", FEB)
    assert data_feb["delta_mean"] == pytest.approx((1000 + 550) - (1000 + 680 / 3))
    assert data_feb["b_p10"] == pytest.approx(1000 + 400 + 0.3 * 100)  # 4 draws: h = 0.3
    # other has no Cloud row at all: 0 in every draw
    assert row(result.monthly, "Cloud", FEB)["delta_mean"] == pytest.approx(-50)


def test_pairing_rule():
    run = cmp.Run("a", "r1", AS_OF, 12, 2000, 5)
    assert cmp.unpaired_reason(run, cmp.Run("b", "r2", AS_OF, 12, 2000, 5)) is None
    later = cmp.Run("b", "r2", dt.date(2026, 3, 31), 12, 2000, 5)
    assert "as of 2026-02-14 vs 2026-03-31" in (cmp.unpaired_reason(run, later) or "")
    shorter = cmp.Run("b", "r2", AS_OF, 6, 2000, 5)
    assert "12 vs 6 months" in (cmp.unpaired_reason(run, shorter) or "")
    unknown = cmp.Run("old", "r0", AS_OF, 12, 2000, None)
    assert "no seed recorded for old" in (cmp.unpaired_reason(unknown, run) or "")


def test_unknown_and_failed_names_list_the_known_ones(con):
    for name in ("nope", "broken"):  # broken has only a failed run
        with pytest.raises(InputError) as caught:
            cmp.compare(con, name, "up")
        assert f"'{name}'" in caught.value.one_line() and "known scenarios: base, other, up" in caught.value.one_line()


# ---------------------------------------------------------------- the page's plain module


def pandas_runner(con):
    """As the app runs its queries: pandas frames (data.query), turned into polars by scenario_compare.runner."""
    return scenario_compare.runner(lambda sql, params: con.execute(sql, list(params)).fetchdf())


def test_page_module_compares_through_pandas_queries(con):
    sql = pandas_runner(con)
    assert scenario_compare.choices(sql) == ["base", "other", "up"]  # base, then the most recently run first
    result = scenario_compare.load(sql, "base", "up")
    head = scenario_compare.headline(result)
    assert head.delta == pytest.approx(95 / 3) and head.delta_p10 == pytest.approx(13) and head.months == 2
    firm = scenario_compare.firm_monthly(result)
    assert list(firm["delta_p90"]) == pytest.approx([46, 13])
    assert "seed 11" in scenario_compare.caption(result) and "3 random draws" in scenario_compare.caption(result)
    unpaired = scenario_compare.load(sql, "up", "other")
    assert scenario_compare.headline(unpaired).delta_p10 is None
    labels = scenario_compare.column_labels(unpaired)
    assert labels["delta_p10"] is None and labels["a_mean"] == "A: up" and labels["b_mean"] == "B: other"
    assert list(scenario_compare.horizon_table(result)["practice"]) == ["Cloud", "Data", cmp.FIRM]


def test_selection_precedence():
    known = ["base", "up", "other"]
    select = scenario_compare.select
    assert select(known) == scenario_compare.Selection("up", "base")  # newest scenario against base
    assert select(known, ("other", "up")) == scenario_compare.Selection("other", "up")  # the last choice stays
    assert select(known, ("up", "base"), url=("other", "up")) == scenario_compare.Selection("other", "up")
    assert select(known, ("other", "up"), url=("up", None)) == scenario_compare.Selection("up", "base")
    assert select(known, ("other", "up"), url=(None, None)) == scenario_compare.Selection("other", "up")
    # a scenario that has just run wins, against base
    assert select(known, ("up", "other"), url=("up", "other"), just_ran="other") == scenario_compare.Selection(
        "other", "base"
    )
    unknown = select(known, url=("nope", "gone"))
    assert (unknown.b, unknown.a) == ("up", "base")
    assert unknown.message == (
        "The link names scenario=nope and against=gone, which has no successful run; "
        "known: base, up, other. Showing up against Base forecast."
    )
    assert scenario_compare.url_params("up", "base") == {"scenario": "up", "against": None}
    assert scenario_compare.url_params("up", "other") == {"scenario": "up", "against": "other"}


def test_page_module_imports_no_streamlit():
    import ast
    from pathlib import Path

    tree = ast.parse(Path(scenario_compare.__file__).read_text())
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    app_modules = {
        n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("app")
    }
    assert "streamlit" not in imported and not app_modules  # app.data, app.formatting, ... import Streamlit


# ---------------------------------------------------------------- the CLI


@pytest.fixture(scope="module")
def cli_app():
    from cli.main import app

    return app


def cli(cli_app, folder, *args):
    from typer.testing import CliRunner

    command = ["--warehouse-dir", str(folder), "scenario", "compare", *args]
    return CliRunner().invoke(cli_app, command, env={"COLUMNS": "250"})


def test_cli_against_pairs_and_writes_the_table(cli_app, tiny, tmp_path):
    out = tmp_path / "up-vs-base.csv"
    result = cli(cli_app, tiny, "up", "--out", str(out))  # A defaults to base
    assert result.exit_code == 0, result.output
    paired = " ".join(result.output.split())
    assert "paired draw by draw (3 draws, seed 11)" in paired and "up vs base" in paired
    frame = pd.read_csv(out)
    firm_feb = frame[(frame["practice"] == cmp.FIRM) & (frame["month"] == "2026-02-01")].iloc[0]
    assert firm_feb["delta_p10"] == pytest.approx(6) and firm_feb["delta_p90"] == pytest.approx(46)
    against = cli(cli_app, tiny, "up", "--against", "other")
    assert against.exit_code == 0, against.output
    text = " ".join(against.output.split())  # the console may wrap lines at its own width
    assert "not paired" in text and "seed 12 vs 11; 4 vs 3 draws" in text
    legacy = cli(cli_app, tiny, "base", "up")  # the older form: A then B
    assert legacy.exit_code == 0 and "up vs base" in legacy.output


def test_cli_against_errors(cli_app, tiny):
    unknown = cli(cli_app, tiny, "up", "--against", "nope")
    assert unknown.exit_code != 0
    assert "'nope' has no successful run" in unknown.exception.one_line()
    assert "known scenarios: base, other, up" in unknown.exception.one_line()
    both = cli(cli_app, tiny, "base", "up", "--against", "other")
    assert both.exit_code != 0 and "not both" in both.output


def test_notes_for_the_page(con):
    sql = pandas_runner(con)
    unpaired = scenario_compare.load(sql, "up", "other")
    assert scenario_compare.unpaired_note(unpaired).startswith(
        "Not paired: other and up did not draw the same random numbers"
    )
    assert scenario_compare.band_text(scenario_compare.headline(unpaired), str).startswith("No band")
    paired = scenario_compare.load(sql, "base", "up")
    assert scenario_compare.unpaired_note(paired) == ""
    text = scenario_compare.band_text(scenario_compare.headline(paired), lambda v: f"${v:,.0f}")
    assert text == "p10 to p90 of the draw-by-draw difference: $13 to $45"


def test_the_form_keeps_only_what_the_user_changed():
    from app.scenario_form import FormValues, to_mapping
    from forecasting.scenarios.definition import from_mapping

    assert to_mapping(FormValues(name="plain")) == {"name": "plain", "description": ""}
    assert from_mapping(to_mapping(FormValues(name="plain")), "the form").is_neutral
    changed = to_mapping(
        FormValues(
            name="mix",
            win_multiplier=0.8,
            win_practice="Data",
            rate_percent=5.0,
            rate_from=dt.date(2027, 1, 1),
            hires=2,
            hire_role="Consultant",
            hire_practice="Data",
            hire_start=dt.date(2027, 2, 1),
            utilization_practice="Data",
            utilization_points=3.0,
        )
    )
    assert changed["win_probability"] == [{"multiplier": 0.8, "practice": "Data"}]
    assert changed["bill_rates"] == [{"percent": 5.0, "from_date": "2027-01-01"}]  # 'all' practices: no key
    assert changed["hiring"] == [
        {
            "role": "Consultant",
            "practice": "Data",
            "count": 2,
            "start_month": "2027-02-01",
            "ramp_up_weeks": 8,
            "demand_limited": True,
        }
    ]
    assert changed["utilization"] == [{"practice": "Data", "change_points": 3.0}]
    assert "attrition" not in changed and "pipeline_delay" not in changed


def test_charts_draw_both_bands_and_the_paired_band_only_when_paired(con):
    from app import charts

    sql = pandas_runner(con)
    paired = scenario_compare.firm_monthly(scenario_compare.load(sql, "base", "up"))
    levels = charts.scenario_levels(paired, "Base forecast", "up", "EUR")
    names = [t.name for t in levels.data]
    assert names == ["Base forecast p10-p90"] * 2 + ["up p10-p90"] * 2 + ["Base forecast p50", "up p50"]
    assert [t.fill for t in levels.data[:4]] == [None, "tonexty", None, "tonexty"]  # each band fills to its own p90
    assert levels.layout.yaxis.tickprefix == "€"
    delta = charts.scenario_delta(paired, "USD", "up minus base", scenario_compare.BAND_LABEL)
    assert [t.name for t in delta.data] == [scenario_compare.BAND_LABEL] * 2 + ["B - A (mean)"]
    assert list(delta.data[1].y) == pytest.approx([6, -3]) and delta.layout.yaxis.tickprefix == "$"
    unpaired = scenario_compare.firm_monthly(scenario_compare.load(sql, "up", "other"))
    assert [t.name for t in charts.scenario_delta(unpaired, "USD").data] == ["B - A (mean)"]
