"""Round trip: demo firm -> Harvest + Forecast shape -> served -> connectors -> conformed tables.

The conformed tables must equal the firm's canonical files, row for row, once ids are mapped back
(shape's _ids.csv) and the documented mapping differences (docs/connectors/harvest.md, "Round
trip") are applied to the canonical side. Each difference is listed here as the SQL that turns a
canonical value into what Harvest can hold, so a new difference fails the test until documented.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

import simulator
from ingest.connectors import run
from simulator.serve import FixtureServer
from simulator.shapes.harvest import write_harvest_shape
from simulator.shapes.harvest_api import HarvestDemoApi
from wipcast import contract as c
from wipcast.settings import Settings, load_settings

AS_OF = dt.date(2026, 10, 31)
HARVEST_ENTITIES = (
    "legal_entities",
    "customers",
    "employees",
    "projects",
    "time_entries",
    "invoices",
    "invoice_lines",
    "payments",
)
FORECAST_ENTITIES = ("assignments", "milestones")
NOT_PRODUCED = ("rate_cards", "opportunities", "opportunity_history", "fx_rates", "holidays", "revenue_targets")

# (entity, column) -> what the canonical value becomes through Harvest (SQL over the canonical row)
DIFFERENCES = {
    # Harvest bills fixed fee or by the hour: milestone and retainer projects are fixed fee there
    ("projects", "billing_type"): "CASE WHEN billing_type IN ('milestone', 'retainer') THEN 'fixed_fee' "
    "ELSE billing_type END",
    # one budget per Harvest project: a capped T&M project keeps its money cap, not its hours
    ("projects", "budget_hours"): "CASE WHEN billing_type = 'time_and_materials' AND contract_value IS NOT NULL "
    "THEN NULL ELSE budget_hours END",
    ("projects", "status"): "CASE WHEN status = 'on_hold' THEN 'active' ELSE status END",
    ("projects", "opportunity_id"): "CAST(NULL AS VARCHAR)",  # no CRM in Harvest
    # a rejected timesheet is unsubmitted again in Harvest
    ("time_entries", "approval_status"): "CASE WHEN approval_status = 'rejected' THEN 'draft' ELSE approval_status END",
    # Harvest records no approval time: an approved entry's last update stands in for it
    ("time_entries", "approved_at"): "CASE WHEN approval_status = 'approved' THEN updated_at END",
    ("time_entries", "erp_posted_at"): "CAST(NULL AS TIMESTAMPTZ)",  # no ERP in Harvest
    # Harvest's invoice `number` (the shape writes the firm's invoice id there); the demo's files leave it empty
    ("invoices", "invoice_number"): "invoice_id",
    # a conformed row names its system; the demo's files leave source_system empty (read as canonical)
    ("invoices", "source_system"): "'harvest'",
    ("invoice_lines", "source_system"): "'harvest'",
    # Forecast milestones are dated markers: no completion, no invoice
    ("milestones", "completed_date"): "CAST(NULL AS DATE)",
    ("milestones", "invoice_id"): "CAST(NULL AS VARCHAR)",
}
ID_COLUMNS = {
    "customer_id": "customers",
    "employee_id": "employees",
    "project_manager_id": "employees",
    "project_id": "projects",
    "time_entry_id": "time_entries",
    "invoice_id": "invoices",
    "invoice_line_id": "invoice_lines",
    "payment_id": "payments",
    "assignment_id": "assignments",
    "milestone_id": "milestones",
}


@pytest.fixture(scope="module")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("firm")
    simulator.generate(root / "canonical", employees=8, months=4, as_of=AS_OF, seed=3, fmt="csv")
    write_harvest_shape(root / "canonical", root, AS_OF)
    return root


@pytest.fixture(scope="module")
def synced(firm: Path) -> Iterator[Settings]:
    with pytest.MonkeyPatch.context() as mp, FixtureServer(HarvestDemoApi.from_dir(firm, page_size=20)) as server:
        mp.chdir(firm)  # the shape's wipcast.toml holds the firm's mappings
        for vendor in ("HARVEST", "HARVEST_FORECAST"):
            mp.setenv(f"SOURCES__{vendor}__ACCESS_TOKEN", "demo")
            mp.setenv(f"SOURCES__{vendor}__ACCOUNT_ID", "1")
        settings = load_settings({"warehouse_dir": str(firm / "warehouse")}, cwd=firm)
        harvest = run.sync(settings, "harvest", "rt-h", base_url=server.url + "/v2/")
        forecast = run.sync(settings, "harvest-forecast", "rt-f", base_url=server.url + "/forecast/")
        assert harvest.rows_quarantined == 0, harvest.summary_lines()
        assert forecast.rows_quarantined == 0, forecast.summary_lines()
        assert any(r.query.get("cursor") for r in server.requests)  # cursor endpoints paged ...
        assert any(r.query.get("page") == "2" for r in server.requests)  # ... and page-number ones
        yield settings


def _conformed(entity: str, schema: str) -> str:
    columns = []
    for col in c.entity(entity).columns:
        if col.name in ID_COLUMNS:
            columns.append(
                f"(SELECT canonical_id FROM ids WHERE ids.entity = '{ID_COLUMNS[col.name]}' "
                f"AND ids.source_system || ':' || ids.source_id = t.{col.name}) AS {col.name}"
            )
        else:
            columns.append(f"t.{col.name}")
    return f"SELECT {', '.join(columns)} FROM wh.{schema}.{entity} t"


def _canonical(firm: Path, entity: str) -> str:
    columns = [DIFFERENCES.get((entity, col), col) + f" AS {col}" for col in c.entity(entity).column_names]
    return f"SELECT {', '.join(columns)} FROM read_csv('{firm}/canonical/{entity}.csv')"


def test_conformed_tables_equal_the_canonical_files(synced: Settings, firm: Path) -> None:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"ATTACH '{synced.work_db}' AS wh (READ_ONLY)")
    con.execute(f"CREATE TABLE ids AS SELECT * FROM read_csv('{firm}/_ids.csv', all_varchar = true)")
    compared = 0
    for entities, schema in (
        (HARVEST_ENTITIES, "conformed_harvest"),
        (FORECAST_ENTITIES, "conformed_harvest_forecast"),
    ):
        for entity in entities:
            ours, theirs = _conformed(entity, schema), _canonical(firm, entity)
            extra = con.sql(f"SELECT * FROM ({ours}) EXCEPT ALL SELECT * FROM ({theirs})").fetchall()
            missing = con.sql(f"SELECT * FROM ({theirs}) EXCEPT ALL SELECT * FROM ({ours})").fetchall()
            assert (entity, extra[:3], missing[:3]) == (entity, [], [])
            rows = con.sql(f"SELECT count(*) FROM ({theirs})").fetchall()[0][0]
            assert rows > 0, entity
            compared += rows
    # the differences are real in this firm (each rule changes some rows), so they are tested
    for (entity, column), expr in DIFFERENCES.items():
        if column in ("opportunity_id", "status"):
            continue  # always null / no on_hold project in this firm
        changed = con.sql(
            f"SELECT count(*) FROM read_csv('{firm}/canonical/{entity}.csv') WHERE ({expr}) IS DISTINCT FROM {column}"
        ).fetchall()[0][0]
        assert changed > 0, (entity, column)
    assert compared > 1000
    con.close()


def test_the_plan_snapshot_is_todays_live_plan(synced: Settings) -> None:
    con = duckdb.connect(str(synced.work_db), read_only=True)
    today = run.today()
    snap = con.sql(
        "SELECT snapshot_date, assignment_id, project_id, employee_id, role, start_date, end_date, hours_per_week "
        "FROM conformed_harvest_forecast.assignment_snapshots"
    ).fetchall()
    live = con.sql(
        f"SELECT DATE '{today}', assignment_id, project_id, employee_id, role, start_date, end_date, hours_per_week "
        f"FROM conformed_harvest_forecast.assignments WHERE end_date >= DATE '{today}'"
    ).fetchall()
    con.close()
    assert sorted(snap, key=str) == sorted(live, key=str)  # canonical snapshot history is not reproducible


def test_what_harvest_does_not_hold_is_not_produced(synced: Settings) -> None:
    con = duckdb.connect(str(synced.work_db), read_only=True)
    present = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema LIKE 'conformed_%'"
        ).fetchall()
    }
    con.close()
    assert not present & set(NOT_PRODUCED)
