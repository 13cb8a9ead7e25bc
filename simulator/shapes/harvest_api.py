"""Harvest v2 and Harvest Forecast, emulated over record collections (for simulator.serve).

Harvest (under /v2/): every list pages with `per_page` (at most 2000, more is 422) and a full
envelope; cursor endpoints (users, projects, user assignments, roles, tasks) page with an opaque
`cursor` and null `page`/`next_page` mid-stream, the others by `page`, as the vendor documents.
`updated_since` filters on `updated_at`; time entries also take `is_running`. Child lists:
/v2/users/{id}/cost_rates and /v2/invoices/{id}/payments.

Forecast (under /forecast/): whole collections, no paging; assignments and milestones need
start_date and end_date and return what overlaps them. /forecast/whoami answers the account.

`page_size` caps every page below what the client asks, so small data still pages.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from simulator.serve import Reply

HARVEST_MAX_PER_PAGE = 2000
CURSOR_ENDPOINTS = frozenset({"users", "projects", "user_assignments", "roles", "tasks", "expense_categories"})
HARVEST_LISTS = ("clients", "users", "projects", "user_assignments", "time_entries", "invoices", "roles", "tasks")
CHILD_LISTS = {"cost_rates": "users", "invoice_payments": "invoices"}
FORECAST_LISTS = ("people", "projects", "placeholders", "clients", "roles", "assignments", "milestones")
FORECAST_WINDOWED = {"assignments": ("start_date", "end_date"), "milestones": ("date", "date")}


def _ts(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": {"id": last_id}}).encode()).decode().rstrip("=")


def _decode_cursor(token: str) -> int:
    padded = token + "=" * (-len(token) % 4)
    return int(json.loads(base64.urlsafe_b64decode(padded))["after"]["id"])


class HarvestDemoApi:
    account_headers: tuple[str, ...] = ("Harvest-Account-Id", "Forecast-Account-ID")

    def __init__(
        self,
        harvest: dict[str, list[dict[str, Any]]] | None = None,
        children: dict[str, dict[str, list[dict[str, Any]]]] | None = None,
        forecast: dict[str, list[dict[str, Any]]] | None = None,
        page_size: int | None = None,
    ):
        self.harvest = harvest or {}
        self.children = children or {}
        self.forecast = forecast or {}
        self.page_size = page_size

    @classmethod
    def from_dir(cls, folder: Path, page_size: int | None = None) -> HarvestDemoApi:
        harvest: dict[str, list[dict[str, Any]]] = {}
        children: dict[str, dict[str, list[dict[str, Any]]]] = {}
        forecast: dict[str, list[dict[str, Any]]] = {}
        for path in sorted((folder / "harvest").glob("*.json")):
            data = json.loads(path.read_text())[path.stem]
            if path.stem in CHILD_LISTS:
                children[path.stem] = data
            else:
                harvest[path.stem] = data
        for path in sorted((folder / "harvest_forecast").glob("*.json")):
            forecast[path.stem] = json.loads(path.read_text())[path.stem]
        return cls(harvest, children, forecast, page_size)

    # ---- routing ---------------------------------------------------------------------------
    def handle(self, base: str, path: str, query: Mapping[str, str]) -> Reply:
        parts = [p for p in path.split("/") if p]
        if parts[:1] == ["v2"]:
            return self._harvest(base, parts[1:], query)
        if parts[:1] == ["forecast"]:
            return self._forecast(parts[1:], query)
        return Reply(404, {"error": "not_found"})

    def _harvest(self, base: str, parts: list[str], query: Mapping[str, str]) -> Reply:
        if parts == ["users", "me"]:
            users = self.harvest.get("users") or [{"id": 0}]
            return Reply(200, users[0])
        if len(parts) == 1 and parts[0] in self.harvest:
            return self._page(base, parts[0], parts[0], self.harvest[parts[0]], query)
        if len(parts) == 3 and parts[0] in ("users", "invoices"):
            name = "cost_rates" if parts[0] == "users" else "invoice_payments"
            if parts[2] == ("cost_rates" if parts[0] == "users" else "payments"):
                rows = self.children.get(name, {}).get(parts[1], [])
                return self._page(base, "/".join(parts), name, rows, query)
        if len(parts) == 1 and parts[0] in HARVEST_LISTS:
            return self._page(base, parts[0], parts[0], [], query)
        return Reply(404, {"error": "not_found"})

    def _forecast(self, parts: list[str], query: Mapping[str, str]) -> Reply:
        if parts == ["whoami"]:
            return Reply(200, {"current_user": {"id": 1, "account_ids": [1]}})
        if len(parts) != 1 or parts[0] not in FORECAST_LISTS:
            return Reply(404, {"error": "not_found"})
        name = parts[0]
        rows = self.forecast.get(name, [])
        if name in FORECAST_WINDOWED:
            if "start_date" not in query or "end_date" not in query:
                return Reply(400, {"error": "start_date and end_date are required"})
            first, last = FORECAST_WINDOWED[name]
            rows = [r for r in rows if r[first] <= query["end_date"] and r[last] >= query["start_date"]]
        return Reply(200, {name: rows})

    # ---- Harvest paging ----------------------------------------------------------------------
    def select(
        self, key: str, rows: list[dict[str, Any]], updated_since: str | None, is_running: str | None
    ) -> list[dict[str, Any]]:
        """The rows a list request returns, in id order (every page request filters afresh, so a test
        can change the collections between requests)."""
        if updated_since is not None:
            since = _ts(updated_since)
            rows = [r for r in rows if _ts(r["updated_at"]) >= since]
        if key == "time_entries" and is_running is not None:
            running = is_running == "true"
            rows = [r for r in rows if bool(r.get("is_running")) == running]
        return sorted(rows, key=lambda r: r["id"])

    def _page(self, base: str, path: str, key: str, rows: list[dict[str, Any]], query: Mapping[str, str]) -> Reply:
        try:
            per_page = int(query.get("per_page", HARVEST_MAX_PER_PAGE))
        except ValueError:
            return Reply(422, {"message": "per_page must be a number"})
        if not 1 <= per_page <= HARVEST_MAX_PER_PAGE:
            return Reply(422, {"message": f"per_page must be between 1 and {HARVEST_MAX_PER_PAGE}"})
        size = min(per_page, self.page_size or per_page)
        rows = self.select(key, rows, query.get("updated_since"), query.get("is_running"))
        total_pages = max(1, -(-len(rows) // size))
        keep = {k: v for k, v in query.items() if k not in ("page", "cursor", "ref")}
        cursor_style = key in CURSOR_ENDPOINTS and "page" not in query

        def link(**extra: Any) -> str:
            return f"{base}/v2/{path}?{urlencode({**extra, **keep})}"

        if cursor_style:
            after = _decode_cursor(query["cursor"]) if "cursor" in query else None
            start = 0 if after is None else next((i for i, r in enumerate(rows) if r["id"] > after), len(rows))
            page_no = start // size + 1
        else:
            page_no = int(query.get("page", "1"))
            start = (page_no - 1) * size
        chunk = rows[start : start + size]
        more = start + size < len(rows)
        if cursor_style:
            nxt = link(cursor=_encode_cursor(chunk[-1]["id"]), ref="next_cursor") if more and chunk else None
            edge = page_no in (1, total_pages)  # the documented quirk: page fields null mid-stream
            page_field = page_no if edge else None
            next_page = (page_no + 1 if more else None) if edge else None
            prev_page = (page_no - 1 if page_no > 1 else None) if edge else None
        else:
            nxt = link(page=page_no + 1) if more else None
            page_field, next_page, prev_page = page_no, page_no + 1 if more else None, page_no - 1 or None
        return Reply(
            200,
            {
                key: chunk,
                "per_page": size,
                "total_pages": total_pages,
                "total_entries": len(rows),
                "next_page": next_page,
                "previous_page": prev_page,
                "page": page_field,
                "links": {
                    "first": link(page=1, per_page=per_page),
                    "next": nxt,
                    "previous": link(page=page_no - 1) if page_no > 1 else None,
                    "last": link(page=total_pages),
                },
            },
        )
