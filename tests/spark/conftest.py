"""One Spark session for the test session (local mode, in this process), and the tiny firm built on it
and on DuckDB.

Skipped only when no Java runtime is installed (`make test` installs Debian's OpenJDK first, so CI
never skips). Spark's defaults are for clusters: the session here runs one shuffle partition and no
whole-stage code generation, which on the tiny firm's few hundred rows saves more than half the build.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dbt"))

from reference_build import AS_OF, build_beside_reference, raw_work_file  # noqa: E402
from spark_compare import BUILD_RUN  # noqa: E402

from wipcast.settings import Settings, load_settings  # noqa: E402
from wipcast.transform import dbt_build  # noqa: E402
from wipcast.warehouses import spark  # noqa: E402


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
    spark_dir = base / "spark"
    spark_dir.mkdir()
    raw_work_file(spark_dir / "work.duckdb")
    on_spark = spark_settings(spark_dir)
    session = spark.session(on_spark)
    session.conf.set("spark.sql.shuffle.partitions", "1")
    session.conf.set("spark.sql.codegen.wholeStage", "false")
    reference = build_beside_reference(
        tmp_path_factory,
        base,
        lambda: dbt_build(on_spark, BUILD_RUN),  # raw copy, models, tests, build stamp
    )
    yield Builds(reference, on_spark)
    spark.stop()
