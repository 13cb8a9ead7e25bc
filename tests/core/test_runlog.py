"""ops.run_log rows always end as success or failed, and logging never hides a step's own error."""

import contextlib

import duckdb
import pytest

from wipcast import runlog
from wipcast.errors import WipcastError
from wipcast.settings import load_settings


@pytest.fixture
def settings(tmp_path):
    return load_settings({"warehouse_dir": tmp_path / "wh"}, cwd=tmp_path)


def _rows(settings):
    con = duckdb.connect(str(settings.work_db), read_only=True)
    try:
        return con.execute("select step, status, rows, message from ops.run_log order by started_at").fetchall()
    finally:
        con.close()


def test_success_and_failure_are_recorded(settings):
    with runlog.logged_step(settings, "r1", "ingest") as record:
        record.rows, record.message = 12, "ok"
    with pytest.raises(ValueError, match="boom"), runlog.logged_step(settings, "r1", "transform"):
        raise ValueError("boom")
    assert _rows(settings) == [("ingest", "success", 12, "ok"), ("transform", "failed", None, "boom")]


def _locked_for(settings, monkeypatch, failures):
    """work_connection that reports a lock `failures` times after the 'running' row is written."""
    real = runlog.work_connection
    calls = {"n": 0}

    @contextlib.contextmanager
    def flaky(s):
        calls["n"] += 1
        if 1 < calls["n"] <= 1 + failures:
            raise WipcastError("cannot open the working warehouse", "locked")
        with real(s) as con:
            yield con

    monkeypatch.setattr(runlog, "work_connection", flaky)
    monkeypatch.setattr(runlog.time, "sleep", lambda seconds: None)


def test_a_briefly_locked_warehouse_still_gets_the_final_status(settings, monkeypatch):
    _locked_for(settings, monkeypatch, failures=2)
    with runlog.logged_step(settings, "r1", "forecast"):
        pass
    assert _rows(settings) == [("forecast", "success", None, None)]


def test_an_unwritable_log_does_not_hide_the_steps_own_error(settings, monkeypatch):
    _locked_for(settings, monkeypatch, failures=runlog.FINISH_ATTEMPTS)
    with pytest.raises(ValueError, match="boom") as info, runlog.logged_step(settings, "r1", "forecast"):
        raise ValueError("boom")
    assert any("could not record" in note for note in info.value.__notes__)
