"""HubSpot CRM v3, emulated over record collections (for simulator.serve; bearer token checked there).

- `POST /crm/v3/objects/{companies|deals}/search`: `filterGroups` with `GTE`/`GT`/`LTE`/`LT` on a
  datetime property (epoch milliseconds or ISO), `sorts` on one property, `properties`, `limit` (at
  most 200, else 400) and `after` (an offset, as text). Like HubSpot, one query returns at most
  `cap` (10,000) results: asking past them is HTTP 400. `paging.next.after` while more match; no
  `paging` on the last page. Archived records are never in search results.
- `GET /crm/v3/objects/deals/{id}` with `propertiesWithHistory=a,b` and `associations=companies`.
- `GET /crm/v3/objects/deals?archived=true` (list API, `after` cursor): archived deals.
- `GET /crm/v3/pipelines/deals`: the pipelines and their stages (metadata values are strings).

`archive(deal_id)` archives a deal (a test hook); `page_size` caps every page below what is asked.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from simulator.serve import Reply

SEARCH_CAP = 10_000
MAX_LIMIT = 200
_OPS = {"GTE": lambda a, b: a >= b, "GT": lambda a, b: a > b, "LTE": lambda a, b: a <= b, "LT": lambda a, b: a < b}


@functools.lru_cache(maxsize=100_000)  # a search re-sorts every page: parse each stamp once
def _ms(value: Any) -> int:
    text = str(value)
    if text.isdigit():
        return int(text)
    return int(dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def _error(status: int, message: str, category: str = "VALIDATION_ERROR") -> Reply:
    return Reply(status, {"status": "error", "message": message, "category": category})


class HubSpotDemoApi:
    account_headers: tuple[str, ...] = ()

    def __init__(self, objects: dict[str, list[dict[str, Any]]], page_size: int | None = None, cap: int = SEARCH_CAP):
        self.objects = {"companies": [], "deals": [], "pipelines": [], "deals_archived": [], **objects}
        self.page_size = page_size
        self.cap = cap
        self.searches: list[dict[str, Any]] = []  # search bodies received (a test reads the windows)

    @classmethod
    def from_dir(cls, folder: Path, page_size: int | None = None) -> HubSpotDemoApi:
        objects = {
            path.stem: json.loads(path.read_text())["results"] for path in sorted((folder / "hubspot").glob("*.json"))
        }
        return cls(objects, page_size)

    def archive(self, deal_id: str, at: str) -> None:
        deal = next(d for d in self.objects["deals"] if d["id"] == deal_id)
        self.objects["deals"].remove(deal)
        self.objects["deals_archived"].append({**deal, "archived": True, "archivedAt": at})

    # ---- search ------------------------------------------------------------------------------
    def handle_post(self, base: str, path: str, body: Any, headers: Mapping[str, str]) -> Reply:
        parts = [p for p in path.split("?")[0].split("/") if p]
        if len(parts) != 5 or parts[:3] != ["crm", "v3", "objects"] or parts[4] != "search":
            return _error(404, "not found", "OBJECT_NOT_FOUND")
        if parts[3] not in ("companies", "deals"):
            return _error(400, f"unknown object type {parts[3]}")
        query = body if isinstance(body, dict) else {}
        self.searches.append(json.loads(json.dumps(query)))
        limit = int(query.get("limit", 10))
        if not 1 <= limit <= MAX_LIMIT:
            return _error(400, f"limit must be between 1 and {MAX_LIMIT}")
        after = int(query.get("after") or 0)
        if after >= self.cap:
            return _error(400, f"Cannot page beyond {self.cap} results; narrow the search with filters")
        rows = self.objects[parts[3]]
        for group in query.get("filterGroups") or [{}]:
            for rule in group.get("filters") or []:
                name, op = rule["propertyName"], _OPS[rule["operator"]]
                bound = _ms(rule["value"])
                rows = [r for r in rows if r["properties"].get(name) and op(_ms(r["properties"][name]), bound)]
        for sort in reversed(query.get("sorts") or [{"propertyName": "hs_object_id"}]):
            name = sort["propertyName"]
            rows = sorted(rows, key=lambda r: (_sort_value(r["properties"].get(name)), int(r["id"])))
            if sort.get("direction") == "DESCENDING":
                rows.reverse()
        size = min(limit, self.page_size or limit, self.cap - after)
        wanted = query.get("properties") or []
        page = [self._with(r, wanted) for r in rows[after : after + size]]
        reply: dict[str, Any] = {"total": len(rows), "results": page}
        if after + size < len(rows):
            reply["paging"] = {"next": {"after": str(after + size)}}
        return Reply(200, reply)

    # ---- reads -------------------------------------------------------------------------------
    def handle(self, base: str, path: str, query: Mapping[str, str]) -> Reply:
        parts = [p for p in path.split("/") if p]
        if parts == ["crm", "v3", "pipelines", "deals"]:
            return Reply(200, {"results": self.objects["pipelines"]})
        if parts[:4] == ["crm", "v3", "objects", "deals"] and len(parts) == 5:
            deal = next((d for d in self.objects["deals"] if d["id"] == parts[4]), None)
            if deal is None:
                return _error(404, f"deal {parts[4]} does not exist", "OBJECT_NOT_FOUND")
            record = self._with(deal, [p for p in query.get("properties", "").split(",") if p])
            tracked = [p for p in query.get("propertiesWithHistory", "").split(",") if p]
            if tracked:
                history = deal.get("propertiesWithHistory") or {}
                record["propertiesWithHistory"] = {p: history.get(p, []) for p in tracked}
            if "companies" in query.get("associations", ""):
                record["associations"] = deal.get("associations") or {"companies": {"results": []}}
            return Reply(200, record)
        if parts == ["crm", "v3", "objects", "deals"]:
            archived = query.get("archived") == "true"
            rows = self.objects["deals_archived"] if archived else self.objects["deals"]
            limit = min(int(query.get("limit", 10)), 100, self.page_size or 100)
            after = int(query.get("after") or 0)
            page = [
                {**self._with(r, []), **({"archivedAt": r.get("archivedAt")} if archived else {})}
                for r in rows[after : after + limit]
            ]
            reply: dict[str, Any] = {"results": page}
            if after + limit < len(rows):
                reply["paging"] = {"next": {"after": str(after + limit)}}
            return Reply(200, reply)
        return _error(404, "not found", "OBJECT_NOT_FOUND")

    def _with(self, record: dict[str, Any], wanted: list[str]) -> dict[str, Any]:
        """The record with the requested properties (unset ones null) plus the defaults HubSpot adds."""
        props = record["properties"]
        names = [*wanted, "createdate", "hs_lastmodifieddate", "hs_object_id"]
        return {
            "id": record["id"],
            "properties": {name: props.get(name) for name in names},
            "createdAt": record.get("createdAt"),
            "updatedAt": record.get("updatedAt"),
            "archived": record.get("archived", False),
        }


def _sort_value(value: Any) -> Any:
    if value is None:
        return -1
    text = str(value)
    try:
        return _ms(text)
    except ValueError:
        return text
