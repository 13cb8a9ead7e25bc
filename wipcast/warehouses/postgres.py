"""PostgreSQL as the warehouse: how to reach it, and the roles and schemas wipcast uses there.

The DSN (wipcast.toml `[warehouse] dsn`, or WIPCAST_WAREHOUSE_DSN) names the server, database and user
and never holds the password: that comes from WIPCAST_WAREHOUSE_PASSWORD, else `[warehouse] password`
in .dlt/secrets.toml, else libpq's own PGPASSWORD / ~/.pgpass. The password is handed to psycopg2 and
to dbt (in its environment) and never written to a file, a message or the run log.

Schemas: dbt builds the published ones (SWAPPED_SCHEMAS) under a build name (`marts__build`), and
publish renames them into place in one transaction, keeping the generation before as `marts__previous`
until the next publish (wipcast.warehouses.swap).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from wipcast.errors import WipcastError
from wipcast.settings import Settings

PASSWORD_ENV = "WIPCAST_WAREHOUSE_PASSWORD"
SECRETS_FILE = Path(".dlt") / "secrets.toml"
# Schemas readers query, each built as <name>__build and swapped in by publish: dbt builds the first
# (the macro generate_schema_name holds the same list; a test keeps them equal), publish copies the
# pipeline's logs from the working DuckDB file into the second.
DBT_SWAPPED_SCHEMAS = ("marts",)
SWAPPED_SCHEMAS = (*DBT_SWAPPED_SCHEMAS, "ops")
BUILD_SUFFIX = "__build"
PREVIOUS_SUFFIX = "__previous"
# The role the app and analysts log in with (or are granted): USAGE and SELECT on the published schemas.
READER_ROLE = "wipcast_reader"


def build_schema(schema: str) -> str:
    return schema + BUILD_SUFFIX


def previous_schema(schema: str) -> str:
    return schema + PREVIOUS_SUFFIX


def password(cwd: Path | None = None) -> str | None:
    """The warehouse password from the environment or .dlt/secrets.toml; None lets libpq find one."""
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    path = (cwd or Path.cwd()) / SECRETS_FILE
    if path.exists():
        try:
            table = tomllib.loads(path.read_text()).get("warehouse", {})
        except tomllib.TOMLDecodeError:
            raise WipcastError(f"{path} is not valid TOML", "fix the file (the password is not shown)") from None
        value = table.get("password") if isinstance(table, dict) else None
        if value:
            return str(value)
    return None


def params(settings: Settings) -> dict[str, Any]:
    """libpq connection keywords from the DSN: host (a name or a socket folder), port, user, dbname."""
    if not settings.warehouse_dsn:
        raise WipcastError("no PostgreSQL DSN is configured", "set dsn in the warehouse table of wipcast.toml")
    parts = urlsplit(settings.warehouse_dsn)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    found: dict[str, Any] = {
        "host": query.pop("host", None) or parts.hostname or "localhost",
        "port": int(query.pop("port", None) or parts.port or 5432),
        "user": unquote(parts.username) if parts.username else os.environ.get("PGUSER", "postgres"),
        "dbname": unquote(parts.path.lstrip("/")),
    }
    found.update(query)  # sslmode and other libpq options pass through
    return found


def describe(settings: Settings) -> str:
    """The server as shown in messages: user@host:port/database, never the password."""
    p = params(settings)
    return f"{p['user']}@{p['host']}:{p['port']}/{p['dbname']}"


def connect(settings: Settings, autocommit: bool = False) -> Any:
    """A psycopg2 connection to the warehouse; a failure is one line naming the server."""
    import psycopg2

    try:
        con = psycopg2.connect(**params(settings), password=password(), application_name="wipcast")
    except psycopg2.OperationalError as exc:
        reason = (str(exc).strip().splitlines() or ["unknown reason"])[0][:200]
        raise WipcastError(
            f"cannot connect to the PostgreSQL warehouse {describe(settings)} ({reason})",
            f"check the warehouse dsn in wipcast.toml and the password in {PASSWORD_ENV}",
        ) from None
    con.autocommit = autocommit
    return con


def dbt_env(settings: Settings) -> dict[str, str]:
    """What dbt's `postgres` target (dbt_project/profiles.yml) reads from its environment."""
    p = params(settings)
    return {
        "WIPCAST_PG_HOST": str(p["host"]),
        "WIPCAST_PG_PORT": str(p["port"]),
        "WIPCAST_PG_USER": str(p["user"]),
        "WIPCAST_PG_DBNAME": str(p["dbname"]),
        "WIPCAST_PG_PASSWORD": password() or "",
        "WIPCAST_PG_SSLMODE": str(p.get("sslmode", "prefer")),
    }


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def ensure_reader_role(con: Any, role: str = READER_ROLE) -> None:
    """Create the read-only role when missing (NOLOGIN: grant it to login roles, or ALTER ROLE ... LOGIN)."""
    with con.cursor() as cur:
        cur.execute("select 1 from pg_roles where rolname = %s", [role])
        if cur.fetchone() is None:
            cur.execute(f"create role {quote(role)} nologin")


def grant_read(con: Any, schema: str, role: str = READER_ROLE) -> None:
    with con.cursor() as cur:
        cur.execute(f"grant usage on schema {quote(schema)} to {quote(role)}")
        cur.execute(f"grant select on all tables in schema {quote(schema)} to {quote(role)}")
