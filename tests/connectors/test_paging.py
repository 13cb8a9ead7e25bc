"""The two paginators, on their own."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from requests import Request, Response

from ingest.connectors.paging import DateWindowPaginator, GuardedLinkPaginator, RepeatedNextLinkError


def _response(url: str, body: dict[str, object]) -> Response:
    response = Response()
    response.url, response.status_code = url, 200
    response._content = json.dumps(body).encode()
    return response


def test_date_windows_cover_the_range_once() -> None:
    paginator = DateWindowPaginator(dt.date(2026, 1, 1), dt.date(2026, 3, 15), days=30)
    request = Request("GET", "http://x/assignments", params={"keep": "1"})
    paginator.init_request(request)
    windows = []
    while True:
        windows.append((request.params["start_date"], request.params["end_date"]))
        assert request.params["keep"] == "1"
        paginator.update_state(_response(request.url, {"assignments": []}))
        if not paginator.has_next_page:
            break
        paginator.update_request(request)
    assert windows == [("2026-01-01", "2026-01-30"), ("2026-01-31", "2026-03-01"), ("2026-03-02", "2026-03-15")]


def test_links_next_is_followed_and_a_repeat_stops() -> None:
    paginator = GuardedLinkPaginator("links.next")
    request = Request("GET", "http://x/v2/users")
    paginator.init_request(request)
    # next_page is null on cursor pages: only links.next counts
    paginator.update_state(
        _response("http://x/v2/users", {"next_page": None, "links": {"next": "http://x/v2/users?c=1"}})
    )
    assert paginator.has_next_page
    paginator.update_request(request)
    assert request.url == "http://x/v2/users?c=1"
    paginator.update_state(_response(request.url, {"links": {"next": None}}))
    assert not paginator.has_next_page
    paginator.init_request(request)  # the same paginator serves the next listing afresh
    paginator.update_state(_response("http://x/v2/users", {"links": {"next": "http://x/v2/users?c=1"}}))
    with pytest.raises(RepeatedNextLinkError):
        paginator.update_state(_response("http://x/v2/users?c=1", {"links": {"next": "http://x/v2/users?c=1"}}))
