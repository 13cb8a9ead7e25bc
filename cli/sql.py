"""`wipcast sql`: a SQL shell on the published warehouse, read-only.

DuckDB: the `duckdb` command-line client that `make setup` installs beside wipcast (PyPI's
duckdb-cli), opened with -readonly on wipcast.duckdb, so it never blocks a pipeline run; the file
is published in a storage format that client reads (wipcast.publish.STORAGE_VERSION).
PostgreSQL: `psql` on the server, when it is installed (log in with a role granted wipcast_reader).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import typer

from cli.console import console, settings
from wipcast.errors import WipcastError


def duckdb_client() -> str | None:
    beside = Path(sys.executable).with_name("duckdb")
    return str(beside) if beside.exists() else shutil.which("duckdb")


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
