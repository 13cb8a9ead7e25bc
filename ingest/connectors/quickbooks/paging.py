"""The QuickBooks query endpoint: paging inside the query text, its timestamps, and its Fault answers.

`GET v3/company/<realm>/query?query=select * from Invoice where ... STARTPOSITION 1 MAXRESULTS 1000`:
the page is part of the query language, not a parameter, so `QueryPaginator` rewrites the query
text for each page. The answer is `{"QueryResponse": {"Invoice": [...], "startPosition", "maxResults"},
"time"}`; when nothing (more) matches, `QueryResponse` is `{}` with no entity key at all. The last
page is the one with fewer rows than MAXRESULTS, or none (a listing of exactly a multiple of
MAXRESULTS ends with that empty page).

`MetaData.LastUpdatedTime` carries the company's local offset (`2015-07-29T09:29:56-07:00`, and
`-08:00` in winter), so its text does not sort by time across a DST change. `page_hook` adds
`wipcast_updated_at`, the same moment in UTC (`2015-07-29T16:29:56+00:00`), to every row before
dlt sees it: that is the cursor, compared as text. The same hook turns a `Fault` answer (QuickBooks
sends query errors as HTTP 400, and some with HTTP 200) into one line.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

from dlt.sources.helpers.rest_client.paginators import BasePaginator
from requests import Request, Response

from wipcast.errors import WipcastError

CURSOR = "wipcast_updated_at"
_PAGE = re.compile(r"\s+STARTPOSITION\s+\d+|\s+MAXRESULTS\s+\d+", re.IGNORECASE)


def utc(value: Any) -> str:
    """An ISO datetime (any offset; none means UTC) as UTC text with seconds: `YYYY-MM-DDTHH:MM:SS+00:00`."""
    if isinstance(value, dt.datetime):
        moment = value
    else:
        moment = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def query_literal(value: Any) -> str:
    """A cursor value as the query's datetime literal (quoted by the query text): UTC, explicit offset."""
    return utc(value)


class QueryPaginator(BasePaginator):
    """STARTPOSITION/MAXRESULTS in the `query` parameter; stops on a short or empty page."""

    def __init__(self, max_results: int) -> None:
        super().__init__()
        if not 1 <= max_results <= 1000:
            raise ValueError("MAXRESULTS is 1 to 1000")
        self.max_results = max_results
        self.position = 1
        self._query = ""

    def init_request(self, request: Request) -> None:
        self.position = 1
        self._has_next_page = True
        params: dict[str, Any] = dict(request.params or {})  # type: ignore[arg-type]
        self._query = _PAGE.sub("", str(params.get("query", ""))).strip()
        self._apply(request)

    def update_state(self, response: Response, data: list[Any] | None = None) -> None:
        rows = len(data or [])
        if rows < self.max_results:  # a short page, or the `{}` page with no entity key
            self._has_next_page = False
            return
        self.position += rows

    def update_request(self, request: Request) -> None:
        self._apply(request)

    def _apply(self, request: Request) -> None:
        params: dict[str, Any] = dict(request.params or {})  # type: ignore[arg-type]
        params["query"] = f"{self._query} STARTPOSITION {self.position} MAXRESULTS {self.max_results}"
        request.params = params


def fault_line(body: Any) -> str | None:
    """`Fault.Error[0]` as `type code: Message (Detail)`; None when the answer is not a Fault.
    (A 401 writes it in lower case: `fault.error[0].message`.)"""
    if not isinstance(body, dict):
        return None
    fault = body.get("Fault") or body.get("fault")
    if not isinstance(fault, dict):
        return None
    errors = fault.get("Error") or fault.get("error") or [{}]
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    message = first.get("Message") or first.get("message") or "no message"
    detail = first.get("Detail") or first.get("detail")
    code = first.get("code")
    kind = fault.get("type") or "Fault"
    text = f"{kind}{' ' + str(code) if code else ''}: {message}" + (f" ({detail})" if detail else "")
    return " ".join(text.split())[:300]


def page_hook(resource: str, entity: str) -> Callable[..., Response]:
    """A response action for every answer of one query resource (see the module docstring).

    Answers other than 200 and 400 pass untouched: 401 is the auth's (one refresh), 429 and 5xx are
    dlt's retries. A body that is not JSON passes too: dlt then fails the extraction on it (a
    truncated page), and a 400 without JSON is an HTTP error.
    """

    def action(response: Response, *args: Any, **kwargs: Any) -> Response:
        if response.status_code not in (200, 400):
            return response
        try:
            body = response.json()
        except ValueError:
            return response
        fault = fault_line(body)
        if fault is not None:
            raise WipcastError(
                f"QuickBooks refused the {resource} query (HTTP {response.status_code}, {fault})",
                "nothing was written and the cursor did not move; check connectors.quickbooks.minor_version "
                "and that the company has this feature (docs/connectors/quickbooks.md lists the queries)",
            )
        if response.status_code != 200:
            return response
        answer = body.get("QueryResponse") if isinstance(body, dict) else None
        if not isinstance(answer, dict):
            raise WipcastError(
                f"QuickBooks answered the {resource} query without a QueryResponse",
                "nothing was written and the cursor did not move; check --base-url (it names the API host)",
            )
        for row in answer.get(entity) or []:
            stamp = (row.get("MetaData") or {}).get("LastUpdatedTime")
            row[CURSOR] = utc(stamp) if stamp else None
        response._content = json.dumps(body).encode()
        return response

    return action
