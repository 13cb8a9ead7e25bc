import datetime as dt

import duckdb
import pytest

from wipcast.build_stamp import current_raw_loads, record_build
from wipcast.errors import WipcastError
from wipcast.publish import publish
from wipcast.runlog import logged_step
from wipcast.settings import load_settings


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.delenv("WIPCAST_WAREHOUSE_DIR", raising=False)
    return load_settings({"warehouse_dir": tmp_path / "wh"}, cwd=tmp_path)


def _build(settings, value):
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.work_db))
    con.execute("create schema if not exists marts")
    con.execute("create or replace table marts.dim_project as select ? as project_id", [value])
    con.close()
    record_build(settings, f"build-{value}", dt.datetime.now(dt.UTC), "success", current_raw_loads(settings))


def _published_value(settings):
    con = duckdb.connect(str(settings.published_db), read_only=True)
    try:
        return con.execute("select project_id from marts.dim_project").fetchone()[0]
    finally:
        con.close()


def test_publish_replaces_atomically_and_logs(settings):
    _build(settings, "P1")
    with logged_step(settings, "run-1", "publish"):
        publish(settings, "run-1")
    assert _published_value(settings) == "P1"

    # A reader that holds the old file keeps reading it while a new publish replaces it.
    reader = duckdb.connect(str(settings.published_db), read_only=True)
    _build(settings, "P2")
    with logged_step(settings, "run-2", "publish"):
        publish(settings, "run-2")
    assert reader.execute("select project_id from marts.dim_project").fetchone()[0] == "P1"
    reader.close()
    assert _published_value(settings) == "P2"

    con = duckdb.connect(str(settings.published_db), read_only=True)
    rows = con.execute("select run_id, status from ops.run_log where step = 'publish' order by run_id").fetchall()
    con.close()
    # The published copy already records its own publish as a success.
    assert rows == [("run-1", "success"), ("run-2", "success")]
    leftovers = [p.name for p in settings.warehouse_dir.iterdir() if p.name.endswith(".tmp") or ".tmp." in p.name]
    assert leftovers == []


def test_incomplete_build_leaves_published_untouched(settings):
    _build(settings, "P1")
    publish(settings, "run-1")
    before = settings.published_db.read_bytes()

    con = duckdb.connect(str(settings.work_db))
    con.execute("drop table marts.dim_project")
    con.close()
    with pytest.raises(WipcastError) as err:
        publish(settings, "run-2")
    assert "marts.dim_project" in err.value.one_line()
    assert settings.published_db.read_bytes() == before
    assert sorted(p.name for p in settings.warehouse_dir.iterdir()) == ["wipcast.duckdb", "work.duckdb"]


def test_nothing_to_publish(settings):
    with pytest.raises(WipcastError) as err:
        publish(settings, "run-1")
    assert "nothing to publish" in err.value.one_line()
    assert not settings.published_db.exists()
