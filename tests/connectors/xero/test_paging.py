"""Xero page= paging: the pagination block's pageCount when sent, else a short page is the last,
and an empty page always ends (no loop on a server that keeps answering)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from requests import Request, Response

from ingest.connectors.xero.paging import XeroPagePaginator


def _response(body: dict[str, Any]) -> Response:
    response = Response()
    response.status_code = 200
    response._content = json.dumps(body).encode()
    return response


def _walk(paginator: XeroPagePaginator, pages: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    request = Request("GET", "http://x/api.xro/2.0/Invoices", params={"where": "x"})
    paginator.init_request(request)
    sent = [dict(request.params)]
    for body in pages:
        paginator.update_state(_response(body), body.get(key))
        if not paginator.has_next_page:
            break
        paginator.update_request(request)
        sent.append(dict(request.params))
    return sent


def test_page_count_decides_when_sent() -> None:
    pages = [
        {"pagination": {"page": 1, "pageSize": 2, "pageCount": 2, "itemCount": 3}, "items": [{}, {}]},
        {"pagination": {"page": 2, "pageSize": 2, "pageCount": 2, "itemCount": 3}, "items": [{}]},
        {"items": [{}]},  # never asked for
    ]
    sent = _walk(XeroPagePaginator(2, "pageSize"), pages, "items")
    assert sent == [{"where": "x", "page": 1, "pageSize": 2}, {"where": "x", "page": 2, "pageSize": 2}]


def test_without_the_block_a_short_page_is_the_last() -> None:
    full, short = {"Invoices": [{}] * 100}, {"Invoices": [{}] * 7}
    sent = _walk(XeroPagePaginator(100), [full, full, short, full], "Invoices")
    assert [p["page"] for p in sent] == [1, 2, 3] and all("pageSize" not in p for p in sent)


def test_an_empty_page_ends_even_when_the_count_says_more() -> None:
    pages = [
        {"pagination": {"pageCount": 5}, "Invoices": [{}]},
        {"pagination": {"pageCount": 5}, "Invoices": []},
        {"pagination": {"pageCount": 5}, "Invoices": [{}]},
    ]
    assert [p["page"] for p in _walk(XeroPagePaginator(100), pages, "Invoices")] == [1, 2]


def test_a_page_size_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        XeroPagePaginator(0)
