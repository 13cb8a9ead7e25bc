"""A Harvest sync end to end against the fixture account: paging, cursors, reruns, the mapping."""

from __future__ import annotations

import json
from decimal import Decimal

from ingest.connectors import run
from simulator.serve import FixtureServer
from simulator.shapes.harvest_api import HarvestDemoApi
from wipcast.settings import Settings

from .conftest import harvest_url
from .helpers import count, query

CONFORMED = {
    "legal_entities": 1,
    "customers": 2,
    "employees": 3,
    "projects": 2,
    "time_entries": 4,
    "invoices": 2,
    "invoice_lines": 3,
    "payments": 1,
}


def _counts(settings: Settings) -> dict[str, int]:
    return {name: count(settings, f"conformed_harvest.{name}") for name in CONFORMED}


def test_sync_pages_with_links_next_and_conforms_everything(settings: Settings, server: FixtureServer) -> None:
    result = run.sync(settings, "harvest", "r1", base_url=harvest_url(server))
    assert result.rows_quarantined == 0, result.summary_lines()
    assert _counts(settings) == CONFORMED
    paths = [(r.path, r.query) for r in server.requests]
    # cursor endpoints page with an opaque cursor, the others by page number: both via links.next
    assert any(p == "/v2/users" and "cursor" in q for p, q in paths)
    assert any(p == "/v2/time_entries" and q.get("page") == "2" for p, q in paths)
    assert all(q.get("per_page") == "2000" for p, q in paths)
    assert all(q.get("is_running") == "false" for p, q in paths if p == "/v2/time_entries")
    # child resources are read per parent
    assert ("/v2/invoices/13150378/payments", {"per_page": "2000"}) in paths
    # every conformed row names its source
    assert query(settings, "select distinct source_system from conformed_harvest.time_entries") == [("harvest",)]


def test_mapping_of_the_documented_examples(settings: Settings, server: FixtureServer) -> None:
    run.sync(settings, "harvest", "r1", base_url=harvest_url(server))
    kim = query(
        settings,
        "select name, role, practice, employment_type, weekly_capacity_hours, cost_rate, hire_date "
        "from conformed_harvest.employees where employee_id = 'harvest:1782959'",
    )
    assert kim == [("Kim Allen", "Designer", "Digital", "employee", 35.0, 50, kim[0][6])]
    jim_rate = query(
        settings, "select cost_rate from conformed_harvest.employees where employee_id = 'harvest:3230547'"
    )
    assert float(jim_rate[0][0]) == 15.25  # the open-ended cost rate beats users.cost_rate
    store = query(
        settings,
        "select customer_id, billing_type, currency, budget_hours, contract_value, project_manager_id, status "
        "from conformed_harvest.projects where project_id = 'harvest:14308069'",
    )
    # two managers are flagged on the project: the earliest assignment (Bob Powell, 21:52) wins
    assert store == [("harvest:5735776", "time_and_materials", "EUR", 200.0, None, "harvest:1782884", "active")]
    entries = query(
        settings,
        "select time_entry_id, approval_status, approved_at is not null, bill_rate, invoice_id "
        "from conformed_harvest.time_entries order by 1",
    )
    # no approval_status in the docs examples: is_closed decides (all four are closed)
    assert {e[1] for e in entries} == {"approved"} and all(e[2] for e in entries)
    assert ("harvest:636708723", "approved", True, 100, "harvest:13150403") in entries
    lines = query(settings, "select line_type, hours from conformed_harvest.invoice_lines order by invoice_line_id")
    # all three are kind Service, so time lines with their quantity as hours, the docs' "50% of Phase 1"
    # (quantity 100) included: Harvest cannot tell a fee from hours on a Service line (DECISIONS.md)
    assert lines == [("time", 100.0), ("time", 2.0), ("time", 1.0)]
    paid = query(settings, "select invoice_id, status, amount from conformed_harvest.invoices order by 1")
    assert paid == [("harvest:13150378", "paid", Decimal("10700")), ("harvest:13150403", "open", Decimal("288.9"))]


def test_three_runs_give_the_same_counts_and_the_cursor_advances(
    settings: Settings, server: FixtureServer, api: HarvestDemoApi
) -> None:
    results = []
    for i in range(3):
        results.append(run.sync(settings, "harvest", f"r{i}", base_url=harvest_url(server)))
        api.harvest["time_entries"][i]["updated_at"] = f"2017-07-0{i + 1}T10:00:00Z"  # an edit, no new row
    assert all(r.rows_quarantined == 0 for r in results)
    assert _counts(settings) == CONFORMED
    assert count(settings, "raw_harvest.time_entries") == 4
    since = [
        r.query["updated_since"] for r in server.requests if r.path == "/v2/time_entries" and "page" not in r.query
    ]
    # each run starts from the last updated_at the previous one saw, minus the 60 s lag
    assert since == ["2000-01-01T00:00:00Z", "2017-06-27T16:46:14Z", "2017-07-01T09:59:00Z"]
    # ops.load_log: per resource, rows read = loaded + quarantined, every run
    logs = query(settings, "select run_id, source_file, rows_read, rows_loaded, rows_quarantined from ops.load_log")
    assert len(logs) == 3 * len(CONFORMED)
    assert all(read == loaded + bad for _, _, read, loaded, bad in logs)
    assert any(src.startswith("harvest:time_entries@") for _, src, *_ in logs)
    syncs = query(settings, "select mode, cursors_after from ops.connector_syncs order by finished_at")
    assert [m for m, _ in syncs] == ["incremental"] * 3
    assert json.loads(syncs[-1][1])["time_entries"] == "2017-07-02T10:00:00Z"


def test_an_update_upstream_is_merged_not_duplicated(
    settings: Settings, server: FixtureServer, api: HarvestDemoApi
) -> None:
    run.sync(settings, "harvest", "r1", base_url=harvest_url(server))
    entry = api.harvest["time_entries"][0]
    entry["hours"], entry["updated_at"] = 7.5, "2017-07-01T10:00:00Z"
    api.harvest["time_entries"].append(
        {**entry, "id": 700000001, "is_running": True, "hours": 0.2, "updated_at": "2017-07-01T11:00:00Z"}
    )
    run.sync(settings, "harvest", "r2", base_url=harvest_url(server))
    assert count(settings, "conformed_harvest.time_entries") == 4  # the running timer is not read
    hours = query(
        settings, f"select hours from conformed_harvest.time_entries where time_entry_id = 'harvest:{entry['id']}'"
    )
    assert hours == [(7.5,)]


def test_reconform_replays_without_network(settings: Settings, server: FixtureServer) -> None:
    run.sync(settings, "harvest", "r1", base_url=harvest_url(server))
    server.stop()  # nothing to talk to any more
    (settings.warehouse_dir.parent / "users.csv").write_text(
        "harvest_user_id,practice\n1782959,Design\n1782884,Strategy\n3230547,Digital\n"
    )
    result = run.reconform(settings, "harvest", "r2")
    assert result.mode == "reconform" and result.rows_quarantined == 0
    practice = query(settings, "select practice from conformed_harvest.employees where employee_id = 'harvest:1782959'")
    assert practice == [("Design",)]
