"""Every NetSuite conform step runs against raw tables that do not exist yet (the shim's typed, empty
views) and yields no row: a first sync that returned nothing for a resource still conforms."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from ingest.connectors import config as cfg
from ingest.connectors import shim
from ingest.connectors.netsuite import CONNECTOR, settings


def test_each_step_runs_on_empty_raw_tables(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute(f"ATTACH '{tmp_path / 'empty.duckdb'}' AS {shim.CATALOG}")
    shim.raw_views(con, CONNECTOR.raw_schema, dict(CONNECTOR.raw_tables))
    for schema in (*(f"conformed_{d}" for d in CONNECTOR.depends_on), *CONNECTOR.reads_schemas):
        shim.conformed_views(con, schema)
    config = cfg.ConnectorConfig("netsuite", {}, root=tmp_path)
    for name, table in {
        **settings.config_tables(config, dt.date(2026, 1, 1)),
        "cfg_identity": cfg.identity_table(config),
    }.items():
        con.register(name, table)
    for step in CONNECTOR.conform_steps:
        assert con.sql(CONNECTOR.sql(step)).fetchall() == [], step.sql
    con.close()
