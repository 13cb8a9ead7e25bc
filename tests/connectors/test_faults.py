"""Every scripted fault: retried ones succeed, the others fail with one line and write nothing."""

from __future__ import annotations

import pytest

from ingest.connectors import run
from simulator.serve import FixtureServer
from simulator.shapes.harvest_api import HarvestDemoApi
from wipcast.errors import WipcastError
from wipcast.settings import Settings

from .conftest import harvest_url
from .helpers import count, query, tables


def _statuses(server: FixtureServer, path: str) -> list[int]:
    return [r.status for r in server.requests if r.path == path]


def _fail(settings: Settings, server: FixtureServer) -> str:
    with pytest.raises(WipcastError) as info:
        run.sync(settings, "harvest", "bad", base_url=harvest_url(server))
    line = info.value.one_line()
    assert "\n" not in line
    return line


def test_429_waits_for_retry_after(settings: Settings, server: FixtureServer) -> None:
    server.add_fault("429", "/v2/users", retry_after=1)
    result = run.sync(settings, "harvest", "r1", base_url=harvest_url(server))
    assert result.rows_quarantined == 0
    first, second = [r for r in server.requests if r.path == "/v2/users"][:2]
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 0.95  # Retry-After: 1, although the backoff factor is 0.01


def test_two_500s_then_success(settings: Settings, server: FixtureServer) -> None:
    server.add_fault("500", "/v2/time_entries", times=2)
    run.sync(settings, "harvest", "r1", base_url=harvest_url(server))
    assert _statuses(server, "/v2/time_entries")[:3] == [500, 500, 200]
    assert count(settings, "conformed_harvest.time_entries") == 4


def test_a_dropped_connection_is_retried(settings: Settings, server: FixtureServer) -> None:
    server.add_fault("drop", "/v2/projects")
    run.sync(settings, "harvest", "r1", base_url=harvest_url(server))
    assert _statuses(server, "/v2/projects")[:2] == [0, 200]
    assert count(settings, "conformed_harvest.projects") == 2


def test_5xx_that_never_ends_is_one_line_after_bounded_retries(settings: Settings, server: FixtureServer) -> None:
    server.add_fault("503", "/v2/clients", times=100)
    line = _fail(settings, server)
    assert "HTTP 503" in line and "rerun" in line
    assert _statuses(server, "/v2/clients") == [503] * 4  # RUNTIME__REQUEST_MAX_ATTEMPTS


@pytest.mark.parametrize("kind", ["truncate", "invalid_json"])
def test_a_bad_body_writes_nothing_and_the_rerun_resumes(
    settings: Settings, server: FixtureServer, api: HarvestDemoApi, kind: str
) -> None:
    run.sync(settings, "harvest", "r1", base_url=harvest_url(server))
    cursor = query(settings, "select cursors_after from ops.connector_syncs")[0][0]
    before = {t: count(settings, f"raw_harvest.{t}") for t in ("time_entries", "users", "clients")}
    for entry in api.harvest["time_entries"]:
        entry["hours"], entry["updated_at"] = 1.25, "2018-01-01T00:00:00Z"
    api.harvest["clients"][0]["updated_at"] = "2018-01-01T00:00:00Z"

    server.add_fault(kind, "/v2/time_entries", skip=1)  # page 2 is broken
    line = _fail(settings, server)
    assert "not valid JSON" in line and "nothing was written" in line and "time_entries" in line
    # nothing written: not even the clients page that was fine, and the cursor did not move
    assert {t: count(settings, f"raw_harvest.{t}") for t in before} == before
    assert count(settings, "raw_harvest.time_entries", "hours = 1.25") == 0
    assert query(settings, "select count(*), any_value(cursors_after) from ops.connector_syncs") == [(1, cursor)]

    server.clear()
    run.sync(settings, "harvest", "r2", base_url=harvest_url(server))
    resumed = [r.query["updated_since"] for r in server.requests if r.path == "/v2/time_entries"]
    assert resumed[0] == "2017-06-27T16:46:14Z"  # from the last good cursor (minus the lag)
    assert count(settings, "conformed_harvest.time_entries", "hours = 1.25") == 4


def test_a_bad_body_on_the_first_run_leaves_no_tables(settings: Settings, server: FixtureServer) -> None:
    server.add_fault("invalid_json", "/v2/users")
    _fail(settings, server)
    assert not tables(settings, "raw_harvest") and not tables(settings, "conformed_harvest")


def test_a_repeating_next_link_stops_the_run(settings: Settings, server: FixtureServer) -> None:
    server.add_fault("repeat_next", "/v2/time_entries", skip=1)
    line = _fail(settings, server)
    assert "same next-page link" in line and "time_entries" in line
    assert len(_statuses(server, "/v2/time_entries")) == 2  # it did not loop


@pytest.mark.parametrize("how", ["scripted", "wrong_token"])
def test_401_names_the_setting(
    settings: Settings, server: FixtureServer, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    if how == "scripted":
        server.add_fault("401", "/v2/clients")
    else:
        monkeypatch.setenv("SOURCES__HARVEST__ACCESS_TOKEN", "not-the-token")
    line = _fail(settings, server)
    assert "HTTP 401" in line
    assert "SOURCES__HARVEST__ACCESS_TOKEN" in line and "SOURCES__HARVEST__ACCOUNT_ID" in line
    assert _statuses(server, "/v2/clients").count(401) == 1  # a refusal is not retried


def test_missing_credentials_name_the_settings(
    settings: Settings, server: FixtureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCES__HARVEST__ACCOUNT_ID")
    line = _fail(settings, server)
    assert "SOURCES__HARVEST__ACCOUNT_ID" in line and ".dlt/secrets.toml" in line
    assert "SOURCES__HARVEST__ACCESS_TOKEN not set" not in line
    assert server.requests == []  # no request without credentials


def test_check_makes_one_cheap_call(settings: Settings, server: FixtureServer, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "accepted the credentials" in run.check("harvest", harvest_url(server))
    assert [r.path for r in server.requests] == ["/v2/users/me"]
    monkeypatch.setenv("SOURCES__HARVEST__ACCESS_TOKEN", "wrong")
    with pytest.raises(WipcastError) as info:
        run.check("harvest", harvest_url(server))
    assert "SOURCES__HARVEST__ACCESS_TOKEN" in info.value.one_line()
