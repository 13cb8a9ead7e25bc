"""Inputs the forecast refuses before it writes anything: an as-of date outside the data, a negative
seed; the draws asked for are the draws run; no NaN or infinite money figure is ever stored or
published."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import duckdb
import numpy as np
import polars as pl
import pytest
import synth
from typer.testing import CliRunner

from forecasting import engine, finite, run_backtest, run_forecast, store
from forecasting.components import META_COLS, Component
from forecasting.inputs import as_of_view, from_frames
from forecasting.run import persist, read_raw, run_frames
from wipcast.errors import InputError, WipcastError
from wipcast.settings import Settings

AS_OF = dt.date(2025, 12, 31)
FIRST, LAST = dt.date(2024, 1, 1), dt.date(2026, 6, 30)  # the synthetic firm's first and last work dates
FLAG = "--allow-as-of-outside-data"


def _tables(settings: Settings, schema: str) -> list[str]:
    con = duckdb.connect(str(settings.work_db), read_only=True)
    try:
        return [
            r[0]
            for r in con.execute("select table_name from duckdb_tables() where schema_name = ?", [schema]).fetchall()
        ]
    finally:
        con.close()


def _one_line(exc: WipcastError) -> str:
    line = exc.one_line()
    assert "\n" not in line
    return line


@pytest.fixture(scope="module")
def small_prep(synth_frames):
    return engine.prepare(as_of_view(from_frames(synth_frames), AS_OF), 3, diagnose=False)


@pytest.fixture(scope="module")
def cli_app():
    from cli.main import app

    return app


# ---------------------------------------------------------------- as-of bounds


@pytest.mark.parametrize("as_of", [dt.date(2099, 1, 1), dt.date(1990, 1, 1), LAST + dt.timedelta(days=1)])
def test_as_of_outside_the_data_is_refused_before_anything_is_written(synth_settings, as_of):
    with pytest.raises(InputError) as caught:
        run_forecast(synth_settings, "outside", as_of=as_of, horizon=3, draws=100, seed=1)
    line = _one_line(caught.value)
    assert f"as-of date {as_of} (--as-of)" in line
    assert f"from {FIRST} to {LAST}" in line and FLAG in line
    assert _tables(synth_settings, "forecast") == []


def test_as_of_at_the_edges_of_the_data_is_accepted():
    from forecasting.run import check_as_of

    check_as_of(FIRST, "--as-of", FIRST, LAST)
    check_as_of(LAST, "--as-of", FIRST, LAST)
    check_as_of(dt.date(2099, 1, 1), "--as-of", FIRST, LAST, allow=True)


def test_flag_allows_an_as_of_outside_the_data_and_is_recorded(synth_settings):
    later = LAST + dt.timedelta(days=20)
    out = run_forecast(
        synth_settings, "later", as_of=later, horizon=3, draws=100, seed=1, allow_as_of_outside_data=True
    )
    assert out.as_of_date == later and out.rows["revenue_forecast"] > 0
    con = duckdb.connect(str(synth_settings.work_db), read_only=True)
    try:
        flags = con.execute(
            "select run_id, json_extract(parameters, '$.allow_as_of_outside_data') from forecast.runs"
        ).fetchall()
    finally:
        con.close()
    assert flags == [("later", "true")]


def test_setting_and_marts_as_of_are_named_as_the_source(synth_settings):
    with pytest.raises(InputError, match=r"2099-01-01 \(the as_of setting"):
        run_forecast(replace(synth_settings, as_of=dt.date(2099, 1, 1)), "from-setting", horizon=3, draws=100)
    con = duckdb.connect(str(synth_settings.work_db))
    try:
        con.execute("create schema intermediate")
        con.execute("create table intermediate.int_as_of as select date '2099-01-01' as as_of_date")
    finally:
        con.close()
    with pytest.raises(InputError, match=r"2099-01-01 \(the marts' as-of date"):
        run_forecast(replace(synth_settings, as_of=None), "from-marts", horizon=3, draws=100)
    assert _tables(synth_settings, "forecast") == []


def test_invoice_and_payment_dates_count_as_activity(synth_frames, synth_settings):
    """The dbt as_of_date rule's dates: work, invoice and payment (frames and warehouse alike)."""
    invoices = pl.DataFrame({"invoice_id": ["I1"], "invoice_date": [dt.date(2023, 11, 15)]})
    payments = pl.DataFrame({"payment_id": ["Y1"], "payment_date": [dt.date(2026, 8, 3)]})
    raw = from_frames({**synth_frames, "invoices": invoices, "payments": payments})
    assert raw.activity_range() == (dt.date(2023, 11, 15), dt.date(2026, 8, 3))
    assert from_frames(synth_frames).activity_range() == (FIRST, LAST)

    synth.write_raw(synth_settings.work_db, {"invoices": invoices, "payments": payments})
    assert read_raw(synth_settings).activity_range() == (dt.date(2023, 11, 15), dt.date(2026, 8, 3))
    # So an as-of date after the last work date but on or before the last payment is within the data.
    out = run_forecast(synth_settings, "paid-later", as_of=dt.date(2026, 8, 1), horizon=3, draws=100, seed=1)
    assert out.as_of_date == dt.date(2026, 8, 1)


def test_rows_a_snapshot_deleted_do_not_count(synth_settings):
    from forecasting.inputs import date_bounds

    con = duckdb.connect(str(synth_settings.work_db))
    try:
        con.execute(
            "create table raw_canonical.payments as select * from (values "
            "(date '2026-07-01', null::timestamptz), (date '2030-01-01', now())) t(payment_date, deleted_at)"
        )
        assert date_bounds(con, raw_only=True) == (FIRST, dt.date(2026, 7, 1))
    finally:
        con.close()


def test_cli_forecast_outside_the_data_fails_with_one_line_and_only_the_failed_step_row(cli_app, synth_settings):
    result = CliRunner().invoke(
        cli_app, ["--warehouse-dir", str(synth_settings.warehouse_dir), "forecast", "--as-of", "2099-01-01"]
    )
    assert result.exit_code != 0 and isinstance(result.exception, InputError), result.output
    assert "2099-01-01" in result.exception.one_line() and FLAG in result.exception.one_line()
    assert _tables(synth_settings, "forecast") == []
    con = duckdb.connect(str(synth_settings.work_db), read_only=True)
    try:
        rows = con.execute("select step, status from ops.run_log").fetchall()
    finally:
        con.close()
    assert rows == [("forecast", "failed")]


def test_cli_run_refuses_an_as_of_outside_the_input_files_before_ingest(cli_app, synth_frames, tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    synth_frames["time_entries"].select("time_entry_id", "work_date").write_csv(folder / "time_entries.csv")
    warehouse = tmp_path / "wh"
    result = CliRunner().invoke(
        cli_app, ["--warehouse-dir", str(warehouse), "run", "--input", str(folder), "--as-of", "2099-01-01"]
    )
    assert isinstance(result.exception, InputError), result.output
    line = result.exception.one_line()
    assert "2099-01-01 (--as-of)" in line and f"from {FIRST} to {LAST}" in line and FLAG in line
    assert not (warehouse / "work.duckdb").exists()  # not ingested, not even a run-log row


def test_cli_run_range_before_ingest_joins_files_and_loaded_rows(synth_settings, tmp_path):
    from cli.pipeline import data_range_before_ingest, data_range_loaded

    folder = tmp_path / "export"
    folder.mkdir()
    pl.DataFrame({"payment_id": ["Y1", "Y2"], "payment_date": ["2026-09-01", "not a date"]}).write_csv(
        folder / "payments.csv"
    )
    pl.DataFrame({"invoice_id": ["I1"], "invoice_date": [dt.date(2023, 6, 1)]}).write_parquet(
        folder / "invoices.parquet"
    )
    config = replace(synth_settings, input_dir=folder)
    assert data_range_before_ingest(config) == (dt.date(2023, 6, 1), dt.date(2026, 9, 1))
    # After ingest, before transform: the rows just loaded count, and so does the last build (its
    # intermediate models also hold the connectors' sources), so no date within the data is refused.
    assert data_range_loaded(config) == (FIRST, LAST)
    con = duckdb.connect(str(synth_settings.work_db))
    try:
        con.execute("create schema intermediate")
        con.execute("create table intermediate.int_payments as select date '2026-12-01' as payment_date")
    finally:
        con.close()
    assert data_range_loaded(config) == (FIRST, dt.date(2026, 12, 1))


def test_backtest_origins_before_the_data_are_refused(synth_settings):
    with pytest.raises(InputError) as caught:
        run_backtest(synth_settings, "bt-early", "2023-10", "2024-03", horizon=3, draws=100)
    line = _one_line(caught.value)
    assert "2023-10-31 (--from)" in line and f"from {FIRST} to {LAST}" in line and FLAG in line
    with pytest.raises(InputError, match=r"\(--to\).*2024-01-01 to 2026-06-30"):
        run_backtest(synth_settings, "bt-late", "2026-05", "2026-07", horizon=3, draws=100)
    assert _tables(synth_settings, "forecast") == []


# ---------------------------------------------------------------- draws and seed


def test_draws_asked_for_are_the_draws_run(small_prep, monkeypatch):
    assert engine.affordable_draws(small_prep, 100) == 100  # was raised to 200
    assert engine.affordable_draws(small_prep, 2000) == 2000
    monkeypatch.setattr(engine, "MAX_DRAW_CELLS", 1)  # a firm far too large for memory
    assert engine.affordable_draws(small_prep, 2000) == engine.MIN_AFFORDABLE_DRAWS
    assert engine.affordable_draws(small_prep, 100) == 100


def test_run_forecast_with_100_draws_runs_100(synth_settings):
    out = run_forecast(synth_settings, "hundred", horizon=3, draws=100, seed=1)
    assert out.draws == out.draws_requested == 100


def test_negative_seed_is_refused_naming_the_flag(synth_settings, cli_app):
    with pytest.raises(InputError, match="--seed -1 is out of range"):
        run_forecast(synth_settings, "neg", horizon=3, draws=100, seed=-1)
    result = CliRunner().invoke(
        cli_app, ["--warehouse-dir", str(synth_settings.warehouse_dir), "forecast", "--seed", "-1"]
    )
    assert result.exit_code == 2 and "--seed" in result.output
    assert _tables(synth_settings, "ops") == [] and _tables(synth_settings, "forecast") == []


# ---------------------------------------------------------------- no NaN money figure is stored


def _with_nan_component(prep: engine.Prepared, value: float) -> engine.ForecastResult:
    result = engine.simulate(prep, 100, seed=1)
    meta = pl.DataFrame(
        {c: ["P-bad" if c == "project_id" else "Alpha" if c == "practice" else None] for c in META_COLS}
    )
    bad = np.ones((1, len(result.months), 100))
    bad[0, 1, 7] = value
    result.components.append(Component("broken", meta.cast(pl.String), bad))
    return result


@pytest.mark.parametrize("value, kind", [(float("nan"), "NaN"), (float("inf"), "infinite")])
def test_a_nan_or_infinite_figure_is_refused_naming_table_column_and_key(small_prep, value, kind):
    result = _with_nan_component(small_prep, value)
    with pytest.raises(WipcastError) as caught:
        run_frames(result)
    line = _one_line(caught.value)
    month = result.months[1]
    assert f"forecast.revenue_forecast.mean would hold a {kind} value" in line
    assert f"month={month}, component=broken, project_id=P-bad, practice=Alpha" in line


def test_nan_draws_and_quantiles_are_refused_too(small_prep):
    keys = pl.DataFrame({"practice": ["Alpha", "Beta"], "region": ["NA", "NA"], "entity_id": ["LE1", "LE1"]})
    draws = np.zeros((2, 3, 4))
    draws[1, 2, 3] = np.nan
    months = [dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)]
    with pytest.raises(WipcastError, match=r"revenue_forecast_draws\.value .*month=2026-03-01, practice=Beta.*draw=3"):
        finite.check_finite_draws(keys, draws, months)
    q = pl.DataFrame(
        {"level": ["firm"], "month": [months[0]], "mean": [1.0], "p10": [None], "p50": [1.0], "p90": [1.0]}
    )
    with pytest.raises(WipcastError, match=r"revenue_quantiles\.p10 would hold a null value .*level=firm"):
        finite.check_finite("revenue_quantiles", q)
    metrics = pl.DataFrame({"method": ["wipcast", "wipcast"], "metric": ["wape", "bias"], "value": [None, np.nan]})
    with pytest.raises(WipcastError, match=r"backtest_metrics\.value would hold a NaN value .*metric=bias"):
        finite.check_finite("backtest_metrics", metrics, ("value",), nullable=True)


def test_persist_of_a_nan_figure_writes_nothing(small_prep, tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        store.ensure_schema(con)
        with pytest.raises(WipcastError, match="nothing was written"):
            persist(con, "nan-run", _with_nan_component(small_prep, float("nan")), 3, {}, {})
        assert con.execute("select count(*) from forecast.runs").fetchall() == [(0,)]
        assert con.execute("select count(*) from forecast.revenue_forecast").fetchall() == [(0,)]
    finally:
        con.close()


def test_run_forecast_with_a_nan_figure_records_nothing(synth_settings):
    entered = []

    def adjust(prep, inputs):
        meta = pl.DataFrame({c: ["Alpha" if c == "practice" else None] for c in META_COLS}).cast(pl.String)
        return prep, [Component("broken", meta, np.full((1, len(prep.months), 1), np.nan))]

    def recording(con):
        entered.append(True)
        raise AssertionError("the scenario recording must not start for a refused run")

    with pytest.raises(WipcastError, match="forecast.revenue_forecast.mean would hold a NaN"):
        run_forecast(synth_settings, "nan", horizon=3, draws=100, seed=1, adjust=adjust, recording=recording)
    assert entered == [] and _tables(synth_settings, "forecast") == []


# ---------------------------------------------------------------- publish refuses NaN money figures


def test_publish_lists_the_same_money_columns_as_the_store():
    from wipcast.publish import FORECAST_MONEY_COLUMNS

    assert FORECAST_MONEY_COLUMNS == finite.MONEY_COLUMNS
    con = duckdb.connect()
    try:
        store.ensure_schema(con)
        doubles = con.execute(
            "select table_name, column_name from duckdb_columns() where schema_name = 'forecast' "
            "and data_type = 'DOUBLE' and table_name like 'revenue%' order by all"
        ).fetchall()
    finally:
        con.close()
    assert doubles == sorted((t, c) for t, cols in finite.MONEY_COLUMNS.items() for c in cols)


def _built(settings: Settings) -> None:
    from wipcast.build_stamp import current_raw_loads, record_build

    con = duckdb.connect(str(settings.work_db))
    try:
        con.execute("create schema if not exists marts")
        con.execute("create or replace table marts.dim_project as select 'P1' as project_id")
        store.ensure_schema(con)
    finally:
        con.close()
    record_build(settings, "build-1", dt.datetime.now(dt.UTC), "success", current_raw_loads(settings))


@pytest.mark.parametrize(
    "table, insert",
    [
        (
            "revenue_forecast",
            "insert into forecast.revenue_forecast (run_id, scenario_id, month, component, mean, p10, p50, p90) "
            "values ('bad-run', 'base', date '2099-02-01', 'unplanned', 1, 1, 'nan'::double, 1)",
        ),
        (
            "revenue_quantiles",
            "insert into forecast.revenue_quantiles (run_id, scenario_id, level, month, mean, p10, p50, p90) "
            "values ('bad-run', 'base', 'firm', date '2099-02-01', 'inf'::double, 1, 1, 1)",
        ),
        (
            "revenue_forecast_draws",
            "insert into forecast.revenue_forecast_draws (run_id, scenario_id, month, draw, value) "
            "values ('bad-run', 'base', date '2099-02-01', 0, '-inf'::double)",
        ),
    ],
)
def test_publish_refuses_a_warehouse_with_a_nan_money_figure(tmp_path, table, insert):
    from wipcast.publish import publish
    from wipcast.runlog import logged_step

    settings = Settings(warehouse_dir=tmp_path / "wh")
    settings.warehouse_dir.mkdir()
    _built(settings)
    con = duckdb.connect(str(settings.work_db))
    try:
        con.execute(
            "insert into forecast.revenue_forecast (run_id, scenario_id, month, component, mean, p10, p50, p90) "
            "values ('good-run', 'base', date '2026-01-01', 'unplanned', 1, 1, 1, 1)"
        )
        con.execute(insert)
    finally:
        con.close()
    with pytest.raises(WipcastError) as caught, logged_step(settings, "pub-1", "publish"):
        publish(settings, "pub-1")
    line = _one_line(caught.value)
    assert f"forecast.{table}." in line and "run bad-run" in line and "2099-02-01" in line
    assert "where run_id = 'bad-run'" in line
    assert not settings.published_db.exists()

    con = duckdb.connect(str(settings.work_db))
    try:
        for t in finite.MONEY_COLUMNS:
            con.execute(f"delete from forecast.{t} where run_id = 'bad-run'")
    finally:
        con.close()
    with logged_step(settings, "pub-2", "publish"):
        publish(settings, "pub-2")
    assert settings.published_db.exists()
