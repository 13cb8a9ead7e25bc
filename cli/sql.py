"""`wipcast sql`: a SQL shell on the published warehouse, read-only.

DuckDB: the `duckdb` command-line client that `make setup` installs beside wipcast (PyPI's
duckdb-cli), opened with -readonly on wipcast.duckdb, so it never blocks a pipeline run; the file
is published in a storage format that client reads (wipcast.publish.STORAGE_VERSION).
PostgreSQL: `psql` on the server, when it is installed (log in with a role granted wipcast_reader).
Spark (local): one read-only query (-c) through a Spark session, printed as a table.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import typer

from cli.console import console, out, settings
from wipcast.errors import WipcastError
from wipcast.settings import Settings


def duckdb_client() -> str | None:
    beside = Path(sys.executable).with_name("duckdb")
    return str(beside) if beside.exists() else shutil.which("duckdb")


READ_ONLY_STATEMENTS = ("select", "with", "show", "describe", "desc", "explain")


def spark_sql(config: Settings, command: str | None) -> None:
    """One read-only query on the local Spark warehouse, through the pipeline's own kind of session (a
    local catalog admits one process, so no shell stays open on it)."""
    if command is None:
        raise WipcastError(
            "no interactive shell on a local Spark warehouse (its catalog admits one process at a time)",
            'pass a query: wipcast sql -c "select * from marts.dim_project limit 10"',
        )
    if command.strip().split(None, 1)[0].lower() not in READ_ONLY_STATEMENTS:
        raise WipcastError("wipcast sql runs read-only queries on Spark", "start the query with select, with or show")
    import polars as pl

    from wipcast.warehouses import spark

    with pl.Config(tbl_rows=50, tbl_cols=20):
        out.print(str(pl.from_arrow(spark.to_arrow(config, command))), highlight=False)


def sql_cmd(
    command: str | None = typer.Option(None, "--command", "-c", help="Run this SQL, print the result and exit."),
) -> None:
    """Open a read-only SQL shell on the published warehouse (DuckDB CLI; psql for PostgreSQL)."""
    config = settings()
    if config.warehouse_kind == "postgres":
        from wipcast.warehouses import postgres

        psql = shutil.which("psql")
        if psql is None:
            raise WipcastError(
                f"psql is not installed (warehouse {postgres.describe(config)})",
                "install the PostgreSQL client (Debian: apt-get install postgresql-client) or use any SQL client",
            )
        p = postgres.params(config)
        argv = [psql, "-h", str(p["host"]), "-p", str(p["port"]), "-U", str(p["user"]), "-d", str(p["dbname"])]
        env = dict(os.environ, PGOPTIONS="-c default_transaction_read_only=on")
        if postgres.password():
            env["PGPASSWORD"] = postgres.password() or ""
        os.execvpe(psql, [*argv, *(["-c", command] if command else [])], env)
    if config.warehouse_kind == "spark":
        spark_sql(config, command)
        return
    path = config.published_db
    if not path.exists():
        raise WipcastError(f"no published warehouse at {path}", "build it with `make build` or `wipcast run`")
    client = duckdb_client()
    if client is None:
        raise WipcastError(
            "the duckdb command-line client is not installed", "run `make setup` (it installs duckdb-cli)"
        )
    if command is None:
        console.print(f"read-only on {path} (each publish replaces the file: reopen to see it); .quit to leave")
    os.execv(client, [client, "-readonly", str(path), *(["-c", command] if command else [])])
