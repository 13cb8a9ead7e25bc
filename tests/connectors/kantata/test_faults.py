"""The framework's scripted faults against Kantata: retried ones succeed, the others fail with one
line, write nothing and leave the cursor, so the rerun resumes."""

from __future__ import annotations

import pytest

from ingest.connectors import run
from simulator.serve import FixtureServer
from simulator.shapes.kantata_api import KantataDemoApi
from wipcast.errors import WipcastError
from wipcast.settings import Settings

from ..helpers import count, query, tables
from .conftest import kantata_url


def _statuses(server: FixtureServer, path: str) -> list[int]:
    return [r.status for r in server.requests if r.path == path]


def _fail(settings: Settings, server: FixtureServer) -> str:
    with pytest.raises(WipcastError) as info:
        run.sync(settings, "kantata", "bad", base_url=kantata_url(server))
    line = info.value.one_line()
    assert "\n" not in line
    return line


def test_429_waits_for_retry_after_and_two_500s_are_retried(settings: Settings, server: FixtureServer) -> None:
    server.add_fault("429", "/api/v1/users.json", retry_after=1)
    server.add_fault("500", "/api/v1/time_entries.json", times=2)
    result = run.sync(settings, "kantata", "r1", base_url=kantata_url(server))
    assert result.rows_quarantined == 0
    first, second = [r for r in server.requests if r.path == "/api/v1/users.json"][:2]
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 0.95  # Retry-After: 1, although the backoff factor is 0.01
    assert _statuses(server, "/api/v1/time_entries.json") == [500, 500, 200, 200]  # then both pages
    assert count(settings, "conformed_kantata.time_entries") == 3


def test_a_bad_body_writes_nothing_and_the_rerun_resumes(
    settings: Settings, server: FixtureServer, api: KantataDemoApi
) -> None:
    run.sync(settings, "kantata", "r1", base_url=kantata_url(server))
    cursor = query(settings, "select cursors_after from ops.connector_syncs")[0][0]
    for entry in api.collections["time_entries"]:
        entry.update(time_in_minutes=75, updated_at="2014-06-01T09:00:00-07:00")
    api.collections["workspaces"][0]["updated_at"] = "2014-06-01T09:00:00-07:00"

    for kind in ("truncate", "invalid_json"):
        server.clear()
        server.add_fault(kind, "/api/v1/time_entries.json", skip=1)  # page 2 is broken
        line = _fail(settings, server)
        assert "not valid JSON" in line and "nothing was written" in line and "time_entries" in line
    # nothing written: not even the workspaces page that was fine, and the cursor did not move
    assert count(settings, "raw_kantata.time_entries", "time_in_minutes = 75") == 0
    assert count(settings, "raw_kantata.workspaces", "updated_at > TIMESTAMPTZ '2014-05-01 00:00:00+00'") == 0
    assert query(settings, "select count(*), any_value(cursors_after) from ops.connector_syncs") == [(1, cursor)]

    server.clear()
    run.sync(settings, "kantata", "r2", base_url=kantata_url(server))
    resumed = [r.query["updated_after"] for r in server.requests if r.path == "/api/v1/time_entries.json"]
    assert resumed[0] == "2014-04-01T15:59:43Z"  # from the last good cursor (minus the lag)
    assert count(settings, "conformed_kantata.time_entries", "hours = 1.25") == 3


def test_401_is_one_line_naming_the_token_setting(settings: Settings, server: FixtureServer) -> None:
    server.add_fault("401", "/api/v1/workspaces.json")
    line = _fail(settings, server)
    assert "Kantata refused the credentials (HTTP 401" in line
    assert "SOURCES__KANTATA__ACCESS_TOKEN" in line and "ACCOUNT_ID" not in line
    assert _statuses(server, "/api/v1/workspaces.json").count(401) == 1  # a refusal is not retried
    assert not tables(settings, "raw_kantata")


def test_missing_token_and_check(settings: Settings, server: FixtureServer, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "accepted the credentials" in run.check("kantata", kantata_url(server))
    assert [r.path for r in server.requests] == ["/api/v1/users/me.json"]
    monkeypatch.setenv("SOURCES__KANTATA__ACCESS_TOKEN", "wrong")
    with pytest.raises(WipcastError) as info:
        run.check("kantata", kantata_url(server))
    assert "SOURCES__KANTATA__ACCESS_TOKEN" in info.value.one_line()
    monkeypatch.delenv("SOURCES__KANTATA__ACCESS_TOKEN")
    server.clear()
    line = _fail(settings, server)
    assert "SOURCES__KANTATA__ACCESS_TOKEN not set" in line and "[sources.kantata]" in line
    assert server.requests == []  # no request without credentials
