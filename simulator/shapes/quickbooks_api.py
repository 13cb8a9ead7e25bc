"""A QuickBooks Online company's accounting API, emulated over stored entities (for simulator.serve).

- `POST /oauth2/v1/tokens/bearer` (Intuit's token endpoint; form `grant_type=refresh_token`, the
  app's client id and secret as HTTP Basic) issues an access token and a new refresh token each
  time. With `refresh_token` set, only the newest one issued is accepted (`invalid_grant`
  otherwise), so a client that loses the rotated token cannot sync again.
- `GET /v3/company/<realm>/query?query=...` answers the query language as far as the connector
  uses it: `select * from <Entity> [where <cond> [and <cond>]...] [ORDERBY <field>]
  [STARTPOSITION n] [MAXRESULTS m]`, the conditions `Metadata.LastUpdatedTime >= | > '<datetime>'`
  (compared as moments, whatever the offset), `Active IN (true, false)` and `Active = true|false`.
  Customers are active ones only unless the query asks (as QuickBooks does). MAXRESULTS is 1 to
  1000 (default 100). The answer is `{"QueryResponse": {<Entity>: [...], "startPosition",
  "maxResults"}, "time"}`, and `{"QueryResponse": {}, "time"}` when no row is left. A query it
  cannot read is a `Fault` (HTTP 400, QueryParserError), as QuickBooks answers.
- every call but the token endpoint needs a bearer token it issued, else 401 with QuickBooks'
  lower-case `fault` body.

Test hooks: `expire_sessions()` ends every issued access token; `revoke = True` refuses every token;
`client_id`/`client_secret` make the token endpoint check them; `faults[entity] = (status, body)`
answers that entity's queries with a Fault envelope (QuickBooks sends some with HTTP 200).
A `--token` given to `wipcast demo serve` does not apply: the company issues its own.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from simulator.serve import Reply

TOKEN_PATH = "/oauth2/v1/tokens/bearer"
MAX_RESULTS = 1000
DEFAULT_RESULTS = 100
ENTITIES = ("Customer", "Invoice", "Payment", "CompanyInfo")
_QUERY = re.compile(
    r"^\s*select\s+\*\s+from\s+(?P<entity>\w+)"
    r"(?:\s+where\s+(?P<where>.+?))?"
    r"(?:\s+orderby\s+(?P<order>[\w.]+)(?:\s+(?P<direction>asc|desc))?)?"
    r"(?:\s+startposition\s+(?P<start>\d+))?"
    r"(?:\s+maxresults\s+(?P<max>\d+))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_STAMP = re.compile(r"^Metadata\.LastUpdatedTime\s*(?P<op>>=|>)\s*'(?P<value>[^']+)'$", re.IGNORECASE)
_ACTIVE_BOTH = re.compile(r"^Active\s+IN\s*\(\s*true\s*,\s*false\s*\)$", re.IGNORECASE)
_ACTIVE_IS = re.compile(r"^Active\s*=\s*(?P<value>true|false)$", re.IGNORECASE)
_PATH = re.compile(r"^/v3/company/(?P<realm>\w+)/query/?$")
UNAUTHORIZED = {
    "fault": {
        "error": [
            {
                "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                "detail": "Token expired or invalid",
                "code": "3200",
            }
        ],
        "type": "AUTHENTICATION",
    },
    "time": "2026-01-01T00:00:00.000-08:00",
}


def moment(value: str) -> dt.datetime:
    """A QuickBooks datetime (any offset, or a date) as an aware UTC datetime."""
    text = value.strip().replace("Z", "+00:00")
    found = dt.datetime.fromisoformat(text) if "T" in text else dt.datetime.fromisoformat(text + "T00:00:00")
    return (found if found.tzinfo else found.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def fault(message: str, detail: str, code: str, kind: str = "ValidationFault") -> dict[str, Any]:
    return {
        "Fault": {"Error": [{"Message": message, "Detail": detail, "code": code}], "type": kind},
        "time": "2026-01-01T00:00:00.000-08:00",
    }


def _parse_error(detail: str) -> Reply:
    return Reply(400, fault("Error parsing query", f"QueryParserError: {detail}", "4000"))


def _sort_key(value: Any) -> tuple[int, Any]:
    text = str(value)
    return (0, int(text)) if text.isdigit() else (1, text)


class QuickBooksDemoApi:
    account_headers: tuple[str, ...] = ()
    refusal_body = UNAUTHORIZED

    def __init__(
        self, entities: dict[str, list[dict[str, Any]]], realm: str | None = None, page_size: int | None = None
    ):
        self.entities = entities
        self.realm = realm  # None: any company id in the path
        self.page_size = page_size  # a cap on MAXRESULTS, so `demo serve --page-size` shows paging
        self.client_id: str | None = None
        self.client_secret: str | None = None
        self.refresh_token: str | None = None  # set: only the newest refresh token issued is accepted
        self.revoke = False
        self.faults: dict[str, tuple[int, Any]] = {}
        self.tokens_issued = 0
        self.queries: list[str] = []  # query texts received, in order (a test reads them)
        self._tokens: set[str] = set()
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    @classmethod
    def from_dir(cls, folder: Path, page_size: int | None = None) -> QuickBooksDemoApi:
        entities = {
            path.stem: json.loads(path.read_text())["QueryResponse"][path.stem]
            for path in sorted((folder / "quickbooks").glob("*.json"))
        }
        return cls(entities, page_size=page_size)

    # ---- sessions ----------------------------------------------------------------------------
    def authorize(self, path: str, headers: Mapping[str, str]) -> bool:
        if path == TOKEN_PATH:
            return True
        sent = headers.get("Authorization", "")
        with self._lock:
            return not self.revoke and sent.startswith("Bearer ") and sent[7:] in self._tokens

    def expire_sessions(self) -> None:
        with self._lock:
            self._tokens.clear()

    def handle_post(self, base: str, path: str, body: Any, headers: Mapping[str, str]) -> Reply:
        if urlsplit(path).path != TOKEN_PATH:
            return Reply(404, fault("Resource not found", f"no such resource {urlsplit(path).path}", "610"))
        form = body if isinstance(body, dict) else {}
        if form.get("grant_type") != "refresh_token":
            return Reply(400, {"error": "unsupported_grant_type"})
        if (
            self.client_id is not None
            and headers.get("Authorization")
            != "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        ):
            return Reply(401, {"error": "invalid_client"})
        with self._lock:
            if self.revoke or (self.refresh_token is not None and form.get("refresh_token") != self.refresh_token):
                return Reply(400, {"error": "invalid_grant"})
            self.tokens_issued += 1
            number = next(self._counter)
            token = f"eyJdemo.access.{number:04d}"
            rotated = f"AB11demo-refresh-{number:04d}"
            self._tokens.add(token)
            if self.refresh_token is not None:
                self.refresh_token = rotated
        return Reply(
            200,
            {
                "token_type": "bearer",
                "access_token": token,
                "refresh_token": rotated,
                "expires_in": 3600,
                "x_refresh_token_expires_in": 8726400,
            },
        )

    # ---- the query endpoint ------------------------------------------------------------------
    def handle(self, base: str, path: str, query: Mapping[str, str]) -> Reply:
        found = _PATH.match(path)
        if found is None:
            return Reply(404, fault("Resource not found", f"no such resource {path}", "610"))
        if self.realm is not None and found.group("realm") != self.realm:
            return Reply(
                403, fault("ApplicationAuthorizationFailed", "the token is not for this company", "003100", "SECURITY")
            )
        text = query.get("query", "")
        with self._lock:
            self.queries.append(text)
        parsed = _QUERY.match(text)
        if parsed is None:
            return _parse_error(f"cannot read the query {text[:80]!r}")
        entity = next((e for e in ENTITIES if e.lower() == parsed.group("entity").lower()), None)
        if entity is None:
            return _parse_error(f"unknown entity {parsed.group('entity')}")
        if entity in self.faults:
            status, body = self.faults[entity]
            return Reply(status, body)
        rows = self._select(entity, parsed.group("where"))
        if isinstance(rows, Reply):
            return rows
        order = (parsed.group("order") or "").lower()
        if order == "id":
            rows.sort(key=lambda r: _sort_key(r.get("Id")))
        elif order == "metadata.lastupdatedtime":
            rows.sort(key=lambda r: (moment(r["MetaData"]["LastUpdatedTime"]), _sort_key(r.get("Id"))))
        elif order:
            return _parse_error(f"cannot order by {parsed.group('order')}")
        if (parsed.group("direction") or "").lower() == "desc":
            rows.reverse()
        start = int(parsed.group("start") or 1)
        size = int(parsed.group("max") or DEFAULT_RESULTS)
        if not 1 <= size <= MAX_RESULTS or start < 1:
            return _parse_error(f"MAXRESULTS must be 1 to {MAX_RESULTS} and STARTPOSITION at least 1")
        size = min(size, self.page_size or size)
        page = rows[start - 1 : start - 1 + size]
        answer: dict[str, Any] = {entity: page, "startPosition": start, "maxResults": len(page)} if page else {}
        return Reply(200, {"QueryResponse": answer, "time": "2026-01-01T00:00:00.000-08:00"})

    def _select(self, entity: str, where: str | None) -> list[dict[str, Any]] | Reply:
        rows = list(self.entities.get(entity, []))
        active: set[bool] = {True} if entity == "Customer" else {True, False}
        for condition in re.split(r"\s+and\s+", where or "", flags=re.IGNORECASE) if where else []:
            condition = condition.strip()
            stamp = _STAMP.match(condition)
            if stamp is not None:
                low = moment(stamp.group("value"))
                strict = stamp.group("op") == ">"
                rows = [
                    r
                    for r in rows
                    if (moment(r["MetaData"]["LastUpdatedTime"]) > low)
                    or (not strict and moment(r["MetaData"]["LastUpdatedTime"]) == low)
                ]
            elif _ACTIVE_BOTH.match(condition):
                active = {True, False}
            elif (is_active := _ACTIVE_IS.match(condition)) is not None:
                active = {is_active.group("value").lower() == "true"}
            else:
                return _parse_error(f"cannot filter on {condition[:80]!r}")
        return [r for r in rows if bool(r.get("Active", True)) in active]
