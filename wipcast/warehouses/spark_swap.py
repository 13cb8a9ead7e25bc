"""Publish on Spark: point the readers' views at the freshly built generation.

Spark's catalog can rename neither a database nor a table into another database, so the PostgreSQL
swap (rename `marts__build` to `marts`) has no equivalent. Instead every build writes its own
databases, `marts__g<run>` (dbt, var build_suffix) and `ops__g<run>` (the pipeline's logs, copied here
by publish), and readers query `marts.<table>` and `ops.<table>`, which are views over the published
generation. Publish:

1. checks that the generation holds the required tables, and copies `ops.*` into `ops__g<run>`;
2. points every view of `marts` and `ops` at the new generation (`alter view ... as`: one catalog
   update each; `create view` for a table new in this generation), and drops the views of tables the
   generation no longer has;
3. records the generation in `ops_sync.publications`, and drops every generation older than the one
   just replaced, which stays whole as the previous generation until the next publish.

What a reader sees: each query on one mart reads one whole generation of it (a view resolves to its
table when the query is planned, and a replaced view does not touch the tables of the old one). The
views change one after another, a few milliseconds each, so a query that joins two marts while a
publish runs may read one from the new generation and one from the old: the set of marts changes
within that window, not at one instant as on PostgreSQL (docs/warehouses.md). A query still running
on the previous generation keeps its files until the next publish drops that generation.
"""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pyarrow as pa

from wipcast.errors import WipcastError
from wipcast.settings import Settings
from wipcast.warehouses import spark
from wipcast.warehouses.postgres import SWAPPED_SCHEMAS
from wipcast.warehouses.raw_sync import SYNC_SCHEMA

PUBLICATIONS = "publications"


def build_suffix(run_id: str) -> str:
    """`__g<run>` for a run id such as 20261201T143000-ab12cd (Spark names: letters, digits, _)."""
    return "__g" + re.sub(r"[^a-z0-9]", "_", run_id.lower())


def latest_build(duck: duckdb.DuckDBPyConnection) -> str:
    """The run id of the working file's latest transform: its databases hold the marts to publish."""
    rows = duck.execute("select run_id from ops.build_stamp order by finished_at desc limit 1").fetchall()
    if not rows:
        raise WipcastError("no transform has run on this working warehouse", "run `wipcast transform` first")
    return str(rows[0][0])


def generation_database(schema: str, run_id: str) -> str:
    return schema + build_suffix(run_id)


def _generations(settings: Settings, schema: str) -> set[str]:
    return {name for name in spark.databases(settings) if name.startswith(schema + "__g")}


def published_generation(settings: Settings) -> str | None:
    """The run whose build the views show, None before the first publish."""
    if not spark.exists(settings, SYNC_SCHEMA, PUBLICATIONS):
        return None
    rows = spark.sql(
        settings,
        f"select run_id from {spark.table_name(SYNC_SCHEMA, PUBLICATIONS)} order by published_at desc limit 1",
    )
    return str(rows[0][0]) if rows else None


def copy_ops(settings: Settings, duck: duckdb.DuckDBPyConnection, build_run_id: str, run_id: str) -> None:
    """The working file's ops tables into the build's ops generation, the publish row of `run_id` stamped done."""
    target = generation_database("ops", build_run_id)
    spark.sql(settings, f"drop database if exists {spark.quote(target)} cascade")
    tables = [
        r[0]
        for r in duck.execute(
            "select table_name from information_schema.tables where table_schema = 'ops' and table_type = 'BASE TABLE' "
            "order by 1"
        ).fetchall()
    ]
    spark.sql(settings, f"create database {spark.quote(target)}")
    for table in tables:
        data = duck.sql(f'select * from ops."{table}"').to_arrow_table()
        if table == "run_log":
            data = _stamp_publish(data, run_id)
        spark.write_arrow(settings, target, table, data)


def _stamp_publish(run_log: pa.Table, run_id: str) -> pa.Table:
    import pyarrow.compute as pc

    mine = pc.and_(
        pc.and_(pc.equal(run_log["run_id"], run_id), pc.equal(run_log["step"], "publish")),
        pc.equal(run_log["status"], "running"),
    )
    now = pa.scalar(dt.datetime.now(dt.UTC), run_log.schema.field("finished_at").type)
    for name, value in (("status", pa.scalar("success")), ("finished_at", now), ("message", pa.scalar("published"))):
        index = run_log.schema.get_field_index(name)
        column = pc.if_else(mine, pa.scalar(value.as_py(), run_log.schema.field(name).type), run_log[name])
        run_log = run_log.set_column(index, name, column)
    return run_log


def swap(settings: Settings, run_id: str, schemas: tuple[str, ...] = SWAPPED_SCHEMAS) -> None:
    """Point the views of every schema at the run's generation; keep the one before, drop older ones."""
    previous = published_generation(settings)
    for schema in schemas:
        source = generation_database(schema, run_id)
        tables = spark.tables(settings, source)
        if not tables:
            raise WipcastError(
                f"the build is incomplete (no tables in {source}); the published warehouse was not changed",
                "run `wipcast transform` and check its errors",
            )
        spark.sql(settings, f"create database if not exists {spark.quote(schema)}")
        published = set(spark.tables(settings, schema))
        for table in tables:
            # An existing view is altered, never replaced: Spark runs `create or replace view` on a
            # catalog view as a drop and a create, and a reader planning between the two finds no
            # view (seen in CI); `alter view ... as` is one catalog update.
            verb = "alter view" if table in published else "create view"
            spark.sql(
                settings,
                f"{verb} {spark.table_name(schema, table)} as select * from {spark.table_name(source, table)}",
            )
        for gone in published - set(tables):
            spark.sql(settings, f"drop view if exists {spark.table_name(schema, gone)}")
    spark.write_arrow(
        settings,
        SYNC_SCHEMA,
        PUBLICATIONS,
        pa.table({"run_id": [run_id], "published_at": [dt.datetime.now(dt.UTC)]}),
        mode="append",
    )
    keep = {run_id} | ({previous} if previous else set())
    for schema in schemas:
        for database in _generations(settings, schema) - {generation_database(schema, r) for r in keep}:
            spark.sql(settings, f"drop database if exists {spark.quote(database)} cascade")


def publish_spark(
    settings: Settings,
    duck: duckdb.DuckDBPyConnection,
    build_run_id: str,
    run_id: str,
    required: tuple[tuple[str, str], ...],
) -> str:
    """Check the build of `build_run_id`, copy the logs, swap; return the published location for messages."""
    missing = [
        f"{schema}.{table}"
        for schema, table in required
        if not spark.exists(settings, generation_database(schema, build_run_id), table)
    ]
    if missing:
        raise WipcastError(
            f"the build is incomplete (missing {', '.join(missing)}); the published warehouse was not changed",
            "run `wipcast transform` and check its errors",
        )
    copy_ops(settings, duck, build_run_id, run_id)
    swap(settings, build_run_id)
    return f"spark {spark.spark_dir(settings)} (databases {', '.join(SWAPPED_SCHEMAS)}, build {build_run_id})"
