"""The app with no warehouse, with a partial one, with a publish underneath it; and its data-access safety."""

from __future__ import annotations

import os
import shutil

import duckdb
import pandas as pd
import pytest
from app_fixture_warehouse import build_fixture_warehouse
from app_helpers import PAGE_FILES, metric, money_value, no_exception, open_page

from app import data, warehouse_access
from wipcast.publish import publish
from wipcast.settings import load_settings

YTD_SQL = (
    "select sum(earned_revenue_reporting) from marts.mart_revenue_monthly "
    "where month_start between date '2026-01-01' and date '2026-10-01'"
)


def test_without_a_warehouse_every_page_says_how_to_build_it(tmp_path, use_warehouse):
    use_warehouse(tmp_path / "nothing-here")
    at = open_page("Overview")
    for title, page_file in PAGE_FILES.items():
        at.switch_page(page_file).run()
        no_exception(at)
        assert [t.value for t in at.title] == [title]
        assert any("make build" in w.value for w in at.warning), [w.value for w in at.warning]


@pytest.fixture(scope="module")
def marts_only_dir(tmp_path_factory, warehouse_dir):
    """A warehouse published before any forecast or run log existed (marts only)."""
    folder = tmp_path_factory.mktemp("marts-only")
    path = folder / "wipcast.duckdb"
    shutil.copyfile(warehouse_dir / "wipcast.duckdb", path)
    con = duckdb.connect(str(path))
    for schema in ("forecast", "ops"):
        con.execute(f"drop schema {schema} cascade")
    con.close()
    return folder


def test_a_warehouse_without_forecasts_gives_empty_states_not_errors(marts_only_dir, use_warehouse):
    use_warehouse(marts_only_dir)
    at = open_page("Overview")
    for title, page_file in PAGE_FILES.items():
        at.switch_page(page_file).run()
        no_exception(at)
        assert [t.value for t in at.title] == [title]
        if title in ("Forecast", "Variance", "Forecast accuracy"):
            assert any("forecast" in i.value.lower() or "backtest" in i.value.lower() for i in at.info), title


def test_a_publish_underneath_the_running_app_shows_the_new_data(tmp_path, use_warehouse, sql):
    folder = use_warehouse(tmp_path / "live")
    build_fixture_warehouse(folder / "wipcast.duckdb")
    at = open_page("Overview")
    before = money_value(metric(at, "Revenue year to date").value)
    assert before == pytest.approx(sql(YTD_SQL, folder=folder), abs=0.5)

    # What `wipcast run` does last: build in the working database, then publish (copy + atomic os.replace).
    build_fixture_warehouse(folder / "work.duckdb", bump=2.0)
    publish(load_settings({"warehouse_dir": str(folder)}), "test-publish")

    at.run()
    no_exception(at)
    after = money_value(metric(at, "Revenue year to date").value)
    assert after == pytest.approx(sql(YTD_SQL, folder=folder), abs=0.5)
    assert after == pytest.approx(2 * before, rel=0.001)


def test_values_are_bound_never_formatted_into_sql(warehouse_dir, use_warehouse):
    use_warehouse(warehouse_dir)
    hostile = data.Filters(practices=("Data' or 1=1 --",), customers=("x'); drop table marts.dim_project; --",))
    assert data.revenue_monthly(hostile, pd.Timestamp("2026-01-01").date(), pd.Timestamp("2026-10-01").date()).empty
    assert data.unbilled_total(hostile) == 0.0
    assert "marts" in {schema for schema, _ in data.catalog()}


def test_group_by_dimensions_come_from_an_allow_list(warehouse_dir, use_warehouse):
    use_warehouse(warehouse_dir)
    with pytest.raises(ValueError, match="unknown grouping"):
        data.forecast_by_group(data.Filters(), "run-202610", "1; select 1")
    with pytest.raises(ValueError, match="unknown grouping"):
        data.unbilled_by(data.Filters(), "practice) from x --")


def test_the_connection_is_read_only_and_cannot_touch_other_files(warehouse_dir, use_warehouse):
    use_warehouse(warehouse_dir)
    identity = warehouse_access.file_identity()
    with pytest.raises(duckdb.Error):
        warehouse_access.run_sql(identity, "select * from read_csv('/etc/passwd')")
    with pytest.raises(duckdb.Error):
        warehouse_access.run_sql(identity, "create table marts.evil as select 1")
    with pytest.raises(duckdb.Error):
        warehouse_access.run_sql(identity, "set enable_external_access = true")


def test_a_transient_lock_error_is_retried(warehouse_dir, monkeypatch):
    real_connect = duckdb.connect
    failures = {"left": 2}

    def flaky_connect(*args, **kwargs):
        if failures["left"]:
            failures["left"] -= 1
            raise duckdb.IOException('IO Error: Could not set lock on file "wipcast.duckdb": Conflicting lock')
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(warehouse_access.duckdb, "connect", flaky_connect)
    monkeypatch.setattr(warehouse_access, "FIRST_BACKOFF_SECONDS", 0.001)
    identity = warehouse_access.file_identity(warehouse_dir / "wipcast.duckdb")
    assert warehouse_access.run_sql(identity, "select 42 as answer")["answer"].iloc[0] == 42
    assert failures["left"] == 0


def test_a_lock_that_never_clears_becomes_a_polite_busy_error(warehouse_dir, monkeypatch):
    def locked(*args, **kwargs):
        raise duckdb.IOException("IO Error: Could not set lock on file")

    monkeypatch.setattr(warehouse_access.duckdb, "connect", locked)
    monkeypatch.setattr(warehouse_access, "FIRST_BACKOFF_SECONDS", 0.001)
    identity = warehouse_access.file_identity(warehouse_dir / "wipcast.duckdb")
    with pytest.raises(warehouse_access.WarehouseBusy):
        warehouse_access.run_sql(identity, "select 1")


def test_the_file_identity_changes_when_a_publish_replaces_the_file(tmp_path):
    first = tmp_path / "wipcast.duckdb"
    duckdb.connect(str(first)).close()
    before = warehouse_access.file_identity(first)
    copy = tmp_path / "next.duckdb"
    shutil.copyfile(first, copy)
    os.replace(copy, first)
    assert warehouse_access.file_identity(first) != before
