"""Apache Spark as the warehouse: the one Spark session of a process, and Arrow in and out of it.

`[warehouse] kind = "spark"` runs Spark in this process (pyspark from PyPI, `master` from wipcast.toml,
default `local[2]`): dbt-spark's `session` method, the raw copy, the forecast's reads and writes and
publish all use the same session, which is started once per process and stopped at exit. Its tables
are Parquet folders under `<warehouse>/spark/tables`, and its catalog (which database holds which
table) is a Hive metastore kept in an embedded Derby database in `<warehouse>/spark/metastore_db`.
Embedded Derby admits one process at a time, so in local mode the pipeline is the only process that
opens the catalog (the writer lock serialises the pipeline's own steps); a cluster has a metastore
service (or Unity Catalog on Databricks) that many readers share (docs/warehouses.md).

Databases: as on PostgreSQL, dbt builds the published ones under a build name (`marts__build`), and
publish renames their tables into place (wipcast.warehouses.spark_swap).
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import threading
from pathlib import Path
from typing import Any

import pyarrow as pa

from wipcast.errors import WipcastError
from wipcast.settings import Settings

# Spark's SQL identifiers are quoted with backticks; only names of this shape are ever quoted, so a
# name from the data can never break out of its quotes.
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_lock = threading.Lock()
_session: Any = None
_session_dir: Path | None = None


def spark_dir(settings: Settings) -> Path:
    """Tables and catalog of the local Spark warehouse."""
    return settings.warehouse_dir / "spark"


def quote(name: str) -> str:
    if not _NAME.match(name):
        raise WipcastError(f"{name!r} is not a Spark table or database name wipcast writes", "report this as a bug")
    return f"`{name}`"


def table_name(database: str, table: str) -> str:
    return f"{quote(database)}.{quote(table)}"


def shuffle_partitions(master: str) -> int:
    """Shuffle partitions per stage: Spark's default of 200 is for clusters, and costs seconds per query on
    tiny data; two per core keeps every core busy and the tasks few."""
    found = re.fullmatch(r"local\[(\d+|\*)\]", master.strip())
    if found is None:
        return 8 if master.strip() == "local" else 200
    cores = (os.cpu_count() or 1) if found.group(1) == "*" else int(found.group(1))
    return max(2, 2 * cores)


def session_config(settings: Settings) -> dict[str, str]:
    """The session's configuration (also what dbt's `spark` target passes when it starts a session itself)."""
    folder = spark_dir(settings).resolve()
    metastore = folder / "metastore_db"
    master = settings.spark_master
    return {
        "spark.master": master,
        "spark.app.name": "wipcast",
        "spark.sql.warehouse.dir": (folder / "tables").as_uri(),
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={metastore};create=true",
        # derby.log beside the catalog, not in the current folder
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={folder}",
        "spark.sql.shuffle.partitions": str(shuffle_partitions(master)),
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.ansi.enabled": "false",  # dbt-spark runs with ANSI off on Spark 3 and 4 alike
        "spark.sql.sources.partitionOverwriteMode": "dynamic",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        # local mode talks to itself only: the driver binds to loopback, never to a public interface
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.memory": settings.spark_driver_memory,
    }


def session(settings: Settings) -> Any:
    """This process's Spark session for the warehouse, started on first use; one line when Java is missing."""
    global _session, _session_dir
    with _lock:
        folder = spark_dir(settings).resolve()
        if _session is not None:
            if _session_dir != folder:
                raise WipcastError(
                    f"this process already has a Spark session for {_session_dir}, not {folder}",
                    "run one warehouse per process",
                )
            return _session
        if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
            raise WipcastError(
                "the Spark warehouse needs Java, and no `java` is on PATH",
                "install a Java runtime (Debian: apt-get install openjdk-17-jre-headless, or `make openjdk`)",
            )
        folder.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        from pyspark.sql import SparkSession

        builder = SparkSession.builder.enableHiveSupport()
        for key, value in session_config(settings).items():
            builder = builder.config(key, value)
        try:
            _session = builder.getOrCreate()
        except Exception as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
            raise WipcastError(
                f"cannot start Spark for the warehouse {folder} ({first})",
                "another process may hold its catalog (metastore_db); only one process opens a local Spark "
                "warehouse at a time",
            ) from None
        _session.sparkContext.setLogLevel("ERROR")
        _session_dir = folder
        atexit.register(stop)
        return _session


def stop() -> None:
    """Stop this process's session (at exit, or when a test wants a fresh one)."""
    global _session, _session_dir
    with _lock:
        if _session is not None:
            _session.stop()
        _session, _session_dir = None, None


def sql(settings: Settings, statement: str) -> list[tuple[Any, ...]]:
    """Run one statement; its rows as tuples."""
    return [tuple(row) for row in session(settings).sql(statement).collect()]


def databases(settings: Settings) -> set[str]:
    return {row[0] for row in sql(settings, "show databases")}


def tables(settings: Settings, database: str) -> list[str]:
    """Tables and views of a database (none when it does not exist), sorted."""
    if database not in databases(settings):
        return []
    rows = session(settings).sql(f"show tables in {quote(database)}").collect()
    return sorted(row["tableName"] for row in rows if not row["isTemporary"])


def exists(settings: Settings, database: str, table: str) -> bool:
    return table in tables(settings, database)


def to_arrow(settings: Settings, query: str) -> pa.Table:
    """A query's result as an Arrow table (Spark's Arrow path: no row objects in Python)."""
    return session(settings).sql(query).toArrow()


def write_arrow(settings: Settings, database: str, table: str, data: pa.Table, mode: str = "overwrite") -> None:
    """An Arrow table into a Parquet table of the warehouse: `overwrite` replaces it (created when
    missing), `append` adds rows to it. Timestamps with a time zone are kept as instants (UTC)."""
    spark = session(settings)
    spark.sql(f"create database if not exists {quote(database)}")
    frame = spark.createDataFrame(data)
    frame.write.format("parquet").mode(mode).saveAsTable(table_name(database, table))
