"""A private PostgreSQL cluster for the session, and the tiny firm built on it and on DuckDB.

Skipped only when no PostgreSQL server binaries are installed (`make test` installs Debian's
`postgresql` first, so CI never skips).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dbt"))

from cluster import PASSWORD, Cluster, binaries, private_cluster  # noqa: E402
from raw_fixture import LOAD_ID, build_raw_warehouse, small_firm_rows  # noqa: E402

from wipcast.settings import Settings, load_settings  # noqa: E402
from wipcast.transform import dbt_build, run_dbt  # noqa: E402
from wipcast.warehouses.postgres import PASSWORD_ENV  # noqa: E402


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    if binaries() is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl): `make test` installs Debian's postgresql")
    with private_cluster() as found:
        yield found


@pytest.fixture(scope="session")
def pg_password(cluster: Cluster) -> Iterator[str]:
    saved = os.environ.get(PASSWORD_ENV)
    os.environ[PASSWORD_ENV] = PASSWORD
    yield PASSWORD
    if saved is None:
        os.environ.pop(PASSWORD_ENV, None)
    else:
        os.environ[PASSWORD_ENV] = saved


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


@dataclass(frozen=True)
class Builds:
    duck: Settings
    pg: Settings
    cluster: Cluster


def pg_settings(cluster: Cluster, warehouse: Path) -> Settings:
    return load_settings(
        {
            "warehouse_dir": warehouse,
            "warehouse_kind": "postgres",
            "warehouse_dsn": cluster.dsn(password=None),
            "as_of": dt.date(2024, 7, 31),
        },
        cwd=warehouse.parent,
    )


@pytest.fixture(scope="session")
def builds(cluster: Cluster, pg_password: str, tmp_path_factory: pytest.TempPathFactory) -> Builds:
    """The same raw data built by dbt on DuckDB and on PostgreSQL, at the same time (two cores)."""
    base = tmp_path_factory.mktemp("pg_builds")
    duck_dir, pg_dir = base / "duck", base / "pg"
    duck_dir.mkdir()
    pg_dir.mkdir()
    raw_work_file(duck_dir / "work.duckdb")
    shutil.copyfile(duck_dir / "work.duckdb", pg_dir / "work.duckdb")
    duck = load_settings({"warehouse_dir": duck_dir, "as_of": dt.date(2024, 7, 31)}, cwd=base)
    pg = pg_settings(cluster, pg_dir)
    errors: list[BaseException] = []

    def build(settings: Settings) -> None:
        try:
            if settings.warehouse_kind == "postgres":
                dbt_build(settings, "build-postgres")  # models, data tests and unit tests, and the build stamp
            else:
                # the reference marts: models, snapshots and seeds (tests/dbt runs the tests on DuckDB)
                run_dbt(settings, ["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=build, args=(s,)) for s in (duck, pg)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        pytest.fail("dbt build failed: " + "; ".join(str(e) for e in errors))
    return Builds(duck, pg, cluster)
