"""The published file opens in the DuckDB command-line client that `make setup` installs (duckdb-cli
from PyPI, which reads older storage formats than the pipeline's DuckDB writes), read-only, also
while publishes replace it; `wipcast sql -c` runs a query through that client."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest

from wipcast.build_stamp import current_raw_loads, record_build
from wipcast.publish import publish
from wipcast.runlog import logged_step
from wipcast.settings import load_settings

CLI = Path(sys.executable).with_name("duckdb")
WIPCAST = Path(sys.executable).with_name("wipcast")
pytestmark = pytest.mark.skipif(not CLI.exists(), reason="duckdb-cli is not installed: run `make setup`")


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.delenv("WIPCAST_WAREHOUSE_DIR", raising=False)
    return load_settings({"warehouse_dir": tmp_path / "wh"}, cwd=tmp_path)


def _build(settings, generation: int) -> None:
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.work_db))
    con.execute("create schema if not exists marts")
    # 300,000 rows, so that a publish takes long enough for the client to run during it
    con.execute(
        "create or replace table marts.dim_project as select ? as generation, 'P' || i as project_id, "
        "cast(i / 100 as decimal(18, 2)) as amount from range(300000) t(i)",
        [generation],
    )
    con.close()
    record_build(settings, f"build-{generation}", dt.datetime.now(dt.UTC), "success", current_raw_loads(settings))


def _publish(settings, run_id: str) -> None:
    with logged_step(settings, run_id, "publish"):
        publish(settings, run_id)


def _client(path: Path, sql: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CLI), "-readonly", "-csv", "-noheader", str(path), "-c", sql],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_client_reads_the_published_file_but_not_the_working_one(settings):
    _build(settings, 1)
    _publish(settings, "pub-1")
    result = _client(settings.published_db, "select min(generation), count(*), sum(amount) from marts.dim_project")
    # amounts i / 100 for i in 0..299,999: 299,999 * 300,000 / 2 = 44,999,850,000 cents = 449,998,500.00
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1,300000,449998500.00"
    # the working file is in the pipeline's own (newer) format, which this client cannot open: the
    # published file's older format is what makes the line above pass
    refused = _client(settings.work_db, "select 1")
    assert refused.returncode != 0 and "version" in refused.stderr.lower()


def test_the_client_reads_while_publishes_replace_the_file(settings):
    _build(settings, 1)
    _publish(settings, "pub-1")
    stop = threading.Event()
    results: list[subprocess.CompletedProcess] = []

    def read() -> None:
        while not stop.is_set():
            results.append(_client(settings.published_db, "select min(generation), count(*) from marts.dim_project"))

    thread = threading.Thread(target=read)
    thread.start()
    try:
        for generation in (2, 3, 4):
            _build(settings, generation)
            _publish(settings, f"pub-{generation}")
    finally:
        stop.set()
        thread.join(timeout=120)
    assert results, "the client never ran"
    failed = [r.stderr.strip() for r in results if r.returncode != 0]
    assert failed == []
    assert {r.stdout.strip().split(",")[1] for r in results} == {"300000"}  # always a whole generation


def test_wipcast_sql_runs_a_query_read_only(settings):
    _build(settings, 7)
    _publish(settings, "pub-7")
    env = dict(os.environ, WIPCAST_WAREHOUSE_DIR=str(settings.warehouse_dir))
    ok = subprocess.run(
        [str(WIPCAST), "sql", "-c", "select max(generation) from marts.dim_project"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert "7" in ok.stdout
    refused = subprocess.run(
        [str(WIPCAST), "sql", "-c", "delete from marts.dim_project"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert refused.returncode != 0 and "read-only" in (refused.stdout + refused.stderr).lower()
