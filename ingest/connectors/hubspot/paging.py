"""HubSpot CRM search paging: the `after` cursor travels in the JSON body, and one query stops at 10,000
results (the page after that is HTTP 400), so a big listing is read in windows.

Results are sorted ascending on a datetime property (hs_lastmodifieddate) and filtered with
`GTE <window start>`. When the next page would cross the cap, a new window starts at the last value
seen (GTE again: the rows sharing that instant are read twice, and the merge absorbs them), with
`after` reset. A window that cannot move (more than the cap of rows with one timestamp) stops the run.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from dlt.sources.helpers.rest_client.paginators import BasePaginator
from requests import Request, Response

SEARCH_CAP = 10_000


class StuckWindowError(RuntimeError):
    """More rows share one timestamp than one search may return: windowing cannot get past them."""

    def __init__(self, value: str, cap: int):
        super().__init__(f"more than {cap:,} records share {value}; the search cannot page past them")
        self.value = value


def epoch_ms(value: str) -> str:
    """An ISO datetime (`2024-01-09T17:45:33.961Z`) or epoch milliseconds, as epoch milliseconds (text)."""
    text = str(value).strip()
    if text.isdigit():
        return text
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return str(int(moment.timestamp() * 1000))


def iso_ms(value: str) -> str:
    """HubSpot's own datetime text (`2024-01-09T17:45:33.961Z`), so cursor values compare as text."""
    moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class WindowedSearchPaginator(BasePaginator):
    def __init__(self, sort_property: str = "hs_lastmodifieddate", limit: int = 100, cap: int = SEARCH_CAP) -> None:
        super().__init__()
        self.sort_property, self.limit, self.cap = sort_property, limit, cap
        self._after: str | None = None
        self._window: str | None = None  # the current window's start (None: the request's own filter)
        self.windows = 1  # windows opened by the last listing (a test reads it)

    def init_request(self, request: Request) -> None:
        self._after, self._window, self.windows = None, None, 1
        self._has_next_page = True

    def update_state(self, response: Response, data: list[Any] | None = None) -> None:
        body = response.json()
        after = ((body.get("paging") or {}).get("next") or {}).get("after")
        if after is None:
            self._has_next_page = False
            return
        if int(after) + self.limit <= self.cap:
            self._after = str(after)
            return
        values = [
            str(row["properties"][self.sort_property])
            for row in (data or body.get("results") or [])
            if (row.get("properties") or {}).get(self.sort_property)
        ]
        last = max(values, key=epoch_ms) if values else None
        if last is None or (self._window is not None and epoch_ms(last) == epoch_ms(self._window)):
            raise StuckWindowError(last or "(no value)", self.cap)
        self._window, self._after = last, None
        self.windows += 1

    def update_request(self, request: Request) -> None:
        body: dict[str, Any] = copy.deepcopy(request.json) if isinstance(request.json, dict) else {}
        body.pop("after", None)
        if self._after is not None:
            body["after"] = self._after
        if self._window is not None:
            for group in body.get("filterGroups", []):
                for rule in group.get("filters", []):
                    if rule.get("propertyName") == self.sort_property and rule.get("operator") == "GTE":
                        rule["value"] = epoch_ms(self._window)
        request.json = body
