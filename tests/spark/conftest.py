"""One Spark session for the test session (local mode, in this process), and the tiny firm built on it
and on DuckDB.

Skipped only when no Java runtime is installed (`make test` installs Debian's OpenJDK first, so CI
never skips). Spark's defaults are for clusters: the session here runs one shuffle partition and no
whole-stage code generation, which on the tiny firm's few hundred rows saves more than half the build.
"""

from __future__ import annotations

import datetime as dt
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

from raw_fixture import LOAD_ID, build_raw_warehouse, small_firm_rows  # noqa: E402
from spark_compare import BUILD_RUN  # noqa: E402

from wipcast.settings import Settings, load_settings  # noqa: E402
from wipcast.transform import dbt_build, run_dbt  # noqa: E402
from wipcast.warehouses import spark  # noqa: E402

AS_OF = dt.date(2024, 7, 31)


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
    spark: Settings


def spark_settings(warehouse: Path) -> Settings:
    return load_settings(
        {
            "warehouse_dir": warehouse,
            "warehouse_kind": "spark",
            "spark_master": "local[2]",
            "dbt_threads": 2,
            "as_of": AS_OF,
        },
        cwd=warehouse.parent,
    )


@pytest.fixture(scope="session")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Builds]:
    """The same raw data built by dbt on DuckDB (a subprocess) and on Spark (this process), at once."""
    if shutil.which("java") is None:
        pytest.skip("no Java runtime: `make test` installs Debian's openjdk-17-jre-headless")
    base = tmp_path_factory.mktemp("spark_builds")
    duck_dir, spark_dir = base / "duck", base / "spark"
    duck_dir.mkdir()
    spark_dir.mkdir()
    raw_work_file(duck_dir / "work.duckdb")
    shutil.copyfile(duck_dir / "work.duckdb", spark_dir / "work.duckdb")
    duck = load_settings({"warehouse_dir": duck_dir, "as_of": AS_OF}, cwd=base)
    on_spark = spark_settings(spark_dir)
    session = spark.session(on_spark)
    session.conf.set("spark.sql.shuffle.partitions", "1")
    session.conf.set("spark.sql.codegen.wholeStage", "false")
    errors: list[BaseException] = []

    def build_duckdb() -> None:
        try:
            # the reference marts: models, snapshots and seeds (tests/dbt runs the tests on DuckDB)
            run_dbt(duck, ["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"])
        except BaseException as exc:
            errors.append(exc)

    reference = threading.Thread(target=build_duckdb)
    reference.start()
    try:
        dbt_build(on_spark, BUILD_RUN)  # raw copy, models, data tests and unit tests, and the build stamp
    except BaseException as exc:
        errors.append(exc)
    reference.join()
    if errors:
        pytest.fail("dbt build failed: " + "; ".join(str(e) for e in errors))
    yield Builds(duck, on_spark)
    spark.stop()
