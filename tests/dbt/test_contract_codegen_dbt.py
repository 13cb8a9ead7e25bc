"""dbt stages and unions a column added to a copy of the contract with no edit to any model: the
generator rewrites the copy's generated files and stage_canonical() / union_entity() do the rest.
Staging also leaves out rows a snapshot ingest marked deleted (the small firm of test_dbt_build has
no deleted_at column, the other case)."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from wipcast import contract, contract_codegen

pytestmark = pytest.mark.slow

PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"
NEW_COLUMNS = (
    contract.Column("billing_code", contract.STRING, "Code of the customer's billing arrangement.", nullable=True),
    contract.Column("discount", contract.MONEY, "Discount granted on the entry.", nullable=True),
)


def test_dbt_stages_and_unions_a_column_added_to_a_copy_of_the_contract(tmp_path):
    entities = tuple(
        dataclasses.replace(e, columns=(*e.columns, *NEW_COLUMNS)) if e.name == "time_entries" else e
        for e in contract.ENTITIES
    )
    project = tmp_path / "dbt_project"
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns("target", "logs", "lint", "__pycache__"))
    contract_codegen.write(project, entities)

    # raw_canonical.time_entries as ingest would land it, the new columns as text; TE2 marked deleted
    db_path = tmp_path / "work.duckdb"
    time_entries = next(e for e in entities if e.name == "time_entries")
    types = {c.name: contract.WAREHOUSE_TYPES[c.type] for c in time_entries.columns} | {
        c.name: "VARCHAR" for c in NEW_COLUMNS
    }
    con = duckdb.connect(str(db_path))
    try:
        table = f"{contract.RAW_SCHEMA}.time_entries"
        columns = ", ".join(f"{name} {type_}" for name, type_ in types.items())
        con.execute(f"create schema {contract.RAW_SCHEMA}")
        con.execute(f"create table {table} ({columns}, _dlt_load_id varchar, _dlt_id varchar, deleted_at timestamptz)")
        con.execute(
            f"insert into {table} (time_entry_id, hours, billing_code, discount, _dlt_load_id, deleted_at) values"
            " ('TE1', 7.5, 'B7', '12.5', '1719792000', null),"
            " ('TE2', 8, 'B8', '0', '1719792000', timestamptz '2024-07-02 00:00:00+00')"
        )
    finally:
        con.close()

    result = subprocess.run(
        [
            str(DBT),
            "run",
            "--select",
            # the union and every staging model it reads: the vendors' conformed tables do not exist here,
            # so each vendor's staging model is an empty, typed view
            "+int_time_entries",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        cwd=tmp_path,
        env={**os.environ, "WIPCAST_WORK_DB": str(db_path), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:]

    con = duckdb.connect(str(db_path), read_only=True)
    try:
        for schema, view in (
            ("staging", "stg_canonical__time_entries"),
            ("staging", "stg_harvest__time_entries"),
            ("intermediate", "int_time_entries"),
        ):
            typed = con.execute(
                "select column_name, data_type from information_schema.columns"
                " where table_schema = ? and table_name = ? and column_name in ('billing_code', 'discount')"
                " order by ordinal_position",
                [schema, view],
            ).fetchall()
            assert typed == [("billing_code", "VARCHAR"), ("discount", "DECIMAL(18,4)")], view
        rows = con.execute(
            "select time_entry_id, billing_code, discount, source_system from intermediate.int_time_entries"
        ).fetchall()
        assert rows == [("TE1", "B7", Decimal("12.5000"), "canonical")]
    finally:
        con.close()
