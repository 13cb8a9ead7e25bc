"""The one-writer rule: two writers at once never both write; a killed writer leaves nothing a later
writer must clean by hand; publish refuses a build that is failed or older than the raw data."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from wipcast.build_stamp import record_build, unpublishable_reason
from wipcast.errors import WipcastError
from wipcast.lock import WarehouseBusy, current_holder, writer_lock
from wipcast.publish import publish
from wipcast.recovery import stale_publish_files
from wipcast.runlog import logged_step
from wipcast.settings import load_settings

WIPCAST = str(Path(sys.executable).with_name("wipcast"))
LOCK_MESSAGE = "is being written by"


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.delenv("WIPCAST_WAREHOUSE_DIR", raising=False)
    return load_settings({"warehouse_dir": tmp_path / "wh"}, cwd=tmp_path)


@pytest.fixture(scope="module")
def two_firms(tmp_path_factory):
    import simulator

    root = tmp_path_factory.mktemp("firms")
    for name, seed in (("a", 3), ("b", 4)):
        simulator.generate(root / name, employees=6, months=4, as_of=dt.date(2026, 10, 31), seed=seed)
    return root / "a", root / "b"


def _env(warehouse: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIPCAST_")}
    env["WIPCAST_WAREHOUSE_DIR"] = str(warehouse)
    return env


def _start(args: list[str], warehouse: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [WIPCAST, *args], env=_env(warehouse), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


# ---------------------------------------------------------------- the lock itself


def test_a_second_writer_fails_at_once_naming_the_holder(settings):
    with writer_lock(settings, "ingest", "run-1"):
        other = load_settings({"warehouse_dir": settings.warehouse_dir})
        probe = subprocess.run(
            [sys.executable, "-c", _TRY_LOCK, str(settings.warehouse_dir), "0"], capture_output=True, text=True
        )
        assert probe.returncode == 3, probe.stderr
        assert "step ingest of run run-1" in probe.stdout and f"pid {os.getpid()}" in probe.stdout
        holder = current_holder(other)
        assert holder is not None and holder.step == "ingest" and holder.pid == os.getpid()
    # released on exit: the next writer gets it
    probe = subprocess.run([sys.executable, "-c", _TRY_LOCK, str(settings.warehouse_dir), "0"], capture_output=True)
    assert probe.returncode == 0


_TRY_LOCK = """
import sys
from wipcast.lock import WarehouseBusy, writer_lock
from wipcast.settings import load_settings
s = load_settings({"warehouse_dir": sys.argv[1], "lock_wait_seconds": float(sys.argv[2])})
try:
    with writer_lock(s, "probe", "probe-run"):
        pass
except WarehouseBusy as exc:
    print(exc.one_line())
    sys.exit(3)
"""


def test_a_waiting_writer_gets_the_lock_when_the_holder_ends(settings):
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(settings.warehouse_dir), "1.0"], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    waited = load_settings({"warehouse_dir": settings.warehouse_dir, "lock_wait_seconds": 10})
    started = time.monotonic()
    with writer_lock(waited, "transform", "run-2"):
        assert time.monotonic() - started >= 0.5
    holder.wait(timeout=10)


_HOLD_LOCK = """
import sys, time
from wipcast.lock import writer_lock
from wipcast.settings import load_settings
s = load_settings({"warehouse_dir": sys.argv[1]})
with writer_lock(s, "ingest", "holder"):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_a_killed_holder_releases_the_lock(settings):
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(settings.warehouse_dir), "60"], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    with pytest.raises(WarehouseBusy), writer_lock(settings, "publish", "run-3"):
        pass
    holder.kill()
    holder.wait(timeout=10)
    with writer_lock(settings, "publish", "run-3"):
        pass


def test_the_lock_is_reentrant_within_a_process(settings):
    with writer_lock(settings, "run", "run-1"), writer_lock(settings, "ingest", "run-1"):
        assert current_holder(settings).step == "run"


def test_a_read_only_warehouse_folder_is_one_clear_line(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root writes to read-only folders")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    with (
        pytest.raises(WipcastError, match="not writable"),
        writer_lock(load_settings({"warehouse_dir": folder}), "ingest", "r"),
    ):
        pass


# ---------------------------------------------------------------- what a killed writer leaves


def test_the_next_writer_cleans_what_a_killed_one_left(settings):
    settings.warehouse_dir.mkdir(parents=True)
    with logged_step(settings, "killed-run", "transform"):
        pass
    con = duckdb.connect(str(settings.work_db))
    con.execute("insert into ops.run_log values ('killed-run', 'publish', now(), null, 'running', null, null)")
    con.close()
    (settings.warehouse_dir / ".wipcast.duckdb.killed-run.tmp").write_bytes(b"half a copy")
    (settings.dlt_runs_dir / "killed-run" / "pipelines").mkdir(parents=True)
    assert stale_publish_files(settings) == [".wipcast.duckdb.killed-run.tmp"]

    with logged_step(settings, "next-run", "ingest"):
        pass

    assert stale_publish_files(settings) == []
    assert list(settings.dlt_runs_dir.iterdir()) == []
    con = duckdb.connect(str(settings.work_db), read_only=True)
    rows = con.execute("select run_id, step, status from ops.run_log order by run_id, step").fetchall()
    con.close()
    assert rows == [
        ("killed-run", "publish", "abandoned"),
        ("killed-run", "transform", "success"),
        ("next-run", "ingest", "success"),
    ]


# ---------------------------------------------------------------- publish checks the build stamp


def _fake_build(settings, value: str) -> None:
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.work_db))
    con.execute("create schema if not exists marts")
    con.execute("create or replace table marts.dim_project as select ? as project_id", [value])
    con.execute("create schema if not exists raw_canonical")
    con.execute("create table if not exists raw_canonical._dlt_loads (load_id varchar, status bigint)")
    con.close()


def _load(settings, load_id: str) -> None:
    con = duckdb.connect(str(settings.work_db))
    con.execute("insert into raw_canonical._dlt_loads values (?, 0)", [load_id])
    con.close()


def _stamp(settings, status: str) -> None:
    con = duckdb.connect(str(settings.work_db))
    from wipcast.build_stamp import raw_loads

    loads = raw_loads(con)
    con.close()
    record_build(settings, "build-1", dt.datetime.now(dt.UTC), status, loads)


def _reason(settings) -> str | None:
    con = duckdb.connect(str(settings.work_db), read_only=True)
    try:
        return unpublishable_reason(con)
    finally:
        con.close()


def test_publish_needs_a_successful_transform_of_the_current_raw_data(settings):
    _fake_build(settings, "P1")
    _load(settings, "1700000000.1")
    assert "no transform has run" in _reason(settings)
    _stamp(settings, "failed")
    assert "latest transform (run build-1) failed" in _reason(settings)
    with pytest.raises(WipcastError, match="not published"):
        publish(settings, "pub-1")
    assert not settings.published_db.exists()

    _stamp(settings, "success")
    assert _reason(settings) is None
    publish(settings, "pub-2")
    before = settings.published_db.read_bytes()

    _load(settings, "1700000001.2")  # an ingest after the build
    assert "data was loaded after the latest transform" in _reason(settings)
    with pytest.raises(WipcastError, match="loaded after the latest transform"):
        publish(settings, "pub-3")
    assert settings.published_db.read_bytes() == before


# ---------------------------------------------------------------- real processes at once


def _raw_load_ids_without_log(warehouse: Path) -> tuple[set[str], set[str]]:
    con = duckdb.connect(str(warehouse / "work.duckdb"), read_only=True)
    try:
        raw: set[str] = set()
        for (table,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw_canonical' "
            "and table_name not like '_dlt%'"
        ).fetchall():
            raw |= {r[0] for r in con.execute(f'select distinct _dlt_load_id from raw_canonical."{table}"').fetchall()}
        logged = {r[0] for r in con.execute("select distinct dlt_load_id from ops.load_log").fetchall()}
        return raw, logged
    finally:
        con.close()


@pytest.mark.slow
def test_two_ingests_at_once_never_both_write(two_firms, tmp_path):
    folder_a, folder_b = two_firms
    outcomes = []
    for trial in range(4):
        warehouse = tmp_path / f"wh{trial}"
        first = _start(["ingest", "files", str(folder_a)], warehouse)
        time.sleep(0.3 * trial)
        second = _start(["ingest", "files", str(folder_b)], warehouse)
        results = [(p.wait(timeout=180), p.stderr.read() if p.stderr else "") for p in (first, second)]
        for code, err in results:
            assert code == 0 or (code == 1 and LOCK_MESSAGE in err and "ingest did not start" in err), err
        assert any(code == 0 for code, _ in results)
        raw, logged = _raw_load_ids_without_log(warehouse)
        assert raw <= logged, f"raw rows from loads with no ops.load_log row: {raw - logged}"
        con = duckdb.connect(str(warehouse / "work.duckdb"), read_only=True)
        runs = con.execute("select count(distinct run_id) from ops.load_log").fetchone()[0]
        con.close()
        assert runs == sum(code == 0 for code, _ in results)
        outcomes.append(tuple(code for code, _ in results))
    assert any(1 in o for o in outcomes), "the trials never overlapped, so the lock was not exercised"


@pytest.mark.slow
def test_an_ingest_and_a_transform_at_once(two_firms, tmp_path):
    folder_a, _ = two_firms
    warehouse = tmp_path / "wh"
    assert subprocess.run([WIPCAST, "ingest", "files", str(folder_a)], env=_env(warehouse)).returncode == 0
    ingest = _start(["ingest", "files", str(folder_a)], warehouse)
    time.sleep(0.5)
    transform = _start(["transform"], warehouse)
    for proc, step in ((ingest, "ingest"), (transform, "transform")):
        code = proc.wait(timeout=300)
        err = proc.stderr.read() if proc.stderr else ""
        assert code == 0 or (code == 1 and f"{step} did not start" in err), err
