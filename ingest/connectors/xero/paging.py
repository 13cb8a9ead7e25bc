"""Xero's `page=` paging, for the Accounting API (100 a page, no size parameter) and the Projects
API (`pageSize` up to 500, an `items` array).

Both answer a `pagination {page, pageSize, pageCount, itemCount}` block (the Accounting API in its
newer responses): while it is there, pages are read up to `pageCount`. Without it, a page shorter
than the page size is the last one. An empty page always ends the listing, so a server that keeps
answering never makes it loop.
"""

from __future__ import annotations

from typing import Any

from dlt.sources.helpers.rest_client.paginators import BasePaginator
from requests import Request, Response


class XeroPagePaginator(BasePaginator):
    def __init__(self, page_size: int, size_param: str | None = None) -> None:
        super().__init__()
        if page_size < 1:
            raise ValueError("a Xero page holds at least one row")
        self.page_size = page_size
        self.size_param = size_param  # "pageSize" on the Projects API; the Accounting API has none
        self.page = 1

    def init_request(self, request: Request) -> None:
        self.page = 1
        self._has_next_page = True
        self._apply(request)

    def update_state(self, response: Response, data: list[Any] | None = None) -> None:
        items = data or []
        count = None
        try:
            block = response.json().get("pagination")
            if isinstance(block, dict) and isinstance(block.get("pageCount"), int):
                count = int(block["pageCount"])
        except (ValueError, AttributeError):
            block = None
        if not items:
            self._has_next_page = False
        elif count is not None:
            self._has_next_page = self.page < count
        else:
            self._has_next_page = len(items) >= self.page_size
        if self._has_next_page:
            self.page += 1

    def update_request(self, request: Request) -> None:
        self._apply(request)

    def _apply(self, request: Request) -> None:
        params: dict[str, Any] = dict(request.params or {})  # type: ignore[arg-type]
        params["page"] = self.page
        if self.size_param is not None:
            params[self.size_param] = self.page_size
        request.params = params
