"""A Salesforce org's REST API, emulated over record collections (for simulator.serve).

- `POST /services/oauth2/token` (client credentials, form body) issues access tokens; every other
  call needs one as `Authorization: Bearer`, else 401 `INVALID_SESSION_ID` (Salesforce's error list).
- `GET /services/data/vNN.N/query?q=SOQL` and `/queryAll` answer the SOQL the connector sends:
  `SELECT fields FROM Object [WHERE SystemModstamp >= | > literal] [ORDER BY fields]`. As in
  Salesforce, a datetime literal must be unquoted, `Z` or `+hh:mm` (`+0000` is INVALID_FIELD), a
  field the object does not have is INVALID_FIELD, `query` leaves deleted rows out and `queryAll`
  returns them with IsDeleted = true. Results come in batches (2000, or `page_size`) with
  `nextRecordsUrl` (`/services/data/vNN.N/query/<locator>-<offset>`) while `done` is false.
- `GET /services/oauth2/userinfo`: the integration user (what `connectors check` calls).

Test hooks: `expire_sessions()` ends every issued token (the next call is refused, a new token
works), `expire_after = N` does so once after the N-th data request; `revoke = True` makes every
token, old or new, refused (the app lost API access); `client_id`/`client_secret` make the token
endpoint check them. A `--token` given to `wipcast demo serve` does not apply: the org issues its own.
"""

from __future__ import annotations

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

MAX_BATCH = 2000
TOKEN_PATH = "/services/oauth2/token"
INVALID_SESSION = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
_SOQL = re.compile(
    r"^\s*SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<object>\w+)"
    r"(?:\s+WHERE\s+(?P<where>.+?))?(?:\s+ORDER\s+BY\s+(?P<order>.+?))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_WHERE = re.compile(r"^SystemModstamp\s*(?P<op>>=|>)\s*(?P<literal>\S+)$", re.IGNORECASE)
_LITERAL = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$")
_DATA = re.compile(r"^/services/data/v(?P<version>\d+\.\d)/(?P<resource>query|queryAll)(?:/(?P<locator>[\w-]+))?/?$")


def _moment(value: str) -> str:
    """A datetime (API `+0000` or SOQL `Z` / `+hh:mm`) as comparable UTC text."""
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", value.replace("Z", "+00:00"))
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _error(status: int, code: str, message: str) -> Reply:
    return Reply(status, [{"message": message, "errorCode": code}])


class SalesforceDemoApi:
    account_headers: tuple[str, ...] = ()
    refusal_body = INVALID_SESSION

    def __init__(self, objects: dict[str, list[dict[str, Any]]], page_size: int | None = None):
        self.objects = objects
        self.page_size = page_size
        self.client_id: str | None = None
        self.client_secret: str | None = None
        self.revoke = False
        self.expire_after: int | None = None  # end every session once, after this many data requests
        self._served = 0
        self.tokens_issued = 0
        self.queries: list[str] = []  # SOQL received, in order (a test reads the literals)
        self._tokens: set[str] = set()
        self._cursors: dict[str, list[dict[str, Any]]] = {}
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    @classmethod
    def from_dir(cls, folder: Path, page_size: int | None = None) -> SalesforceDemoApi:
        objects = {
            path.stem: json.loads(path.read_text())["records"]
            for path in sorted((folder / "salesforce").glob("*.json"))
        }
        return cls(objects, page_size)

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
            return _error(404, "NOT_FOUND", "The requested resource does not exist")
        form = body if isinstance(body, dict) else {}
        if form.get("grant_type") != "client_credentials":
            return Reply(400, {"error": "unsupported_grant_type", "error_description": "grant type not supported"})
        if self.client_id is not None and (
            form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret
        ):
            return Reply(400, {"error": "invalid_client", "error_description": "invalid client credentials"})
        with self._lock:
            self.tokens_issued += 1
            token = f"00D5w000004demo!AQ{self.tokens_issued:04d}.session{next(self._counter)}"
            self._tokens.add(token)
        return Reply(
            200,
            {
                "access_token": token,
                "instance_url": base,
                "id": f"{base}/id/00D5w000004demoEAA/0055w00000BiLWwAAN",
                "token_type": "Bearer",
                "issued_at": "1735689600000",
                "signature": "demo",
            },
        )

    # ---- queries -----------------------------------------------------------------------------
    def handle(self, base: str, path: str, query: Mapping[str, str]) -> Reply:
        if path.rstrip("/") == "/services/oauth2/userinfo":
            return Reply(200, {"user_id": "0055w00000BiLWwAAN", "organization_id": "00D5w000004demoEAA"})
        match = _DATA.match(path)
        if match is None:
            return _error(404, "NOT_FOUND", "The requested resource does not exist")
        with self._lock:
            self._served += 1
            if self._served == self.expire_after:  # a session timeout between two requests of a run
                self._tokens.clear()
        version, locator = match["version"], match["locator"]
        if locator is not None:
            return self._next_batch(version, locator)
        soql = query.get("q")
        if not soql:
            return _error(400, "MALFORMED_QUERY", "q is required")
        return self._query(version, soql, include_deleted=match["resource"] == "queryAll")

    def _query(self, version: str, soql: str, include_deleted: bool) -> Reply:
        self.queries.append(soql)
        parsed = _SOQL.match(soql)
        if parsed is None:
            return _error(400, "MALFORMED_QUERY", "unexpected token in the query")
        name = parsed["object"]
        if name not in self.objects:
            return _error(400, "INVALID_TYPE", f"sObject type '{name}' is not supported.")
        rows = self.objects[name]
        fields = [f.strip() for f in parsed["fields"].split(",")]
        known = {key for row in rows for key in row} | {"Id"}
        for field in fields:
            head = field.split(".")[0]
            if head not in known:
                return _error(400, "INVALID_FIELD", f"No such column '{field}' on entity '{name}'.")
        if not include_deleted:
            rows = [r for r in rows if not r.get("IsDeleted")]
        if parsed["where"]:
            condition = _WHERE.match(parsed["where"].strip())
            if condition is None:
                return _error(400, "MALFORMED_QUERY", "only SystemModstamp filters are emulated")
            literal = condition["literal"]
            if not _LITERAL.match(literal):
                return _error(
                    400,
                    "INVALID_FIELD",
                    f"value of filter criterion for field 'SystemModstamp' must be of type dateTime: {literal}",
                )
            since = _moment(literal)
            strict = condition["op"] == ">"
            rows = [
                r
                for r in rows
                if _moment(r["SystemModstamp"]) > since or (not strict and _moment(r["SystemModstamp"]) == since)
            ]
        order = [f.strip() for f in (parsed["order"] or "Id").split(",")]
        rows = sorted(rows, key=lambda r: tuple(_sort_key(r.get(f), f) for f in order))
        selected = [self._select(name, row, fields, version) for row in rows]
        return self._batch(version, selected, 0, None)

    def _select(self, name: str, row: dict[str, Any], fields: list[str], version: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "attributes": {"type": name, "url": f"/services/data/v{version}/sobjects/{name}/{row['Id']}"}
        }
        for field in fields:
            if "." in field:
                relation, child = field.split(".", 1)
                related = row.get(relation)
                if related is None:
                    out[relation] = None
                else:
                    target = out.setdefault(relation, {"attributes": related.get("attributes")})
                    target[child] = related.get(child)
            else:
                out[field] = row.get(field)
        return out

    def _batch(self, version: str, rows: list[dict[str, Any]], offset: int, locator: str | None) -> Reply:
        size = min(MAX_BATCH, self.page_size or MAX_BATCH)
        page = rows[offset : offset + size]
        body: dict[str, Any] = {"totalSize": len(rows), "done": offset + size >= len(rows), "records": page}
        if not body["done"]:
            if locator is None:
                with self._lock:
                    locator = f"01g5w00000demo{next(self._counter):04d}"
                    self._cursors[locator] = rows
            body["nextRecordsUrl"] = f"/services/data/v{version}/query/{locator}-{offset + size}"
        return Reply(200, body)

    def _next_batch(self, version: str, locator: str) -> Reply:
        cursor, _, offset = locator.rpartition("-")
        rows = self._cursors.get(cursor)
        if rows is None or not offset.isdigit():
            return _error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return self._batch(version, rows, int(offset), cursor)


def _sort_key(value: Any, field: str) -> Any:
    if value is None:
        return ""
    return _moment(value) if field == "SystemModstamp" else value
