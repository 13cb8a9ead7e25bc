"""The engine end to end on the synthetic firm: no leak, quantiles from draws, fallbacks, storage."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from forecasting import engine, run_backtest, run_forecast, unplanned
from forecasting.inputs import as_of_view, from_frames
from wipcast.errors import WipcastError

AS_OF = dt.date(2025, 12, 31)


@pytest.fixture(scope="module")
def synth_result(synth_frames):
    inputs = as_of_view(from_frames(synth_frames), AS_OF)
    return engine.simulate(engine.prepare(inputs, 12, diagnose=False), 1000, seed=11)


def _scramble_after(frames: dict[str, pl.DataFrame], d: dt.date) -> dict[str, pl.DataFrame]:
    """Change everything that happened after `d` arbitrarily."""
    after = dt.datetime.combine(d + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)
    f = dict(frames)
    te = f["time_entries"]
    f["time_entries"] = te.with_columns(
        pl.when(pl.col("work_date") > d).then(pl.col("hours") * 3).otherwise(pl.col("hours")).alias("hours"),
        # Work done before d but approved after it: approve it much later still.
        pl.when(pl.col("approved_at") >= after)
        .then(pl.col("approved_at") + pl.duration(days=40))
        .otherwise(pl.col("approved_at"))
        .alias("approved_at"),
    )
    snaps = f["assignment_snapshots"]
    f["assignment_snapshots"] = snaps.with_columns(
        pl.when(pl.col("snapshot_date") > d)
        .then(pl.col("hours_per_week") * 5)
        .otherwise(pl.col("hours_per_week"))
        .alias("hours_per_week")
    )
    f["assignments"] = f["assignments"].with_columns((pl.col("hours_per_week") * 7).alias("hours_per_week"))
    hist = f["opportunity_history"]
    f["opportunity_history"] = hist.with_columns(
        pl.when(pl.col("changed_at") >= after).then(pl.lit("won")).otherwise(pl.col("status")).alias("status")
    )
    opps = f["opportunities"]
    late = opps.head(5).with_columns(
        (pl.col("opportunity_id") + "-late").alias("opportunity_id"),
        pl.lit(d + dt.timedelta(days=3)).alias("created_date"),
    )
    f["opportunities"] = pl.concat([opps.with_columns(pl.lit("won").alias("status")), late])
    f["milestones"] = f["milestones"].with_columns(
        pl.when(pl.col("completed_date") > d)
        .then(pl.col("completed_date") + pl.duration(days=90))
        .otherwise(pl.col("completed_date"))
        .alias("completed_date")
    )
    f["fx_rates"] = pl.concat(
        [
            f["fx_rates"],
            pl.DataFrame({"rate_date": [d + dt.timedelta(days=5)], "currency": ["EUR"], "rate_to_reporting": [9.0]}),
        ]
    )
    return f


def test_no_leak_data_after_as_of_changes_nothing(synth_frames):
    base = engine.quantile_rows(engine.forecast(as_of_view(from_frames(synth_frames), AS_OF), 6, 300, seed=5))
    changed = _scramble_after(synth_frames, AS_OF)
    # Sanity: the scramble really changes the data (and would change a forecast made later).
    assert not changed["time_entries"].equals(synth_frames["time_entries"])
    other = engine.quantile_rows(engine.forecast(as_of_view(from_frames(changed), AS_OF), 6, 300, seed=5))
    assert base.height > 50
    # Identical up to floating-point summation order (1e-12 of a currency unit).
    assert_frame_equal(
        base.sort(base.columns, nulls_last=True),
        other.sort(other.columns, nulls_last=True),
        check_exact=False,
        rel_tol=1e-9,
        abs_tol=1e-6,
    )


def test_as_of_view_filters_every_source(synth_frames):
    v = as_of_view(from_frames(synth_frames), AS_OF)
    cutoff = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert v.time_entries["work_date"].max() <= AS_OF
    assert (v.time_entries["approved_at"] < cutoff).all()
    assert v.plan["plan_date"].max() <= AS_OF
    assert v.opportunities["created_date"].max() <= AS_OF
    assert (v.milestones["completed_date"].drop_nulls() <= AS_OF).all()
    # An opportunity closed after the as-of date is still open in the view.
    later = synth_frames["opportunity_history"].filter((pl.col("status") != "open") & (pl.col("changed_at") >= cutoff))[
        "opportunity_id"
    ]
    seen = v.opportunities.filter(pl.col("opportunity_id").is_in(later.implode()))
    assert seen.height and (seen["status"] == "open").all()


def test_firm_quantiles_come_from_summed_draws(synth_result):
    _, firm = synth_result.summed_draws([])
    firm = firm[0]  # (months, draws)
    series, values = synth_result.series()
    per_series_p50 = sum(
        np.quantile(np.broadcast_to(v, (v.shape[0], v.shape[1], firm.shape[1])), 0.5, axis=2).sum(axis=0)
        for v in values
    )
    firm_p50 = np.quantile(firm, 0.5, axis=1)
    # Adding medians is not the median of the sum (pipeline wins are skewed), so they must differ ...
    assert not np.allclose(firm_p50, per_series_p50, rtol=1e-3)
    # ... and the firm p50 is exactly the quantile of the summed draws.
    manual = np.quantile(
        sum(np.broadcast_to(v, (v.shape[0], v.shape[1], firm.shape[1])).sum(axis=0) for v in values), 0.5, axis=1
    )
    assert np.allclose(firm_p50, manual)
    # Means do add up.
    rows = engine.quantile_rows(synth_result).filter(pl.col("component") != "actual")
    by_month = rows.group_by("month").agg(pl.col("mean").sum()).sort("month")["mean"].to_numpy()
    assert np.allclose(by_month, firm.mean(axis=1))


def test_failed_unplanned_fit_falls_back_and_is_recorded(synth_frames, monkeypatch):
    def broken(_y, _h):
        raise ValueError("optimizer did not converge")

    monkeypatch.setattr(unplanned, "ets_fit", broken)
    monkeypatch.setattr(unplanned.guarded_forecast, "__defaults__", (broken,))
    prep = engine.prepare(as_of_view(from_frames(synth_frames), AS_OF), 6, diagnose=False)
    flags = {k: v for k, v in prep.diagnostics.items() if k.endswith("fallback_seasonal_naive")}
    assert flags and all(v == 1.0 for v in flags.values())
    assert all(prep.notes[f"unplanned.{p}"] == "seasonal_naive (ValueError)" for p in ("Alpha", "Beta"))


def test_run_forecast_writes_append_only_tables(synth_settings):
    out = run_forecast(synth_settings, "run-a", horizon=6, draws=200, seed=1)
    assert out.as_of_date == AS_OF and out.rows["revenue_forecast"] > 0
    run_forecast(synth_settings, "run-b", horizon=6, draws=200, seed=2)
    with pytest.raises(WipcastError, match="already exists"):
        run_forecast(synth_settings, "run-a", horizon=6, draws=200, seed=1)
    con = duckdb.connect(str(synth_settings.work_db), read_only=True)
    try:
        cols = [r[0] for r in con.execute("describe forecast.revenue_forecast").fetchall()]
        assert cols == [
            "run_id",
            "scenario_id",
            "month",
            "project_id",
            "opportunity_id",
            "customer_id",
            "practice",
            "region",
            "entity_id",
            "component",
            "mean",
            "p10",
            "p50",
            "p90",
        ]
        assert con.execute("select count(distinct run_id) from forecast.runs").fetchall()[0][0] == 2
        comps = {r[0] for r in con.execute("select distinct component from forecast.revenue_forecast").fetchall()}
        assert {
            "actual",
            "booked_time_and_materials",
            "booked_fixed_fee",
            "milestone",
            "retainer",
            "pipeline",
            "unplanned",
        } <= comps
        # The stored firm p50 equals the quantile of the summed stored draws.
        sql_p50 = con.execute("""
            select month, quantile_cont(v, 0.5) from (
              select month, draw, sum(value) v from forecast.revenue_forecast_draws
              where run_id = 'run-a' group by month, draw)
            group by month order by month""").fetchall()
        stored = con.execute(
            "select month, p50 from forecast.revenue_quantiles where run_id = 'run-a' and level = 'firm' order by month"
        ).fetchall()
        assert [m for m, _ in sql_p50] == [m for m, _ in stored]
        assert np.allclose([v for _, v in sql_p50], [v for _, v in stored])
        names = {
            r[0] for r in con.execute("select name from forecast.model_diagnostics where run_id = 'run-a'").fetchall()
        }
        assert "win_model.brier_calibrated_cv" in names and "delivery_factor.firm.h1" in names
    finally:
        con.close()


def test_backtest_writes_metrics_history_and_report(synth_settings):
    out = run_backtest(synth_settings, "bt", "2025-10", "2025-11", horizon=3, draws=200)
    con = duckdb.connect(str(synth_settings.work_db), read_only=True)
    try:
        runs = {r[0] for r in con.execute("select run_id from forecast.runs").fetchall()}
        assert {"bt", "bt@2025-10", "bt@2025-11"} <= runs
        methods = {
            r[0]
            for r in con.execute("select distinct method from forecast.backtest_metrics where run_id = 'bt'").fetchall()
        }
        assert {"wipcast", "baseline_scheduled", "baseline_seasonal_naive", "baseline_ets", "crm"} <= methods
    finally:
        con.close()
    with open(out.report) as report:
        text = report.read()
    assert "WAPE" in text and "baseline_scheduled" in text


def test_default_as_of_is_the_marts_as_of_date(synth_settings):
    from dataclasses import replace

    settings = replace(synth_settings, as_of=None)
    con = duckdb.connect(str(settings.work_db))
    try:
        con.execute("create schema if not exists intermediate")
        con.execute("create table intermediate.int_as_of as select date '2025-11-30' as as_of_date")
    finally:
        con.close()
    out = run_forecast(settings, "default-as-of", horizon=3, draws=200, seed=1)
    assert out.as_of_date == dt.date(2025, 11, 30)
    assert out.months[0] == dt.date(2025, 12, 1)
