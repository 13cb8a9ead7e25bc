"""The SuiteQL paginator and the demo endpoint's paging rules, on their own (no pipeline)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from requests import Request, Response

from ingest.connectors.netsuite.paging import SuiteQLPaginator, WindowStuckError, date_literal, timestamp_literal
from simulator.shapes.netsuite_api import NetSuiteDemoApi

from .conftest import TBA, collections


def _response(body: dict[str, Any]) -> Response:
    response = Response()
    response.status_code = 200
    response._content = json.dumps(body).encode()
    return response


def _build(start: str) -> str:
    return f"SELECT c.id FROM customer c WHERE c.lastmodifieddate >= TO_TIMESTAMP('{start}', 'x') ORDER BY 1"


def test_offset_pages_while_has_more_then_a_new_window_before_the_cap() -> None:
    paginator = SuiteQLPaginator(limit=2, max_rows=4, resource="customers", cursor_key="lastmodified", build=_build)
    request = Request("POST", "http://x/suiteql", json={"q": _build("2000-01-01 00:00:00")})
    paginator.init_request(request)
    assert request.params == {"limit": 2, "offset": 0}
    page = [{"id": "1", "lastmodified": "2024-01-01T00:00:00"}, {"id": "2", "lastmodified": "2024-01-02T00:00:00"}]
    paginator.update_state(_response({"hasMore": True}), page)
    paginator.update_request(request)
    assert request.params == {"limit": 2, "offset": 2} and "2000-01-01 00:00:00" in request.json["q"]
    page = [{"id": "3", "lastmodified": "2024-01-03T00:00:00"}, {"id": "4", "lastmodified": "2024-01-04T10:30:00"}]
    paginator.update_state(_response({"hasMore": True}), page)  # offset 4 would reach the cap of 4
    paginator.update_request(request)
    assert request.params == {"limit": 2, "offset": 0} and paginator.windows == 1
    assert request.json["q"] == _build("2024-01-04 10:30:00")  # the last value read, inclusive
    paginator.update_state(_response({"hasMore": False}), [{"id": "5", "lastmodified": "2024-01-05T00:00:00"}])
    assert not paginator.has_next_page


def test_a_window_whose_rows_share_one_value_cannot_move() -> None:
    paginator = SuiteQLPaginator(limit=2, max_rows=2, resource="jobs", cursor_key="lastmodified", build=_build)
    request = Request("POST", "http://x/suiteql", json={"q": _build("2000-01-01 00:00:00")})
    paginator.init_request(request)
    same = [{"id": "1", "lastmodified": "2024-01-01T00:00:00"}, {"id": "2", "lastmodified": "2024-01-01T00:00:00"}]
    with pytest.raises(WindowStuckError, match="more than 2 jobs rows"):
        paginator.update_state(_response({"hasMore": True}), same)


def test_cursor_literals() -> None:
    assert timestamp_literal("2024-01-15T09:41:00") == "2024-01-15 09:41:00"
    assert timestamp_literal("2024-01-15T09:31:00+00:00") == "2024-01-15 09:31:00"
    assert date_literal("2024-01-15") == "2024-01-15"


def _post(api: NetSuiteDemoApi, q: str, limit: int, offset: int) -> tuple[int, Any]:
    headers = {"Prefer": "transient"}
    reply = api.handle_post(
        "http://h", f"/services/rest/query/v1/suiteql?limit={limit}&offset={offset}", {"q": q}, headers
    )
    return reply.status, reply.body


def test_the_demo_pages_windows_and_refuses_what_netsuite_refuses() -> None:
    api = NetSuiteDemoApi(collections(), max_rows=2)
    q = "SELECT t.id FROM transaction t WHERE t.type = 'CustInvc' AND t.lastmodifieddate >= TO_TIMESTAMP('{}', 'f')"
    status, body = _post(api, q.format("2024-01-01 00:00:00"), limit=1, offset=0)
    assert status == 200 and body["hasMore"] and body["totalResults"] == 3 and body["items"][0]["id"] == "10452"
    assert (
        body["items"][0]["links"] == []
        and "memo" not in _post(api, q.format("2024-01-16 00:00:00"), 1, 0)[1]["items"][0]
    )
    assert _post(api, q.format("2024-01-20 00:00:00"), limit=5, offset=0)[1]["totalResults"] == 2  # the window
    status, body = _post(api, q.format("2024-01-01 00:00:00"), limit=1, offset=2)  # at the row cap
    assert status == 400 and body["o:errorDetails"][0]["o:errorCode"] == "INVALID_PARAMETER"
    assert _post(api, q.format("2024-01-01 00:00:00"), limit=1001, offset=0)[0] == 400
    bare = api.handle_post("http://h", "/services/rest/query/v1/suiteql", {"q": q}, {})
    assert bare.status == 400  # no Prefer: transient
    signed = NetSuiteDemoApi(collections(), tba=TBA)
    assert (
        signed.handle_post("http://h", "/services/rest/query/v1/suiteql", {"q": q}, {"Prefer": "transient"}).status
        == 401
    )
