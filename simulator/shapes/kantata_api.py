"""Kantata (Mavenlink) API v1, emulated over record collections (for simulator.serve).

Under /api/v1/: `GET /<type>.json` answers the documented envelope: `count` (the total over every
page), `results` ([{key, id}] in id order: the page's rows), the records in a map keyed by id,
side-loaded records (`include=`) in maps of their own type, and `meta` {count, page_count,
page_number, page_size}. Paging is `page` / `per_page` (default 20; above 200 it is cut to 200
without an error, so a short page is not the last one). `updated_after` filters on `updated_at`
(compared as instants: records carry the account's UTC offset); `/users.json?on_my_account=true`
leaves out users of other (client) accounts. `/users/me.json` answers the first firm user.

`page_size` caps every page below what the client asks, so small data still pages.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from simulator.serve import Reply

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 200
LISTS = (
    "workspace_groups",
    "workspaces",
    "users",
    "workspace_resources",
    "workspace_allocations",
    "stories",
    "time_entries",
)
# include= name -> (collection, foreign key on the row; a list of ids when it ends in _ids)
INCLUDES = {
    "user": ("users", "user_id"),
    "story": ("stories", "story_id"),
    "participants": ("users", "participant_ids"),
    "parent": ("stories", "parent_id"),
}


def _instant(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _sort_key(record: dict[str, Any]) -> tuple[int, str]:
    ident = str(record["id"])
    return (int(ident), ident) if ident.isdigit() else (0, ident)


class KantataDemoApi:
    account_headers: tuple[str, ...] = ()  # Kantata needs the bearer token only

    def __init__(self, collections: dict[str, list[dict[str, Any]]] | None = None, page_size: int | None = None):
        self.collections = collections or {}
        self.page_size = page_size

    @classmethod
    def from_dir(cls, folder: Path, page_size: int | None = None) -> KantataDemoApi:
        collections = {
            path.stem: json.loads(path.read_text())[path.stem] for path in sorted((folder / "kantata").glob("*.json"))
        }
        return cls(collections, page_size)

    def firm_account(self) -> str | None:
        workspaces = self.collections.get("workspaces") or []
        return str(workspaces[0]["account_id"]) if workspaces else None

    def handle(self, base: str, path: str, query: Mapping[str, str]) -> Reply:
        parts = [p for p in path.split("/") if p]
        if parts[:2] != ["api", "v1"] or len(parts) < 3:
            return Reply(404, {"errors": [{"type": "system", "message": "not found"}]})
        rest = parts[2:]
        if rest == ["users", "me.json"]:
            account = self.firm_account()
            users = [u for u in self.collections.get("users", []) if account is None or u["account_id"] == account]
            return Reply(200, self._envelope("users", users[:1], 1, 1, 1, {}))
        if len(rest) == 1 and rest[0].endswith(".json") and rest[0][: -len(".json")] in LISTS:
            return self._list(rest[0][: -len(".json")], query)
        return Reply(404, {"errors": [{"type": "system", "message": "not found"}]})

    def _list(self, key: str, query: Mapping[str, str]) -> Reply:
        try:
            page = int(query.get("page", "1"))
            per_page = int(query.get("per_page", str(DEFAULT_PER_PAGE)))
        except ValueError:
            return Reply(400, {"errors": [{"type": "system", "message": "page and per_page must be numbers"}]})
        if page < 1 or per_page < 1:
            return Reply(400, {"errors": [{"type": "system", "message": "page and per_page start at 1"}]})
        size = min(per_page, MAX_PER_PAGE, self.page_size or MAX_PER_PAGE)
        rows = list(self.collections.get(key, []))
        if "updated_after" in query:
            after = _instant(query["updated_after"])
            rows = [r for r in rows if r.get("updated_at") and _instant(r["updated_at"]) > after]
        if key == "users" and query.get("on_my_account") == "true":
            account = self.firm_account()
            rows = [r for r in rows if account is None or str(r.get("account_id")) == account]
        rows.sort(key=_sort_key)
        page_count = max(1, -(-len(rows) // size))
        chunk = rows[(page - 1) * size : page * size]
        includes = [name for name in query.get("include", "").split(",") if name in INCLUDES]
        return Reply(200, self._envelope(key, chunk, len(rows), page, page_count, {"size": size}, includes))

    def _envelope(
        self,
        key: str,
        chunk: list[dict[str, Any]],
        total: int,
        page: int,
        page_count: int,
        paging: dict[str, int],
        includes: list[str] | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "count": total,
            "results": [{"key": key, "id": str(r["id"])} for r in chunk],
            key: {str(r["id"]): r for r in chunk},
        }
        for name in includes or []:
            collection, field = INCLUDES[name]
            wanted: set[str] = set()
            for r in chunk:
                value = r.get(field)
                wanted.update(str(v) for v in value) if isinstance(value, list) else wanted.add(str(value))
            side = {str(x["id"]): x for x in self.collections.get(collection, []) if str(x["id"]) in wanted}
            if side:  # same-type side-loads (a story's parent) share the rows' map: results still decides
                body[collection] = {**side, **body.get(collection, {})}
        body["meta"] = {
            "count": total,
            "page_count": page_count,
            "page_number": page,
            "page_size": paging.get("size", len(chunk)),
        }
        return body
