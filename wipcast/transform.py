"""Run the dbt project as a subprocess against the working database.

dbt is started so that it dies with the step (wipcast.processes), so a killed `wipcast transform`
never leaves dbt writing the warehouse behind the next writer's lock.

dbt runs in its own process (not dbtRunner in-process) so that no DuckDB handle of ours and
none of dbt's can keep a lock on the file after the step ends. The one exception is the Spark
warehouse: dbt-spark's `session` method runs queries in the Spark session of the process that runs
dbt, and a local Spark catalog admits one process, so dbt runs in-process there (dbtRunner), on the
session wipcast.warehouses.spark started.

A failed run becomes one line naming the failed models and tests (wipcast.dbt_failures).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wipcast import dbt_parse_cache
from wipcast.build_stamp import current_raw_loads, record_build
from wipcast.dbt_failures import explain_failure, run_results
from wipcast.errors import WipcastError
from wipcast.processes import die_with_parent
from wipcast.settings import Settings
from wipcast.warehouse import work_connection

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"

# dbt prints lines such as "12 of 140 OK created sql table model marts.dim_date ..."
_PROGRESS = re.compile(r"\b(\d+) of (\d+) (START|OK|PASS|ERROR|FAIL|WARN|SKIP)\b")


def dbt_vars(settings: Settings) -> dict[str, object]:
    values: dict[str, object] = {"reporting_currency": settings.reporting_currency}
    if settings.as_of is not None:
        values["as_of"] = settings.as_of.isoformat()
    if settings.warehouse_kind in SERVER_KINDS:
        values["publish_by_swap"] = True
    if settings.exception_owners:
        values["exception_owners"] = [
            {"exception_type": kind, "practice": practice, "owner": owner}
            for kind, practice, owner in settings.exception_owners
        ]
    hours = dict(settings.sync_expected_hours)
    if "*" in hours:
        values["sync_expected_interval_hours"] = hours.pop("*")
    if hours:
        values["sync_expected_interval_hours_by_connector"] = hours
    return values


def build_command(settings: Settings) -> list[str]:
    """`dbt build`: models, snapshots, seeds and data tests, on every warehouse kind. Not the unit tests:
    they test the models' logic on fixed fixture rows, not the firm's data, so they cannot fail on one
    firm and pass on another; dbt's guidance is to run them in development and CI (tests/dbt runs every
    one on DuckDB, tests/postgres on PostgreSQL), not in each production build, where they cost as much
    as the data tests (39 unit tests ~7 s of a 20 s build of a small firm)."""
    return ["build", "--exclude-resource-type", "unit_test"]


def build_vars(settings: Settings, run_id: str) -> dict[str, object]:
    """Vars of the build of run `run_id`: on Spark, the suffix of the databases it writes (spark_swap)."""
    if settings.warehouse_kind != "spark":
        return {}
    from wipcast.warehouses.spark_swap import build_suffix

    return {"build_suffix": build_suffix(run_id)}


# warehouse kinds whose published schemas dbt builds under <name>__build, for publish to swap in
SERVER_KINDS = ("postgres", "spark")


def dbt_target(settings: Settings) -> str:
    """The output of dbt_project/profiles.yml: `work` (the DuckDB file), `postgres` or `spark`."""
    return settings.warehouse_kind if settings.warehouse_kind in SERVER_KINDS else "work"


def dbt_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env["WIPCAST_WORK_DB"] = str(settings.work_db)
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env["DBT_USE_COLORS"] = "false"
    env["DBT_LOG_PATH"] = str(settings.warehouse_dir / "dbt_logs")
    env["DBT_TARGET_PATH"] = str(settings.warehouse_dir / "dbt_target")
    if settings.warehouse_kind == "postgres":
        from wipcast.warehouses.postgres import dbt_env as postgres_env

        env.update(postgres_env(settings))
        env["WIPCAST_DBT_THREADS"] = str(settings.dbt_threads)
    if settings.warehouse_kind == "spark":
        from wipcast.warehouses.spark import session_config

        config = session_config(settings)
        env["WIPCAST_SPARK_MASTER"] = config["spark.master"]
        env["WIPCAST_SPARK_WAREHOUSE_DIR"] = config["spark.sql.warehouse.dir"]
        env["WIPCAST_SPARK_METASTORE_URL"] = config["spark.hadoop.javax.jdo.option.ConnectionURL"]
        env["WIPCAST_SPARK_SHUFFLE_PARTITIONS"] = config["spark.sql.shuffle.partitions"]
        env["WIPCAST_DBT_THREADS"] = str(settings.dbt_threads)  # threads share the one session
    return env


def dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


Progress = Callable[[str, float, float], None]


def run_dbt(
    settings: Settings,
    command: list[str],
    progress: Progress | None = None,
    extra_vars: dict[str, object] | None = None,
) -> str:
    """Run `dbt <command>` for our project; return its output or raise WipcastError naming what failed."""
    if not DBT_PROJECT_DIR.exists():
        raise WipcastError(f"dbt project not found at {DBT_PROJECT_DIR}", "reinstall wipcast from a full checkout")
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    run_vars = {**dbt_vars(settings), **(extra_vars or {})}
    args = [
        dbt_executable(),
        *command,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target",
        dbt_target(settings),
        "--vars",
        json.dumps(run_vars),
    ]
    target_path = settings.warehouse_dir / "dbt_target"
    # a run that fails before dbt writes its results must not report the previous run's failures
    (target_path / "run_results.json").unlink(missing_ok=True)
    parse_key = dbt_parse_cache.cache_key(DBT_PROJECT_DIR, dbt_target(settings), run_vars)
    dbt_parse_cache.seed(target_path, parse_key)
    try:
        if settings.warehouse_kind == "spark":
            return _run_dbt_in_process(settings, args[1:], progress)
        return _run_dbt_process(settings, args, command, progress)
    finally:
        dbt_parse_cache.keep(target_path, parse_key)


def _run_dbt_process(settings: Settings, args: list[str], command: list[str], progress: Progress | None) -> str:
    env = dbt_env(settings)
    if dbt_target(settings) == "work":
        # by its name from inside the warehouse folder: dbt's saved parse records the connection settings,
        # so an absolute path would make every other warehouse's parse unusable here (dbt_parse_cache)
        env["WIPCAST_WORK_DB"] = settings.work_db.name
    lines: list[str] = []
    proc = subprocess.Popen(
        args,
        env=env,
        cwd=settings.warehouse_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=die_with_parent,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line.rstrip("\n"))
        match = _PROGRESS.search(line) if progress else None
        if match and progress:
            progress(f"dbt {command[0]}", float(match.group(1)), float(match.group(2)))
    proc.wait()
    return explain_failure(settings, command, lines, proc.returncode == 0)


def _run_dbt_in_process(settings: Settings, args: list[str], progress: Progress | None) -> str:
    """dbt inside this process (the Spark kind: dbt-spark's session method uses this process's session)."""
    from dbt.cli.main import dbtRunner

    from wipcast.warehouses import spark

    spark.session(settings)  # started with the warehouse's configuration before dbt asks for one
    lines: list[str] = []

    def collect(event: Any) -> None:
        message = getattr(event.info, "msg", "")
        if getattr(event.info, "level", "") not in ("info", "warn", "error") or not message:
            return
        lines.append(str(message))
        match = _PROGRESS.search(str(message)) if progress else None
        if match and progress:
            progress(f"dbt {args[0]}", float(match.group(1)), float(match.group(2)))

    changed = {k: v for k, v in dbt_env(settings).items() if os.environ.get(k) != v}
    saved = {k: os.environ.get(k) for k in changed}
    os.environ.update(changed)
    try:
        result = dbtRunner(callbacks=[collect]).invoke([*args, "--quiet"])
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old
    if result.exception is not None and not lines:
        lines.append(f"Error: {result.exception}")
    return explain_failure(settings, args, lines, result.success)


def dbt_build(settings: Settings, run_id: str, progress: Progress | None = None) -> str:
    """`dbt build`, then the build stamp that publish checks: which raw loads it read, and whether it passed."""
    started = dt.datetime.now(dt.UTC)
    loads = current_raw_loads(settings)
    try:
        if settings.warehouse_kind == "postgres":
            from wipcast.warehouses.raw_sync import sync_raw

            if progress:
                progress("copying raw data to PostgreSQL", 0.0, 1.0)
            loads = sync_raw(settings, run_id)  # the loads the server now holds, which dbt reads
        elif settings.warehouse_kind == "spark":
            from wipcast.warehouses.spark_raw import sync_raw as sync_raw_spark

            if progress:
                progress("copying raw data to Spark", 0.0, 1.0)
            loads = sync_raw_spark(settings, run_id)
        output = run_dbt(settings, build_command(settings), progress, extra_vars=build_vars(settings, run_id))
        if settings.warehouse_kind not in SERVER_KINDS:  # the exceptions' state for the next build (wipcast.exceptions)
            from wipcast.exceptions import record_after_build

            record_after_build(settings)
    except BaseException:
        record_build(settings, run_id, started, "failed", loads, _invocation_id(settings))
        raise
    record_build(settings, run_id, started, "success", loads, _invocation_id(settings))
    return output


def _invocation_id(settings: Settings) -> str | None:
    metadata = run_results(settings).get("metadata", {})
    value = metadata.get("invocation_id") if isinstance(metadata, dict) else None
    return str(value) if value else None


# The models that compute "as reported at close" history: everything from the as-of views to the
# history mart (the rest of the project does not change when dates are added).
HISTORY_SELECTOR = "int_as_of_dates+,+mart_revenue_monthly_history"


def _tables(con: Any, schema: str) -> set[str]:
    rows = con.execute("select table_name from information_schema.tables where table_schema = ?", [schema]).fetchall()
    return {row[0] for row in rows}


def history_dates_built(settings: Settings) -> set[dt.date]:
    """As-of dates marts.mart_revenue_monthly_history holds in the working DuckDB file."""
    with work_connection(settings) as con:
        if "mart_revenue_monthly_history" not in _tables(con, "marts"):
            return set()
        rows = con.execute("select distinct as_of_date from marts.mart_revenue_monthly_history").fetchall()
        return {row[0] for row in rows}


def data_span(settings: Settings) -> tuple[dt.date, dt.date] | None:
    """First activity date and as-of date of the last build (intermediate.int_as_of), if any."""
    with work_connection(settings) as con:
        if "int_as_of" not in _tables(con, "intermediate"):
            return None
        rows = con.execute("select first_activity_date, as_of_date from intermediate.int_as_of").fetchall()
    return (rows[0][0], rows[0][1]) if rows and rows[0][0] is not None else None


def build_history(settings: Settings, dates: list[dt.date], progress: Progress | None = None) -> list[dt.date]:
    """Make sure the history mart holds each of `dates` within the data (from the first activity to
    the marts' as-of date; outside it there is nothing to report): the missing ones are computed in
    one dbt invocation (var history_as_of_dates). Returns them."""
    span = data_span(settings)
    if span is None:
        return []
    wanted = {d for d in dates if span[0] <= d <= span[1]}
    missing = sorted(wanted - history_dates_built(settings))
    if missing:
        run_dbt(
            settings,
            ["run", "--select", HISTORY_SELECTOR],
            progress,
            extra_vars={"history_as_of_dates": [d.isoformat() for d in missing]},
        )
    return missing
