"""The query paginator, the page hook and the demo query endpoint, on their own (no pipeline)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from requests import Request, Response

from ingest.connectors.quickbooks.paging import CURSOR, QueryPaginator, fault_line, page_hook, utc
from simulator.shapes.quickbooks_api import QuickBooksDemoApi
from wipcast.errors import WipcastError

from .conftest import FIXTURES, entities

QUERY = "select * from Invoice where Metadata.LastUpdatedTime >= '2015-01-01T00:00:00+00:00' ORDERBY Id"


def _response(body: Any, status: int = 200) -> Response:
    response = Response()
    response.status_code = status
    response._content = json.dumps(body).encode() if not isinstance(body, bytes) else body
    return response


def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def test_startposition_moves_by_the_rows_read_and_stops_on_a_short_page() -> None:
    paginator = QueryPaginator(max_results=2)
    request = Request("GET", "http://x/query", params={"query": QUERY, "minorversion": "75"})
    paginator.init_request(request)
    assert request.params == {"query": QUERY + " STARTPOSITION 1 MAXRESULTS 2", "minorversion": "75"}
    paginator.update_state(_response({}), [{"Id": "1"}, {"Id": "2"}])
    paginator.update_request(request)
    assert request.params["query"] == QUERY + " STARTPOSITION 3 MAXRESULTS 2" and paginator.has_next_page
    paginator.update_state(_response({}), [{"Id": "3"}])  # fewer than MAXRESULTS: the last page
    assert not paginator.has_next_page
    # a new listing (the next resource, or a retry of the run) starts at 1 again, once
    paginator.init_request(request)
    assert request.params["query"] == QUERY + " STARTPOSITION 1 MAXRESULTS 2"


def test_the_empty_page_has_no_entity_key_and_ends_an_exact_multiple() -> None:
    empty = _fixture("query_invoices_empty.json")
    assert empty["QueryResponse"] == {}  # the vendor's shape: no "Invoice" key at all
    hook = page_hook("invoices", "Invoice")
    response = hook(_response(empty))
    assert response.json() == empty  # passes the hook untouched, and is not an error
    paginator = QueryPaginator(max_results=2)
    request = Request("GET", "http://x/query", params={"query": QUERY})
    paginator.init_request(request)
    paginator.update_state(_response({}), [{"Id": "1"}, {"Id": "2"}])  # a full page: one more request
    assert paginator.has_next_page
    paginator.update_state(response, [])  # dlt's data selector found nothing
    assert not paginator.has_next_page


def test_the_hook_adds_the_utc_cursor_and_refuses_faults() -> None:
    page = _fixture("query_invoices.json")
    rows = page_hook("invoices", "Invoice")(_response(page)).json()["QueryResponse"]["Invoice"]
    # 2015-07-24T10:35:08-07:00 and 2015-07-29T09:29:56-07:00, seven hours later in UTC
    assert [r[CURSOR] for r in rows] == ["2015-07-24T17:35:08+00:00", "2015-07-29T16:29:56+00:00"]
    assert rows[0]["Line"][1]["DetailType"] == "SubTotalLineDetail"  # the rest of the row as sent
    for status in (200, 400):
        body = {"Fault": {"Error": [{"Message": "Error parsing query", "Detail": "bad", "code": "4000"}],
                          "type": "ValidationFault"}}  # fmt: skip
        with pytest.raises(WipcastError, match=rf"refused the invoices query \(HTTP {status}, ValidationFault 4000"):
            page_hook("invoices", "Invoice")(_response(body, status))
    with pytest.raises(WipcastError, match="without a QueryResponse"):
        page_hook("invoices", "Invoice")(_response({"IntuitResponse": {}}))
    # left to others: a retryable answer, a 401 for the auth, a body that is not JSON for dlt
    for status in (429, 500, 401):
        assert page_hook("invoices", "Invoice")(_response({"Fault": {}}, status)).status_code == status
    assert page_hook("invoices", "Invoice")(_response(b'{"QueryResponse": {"Inv')).status_code == 200
    assert fault_line({"fault": {"error": [{"message": "AuthenticationFailed", "code": "3200"}], "type": "AUTH"}}) == (
        "AUTH 3200: AuthenticationFailed"
    )


def test_utc() -> None:
    assert utc("2015-11-01T01:30:00-07:00") == "2015-11-01T08:30:00+00:00"
    assert utc("2015-11-01T01:10:00-08:00") == "2015-11-01T09:10:00+00:00"
    assert utc("2000-01-01T00:00:00Z") == utc("2000-01-01T00:00:00") == "2000-01-01T00:00:00+00:00"
    assert utc("2015-07-29T09:30:12.082-07:00") == "2015-07-29T16:30:12+00:00"


def test_the_demo_query_endpoint_answers_as_quickbooks() -> None:
    api = QuickBooksDemoApi(entities())
    path = "/v3/company/1/query"

    def ask(text: str) -> Any:
        return api.handle("http://h", path, {"query": text})

    # customers: active ones unless asked (Old Client and Phase 2 are inactive)
    assert len(ask("select * from Customer").body["QueryResponse"]["Customer"]) == 4
    assert len(ask("select * from Customer where Active IN (true, false)").body["QueryResponse"]["Customer"]) == 6
    page = ask("select * from Invoice ORDERBY Id STARTPOSITION 3 MAXRESULTS 2").body["QueryResponse"]
    assert [i["Id"] for i in page["Invoice"]] == ["241", "242"] and page["startPosition"] == 3
    assert ask("select * from Invoice ORDERBY Id STARTPOSITION 5 MAXRESULTS 2").body == {
        "QueryResponse": {},
        "time": "2026-01-01T00:00:00.000-08:00",
    }
    # compared as moments: 16:29:56 UTC is after 09:00-07:00 (16:00 UTC) of the same day
    later = ask("select * from Invoice where Metadata.LastUpdatedTime > '2015-07-29T09:00:00-07:00'")
    assert [i["Id"] for i in later.body["QueryResponse"]["Invoice"]] == ["240", "241", "242"]
    refused = ask("select * from Invoice MAXRESULTS 1001")
    assert refused.status == 400 and refused.body["Fault"]["type"] == "ValidationFault"
    assert ask("select * from Estimate").status == 400
