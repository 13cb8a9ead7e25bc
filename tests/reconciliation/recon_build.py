"""Build reconciliation warehouses for the tests: a generated firm loaded straight into raw_canonical
(DuckDB reading the parquet files, cast to the contract types: what ingest leaves, without its
validation, which tests/ingest covers) and the dbt models the reconciliation marts need."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from wipcast.contract import ENTITIES, RAW_SCHEMA, WAREHOUSE_TYPES

REPO = Path(__file__).resolve().parents[2]
DBT_PROJECT = REPO / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"
MARTS = (
    "fct_sync_exceptions",
    "mart_unposted_approved_time",
    "mart_time_reconciliation_monthly",
    "mart_close_control_monthly",
    "mart_billing_backlog",
    "mart_invoice_reconciliation",
    "mart_restatements",  # and the close history it compares with (test_close_history.py)
)
SELECT = " ".join(f"+{m}" for m in MARTS)
# what the firm generator takes (a small firm: the generator, ingest and dbt scale; the rules do not)
# the ERP view of invoices too (simulator.erp_invoices): each issued invoice held by both systems
FIRM = dict(employees=40, months=10, as_of=dt.date(2026, 10, 31), fmt="parquet", erp_invoices=True)


def load_raw(db: Path, folder: Path) -> None:
    """Every contract entity whose file is in the folder as a raw_canonical table."""
    con = duckdb.connect(str(db))
    try:
        con.execute(f"create schema if not exists {RAW_SCHEMA}")
        load_id = f"{time.time():.6f}"
        for ent in ENTITIES:
            path = folder / f"{ent.name}.parquet"
            if not path.exists():
                continue
            cols = ", ".join(f'cast("{c.name}" as {WAREHOUSE_TYPES[c.type]}) as "{c.name}"' for c in ent.columns)
            con.execute(
                f"create or replace table {RAW_SCHEMA}.{ent.name} as select {cols}, "
                f"'{load_id}' as _dlt_load_id, cast(uuid() as varchar) as _dlt_id from read_parquet('{path}')"
            )
    finally:
        con.close()


def dbt(db: Path, work: Path, *args: str, variables: dict[str, Any] | None = None) -> str:
    cmd = [
        str(DBT),
        *args,
        "--project-dir",
        str(DBT_PROJECT),
        "--profiles-dir",
        str(DBT_PROJECT),
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
        "--vars",
        json.dumps({"reporting_currency": "USD", **(variables or {})}),
    ]
    env = {**os.environ, "WIPCAST_WORK_DB": str(db), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    result = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise AssertionError(f"dbt {' '.join(args)} failed:\n{result.stdout[-5000:]}\n{result.stderr[-2000:]}")
    return result.stdout


RECONCILIATION = "path:models/intermediate/reconciliation path:models/marts/reconciliation"


def build(db: Path, work: Path, seen_at: str, select: str = SELECT, variables: dict[str, Any] | None = None) -> None:
    """The seed and models the reconciliation marts need. Data and unit tests are left to
    tests/dbt (its full build runs every one of them); here they would only cost time."""
    dbt(
        db,
        work,
        "build",
        "-s",
        *select.split(),
        "--exclude-resource-type",
        "test",
        "unit_test",
        variables={"exceptions_seen_at": seen_at, **(variables or {})},
    )


def query(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


SEEDS = (7, 11)
FIRST_SEEN = "2026-11-01 06:00:00+00:00"


@dataclass(frozen=True)
class Built:
    folder: Path
    db: Path
    work: Path
    truth: dict[str, Any]

    def copy(self, to: Path) -> Path:
        """A copy of the warehouse file, for tests that change it."""
        target = to / "work.duckdb"
        shutil.copyfile(self.db, target)
        return target
