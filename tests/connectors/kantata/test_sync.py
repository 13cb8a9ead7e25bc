"""Kantata through the framework against the documented examples: the mapping, pagination with the
page-2 quirk, UTC storage, reruns and the cursor, full refresh, and a quarantined user."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from ingest.connectors import run
from simulator.serve import FixtureServer
from simulator.shapes.kantata_api import KantataDemoApi
from wipcast.settings import Settings

from ..helpers import count, query
from .conftest import kantata_url

UTC = dt.UTC


def _sync(settings: Settings, server: FixtureServer, run_id: str, **kw: object) -> run.SyncResult:
    result = run.sync(settings, "kantata", run_id, base_url=kantata_url(server), **kw)  # type: ignore[arg-type]
    return result


def test_the_examples_conform_to_canonical_rows(settings: Settings, server: FixtureServer, api: KantataDemoApi) -> None:
    api.firm_account = lambda: None  # type: ignore[method-assign]  # as if the API ignored on_my_account
    result = _sync(settings, server, "r1")
    assert result.rows_quarantined == 0, result.summary_lines()
    pages = [r.query["page"] for r in server.requests if r.path == "/api/v1/time_entries.json"]
    # count 3 and page_count 2 on page 1, whose two rows are fewer than the 200 asked: page 2 is read
    assert pages == ["1", "2"]
    assert all(r.query["per_page"] == "200" for r in server.requests)

    employees = query(
        settings,
        "select employee_id, name, role, practice, region, entity_id, hire_date, weekly_capacity_hours, cost_rate, "
        "utilization_target, termination_date from conformed_kantata.employees",
    )
    # the role of the latest workspace resource; the cost rate of the latest entry (4500 cents)
    assert employees == [
        (
            "kantata:4576975",
            "Sergei Zinin",
            "Consultant",
            "Digital",
            "North America",
            "LE-US",
            dt.date(2013, 1, 7),
            40.0,
            pytest.approx(45.0),
            0.7,
            None,
        )
    ]
    projects = query(
        settings,
        "select project_id, customer_id, billing_type, currency, contract_value, budget_hours, start_date, end_date, "
        "status, project_manager_id from conformed_kantata.projects order by 1",
    )
    assert projects == [
        # price_in_cents 1000000 -> 10,000.00; the root story's 2400 minutes -> 40 h (its sub-story's 960 are inside)
        (
            "kantata:4892415",
            "kantata:551001",
            "time_and_materials",
            "USD",
            pytest.approx(10000.0),
            40.0,
            dt.date(2014, 3, 24),
            dt.date(2014, 4, 24),
            "active",
            "kantata:4576975",
        ),
        # no start date: created 2014-03-23T00:42:56-07:00 is 07:42:56 UTC the same day; no client group
        (
            "kantata:4894095",
            None,
            "non_billable",
            "USD",
            None,
            None,
            dt.date(2014, 3, 23),
            None,
            "active",
            "kantata:4576975",
        ),
    ]
    entries = query(
        settings,
        "select time_entry_id, hours, billable, approval_status, approved_at, bill_rate, invoice_id, updated_at "
        "from conformed_kantata.time_entries order by 1",
    )
    assert entries == [
        # 270 min = 4.5 h; approved, invoiced; updated 2014-04-01T09:00:43-07:00 = 16:00:43 UTC
        (
            "kantata:301551201",
            4.5,
            True,
            "approved",
            dt.datetime(2014, 4, 1, 16, 0, 43, tzinfo=UTC),
            pytest.approx(100.0),
            "kantata:7780012",
            dt.datetime(2014, 4, 1, 16, 0, 43, tzinfo=UTC),
        ),
        # 45 min = 0.75 h, non-billable at rate 0 (no rate), in an open submission
        (
            "kantata:301551202",
            0.75,
            False,
            "submitted",
            None,
            None,
            None,
            dt.datetime(2014, 3, 25, 17, 0, tzinfo=UTC),
        ),
        (
            "kantata:301551203",
            4.0,
            True,
            "submitted",
            None,
            pytest.approx(100.0),
            None,
            dt.datetime(2014, 4, 1, 15, 30, tzinfo=UTC),
        ),
    ]
    assignments = query(
        settings,
        "select assignment_id, project_id, employee_id, role, start_date, end_date, hours_per_week "
        "from conformed_kantata.assignments order by 1",
    )
    assert assignments == [
        # 2400 min over the 10 weekdays of 24 Mar - 4 Apr: 4 h a day, 2400 * 5 / (60 * 10) = 20 h a week
        (
            "kantata:2200451",
            "kantata:4892415",
            "kantata:4576975",
            "Consultant",
            dt.date(2014, 3, 24),
            dt.date(2014, 4, 4),
            20.0,
        ),
        # the unnamed Data Engineer: 3360 min over the 14 weekdays of 7-24 Apr = 3360 * 5 / (60 * 14) = 20 h
        ("kantata:2200452", "kantata:4892415", None, "Data Engineer", dt.date(2014, 4, 7), dt.date(2014, 4, 24), 20.0),
    ]
    assert query(settings, "select customer_id, name, country, region from conformed_kantata.customers") == [
        ("kantata:551001", "SubscribeBuddy Inc.", "US", "North America")
    ]
    assert count(settings, "conformed_kantata.legal_entities") == 1
    assert query(settings, "select distinct source_file from ops.load_log where source_file like 'kantata:%'")

    # the client's user (another account_id) reached raw but is not an employee
    assert count(settings, "raw_kantata.users") == 2
    # stored in UTC: 2014-03-24T18:02:11-07:00 is 2014-03-25 01:02:11 UTC
    assert query(settings, "select created_at from raw_kantata.time_entries where id = '301551201'") == [
        (dt.datetime(2014, 3, 25, 1, 2, 11, tzinfo=UTC),)
    ]
    # entry 3 (10:30-05:00 = 15:30Z) sorts after entry 1 (09:00:43-07:00 = 16:00:43Z) as text, not in time
    assert result.cursors_after["time_entries"] == "2014-04-01T16:00:43Z"


def test_reruns_give_the_same_counts_and_the_cursor_advances(
    settings: Settings, server: FixtureServer, api: KantataDemoApi
) -> None:
    counts = []
    for n in range(2):
        _sync(settings, server, f"r{n}")
        counts.append({t: count(settings, f"conformed_kantata.{t}") for t in ("time_entries", "projects", "employees")})
    assert counts[0] == counts[1] == {"time_entries": 3, "projects": 2, "employees": 1}
    asked = [r.query.get("updated_after") for r in server.requests if r.path == "/api/v1/time_entries.json"]
    # run 1 from the initial value (two pages), run 2 from the cursor minus the 60 s lag
    assert asked == ["2000-01-01T00:00:00Z", "2000-01-01T00:00:00Z", "2014-04-01T15:59:43Z"]

    api.collections["time_entries"][1].update(time_in_minutes=90, updated_at="2014-05-02T08:00:00-07:00")
    result = _sync(settings, server, "r2")
    assert result.cursors_after["time_entries"] == "2014-05-02T15:00:00Z"  # moved to the changed entry
    # it, and entry 301551201 again (16:00:43Z is inside the 60 s lag); the merge keeps one of each
    assert result.extracted["time_entries"] == 2
    assert count(settings, "conformed_kantata.time_entries", "hours = 1.5") == 1
    assert count(settings, "conformed_kantata.time_entries") == 3


def test_full_refresh_marks_vanished_rows_deleted(
    settings: Settings, server: FixtureServer, api: KantataDemoApi
) -> None:
    _sync(settings, server, "r1")
    api.collections["time_entries"] = [e for e in api.collections["time_entries"] if e["id"] != "301551202"]
    api.collections["workspace_allocations"].pop()
    result = _sync(settings, server, "r3", full_refresh=True)
    assert result.marked_deleted["time_entries"] == 1 and result.marked_deleted["workspace_allocations"] == 1
    assert count(settings, "raw_kantata.time_entries", "_wipcast_deleted_at is not null") == 1
    assert query(settings, "select time_entry_id from conformed_kantata.time_entries order by 1") == [
        ("kantata:301551201",),
        ("kantata:301551203",),
    ]
    assert count(settings, "conformed_kantata.assignments") == 1


def test_rows_missing_a_setting_are_quarantined_naming_it(settings: Settings, server: FixtureServer) -> None:
    project = settings.warehouse_dir.parent
    toml = (project / "wipcast.toml").read_text()
    (project / "wipcast.toml").write_text(toml.replace('default_country = "US"\n', ""))
    (project / "users.csv").write_text("kantata_user_id,practice\n4576975,Digital\n")
    result = _sync(settings, server, "r1")
    reasons = query(settings, "select source_file, reason, raw_row from ops.quarantine order by source_file")
    by_source: dict[str, list[str]] = {}
    for source, reason, _ in reasons:
        by_source.setdefault(source.split("@")[0], []).append(reason)
    assert by_source["kantata:users"] == [
        "hire_date is empty (Kantata has no such field); set connectors.kantata.users_file (the user's row)"
    ]
    assert by_source["kantata:workspace_groups"] == [
        "country is empty (Kantata has no such field); set connectors.kantata.default_country or "
        "connectors.kantata.customers_file (the group's row)"
    ]
    # the client's workspace is set aside with its group's reason; the internal one loads
    assert (
        len(by_source["kantata:workspaces"]) == 1
        and "connectors.kantata.default_country" in (by_source["kantata:workspaces"][0])
    )
    assert query(settings, "select project_id from conformed_kantata.projects") == [("kantata:4894095",)]
    raw = [json.loads(r[2]) for r in reasons if r[0].startswith("kantata:users@")]
    assert raw[0]["source"]["full_name"] == "Sergei Zinin"
    # the user's time and allocation are set aside with the parents' reasons, not loaded as orphans
    assert result.entities["time_entries"].quarantined.num_rows == 3
    assert result.entities["assignments"].quarantined.num_rows == 2
    assert count(settings, "conformed_kantata.employees") == 0

    (project / "wipcast.toml").write_text(toml)
    (project / "users.csv").write_text("kantata_user_id,hire_date\n4576975,2013-01-07\n")
    replay = run.reconform(settings, "kantata", "rc")
    assert replay.rows_quarantined == 0 and count(settings, "conformed_kantata.time_entries") == 3
