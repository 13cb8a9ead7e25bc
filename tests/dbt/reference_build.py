"""The DuckDB reference build the cross-engine tests compare with (tests/postgres, tests/spark): the hand-made
small firm of tests/dbt as ingest leaves it, built once per test run by dbt (models, snapshots, seeds; the
tests themselves run in tests/dbt), whichever worker asks first, and copied for each caller so that what a
test writes (a forecast, a publish) stays its own."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from raw_fixture import LOAD_ID, build_raw_warehouse, small_firm_rows

from wipcast.settings import Settings, load_settings
from wipcast.transform import run_dbt

AS_OF = dt.date(2024, 7, 31)
REFERENCE_BUILD = ["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]


def raw_work_file(path: Path) -> None:
    """The hand-made small firm of tests/dbt as ingest leaves it, with dlt's load table."""
    build_raw_warehouse(path, small_firm_rows())
    con = duckdb.connect(str(path))
    try:
        con.execute(
            "create table raw_canonical._dlt_loads (load_id varchar, schema_name varchar, status bigint, "
            "inserted_at timestamp with time zone, schema_version_hash varchar)"
        )
        con.execute("insert into raw_canonical._dlt_loads values (?, 'wipcast_canonical', 0, now(), 'x')", [LOAD_ID])
    finally:
        con.close()


def _shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of this test run that every xdist worker sees (a lone run: its own base temp)."""
    base = tmp_path_factory.getbasetemp()
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "duckdb-reference"


def duckdb_reference(tmp_path_factory: pytest.TempPathFactory, into: Path) -> Settings:
    """The reference build, copied into `into` (created); its settings."""
    shared = _shared_dir(tmp_path_factory)
    with open(str(shared) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other worker waits here while the first one builds
        if not (shared / "built").exists():
            shutil.rmtree(shared, ignore_errors=True)
            shared.mkdir(parents=True)
            raw_work_file(shared / "work.duckdb")
            run_dbt(load_settings({"warehouse_dir": shared, "as_of": AS_OF}, cwd=shared.parent), REFERENCE_BUILD)
            (shared / "built").write_text("")
    shutil.copytree(shared, into, ignore=shutil.ignore_patterns("built"))
    return load_settings({"warehouse_dir": into, "as_of": AS_OF}, cwd=into.parent)


def build_beside_reference(
    tmp_path_factory: pytest.TempPathFactory, base: Path, build: Callable[[], object]
) -> Settings:
    """Run `build` (another engine's dbt build, in this thread) while the DuckDB reference is copied into
    base/duck (built first if no worker has: both cores work at once); the reference's settings. Either
    failure fails the fixture with both errors."""
    errors: list[BaseException] = []
    references: list[Settings] = []

    def reference() -> None:
        try:
            references.append(duckdb_reference(tmp_path_factory, base / "duck"))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=reference)
    thread.start()
    try:
        build()
    except BaseException as exc:
        errors.append(exc)
    thread.join()
    if errors:
        pytest.fail("dbt build failed: " + "; ".join(str(e) for e in errors))
    return references[0]
