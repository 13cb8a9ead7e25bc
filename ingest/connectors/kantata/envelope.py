"""Kantata's response envelope, turned into plain rows, and its page-number paging.

Kantata v1 answers a list as `{"count", "results": [{"key", "id"}], "<type>": {"<id>": {...}},
<side-loaded types>..., "meta": {"count", "page_count", "page_number", "page_size"}}`: records sit
in maps keyed by id, and a map may also hold records of the same type that were only side-loaded
(sub-stories under stories). `results` alone says which records are this page's rows and in what
order, so rows are rebuilt from it, never from the map.

Timestamps carry the account's UTC offset (`2014-03-24T18:02:11-07:00`). They are rewritten to UTC
(`...Z`) before dlt sees them: dlt's cursor compares and lags the values it reads, and a cursor
mixing offsets would order instants wrongly.

The page-2 quirk: `count` (top level and in `meta`) is the total over every page, not this page's
rows, so page 1 of 3 records at 2 a page says count 3 with two results; and `per_page` above the
server's cap is cut silently, so a short page does not mean the last one. Paging therefore follows
`meta.page_number` / `meta.page_count` only, and stops with an error if the server does not move
to the page asked for (it would otherwise loop).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from dlt.sources.helpers.rest_client.paginators import BasePaginator
from requests import Request, Response

ROWS = "rows"  # the data selector of the rewritten body
TIMESTAMP_FIELDS = ("created_at", "updated_at", "deleted_at")


class KantataEnvelopeError(ValueError):
    """A list response Kantata should never send: results naming records the maps do not hold."""


class PageNotAdvancingError(RuntimeError):
    """The server answered another page than the one asked for: following it would never end."""

    def __init__(self, asked: int, got: object):
        super().__init__(f"asked for page {asked}, Kantata answered page {got}")


def to_utc(value: Any) -> Any:
    """An ISO timestamp with any offset -> the same instant as `YYYY-MM-DDTHH:MM:SSZ`; others unchanged."""
    if not isinstance(value, str) or "T" not in value:
        return value
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value  # no offset: leave as sent rather than guess the account's zone
    utc = moment.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S") + (f".{utc.microsecond:06d}" if utc.microsecond else "") + "Z"


def rebuild(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The page's rows in `results` order, each the record its {key, id} names, timestamps in UTC."""
    rows = []
    for ref in body.get("results") or []:
        key, ident = ref.get("key"), str(ref.get("id"))
        record = (body.get(key) or {}).get(ident) if isinstance(key, str) else None
        if record is None:
            raise KantataEnvelopeError(f"results names {key} {ident}, which the response does not hold")
        row = dict(record)
        for name in TIMESTAMP_FIELDS:
            if name in row:
                row[name] = to_utc(row[name])
        rows.append(row)
    return rows


def rewrite_body(response: Response, *args: Any, **kwargs: Any) -> Response:
    """dlt response hook: replace a 200's envelope with `{"rows": [...], "meta": {...}}`.

    Other statuses are left for dlt's own handling (retry, or the error that names the setting).
    An unreadable body raises here, which fails the extraction before anything is written.
    """
    if response.status_code != 200:
        return response
    body = response.json()
    if not isinstance(body, dict) or "results" not in body:
        raise KantataEnvelopeError("the response is not a Kantata list (no results)")
    rewritten = {ROWS: rebuild(body), "meta": body.get("meta") or {}, "count": body.get("count")}
    response._content = json.dumps(rewritten).encode()
    return response


class KantataPaginator(BasePaginator):
    """`page` / `per_page`, stopping when `meta.page_number >= meta.page_count`.

    Without `meta` (not documented as always present) it falls back to the total `count` and the
    page size the server used, never to the length of `results`.
    """

    def __init__(self, per_page: int) -> None:
        super().__init__()
        self.per_page = per_page
        self.page = 1

    def init_request(self, request: Request) -> None:
        self.page = 1
        self._has_next_page = True
        self._apply(request)

    def update_state(self, response: Response, data: list[Any] | None = None) -> None:
        body = response.json()
        meta = body.get("meta") or {}
        number = meta.get("page_number")
        if number is not None and int(number) != self.page:
            raise PageNotAdvancingError(self.page, number)
        if meta.get("page_count") is not None:
            self._has_next_page = self.page < int(meta["page_count"])
        else:
            total = body.get("count")
            size = int(meta.get("page_size") or self.per_page)
            self._has_next_page = bool(data) and total is not None and self.page * size < int(total)
        if self._has_next_page:
            self.page += 1

    def update_request(self, request: Request) -> None:
        self._apply(request)

    def _apply(self, request: Request) -> None:
        params: dict[str, Any] = dict(request.params or {})  # type: ignore[arg-type]
        params["page"] = self.page
        params["per_page"] = self.per_page
        request.params = params
