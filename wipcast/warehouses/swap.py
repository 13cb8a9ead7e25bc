"""Publish on PostgreSQL: rename the freshly built schemas into place in one transaction.

dbt builds the published schemas under build names (`marts__build`); the pipeline's logs are copied
from the working DuckDB file into `ops__build`. Publish then, in one transaction:
  drop <s>__previous; rename <s> -> <s>__previous; rename <s>__build -> <s>; grant the reader role.
A reader's query sees the old generation or the new one, never a mix: PostgreSQL resolves names
under its catalog snapshot, and a query that already runs holds its tables, which a rename does not
touch (the tables keep their identity in <s>__previous until the next publish). Only the generation
before that is dropped, which waits (lock_timeout) for any query still reading it.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import duckdb

from wipcast.errors import WipcastError
from wipcast.settings import Settings
from wipcast.warehouses import postgres
from wipcast.warehouses.postgres import SWAPPED_SCHEMAS, build_schema, previous_schema, quote

# how long the swap waits for a query still reading the generation it drops
LOCK_TIMEOUT = "60s"

_TYPES = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "HUGEINT": "numeric(38,0)",
    "BOOLEAN": "boolean",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
    "JSON": "jsonb",
}


def _pg_type(duck_type: str) -> str:
    upper = duck_type.upper()
    if upper.startswith("DECIMAL"):
        return upper.replace("DECIMAL", "numeric")
    return _TYPES.get(upper, "text")


def copy_ops(duck: duckdb.DuckDBPyConnection, pg: Any, run_id: str, scratch: Path) -> None:
    """The working file's ops tables into ops__build (in pg's open transaction), the publish row stamped."""
    target = build_schema("ops")
    tables = [
        r[0]
        for r in duck.execute(
            "select table_name from information_schema.tables where table_schema = 'ops' and table_type = 'BASE TABLE' "
            "order by 1"
        ).fetchall()
    ]
    with pg.cursor() as cur:
        cur.execute(f"drop schema if exists {quote(target)} cascade")
        cur.execute(f"create schema {quote(target)}")
        for table in tables:
            cols = duck.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'ops' and table_name = ? order by ordinal_position",
                [table],
            ).fetchall()
            ddl = ", ".join(f"{quote(name)} {_pg_type(kind)}" for name, kind in cols)
            cur.execute(f"create table {quote(target)}.{quote(table)} ({ddl})")
            csv = scratch / f"{table}.csv"
            names = ", ".join(quote(name) for name, _ in cols)
            duck.execute(f"copy (select {names} from ops.{quote(table)}) to '{csv}' (format csv, header false)")
            with csv.open() as handle:
                cur.copy_expert(f"copy {quote(target)}.{quote(table)} ({names}) from stdin with (format csv)", handle)
        if "run_log" in tables:
            cur.execute(
                f"update {quote(target)}.run_log set status = 'success', finished_at = %s, message = 'published' "
                "where run_id = %s and step = 'publish' and status = 'running'",
                [dt.datetime.now(dt.UTC), run_id],
            )


def _exists(cur: Any, schema: str) -> bool:
    cur.execute("select 1 from pg_namespace where nspname = %s", [schema])
    return cur.fetchone() is not None


def swap(pg: Any, schemas: tuple[str, ...] = SWAPPED_SCHEMAS) -> None:
    """Rename every <s>__build into <s>, keeping the generation before as <s>__previous; commits."""
    with pg.cursor() as cur:
        cur.execute(f"set local lock_timeout = '{LOCK_TIMEOUT}'")
        postgres.ensure_reader_role(pg)
        for schema in schemas:
            if not _exists(cur, build_schema(schema)):
                raise WipcastError(
                    f"the build is incomplete (no schema {build_schema(schema)}); "
                    "the published warehouse was not changed",
                    "run `wipcast transform` and check its errors",
                )
            cur.execute(f"drop schema if exists {quote(previous_schema(schema))} cascade")
            if _exists(cur, schema):
                cur.execute(f"alter schema {quote(schema)} rename to {quote(previous_schema(schema))}")
            cur.execute(f"alter schema {quote(build_schema(schema))} rename to {quote(schema)}")
            postgres.grant_read(pg, schema)
    pg.commit()


def publish_postgres(
    settings: Settings, duck: duckdb.DuckDBPyConnection, run_id: str, required: tuple[tuple[str, str], ...]
) -> str:
    """Copy the logs, check the build, swap; return the published location for messages."""
    pg = postgres.connect(settings)
    try:
        with pg.cursor() as cur:
            missing = []
            for schema, table in required:
                cur.execute("select to_regclass(%s)", [f"{quote(build_schema(schema))}.{quote(table)}"])
                row = cur.fetchone()
                if row is None or row[0] is None:
                    missing.append(f"{schema}.{table}")
        if missing:
            raise WipcastError(
                f"the build is incomplete (missing {', '.join(missing)}); the published warehouse was not changed",
                "run `wipcast transform` and check its errors",
            )
        with tempfile.TemporaryDirectory(dir=settings.warehouse_dir) as scratch:
            copy_ops(duck, pg, run_id, Path(scratch))
        swap(pg)
    except BaseException:
        pg.rollback()
        raise
    finally:
        pg.close()
    return f"postgresql {postgres.describe(settings)} (schemas {', '.join(SWAPPED_SCHEMAS)})"
