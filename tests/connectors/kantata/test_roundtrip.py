"""Round trip: demo firm -> Kantata shape -> served -> `wipcast ingest kantata` -> conformed tables.

The conformed tables must equal the firm's canonical files, row for row, once ids are mapped back
(the shape's _ids.csv) and the documented mapping differences (docs/connectors/kantata.md, "Round
trip") are applied to the canonical side. Each difference is the SQL that turns a canonical value
into what Kantata can hold, so a new difference fails the test until it is documented.
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
from simulator.shapes.kantata import write_kantata_shape
from simulator.shapes.kantata_api import KantataDemoApi
from wipcast import contract as c
from wipcast.settings import Settings, load_settings

AS_OF = dt.date(2026, 10, 31)
ENTITIES = ("legal_entities", "customers", "employees", "projects", "time_entries", "assignments")
NOT_PRODUCED = tuple(e.name for e in c.ENTITIES if e.name not in ENTITIES)

# (entity, column) -> what the canonical value becomes through Kantata (SQL over the canonical row)
DIFFERENCES = {
    # a Kantata workspace is billed by the hour or fixed fee: milestone and retainer are fixed fee there
    ("projects", "billing_type"): "CASE WHEN billing_type IN ('milestone', 'retainer') THEN 'fixed_fee' "
    "ELSE billing_type END",
    ("projects", "opportunity_id"): "CAST(NULL AS VARCHAR)",  # no CRM in Kantata
    # a rejected timesheet submission is open for editing again: the entries are draft
    ("time_entries", "approval_status"): "CASE WHEN approval_status = 'rejected' THEN 'draft' ELSE approval_status END",
    # Kantata records no approval time on an entry: an approved entry's last update stands in for it
    ("time_entries", "approved_at"): "CASE WHEN approval_status = 'approved' THEN updated_at END",
    ("time_entries", "erp_posted_at"): "CAST(NULL AS TIMESTAMPTZ)",  # no ERP in Kantata
}
ID_COLUMNS = {
    "customer_id": "customers",
    "employee_id": "employees",
    "project_manager_id": "employees",
    "project_id": "projects",
    "time_entry_id": "time_entries",
    "invoice_id": "invoices",
    "assignment_id": "assignments",
}


@pytest.fixture(scope="module")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("kantata_firm")
    simulator.generate(root / "canonical", employees=8, months=4, as_of=AS_OF, seed=3, fmt="csv")
    write_kantata_shape(root / "canonical", root, AS_OF)
    return root


@pytest.fixture(scope="module")
def synced(firm: Path) -> Iterator[Settings]:
    with pytest.MonkeyPatch.context() as mp, FixtureServer(KantataDemoApi.from_dir(firm, page_size=100)) as server:
        mp.chdir(firm)  # the shape's wipcast.toml holds the firm's mappings
        mp.setenv("SOURCES__KANTATA__ACCESS_TOKEN", "demo")
        settings = load_settings({"warehouse_dir": str(firm / "warehouse")}, cwd=firm)
        result = run.sync(settings, "kantata", "rt-k", base_url=server.url + "/api/v1/")
        assert result.rows_quarantined == 0, result.summary_lines()
        pages = {r.query.get("page") for r in server.requests if r.path == "/api/v1/time_entries.json"}
        assert len(pages) > 5  # the demo API paged the entries in the side-loaded envelope
        yield settings


def _conformed(entity: str) -> str:
    columns = []
    for col in c.entity(entity).columns:
        if col.name in ID_COLUMNS:
            columns.append(
                f"(SELECT canonical_id FROM ids WHERE ids.entity = '{ID_COLUMNS[col.name]}' "
                f"AND ids.source_system || ':' || ids.source_id = t.{col.name}) AS {col.name}"
            )
        else:
            columns.append(f"t.{col.name}")
    return f"SELECT {', '.join(columns)} FROM wh.conformed_kantata.{entity} t"


def _canonical(firm: Path, entity: str) -> str:
    columns = [DIFFERENCES.get((entity, col), col) + f" AS {col}" for col in c.entity(entity).column_names]
    return f"SELECT {', '.join(columns)} FROM read_csv('{firm}/canonical/{entity}.csv')"


def test_conformed_tables_equal_the_canonical_files(synced: Settings, firm: Path) -> None:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"ATTACH '{synced.work_db}' AS wh (READ_ONLY)")
    con.execute(f"CREATE TABLE ids AS SELECT * FROM read_csv('{firm}/_ids.csv', all_varchar = true)")
    compared = 0
    for entity in ENTITIES:
        ours, theirs = _conformed(entity), _canonical(firm, entity)
        extra = con.sql(f"SELECT * FROM ({ours}) EXCEPT ALL SELECT * FROM ({theirs})").fetchall()
        missing = con.sql(f"SELECT * FROM ({theirs}) EXCEPT ALL SELECT * FROM ({ours})").fetchall()
        assert (entity, extra[:3], missing[:3]) == (entity, [], [])
        rows = con.sql(f"SELECT count(*) FROM ({theirs})").fetchall()[0][0]
        assert rows > 0, entity
        compared += rows
    # the differences are real in this firm (each rule changes some rows), so they are tested
    for (entity, column), expr in DIFFERENCES.items():
        if column == "opportunity_id":
            continue  # the demo firm's projects carry none
        changed = con.sql(
            f"SELECT count(*) FROM read_csv('{firm}/canonical/{entity}.csv') WHERE ({expr}) IS DISTINCT FROM {column}"
        ).fetchall()[0][0]
        assert changed > 0, (entity, column)
    # the account's offset changes with daylight saving: both offsets were sent and stored as UTC
    sent = KantataDemoApi.from_dir(firm).collections
    offsets = {r[k][-6:] for rows in sent.values() for r in rows for k in ("created_at", "updated_at") if k in r}
    assert offsets == {"-07:00", "-08:00"}
    assert compared > 1000
    con.close()


def test_client_users_and_folder_groups_are_not_conformed(synced: Settings) -> None:
    con = duckdb.connect(str(synced.work_db), read_only=True)
    raw_users = con.sql("SELECT count(*) FROM raw_kantata.users").fetchall()[0][0]
    groups = con.sql("SELECT count(*) FILTER (NOT company), count(*) FROM raw_kantata.workspace_groups").fetchall()
    present = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'conformed_kantata'"
        ).fetchall()
    }
    employees = con.sql("SELECT count(*) FROM conformed_kantata.employees").fetchall()[0][0]
    customers = con.sql("SELECT count(*) FROM conformed_kantata.customers").fetchall()[0][0]
    con.close()
    assert raw_users == employees  # the demo API honours on_my_account: client contacts never arrive
    assert groups[0][0] == 1 and customers == groups[0][1] - 1  # the Internal folder is no customer
    assert not present & set(NOT_PRODUCED)
