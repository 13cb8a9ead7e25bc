"""Publish: atomically replace the warehouse that the app and analysts read.

Only a complete, current build is published: the latest transform must have succeeded and no
data may have been loaded since it started (wipcast.build_stamp). The working database is then
checkpointed, copied (COPY FROM DATABASE) into a temporary file in the same folder written in the
storage format STORAGE_VERSION, stamped with the publish row of ops.run_log, checked, fsynced and
renamed over wipcast.duckdb. A rename within one folder is atomic on POSIX: a reader sees the old
file or the new one, never a half-written one, and readers that still hold the old file keep reading it.

The published file is written in an older storage format than the pipeline's DuckDB writes by
default, so that the DuckDB clients analysts and BI tools have (the `duckdb` CLI from PyPI, drivers
that lag a release or two) can open it; the working file keeps the pipeline's own format.

With `[warehouse] kind = "postgres"` the same checks run, then wipcast.warehouses.swap renames the
built schemas into place on the server in one transaction; with `kind = "spark"`,
wipcast.warehouses.spark_swap points the readers' views at the latest build's databases.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from pathlib import Path

import duckdb

from wipcast.build_stamp import unpublishable_reason
from wipcast.errors import WipcastError
from wipcast.runlog import ensure_run_log
from wipcast.settings import Settings
from wipcast.warehouse import table_exists, work_connection

# Storage format of the published file: v1.0.0 (storage version 64) is read by every DuckDB from 0.10
# to today, including the newest `duckdb` CLI on PyPI (1.5.x reads 64 to 68; the pipeline's DuckDB 2.0
# writes 69 by default). tests/core/test_published_storage.py opens it with the installed CLI.
STORAGE_VERSION = "v1.0.0"

# Tables a published warehouse must hold; a build that lacks them is not published.
REQUIRED_TABLES = (("marts", "dim_project"),)

# Money columns of the forecast tables (forecasting/finite.py MONEY_COLUMNS; a test keeps the two equal):
# a warehouse where one holds NaN or an infinity is not published.
FORECAST_MONEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "revenue_forecast": ("mean", "p10", "p50", "p90"),
    "revenue_forecast_draws": ("value",),
    "revenue_quantiles": ("mean", "p10", "p50", "p90"),
}


def not_finite_forecast(con: duckdb.DuckDBPyConnection) -> tuple[str, str, str, str] | None:
    """The first forecast money figure that is NaN or infinite, as (table, column, run_id, month), or
    None: one scan per forecast table that exists, stopping at the first hit."""
    for table, columns in FORECAST_MONEY_COLUMNS.items():
        if not table_exists(con, "forecast", table):
            continue
        bad = " or ".join(f"isnan({c}) or isinf({c})" for c in columns)
        found = con.execute(
            f"select run_id, cast(month as varchar), {', '.join(columns)} from forecast.{table} where {bad} limit 1"
        ).fetchall()
        if found:
            run_id, month, *values = found[0]
            column = next(c for c, v in zip(columns, values, strict=True) if not math.isfinite(v))
            return table, column, run_id, month
    return None


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_database(work: Path, tmp: Path) -> None:
    """Every schema, table, view and macro of the working file into a new file at STORAGE_VERSION."""
    con = duckdb.connect()
    try:
        con.execute("attach ? as source (read_only)", [str(work)])
        con.execute(f"attach ? as published (storage_version '{STORAGE_VERSION}')", [str(tmp)])
        con.execute("copy from database source to published")
        con.execute("detach published")
    finally:
        con.close()


def publish(settings: Settings, run_id: str, required: tuple[tuple[str, str], ...] = REQUIRED_TABLES) -> Path | str:
    """Replace settings.published_db with a consistent copy of the working database (on PostgreSQL:
    swap the built schemas into place); return what was published, for the message."""
    work = settings.work_db
    if not work.exists():
        raise WipcastError(f"nothing to publish: no working warehouse at {work}", "run `wipcast run` first")
    with work_connection(settings) as con:
        reason = unpublishable_reason(con)
        if reason is not None:
            raise WipcastError(
                f"not published: {reason}; the published warehouse was not changed",
                "run `wipcast transform` (or `wipcast run`) and publish after it succeeds",
            )
        bad = not_finite_forecast(con)
        if bad is not None:
            table, column, bad_run, month = bad
            raise WipcastError(
                f"not published: forecast.{table}.{column} holds a NaN or infinite figure (run {bad_run}, "
                f"month {month}); the published warehouse was not changed",
                f"remove run {bad_run} from the forecast tables (delete from forecast.<table> where run_id = "
                f"'{bad_run}') and publish again",
            )
        if settings.warehouse_kind == "postgres":
            from wipcast.warehouses.swap import publish_postgres

            ensure_run_log(con)
            return publish_postgres(settings, con, run_id, required)
        if settings.warehouse_kind == "spark":
            from wipcast.warehouses.spark_swap import latest_build, publish_spark

            ensure_run_log(con)
            return publish_spark(settings, con, latest_build(con), run_id, required)
        con.execute("checkpoint")  # fold the WAL into the file: the copy below reads a complete file
    if Path(str(work) + ".wal").exists():
        raise WipcastError(
            f"the working warehouse {work} still has a write-ahead log",
            "another process has it open; retry when it ends",
        )

    target = settings.published_db
    tmp = target.with_name(f".{target.name}.{run_id}.tmp")
    try:
        _copy_database(work, tmp)
        con = duckdb.connect(str(tmp))
        try:
            missing = [f"{s}.{t}" for s, t in required if not table_exists(con, s, t)]
            if missing:
                raise WipcastError(
                    f"the build is incomplete (missing {', '.join(missing)}); the published warehouse was not changed",
                    "run `wipcast transform` and check its errors",
                )
            ensure_run_log(con)
            con.execute(
                "update ops.run_log set status = 'success', finished_at = ?, message = 'published' "
                "where run_id = ? and step = 'publish' and status = 'running'",
                [dt.datetime.now(dt.UTC), run_id],
            )
            con.execute("checkpoint")
        finally:
            con.close()
        _fsync(tmp)
        os.replace(tmp, target)
        _fsync(target.parent)
    finally:
        if tmp.exists():
            tmp.unlink()
        wal = Path(str(tmp) + ".wal")
        if wal.exists():
            wal.unlink()
    return target
