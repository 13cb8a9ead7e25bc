"""A private PostgreSQL cluster for the session, and the tiny firm built on it and on DuckDB.

Skipped only when no PostgreSQL server binaries are installed (`make test` installs Debian's
`postgresql` first, so CI never skips).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dbt"))

from cluster import PASSWORD, Cluster, binaries, private_cluster  # noqa: E402
from reference_build import AS_OF, build_beside_reference, raw_work_file  # noqa: E402

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
            "as_of": AS_OF,
        },
        cwd=warehouse.parent,
    )


def _build_and_unit_test(pg: Settings) -> None:
    """Models, data tests and the build stamp, then the dbt unit tests (which `wipcast transform` leaves
    to development and CI) on PostgreSQL too, while the build's schemas they read still exist; a failing
    unit test fails every test of this folder, naming itself."""
    dbt_build(pg, "build-postgres")
    run_dbt(pg, ["test", "--select", "test_type:unit"])


@pytest.fixture(scope="session")
def builds(cluster: Cluster, pg_password: str, tmp_path_factory: pytest.TempPathFactory) -> Builds:
    """The same raw data built by dbt on DuckDB and on PostgreSQL, at the same time (two cores)."""
    base = tmp_path_factory.mktemp("pg_builds")
    pg_dir = base / "pg"
    pg_dir.mkdir()
    raw_work_file(pg_dir / "work.duckdb")
    pg = pg_settings(cluster, pg_dir)
    reference = build_beside_reference(
        tmp_path_factory,
        base,
        lambda: _build_and_unit_test(pg),
    )
    return Builds(reference, pg, cluster)
