"""The envelope helper (rows from `results`, timestamps to UTC), the paginator, and the demo API
answering exactly what Kantata's documented examples show."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from ingest.connectors.kantata import envelope
from simulator.shapes.kantata_api import KantataDemoApi

from .conftest import fixture_body, fixture_collections


def _response(body: Any, status: int = 200, url: str = "http://x/api/v1/t.json") -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.url = url
    return response


def test_rows_follow_results_not_the_map() -> None:
    body = {
        "count": 3,
        "results": [{"key": "stories", "id": "2"}, {"key": "stories", "id": "1"}],
        # the map holds a side-loaded parent (id 9) of the same type, and orders ids differently
        "stories": {"1": {"id": "1"}, "9": {"id": "9"}, "2": {"id": "2"}},
        "users": {"5": {"id": "5"}},
    }
    assert [r["id"] for r in envelope.rebuild(body)] == ["2", "1"]


def test_the_documented_time_entries_page_gives_its_two_rows_not_the_side_loads() -> None:
    body = fixture_body("time_entries")
    rows = envelope.rebuild(body)
    assert [r["id"] for r in rows] == ["301551201", "301551202"]
    assert body["count"] == 3 and len(rows) == 2  # count is the total over both pages


def test_results_naming_a_missing_record_is_an_error() -> None:
    with pytest.raises(envelope.KantataEnvelopeError, match="time_entries 7"):
        envelope.rebuild({"results": [{"key": "time_entries", "id": 7}], "time_entries": {}})


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("2014-03-24T18:02:11-07:00", "2014-03-25T01:02:11Z"),  # across midnight UTC
        ("2026-03-02T09:15:00-08:00", "2026-03-02T17:15:00Z"),
        ("2014-04-01T10:30:00-05:00", "2014-04-01T15:30:00Z"),
        ("2019-03-12T16:28:59.727+00:00", "2019-03-12T16:28:59.727000Z"),
        ("2014-03-24T18:02:11Z", "2014-03-24T18:02:11Z"),
        ("2014-03-24T18:02:11", "2014-03-24T18:02:11"),  # no offset: not guessed
        ("2014-03-24", "2014-03-24"),
        (None, None),
    ],
)
def test_timestamps_become_utc(sent: str | None, stored: str | None) -> None:
    assert envelope.to_utc(sent) == stored


def test_the_hook_rewrites_a_200_and_leaves_errors_alone() -> None:
    ok = envelope.rewrite_body(_response(fixture_body("workspace_allocations")))
    rewritten = ok.json()
    assert [r["id"] for r in rewritten["rows"]] == ["2200451", "2200452"]
    assert rewritten["rows"][0]["updated_at"] == "2014-03-22T06:40:00Z"  # -07:00 -> UTC
    assert rewritten["rows"][0]["start_date"] == "2014-03-24"  # dates stay dates
    assert rewritten["meta"]["page_count"] == 1
    refused = envelope.rewrite_body(_response({"errors": ["nope"]}, status=401))
    assert refused.json() == {"errors": ["nope"]}


def _walk(pages: list[dict[str, Any]], per_page: int = 200) -> list[int]:
    """Drive the paginator over canned pages; return the page numbers it asked for."""
    paginator = envelope.KantataPaginator(per_page)
    request = requests.Request("GET", "http://x/api/v1/time_entries.json")
    paginator.init_request(request)
    asked = []
    for body in pages:
        asked.append(int(request.params["page"]))
        paginator.update_state(_response(body), body.get("rows"))
        paginator.update_request(request)
        if not paginator.has_next_page:
            break
    return asked


def test_paging_follows_page_count_not_the_length_of_results() -> None:
    # per_page 200 asked, the server cut pages to 2 rows: page 1 is short but not the last
    page = {"rows": [{}, {}], "count": 3, "meta": {"count": 3, "page_count": 2, "page_number": 1, "page_size": 2}}
    last = {"rows": [{}], "count": 3, "meta": {"count": 3, "page_count": 2, "page_number": 2, "page_size": 2}}
    assert _walk([page, last, last]) == [1, 2]


def test_without_meta_the_total_count_decides() -> None:
    pages = [{"rows": [{}, {}], "count": 5}, {"rows": [{}, {}], "count": 5}, {"rows": [{}], "count": 5}]
    assert _walk(pages, per_page=2) == [1, 2, 3]


def test_a_server_that_does_not_move_to_the_next_page_stops_the_run() -> None:
    stuck = {"rows": [{}], "count": 3, "meta": {"count": 3, "page_count": 2, "page_number": 1, "page_size": 2}}
    with pytest.raises(envelope.PageNotAdvancingError, match="asked for page 2"):
        _walk([stuck, stuck])


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("time_entries", {"per_page": "2", "include": "user,story"}),
        ("workspaces", {"per_page": "200", "include": "participants"}),
        ("users", {"per_page": "200"}),
        ("stories", {"per_page": "200"}),
        ("workspace_resources", {"per_page": "200"}),
        ("workspace_allocations", {"per_page": "200"}),
    ],
)
def test_the_demo_api_answers_what_the_vendor_examples_show(name: str, query: dict[str, str]) -> None:
    collections = fixture_collections()
    for workspace in collections["workspaces"]:
        workspace["workspace_group_ids"] = []  # undo the conftest's constructed group link
    reply = KantataDemoApi(collections).handle("http://x", f"/api/v1/{name}.json", query)
    assert reply.status == 200
    assert reply.body == fixture_body(name)  # envelope, side-loads, total count and meta, page 1


def test_the_demo_api_cuts_per_page_at_200_and_filters_instants() -> None:
    rows = [{"id": str(n), "updated_at": "2014-04-01T09:00:00-07:00"} for n in range(1, 251)]
    rows[0]["updated_at"] = "2014-04-01T10:30:00-05:00"  # 15:30Z: before 16:00Z although later as text
    api = KantataDemoApi({"time_entries": rows})
    first = api.handle("http://x", "/api/v1/time_entries.json", {"per_page": "500"}).body
    assert len(first["results"]) == 200 and first["count"] == 250 and first["meta"]["page_count"] == 2
    after = {"updated_after": "2014-04-01T15:45:00Z", "per_page": "500"}
    filtered = api.handle("http://x", "/api/v1/time_entries.json", after).body
    assert filtered["count"] == 249 and "1" not in filtered["time_entries"]
