"""Paginators the vendors need beyond dlt's own.

- `GuardedLinkPaginator`: dlt's json_link paginator has no guard against a server that hands out
  the same next link again, which would loop for ever; this one stops the run with an error.
- `DateWindowPaginator`: an API without paging (Harvest Forecast) is read window by window
  (start_date/end_date), each window one "page", so the resource stays one declarative endpoint.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dlt.sources.helpers.rest_client.paginators import BasePaginator, JSONLinkPaginator
from requests import Request, Response


class RepeatedNextLinkError(RuntimeError):
    """The API returned a next link it had already returned: following it would never end."""

    def __init__(self, url: str):
        super().__init__(f"the API returned the same next link twice ({url})")
        self.url = url


class GuardedLinkPaginator(JSONLinkPaginator):
    """Follows `links.next` (never `next_page`, which cursor endpoints null mid-stream) and refuses repeats."""

    def __init__(self, next_url_path: str = "links.next") -> None:
        super().__init__(next_url_path=next_url_path)
        self._seen: set[str] = set()

    def init_request(self, request: Request) -> None:
        self._seen = set()  # one paginator serves a resource's every parent item: reset per listing

    def update_state(self, response: Response, data: list[Any] | None = None) -> None:
        super().update_state(response, data)
        self._seen.add(response.url)
        nxt = self._next_reference
        if nxt is not None and (nxt in self._seen or nxt == response.url):
            raise RepeatedNextLinkError(nxt)
        if nxt is not None:
            self._seen.add(nxt)


class DateWindowPaginator(BasePaginator):
    """Requests [start, end] in windows of `days`, setting `start_date`/`end_date` on each request."""

    def __init__(self, start: dt.date, end: dt.date, days: int) -> None:
        super().__init__()
        if days < 1:
            raise ValueError("a date window must be at least one day")
        self.start, self.end, self.days = start, end, days
        self._window_start = start

    def _window(self) -> tuple[dt.date, dt.date]:
        last = min(self._window_start + dt.timedelta(days=self.days - 1), self.end)
        return self._window_start, last

    def init_request(self, request: Request) -> None:
        self._window_start = self.start
        self._has_next_page = True
        self._apply(request)

    def update_state(self, response: Response, data: list[Any] | None = None) -> None:
        _, last = self._window()
        if last >= self.end:
            self._has_next_page = False
        else:
            self._window_start = last + dt.timedelta(days=1)

    def update_request(self, request: Request) -> None:
        self._apply(request)

    def _apply(self, request: Request) -> None:
        first, last = self._window()
        params: dict[str, Any] = dict(request.params or {})  # type: ignore[arg-type]
        params["start_date"] = first.isoformat()
        params["end_date"] = last.isoformat()
        request.params = params
