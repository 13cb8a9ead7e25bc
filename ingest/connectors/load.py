"""Load conformed rows into conformed_<vendor>: one canonical-shaped table per entity, merged on the
canonical primary key with dlt, then rows the source no longer yields are removed.

Conform re-derives the whole source every run, so a key missing from its valid output is a row
that vanished upstream (marked deleted in raw), that the settings no longer map, or that is now
quarantined: none of those belong in the conformed output. Every row carries `source_system`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from ingest.connectors.spec import Connector
from ingest.pipeline import MERGE_DEDUPLICATED, dlt_environment
from ingest.rules import q
from ingest.schema import dlt_column_hints
from wipcast import contract as c
from wipcast.errors import WipcastError
from wipcast.settings import Settings
from wipcast.warehouse import table_exists, work_connection

SOURCE_SYSTEM = "source_system"


def pipeline_name(connector: Connector) -> str:
    return f"wipcast_conformed_{connector.vendor}"


def _with_source_system(table: pa.Table, source_system: str) -> pa.Table:
    return table.append_column(
        pa.field(SOURCE_SYSTEM, pa.string(), nullable=False), pa.array([source_system] * table.num_rows, pa.string())
    )


def _resources(connector: Connector, tables: Mapping[str, pa.Table]) -> list[Any]:
    import dlt

    resources = []
    for name, table in tables.items():
        ent = c.entity(name)
        hints = dlt_column_hints(ent)
        hints[SOURCE_SYSTEM] = {"name": SOURCE_SYSTEM, "data_type": "text", "nullable": False}
        resources.append(
            dlt.resource(
                [_with_source_system(table, connector.source_system)],
                name=name,
                table_name=name,
                write_disposition=MERGE_DEDUPLICATED,
                primary_key=list(ent.primary_key),
                columns=hints,
            )
        )
    return resources


def load_conformed(
    settings: Settings, connector: Connector, run_id: str, tables: Mapping[str, pa.Table]
) -> dict[str, int]:
    """Merge the tables, then drop rows whose key the source no longer yields; return rows removed per entity."""
    with dlt_environment(settings, run_id) as folder:
        import dlt
        from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

        pipeline = dlt.pipeline(
            pipeline_name=pipeline_name(connector),
            destination=dlt.destinations.duckdb(
                DuckDbCredentials(str(settings.work_db), global_config={"preserve_insertion_order": False})
            ),
            dataset_name=connector.conformed_schema,
            pipelines_dir=str(folder / "pipelines"),
        )
        try:
            pipeline.run(_resources(connector, tables), loader_file_format="parquet")
        except Exception as exc:
            lines = str(exc).strip().splitlines()
            detail = lines[0][:300] if lines else type(exc).__name__
            raise WipcastError(
                f"loading {connector.conformed_schema} into {settings.work_db} failed ({detail})",
                f"raw_{connector.vendor} is loaded; rerun `wipcast connectors reconform {connector.name}`",
            ) from exc
    return _remove_absent(settings, connector, tables)


def _remove_absent(settings: Settings, connector: Connector, tables: Mapping[str, pa.Table]) -> dict[str, int]:
    removed = dict.fromkeys(tables, 0)
    schema = connector.conformed_schema
    with work_connection(settings) as con:
        for name, table in tables.items():
            if not table_exists(con, schema, name):
                continue
            keys = list(c.entity(name).primary_key)
            con.register("keep_keys", table.select(keys))
            match = " AND ".join(f"k.{q(k)} = t.{q(k)}" for k in keys)
            where = f"NOT EXISTS (SELECT 1 FROM keep_keys k WHERE {match})"
            count = con.execute(f"SELECT count(*) FROM {schema}.{q(name)} t WHERE {where}").fetchall()[0][0]
            if count:
                con.execute(f"DELETE FROM {schema}.{q(name)} t WHERE {where}")
            con.unregister("keep_keys")
            removed[name] = int(count)
    return removed
