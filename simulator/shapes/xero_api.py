"""A Xero organisation's APIs, emulated over stored collections (for simulator.serve).

- `POST /connect/token`, grant `refresh_token` (client id and secret as HTTP Basic): a 30-minute
  access token and a NEW refresh token; the one used is spent (Xero rotates them), so reusing it is
  `invalid_grant`. Every other call needs `Authorization: Bearer <token>` and `xero-tenant-id`.
- Accounting API `GET /api.xro/2.0/{Contacts|Invoices|Organisation}`: `page=` (100 a page, or
  `page_size`), the `pagination` block, rows modified at or after the `If-Modified-Since` header
  (UTC, whole seconds) in UpdatedDateUTC order; values as Xero writes them (MS JSON dates).
- Projects API `GET /projects.xro/2.0/projects`, `/projects/{id}/tasks`, `/projects/{id}/time`,
  `/projectsusers`: `page`/`pageSize` (at most 500), `items` and `pagination`.

Test hooks: `refresh_token` (only that one is valid at first; None: any), `client_id`/`client_secret`
(checked when set), `tenant_id` (checked when set), `expire_sessions()` (every access token refused
until a refresh), `expire_after = N` (the same, once, after the N-th data request), `revoke` (every
token refused), `modified_since` (the If-Modified-Since values received, in order: a cursor, never a
credential).
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import math
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from simulator.serve import Reply

TOKEN_PATH = "/connect/token"
ACCOUNTING = "/api.xro/2.0/"
PROJECTS = "/projects.xro/2.0/"
ACCOUNTING_PAGE = 100
PROJECTS_MAX_PAGE = 500
UNAUTHORIZED = {"Type": None, "Title": "Unauthorized", "Status": 401, "Detail": "AuthenticationUnsuccessful"}
_MS = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
_CHILD = re.compile(r"^projects/([0-9a-fA-F-]+)/(tasks|time)$")


def _ms(value: Any) -> float:
    found = _MS.match(str(value or ""))
    return int(found.group(1)) / 1000 if found else -math.inf


def _page(rows: list[dict[str, Any]], page: int, size: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
    count = max(1, math.ceil(len(rows) / size))
    start = (page - 1) * size
    return rows[start : start + size], {
        "page": page,
        "pageSize": size,
        "pageCount": count,
        "itemCount": len(rows),
    }


class XeroDemoApi:
    account_headers: tuple[str, ...] = ()
    refusal_body = UNAUTHORIZED

    def __init__(self, collections: dict[str, list[dict[str, Any]]], page_size: int | None = None) -> None:
        self.collections = collections
        self.page_size = page_size
        self.client_id: str | None = None
        self.client_secret: str | None = None
        self.tenant_id: str | None = None
        self.refresh_token: str | None = None  # the one valid refresh token (None: accept any, the demo)
        self.revoke = False
        self.expire_after: int | None = None  # end every session once, after this many data requests
        self._served = 0
        self.tokens_issued = 0
        self.modified_since: list[str | None] = []
        self._tokens: set[str] = set()
        self._spent: set[str] = set()
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    @classmethod
    def from_dir(cls, folder: Path, page_size: int | None = None) -> XeroDemoApi:
        collections = {
            path.stem: next(iter(json.loads(path.read_text()).values()))
            for path in sorted((folder / "xero").glob("*.json"))
        }
        return cls(collections, page_size)

    # ---- tokens -----------------------------------------------------------------------------
    def authorize(self, path: str, headers: Mapping[str, str]) -> bool:
        if path == TOKEN_PATH:
            return True
        sent = headers.get("Authorization", "")
        with self._lock:
            if self.revoke or not sent.startswith("Bearer ") or sent[7:] not in self._tokens:
                return False
        return self.tenant_id is None or headers.get("xero-tenant-id") == self.tenant_id

    def expire_sessions(self) -> None:
        with self._lock:
            self._tokens.clear()

    def handle_post(self, base: str, path: str, body: Any, headers: Mapping[str, str]) -> Reply:
        if urlsplit(path).path != TOKEN_PATH:
            return Reply(404, {"Message": "The resource you're looking for cannot be found"})
        form = body if isinstance(body, dict) else {}
        if form.get("grant_type") != "refresh_token":
            return Reply(400, {"error": "unsupported_grant_type"})
        if self.client_id is not None:
            basic = headers.get("Authorization", "")
            expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
            if basic != f"Basic {expected}":
                return Reply(400, {"error": "invalid_client"})
        used = str(form.get("refresh_token") or "")
        with self._lock:
            valid = (self.refresh_token is None and used not in self._spent) or used == self.refresh_token
            if not used or not valid or self.revoke:
                return Reply(400, {"error": "invalid_grant"})
            self._spent.add(used)
            self.tokens_issued += 1
            serial = next(self._counter)
            token = f"xero-access-{serial:04d}"
            renewed = f"xero-refresh-{serial:04d}"
            self._tokens.add(token)
            if self.refresh_token is not None:
                self.refresh_token = renewed  # rotation: only the new one works from now on
        return Reply(
            200,
            {
                "access_token": token,
                "expires_in": 1800,
                "token_type": "Bearer",
                "refresh_token": renewed,
                "scope": "accounting.transactions.read accounting.contacts.read projects.read offline_access",
            },
        )

    # ---- data -------------------------------------------------------------------------------
    def handle(self, base: str, path: str, query: Mapping[str, str]) -> Reply:
        return self.handle_get(base, path, query, {})

    def handle_get(self, base: str, path: str, query: Mapping[str, str], headers: Mapping[str, str]) -> Reply:
        with self._lock:
            self._served += 1
            if self._served == self.expire_after:  # the 30 minutes end between two requests of a run
                self._tokens.clear()
        try:
            page = int(query.get("page", "1"))
        except ValueError:
            return Reply(400, {"Message": "page must be a number"})
        if page < 1:
            return Reply(400, {"Message": "page must be 1 or more"})
        if path.startswith(ACCOUNTING):
            return self._accounting(path[len(ACCOUNTING) :].strip("/"), page, headers)
        if path.startswith(PROJECTS):
            return self._projects(path[len(PROJECTS) :].strip("/"), page, query)
        return Reply(404, {"Message": "The resource you're looking for cannot be found"})

    def _accounting(self, name: str, page: int, headers: Mapping[str, str]) -> Reply:
        if name == "Organisation":
            return Reply(200, {"Status": "OK", "Organisations": self.collections.get("Organisation", [])})
        if name not in ("Contacts", "Invoices"):
            return Reply(404, {"Message": "The resource you're looking for cannot be found"})
        since = headers.get("If-Modified-Since")
        self.modified_since.append(since)
        rows = list(self.collections.get(name, []))
        if since:
            try:
                low = dt.datetime.fromisoformat(since.replace("Z", "+00:00"))
            except ValueError:
                return Reply(400, {"Message": f"If-Modified-Since {since!r} is not a date"})
            low = low if low.tzinfo else low.replace(tzinfo=dt.UTC)
            rows = [r for r in rows if _ms(r.get("UpdatedDateUTC")) >= low.timestamp()]
        key = "ContactID" if name == "Contacts" else "InvoiceID"
        rows.sort(key=lambda r: (_ms(r.get("UpdatedDateUTC")), str(r.get(key))))
        items, block = _page(rows, page, self.page_size or ACCOUNTING_PAGE)
        return Reply(200, {"Status": "OK", "pagination": block, name: items})

    def _projects(self, name: str, page: int, query: Mapping[str, str]) -> Reply:
        try:
            size = int(query.get("pageSize", "50"))
        except ValueError:
            return Reply(400, {"message": "pageSize must be a number"})
        if not 1 <= size <= PROJECTS_MAX_PAGE:
            return Reply(400, {"message": f"pageSize must be between 1 and {PROJECTS_MAX_PAGE}"})
        size = min(size, self.page_size or size)
        child = _CHILD.match(name)
        if name == "projects":
            states = {s for s in query.get("states", "INPROGRESS").split(",") if s}
            rows = [r for r in self.collections.get("projects", []) if r.get("status") in states]
            rows.sort(key=lambda r: str(r.get("projectId")))
        elif name == "projectsusers":
            rows = sorted(self.collections.get("projectsusers", []), key=lambda r: str(r.get("userId")))
        elif child is not None:
            project, kind = child.group(1), child.group(2)
            if not any(p.get("projectId") == project for p in self.collections.get("projects", [])):
                return Reply(404, {"message": f"project {project} not found"})
            key = "taskId" if kind == "tasks" else "timeEntryId"
            rows = [r for r in self.collections.get(kind, []) if r.get("projectId") == project]
            rows.sort(key=lambda r: str(r.get(key)))
        else:
            return Reply(404, {"message": "not found"})
        items, block = _page(rows, page, size)
        return Reply(200, {"pagination": block, "items": items})
