"""ops.sync_runs: one row per sync x resource, failed syncs included, with what the API reported,
what was extracted, the client's retries and, for a failed sync, the one-line error the user saw.

The Harvest fixture account (conftest) holds 4 time entries (the docs' examples, none running), 2
clients, 3 users, 2 projects, 6 user assignments, 2 invoices with 1 payment and 4 cost rates, served
2 rows a page.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import pytest

from ingest.connectors import run
from simulator.serve import FixtureServer, Reply
from simulator.shapes.harvest_api import HarvestDemoApi
from wipcast.errors import WipcastError
from wipcast.settings import Settings

from .conftest import ACCOUNT, TOKEN, fixture_collections, harvest_url
from .helpers import query

RESOURCES = {
    "clients",
    "users",
    "user_cost_rates",
    "projects",
    "user_assignments",
    "time_entries",
    "invoices",
    "invoice_payments",
}
COLUMNS = (
    "resource, mode, status, full_read, rows_reported, rows_extracted, rows_filtered, shortfall, rows_conformed, "
    "rows_quarantined, cursor_before, cursor_after, retries, error"
)


def _runs(settings: Settings, run_id: str) -> dict[str, dict[str, Any]]:
    rows = query(settings, f"select {COLUMNS} from ops.sync_runs where run_id = ? order by resource", [run_id])
    names = [c.strip() for c in COLUMNS.split(",")]
    return {row[0]: dict(zip(names, row, strict=True)) for row in rows}


def _fail(settings: Settings, server: FixtureServer, run_id: str = "bad") -> str:
    with pytest.raises(WipcastError) as info:
        run.sync(settings, "harvest", run_id, base_url=harvest_url(server))
    return info.value.one_line()


def test_a_sync_writes_one_row_per_resource_with_the_reported_total(
    settings: Settings, server: FixtureServer, api: HarvestDemoApi
) -> None:
    assert len(api.harvest["time_entries"]) == 4
    run.sync(settings, "harvest", "r1", base_url=harvest_url(server))
    runs = _runs(settings, "r1")
    assert set(runs) == RESOURCES
    entries = runs["time_entries"]
    assert entries == {
        "resource": "time_entries",
        "mode": "incremental",
        "status": "success",
        "full_read": True,  # the first read: no cursor before
        "rows_reported": 4,  # total_entries of the first page (2 pages of 2)
        "rows_extracted": 4,
        "rows_filtered": 0,  # the running-timer filter dropped none (the request asks for is_running=false)
        "shortfall": 0,
        "rows_conformed": 4,
        "rows_quarantined": 0,
        "cursor_before": None,
        "cursor_after": "2017-06-27T16:47:14Z",  # the latest updated_at of the four
        "retries": 0,
        "error": None,
    }
    # a child resource: one listing per parent, their totals summed (4 cost rates of one user)
    assert (runs["user_cost_rates"]["rows_reported"], runs["user_cost_rates"]["rows_extracted"]) == (4, 4)
    assert (runs["invoice_payments"]["rows_reported"], runs["invoice_payments"]["rows_extracted"]) == (1, 1)
    # conformed from no resource of its own (joined into projects): null, as the column comment says
    assert runs["user_assignments"]["rows_conformed"] is None
    assert runs["clients"]["rows_filtered"] is None  # no filter step of its own
    assert {r["rows_reported"] for r in runs.values()} == {r["rows_extracted"] for r in runs.values()}
    assert all(r["status"] == "success" and r["error"] is None for r in runs.values())
    one = query(settings, "select count(distinct started_at), count(distinct finished_at) from ops.sync_runs")
    assert one == [(1, 1)]  # one sync: one start and one finish for all its rows

    # the next sync reads a window: it asks for rows changed since the cursor (less the lag), so no shortfall
    run.sync(settings, "harvest", "r2", base_url=harvest_url(server))
    second = _runs(settings, "r2")["time_entries"]
    assert second["cursor_before"] == "2017-06-27T16:47:14Z" and second["full_read"] is False
    assert second["shortfall"] is None
    # ops.connector_syncs is unchanged: one row per successful sync
    assert query(settings, "select run_id from ops.connector_syncs order by finished_at") == [("r1",), ("r2",)]


def test_two_server_errors_then_success_count_two_retries(settings: Settings, server: FixtureServer) -> None:
    server.add_fault("500", "/v2/time_entries", times=2)
    server.add_fault("drop", "/v2/projects")
    run.sync(settings, "harvest", "r1", base_url=harvest_url(server))
    runs = _runs(settings, "r1")
    assert runs["time_entries"]["retries"] == 2  # 500, 500, 200 on the first page
    assert runs["projects"]["retries"] == 1  # a dropped connection, then 200
    others = RESOURCES - {"time_entries", "projects"}
    assert {name: runs[name]["retries"] for name in others} == dict.fromkeys(others, 0)
    assert runs["time_entries"]["rows_extracted"] == runs["time_entries"]["rows_reported"] == 4


@pytest.mark.parametrize("how", ["scripted", "wrong_token"])
def test_a_refused_sync_records_failed_rows_and_the_same_line(
    settings: Settings, server: FixtureServer, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    if how == "scripted":
        server.add_fault("401", "/v2/clients")
    else:
        monkeypatch.setenv("SOURCES__HARVEST__ACCESS_TOKEN", "not-the-token")
    line = _fail(settings, server)
    # what the user sees is today's line (tests/connectors/test_faults.py checks the same words)
    assert line.startswith("Harvest refused the credentials (HTTP 401 at ") and "\n" not in line
    assert "SOURCES__HARVEST__ACCESS_TOKEN" in line
    runs = _runs(settings, "bad")
    assert set(runs) == RESOURCES
    assert {r["status"] for r in runs.values()} == {"failed"}
    assert {r["error"] for r in runs.values()} == {line}
    assert {r["rows_extracted"] for r in runs.values()} == {None}
    assert {r["shortfall"] for r in runs.values()} == {None}
    everything = str(query(settings, "select * from ops.sync_runs"))
    assert TOKEN not in everything and "not-the-token" not in everything


def test_a_malformed_page_records_the_failure_and_the_cursor_that_stayed(
    settings: Settings, server: FixtureServer
) -> None:
    run.sync(settings, "harvest", "r1", base_url=harvest_url(server))
    cursor = _runs(settings, "r1")["time_entries"]["cursor_after"]
    server.add_fault("invalid_json", "/v2/time_entries", skip=1)  # page 2 is broken
    line = _fail(settings, server, "r2")
    assert "not valid JSON" in line and "(resource time_entries)" in line
    entries = _runs(settings, "r2")["time_entries"]
    assert entries["status"] == "failed" and entries["error"] == line
    assert entries["cursor_before"] == entries["cursor_after"] == cursor
    assert entries["rows_reported"] == 4 and entries["rows_extracted"] is None  # page 1 said 4; nothing loaded
    # the last successful sync is still the one ops.connector_syncs holds
    assert query(settings, "select run_id from ops.connector_syncs") == [("r1",)]


def test_a_sync_that_fails_before_any_request_has_one_row(
    settings: Settings, server: FixtureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCES__HARVEST__ACCOUNT_ID")
    line = _fail(settings, server)
    assert "SOURCES__HARVEST__ACCOUNT_ID" in line
    assert server.requests == []
    rows = query(settings, "select resource, status, error, retries from ops.sync_runs")
    assert rows == [("*", "failed", line, None)]


class OverReportingApi(HarvestDemoApi):
    """Says it holds two more time entries than it serves (a listing that silently lost rows)."""

    def _page(self, base: str, path: str, key: str, rows: list[dict[str, Any]], query: Mapping[str, str]) -> Reply:
        reply = super()._page(base, path, key, rows, query)
        if key == "time_entries":
            reply.body["total_entries"] += 2
        return reply


def test_a_full_read_that_lost_rows_shows_the_shortfall(settings: Settings) -> None:
    harvest, children, forecast = fixture_collections()
    extra = copy.deepcopy(harvest["time_entries"])
    for entry in extra:
        entry["id"] += 1000
    harvest["time_entries"] += extra  # 8 entries served, 10 reported
    api = OverReportingApi(harvest, children, forecast, page_size=2)
    with FixtureServer(api, token=TOKEN, account_id=ACCOUNT) as server:
        run.sync(settings, "harvest", "r1", base_url=harvest_url(server))
        run.sync(settings, "harvest", "r2", base_url=harvest_url(server))
        run.sync(settings, "harvest", "r3", base_url=harvest_url(server), full_refresh=True)
    first, window, full = (_runs(settings, r)["time_entries"] for r in ("r1", "r2", "r3"))
    assert (first["rows_reported"], first["rows_extracted"], first["shortfall"]) == (10, 8, 2)
    assert window["full_read"] is False and window["shortfall"] is None  # an incremental window is not judged
    assert full["mode"] == "full_refresh"
    assert (full["rows_reported"], full["rows_extracted"], full["shortfall"]) == (10, 8, 2)
    assert _runs(settings, "r1")["clients"]["shortfall"] == 0


class RunningTimersApi(HarvestDemoApi):
    """Ignores `is_running=false`: sends the running timer too, which the connector's filter then drops."""

    def select(
        self, key: str, rows: list[dict[str, Any]], updated_since: str | None, is_running: str | None
    ) -> list[dict[str, Any]]:
        return super().select(key, rows, updated_since, None)


def test_rows_the_connector_filters_out_on_purpose_are_no_shortfall(settings: Settings) -> None:
    harvest, children, forecast = fixture_collections()
    timer = copy.deepcopy(harvest["time_entries"][0])
    timer.update(id=1, is_running=True)
    harvest["time_entries"].append(timer)  # 5 sent and reported, 1 of them running
    with FixtureServer(
        RunningTimersApi(harvest, children, forecast, page_size=2), token=TOKEN, account_id=ACCOUNT
    ) as s:
        run.sync(settings, "harvest", "r1", base_url=harvest_url(s))
    entries = _runs(settings, "r1")["time_entries"]
    assert (entries["rows_reported"], entries["rows_extracted"], entries["rows_filtered"]) == (5, 4, 1)
    assert entries["shortfall"] == 0
