"""SuiteQL paging: `limit`/`offset` on the query string while `hasMore`, in windows under the row cap.

One SuiteQL query returns at most 100,000 rows (offset + limit may not pass it). Every windowed
query orders by (cursor, id) and starts at a cursor value (`lastmodifieddate >= ...`); when the
next page would cross the cap, the paginator starts a new query at the last cursor value it read
(inclusive: rows sharing that value are read again, and the merge on the key keeps one). A window
that cannot move (more rows than the cap share one cursor value) stops the run instead of looping.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from dlt.sources.helpers.rest_client.paginators import BasePaginator
from requests import Request, Response

from wipcast.errors import WipcastError


class WindowStuckError(WipcastError):
    """More rows than one query may return share a single cursor value: no window can split them."""

    def __init__(self, resource: str, value: str, cap: int):
        super().__init__(
            f"NetSuite holds more than {cap:,} {resource} rows with the cursor value {value}: no query window can "
            "split them (SuiteQL returns at most that many rows per query)",
            "nothing was written and the cursor did not move; if connectors.netsuite.max_rows_per_query is below "
            "100,000, raise it, else report it",
        )
        self.value, self.cap = value, cap


def timestamp_literal(value: Any) -> str:
    """A cursor value (ISO text, datetime or date) as SuiteQL's 'YYYY-MM-DD HH24:MI:SS' text, zone dropped:
    NetSuite compares it in the zone it writes datetimes in, the zone the cursor was read in."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    else:
        moment = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    return moment.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S")


def date_literal(value: Any) -> str:
    return timestamp_literal(value)[:10]


class SuiteQLPaginator(BasePaginator):
    """Pages one SuiteQL query by offset; starts a new window (query) before the row cap.

    `build(start)` is the resource's query from a window start (a literal from `literal`); `cursor_key`
    names the result column holding each row's cursor value. Without `build` the query is read whole
    (small reference tables) and crossing the cap is an error.
    """

    def __init__(
        self,
        limit: int,
        max_rows: int,
        resource: str = "",
        cursor_key: str | None = None,
        build: Callable[[str], str] | None = None,
        literal: Callable[[Any], str] = timestamp_literal,
    ) -> None:
        super().__init__()
        if limit < 1 or max_rows < limit:
            raise ValueError("SuiteQL paging needs 1 <= limit <= max_rows")
        self.limit, self.max_rows, self.resource = limit, max_rows, resource
        self.cursor_key, self.build, self.literal = cursor_key, build, literal
        self.offset = 0
        self.query: str | None = None
        self.windows = 0  # queries started after the first (a test counts them)
        self._first: Any = None
        self._last: Any = None

    def init_request(self, request: Request) -> None:
        self.offset, self.windows, self._first, self._last = 0, 0, None, None
        self._has_next_page = True
        body = request.json if isinstance(request.json, dict) else {}
        query = body.get("q")
        self.query = query if isinstance(query, str) else None
        self._apply(request)

    def update_state(self, response: Response, data: list[Any] | None = None) -> None:
        body = response.json()
        items = data or []
        if items and self.cursor_key is not None:
            if self._first is None:
                self._first = items[0].get(self.cursor_key)
            self._last = items[-1].get(self.cursor_key)
        if not body.get("hasMore"):
            self._has_next_page = False
            return
        # NetSuite returns `limit` rows on every page but the last; counting what came is the same there
        following = self.offset + (len(items) or self.limit)
        if following < self.max_rows:
            self.offset = following
            return
        if self.build is None or self._last is None:
            raise WindowStuckError(self.resource, "(a query read whole)", self.max_rows)
        if self._last == self._first:
            raise WindowStuckError(self.resource, str(self._last), self.max_rows)
        self.query = self.build(self.literal(self._last))
        self.offset, self._first, self._last = 0, None, None
        self.windows += 1

    def update_request(self, request: Request) -> None:
        self._apply(request)

    def _apply(self, request: Request) -> None:
        params: dict[str, Any] = dict(request.params or {})  # type: ignore[arg-type]
        params["limit"] = self.limit
        params["offset"] = self.offset
        request.params = params
        if self.query is not None:
            request.json = {"q": self.query}
