"""Harvest Forecast: date windows, the client-side cursor, ids linked to Harvest, placeholders,
the daily plan snapshot, milestone amounts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ingest.connectors import run
from simulator.serve import FixtureServer
from simulator.shapes.harvest_api import HarvestDemoApi
from wipcast.settings import Settings

from .conftest import forecast_url, harvest_url
from .helpers import count, query

TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture(autouse=True)
def _the_clock_stays_on_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows and snapshot dates follow the sync day; pin it so a run that crosses midnight UTC
    (the module imported on one day, the test run on the next) still expects the same day."""
    monkeypatch.setattr(run, "today", lambda: TODAY)


def _sync_both(settings: Settings, server: FixtureServer, run_id: str = "f") -> run.SyncResult:
    run.sync(settings, "harvest", f"{run_id}-h", base_url=harvest_url(server))
    return run.sync(settings, "harvest-forecast", run_id, base_url=forecast_url(server))


def _assignment(api: HarvestDemoApi, assignment_id: int) -> dict[str, object]:
    return next(a for a in api.forecast["assignments"] if a["id"] == assignment_id)


def test_windows_links_and_placeholders(settings: Settings, server: FixtureServer) -> None:
    result = _sync_both(settings, server)
    windows = [
        (r.query["start_date"], r.query["end_date"]) for r in server.requests if r.path == "/forecast/assignments"
    ]
    # the plan horizon, walked in contiguous 365-day windows (Forecast has no paging)
    assert windows[0][0] == (TODAY - dt.timedelta(days=4000)).isoformat()
    assert windows[-1][1] == (TODAY + dt.timedelta(days=400)).isoformat()
    for (_, end), (start, _) in zip(windows, windows[1:], strict=False):
        assert dt.date.fromisoformat(start) == dt.date.fromisoformat(end) + dt.timedelta(days=1)
    assert [r.query for r in server.requests if r.path == "/forecast/people"] == [{}]

    rows = query(
        settings,
        "select assignment_id, project_id, employee_id, role, hours_per_week "
        "from conformed_harvest_forecast.assignments order by 1",
    )
    assert rows == [
        # 14400 s per working day (4 h) x 5 working days; Kim Allen through harvest_user_id
        ("harvest_forecast:19858217", "harvest:14308069", "harvest:1782959", "REG Permanent", 20.0),
        # a placeholder is an unnamed assignment with the placeholder's first role
        ("harvest_forecast:19858218", "harvest:14308069", None, "role 1", 40.0),
    ]
    reasons = dict(
        query(
            settings,
            "select assignment_id, reason from (select json_extract_string(raw_row, '$.conformed.assignment_id') "
            "as assignment_id, reason from ops.quarantine where run_id = 'f')",
        )
    )
    assert "no harvest_user_id" in reasons["harvest_forecast:1000001"]
    exceptions = query(
        settings, "select referenced_by, entity, source_id from ops.identity_exceptions where run_id = 'f' order by all"
    )
    assert exceptions == [
        ("assignments", "employees", "333333"),
        ("assignments", "employees", "444444"),
        ("milestones", "projects", "2222222"),
        ("milestones", "projects", "3333333"),
    ]
    assert any("ops.identity_exceptions" in line for line in result.summary_lines())


def test_the_identity_map_links_anything_else(
    settings: Settings, server: FixtureServer, api: HarvestDemoApi, workdir: Path
) -> None:
    (workdir / "identity_map.csv").write_text(
        "entity,source_system,source_id,canonical_id\n"
        "employees,harvest_forecast,333333,harvest:1782884\n"
        "employees,harvest_forecast,444444,harvest:3230547\n"
        "projects,harvest_forecast,222222,harvest:14307913\n"  # beats its harvest_id 1300000 (not in Harvest)
    )
    toml = (workdir / "wipcast.toml").read_text()
    (workdir / "wipcast.toml").write_text(
        toml.replace("[connectors.harvest]", '[connectors]\nidentity_map = "identity_map.csv"\n\n[connectors.harvest]')
    )
    for assignment_id in (1000001, 1000002):
        _assignment(api, assignment_id)["allocation"] = 28800
    _sync_both(settings, server)
    rows = query(
        settings,
        "select assignment_id, project_id, employee_id, role from conformed_harvest_forecast.assignments "
        "where assignment_id in ('harvest_forecast:1000001', 'harvest_forecast:1000002') order by 1",
    )
    # people not in Forecast's people list take their role from the Harvest employee
    assert rows == [
        ("harvest_forecast:1000001", "harvest:14307913", "harvest:1782884", "Founder"),
        ("harvest_forecast:1000002", "harvest:14307913", "harvest:3230547", "Developer"),
    ]
    assert count(settings, "ops.identity_exceptions", "entity = 'employees'") == 0


def test_the_cursor_filters_on_updated_at(settings: Settings, server: FixtureServer, api: HarvestDemoApi) -> None:
    first = _sync_both(settings, server, "f1")
    assert first.extracted["assignments"] == 4
    second = run.sync(settings, "harvest-forecast", "f2", base_url=forecast_url(server))
    # filtered client-side: only the newest row, inside the 5-minute lag of the cursor, is read again
    assert second.extracted["assignments"] == 1
    _assignment(api, 19858217)["allocation"] = 7200
    _assignment(api, 19858217)["updated_at"] = "2025-01-01T00:00:00.000Z"
    _assignment(api, 19858218)["updated_at"] = "2025-01-01T00:00:00.000Z"
    third = run.sync(settings, "harvest-forecast", "f3", base_url=forecast_url(server))
    assert third.extracted["assignments"] == 2
    hours = query(
        settings,
        "select hours_per_week from conformed_harvest_forecast.assignments "
        "where assignment_id = 'harvest_forecast:19858217'",
    )
    assert hours == [(10.0,)]
    assert count(settings, "conformed_harvest_forecast.assignments") == 2


def test_each_sync_appends_the_plan_as_it_stands(
    settings: Settings, server: FixtureServer, api: HarvestDemoApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = _assignment(api, 19858217)
    live["start_date"] = (TODAY - dt.timedelta(days=10)).isoformat()
    live["end_date"] = (TODAY + dt.timedelta(days=30)).isoformat()
    _sync_both(settings, server, "d1")
    run.sync(settings, "harvest-forecast", "d1b", base_url=forecast_url(server))  # same day: replaces the copy
    assert query(
        settings, "select snapshot_date, assignment_id from conformed_harvest_forecast.assignment_snapshots"
    ) == [(TODAY, "harvest_forecast:19858217")]
    tomorrow = TODAY + dt.timedelta(days=1)
    monkeypatch.setattr(run, "today", lambda: tomorrow)
    live["allocation"], live["updated_at"] = 7200, "2026-01-01T00:00:00.000Z"
    run.sync(settings, "harvest-forecast", "d2", base_url=forecast_url(server))
    snaps = query(
        settings,
        "select snapshot_date, hours_per_week from conformed_harvest_forecast.assignment_snapshots order by 1",
    )
    assert snaps == [(TODAY, 20.0), (tomorrow, 10.0)]  # yesterday's plan is kept as it was

    # a day on which the API returns nothing (so dlt loads nothing) still gets its snapshot
    api.forecast = {name: [] for name in api.forecast}
    later = tomorrow + dt.timedelta(days=1)
    monkeypatch.setattr(run, "today", lambda: later)
    quiet = run.sync(settings, "harvest-forecast", "d3", base_url=forecast_url(server))
    assert quiet.extracted == {}
    assert count(settings, "conformed_harvest_forecast.assignment_snapshots", f"snapshot_date = DATE '{later}'") == 1


def test_milestone_amounts_come_from_the_mapping_file(
    settings: Settings, server: FixtureServer, api: HarvestDemoApi, workdir: Path
) -> None:
    for n, milestone_id in enumerate((5001, 5002)):
        api.forecast["milestones"].append(
            {
                "id": milestone_id,
                "name": f"M{n}",
                "date": "2019-03-01",
                "updated_at": "2019-01-01T00:00:00.000Z",
                "updated_by_id": 1,
                "project_id": 1824209,
            }
        )
    (workdir / "milestones.csv").write_text("forecast_milestone_id,amount\n5001,12500.00\n")
    toml = (workdir / "wipcast.toml").read_text()
    (workdir / "wipcast.toml").write_text(
        toml.replace('default_role = "Consultant"', 'default_role = "Consultant"\nmilestones_file = "milestones.csv"')
    )
    _sync_both(settings, server, "m")
    loaded = query(
        settings, "select milestone_id, project_id, amount, due_date from conformed_harvest_forecast.milestones"
    )
    assert [(m, p, float(a)) for m, p, a, _ in loaded] == [("harvest_forecast:5001", "harvest:14308069", 12500.0)]
    reason = query(
        settings, "select reason from ops.quarantine where run_id = 'm' and raw_row->>'$.source.id' = '5002'"
    )
    assert "connectors.harvest_forecast.milestones_file" in reason[0][0]


def test_full_refresh_marks_vanished_assignments(
    settings: Settings, server: FixtureServer, api: HarvestDemoApi
) -> None:
    _sync_both(settings, server, "r1")
    api.forecast["assignments"] = [a for a in api.forecast["assignments"] if a["id"] != 19858218]
    result = run.sync(settings, "harvest-forecast", "r2", full_refresh=True, base_url=forecast_url(server))
    assert result.marked_deleted["assignments"] == 1
    assert count(settings, "raw_harvest_forecast.assignments", "_wipcast_deleted_at is not null") == 1
    assert query(settings, "select assignment_id from conformed_harvest_forecast.assignments") == [
        ("harvest_forecast:19858217",)
    ]
