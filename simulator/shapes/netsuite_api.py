"""NetSuite's SuiteQL REST endpoint, emulated over stored query results (for simulator.serve).

`POST /services/rest/query/v1/suiteql?limit=&offset=` with `Prefer: transient` and `{"q": "..."}`.
The demo does not run SQL: it reads just enough of the query to pick a stored result and window it:
- the collection: the first `FROM <table>`, plus `type = '<code>'` for transaction tables
  (`FROM transaction ... type = 'CustInvc'` is the invoices, `FROM transactionline` their lines);
- the window: the first `TO_TIMESTAMP('<start>'` or `TO_DATE('<start>'` keeps rows whose cursor
  column (lastmodified, or effectivedate for currency rates) is at or after it.
Rows are the query's result items as the connector's queries produce them (text values, T/F, no
key for a null), returned in (cursor, key) order. Paging is NetSuite's: `limit` at most 1000, the
envelope `{links, count, hasMore, items, offset, totalResults}`, and at most `max_rows` rows per
query: a page at or past it is HTTP 400, as SuiteQL's 100,000-row cap (small here so a test can
cross it). With credentials set, each request's OAuth 1.0a signature is checked (401 otherwise).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from simulator.serve import Reply

SUITEQL_PATH = "/services/rest/query/v1/suiteql"
MAX_LIMIT = 1000
MAX_ROWS = 100_000
# collection -> (cursor column, key columns); a collection is a table, or table.type for transactions
COLLECTIONS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "subsidiary": (None, ("id",)),
    "currency": (None, ("id",)),
    "currencyrate": ("effectivedate", ("id",)),
    "customer": ("lastmodified", ("id",)),
    "job": ("lastmodified", ("id",)),
    "transaction.CustInvc": ("lastmodified", ("id",)),
    "transactionline.CustInvc": ("lastmodified", ("transaction", "line")),
    "transaction.CustPymt": ("lastmodified", ("payment", "invoice", "invoiceline")),
    "timebill": ("lastmodified", ("id",)),
    "deletedrecord": ("deleteddate", ("recordtype", "recordid")),
}
_FROM = re.compile(r"\bFROM\s+(\w+)", re.IGNORECASE)
_TYPE = re.compile(r"\.type\s*=\s*'(\w+)'", re.IGNORECASE)
_START = re.compile(r"\bTO_(?:TIMESTAMP|DATE)\('([^']*)'", re.IGNORECASE)


def _error(status: int, title: str, detail: str, code: str) -> Reply:
    return Reply(
        status,
        {
            "type": "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1",
            "title": title,
            "status": status,
            "o:errorDetails": [{"detail": detail, "o:errorCode": code}],
        },
    )


def _sort_key(value: Any) -> tuple[int, Any]:
    text = str(value)
    return (0, int(text)) if text.lstrip("-").isdigit() else (1, text)


@dataclass(frozen=True)
class Tba:
    """The secrets the demo account accepts (None: any signature)."""

    realm: str
    consumer_key: str
    consumer_secret: str
    token_id: str
    token_secret: str


def _oauth_fields(header: str) -> dict[str, str]:
    if not header.startswith("OAuth "):
        return {}
    return {k: unquote(v) for k, v in re.findall(r'(\w+)="([^"]*)"', header[6:])}


class NetSuiteDemoApi:
    account_headers: tuple[str, ...] = ()

    def __init__(
        self,
        collections: dict[str, list[dict[str, Any]]] | None = None,
        max_rows: int = MAX_ROWS,
        tba: Tba | None = None,
        page_size: int | None = None,
    ):
        self.collections = collections or {}
        self.max_rows = max_rows
        self.tba = tba
        self.page_size = page_size  # a cap on limit, so `demo serve --page-size` shows paging

    @classmethod
    def from_dir(cls, folder: Path, page_size: int | None = None) -> NetSuiteDemoApi:
        collections = {
            path.name[: -len(".json")]: json.loads(path.read_text())["items"]
            for path in sorted((folder / "netsuite").glob("*.json"))
        }
        return cls(collections, page_size=page_size)

    def handle(self, base: str, path: str, query: Mapping[str, str]) -> Reply:
        return _error(405, "Method Not Allowed", "SuiteQL takes POST", "INVALID_REQUEST")

    def handle_post(self, base: str, path_and_query: str, body: Any, headers: Mapping[str, str]) -> Reply:
        parts = urlsplit(path_and_query)
        if parts.path.rstrip("/") != SUITEQL_PATH:
            return _error(404, "Not Found", f"no such resource {parts.path}", "NONEXISTENT_ID")
        if not self._signed(base + path_and_query, headers):
            return _error(401, "Unauthorized", "Invalid login attempt.", "INVALID_LOGIN")
        if headers.get("Prefer") != "transient":
            return _error(400, "Bad Request", "SuiteQL over REST needs the header Prefer: transient", "INVALID_HEADER")
        query = dict(parse_qsl(parts.query))
        q = body.get("q") if isinstance(body, dict) else None
        if not isinstance(q, str):
            return _error(400, "Bad Request", 'the body must be {"q": "<SuiteQL>"}', "INVALID_PARAMETER")
        try:
            limit = int(query.get("limit", MAX_LIMIT))
            offset = int(query.get("offset", 0))
        except ValueError:
            return _error(400, "Bad Request", "limit and offset must be numbers", "INVALID_PARAMETER")
        if not 1 <= limit <= MAX_LIMIT:
            return _error(400, "Bad Request", f"limit must be between 1 and {MAX_LIMIT}", "INVALID_PARAMETER")
        if offset >= self.max_rows:
            return _error(
                400, "Bad Request", f"a SuiteQL query returns at most {self.max_rows} rows", "INVALID_PARAMETER"
            )
        name = self._collection(q)
        if name is None:
            return _error(400, "Bad Request", "Invalid search query: unknown record type", "INVALID_PARAMETER")
        rows = self.select(name, q)
        size = min(limit, self.page_size or limit)
        stop = min(offset + size, self.max_rows)
        items = [{"links": [], **row} for row in rows[offset:stop]]
        more = offset + len(items) < len(rows)
        url = base + SUITEQL_PATH

        def link(rel: str, at: int) -> dict[str, str]:
            return {"rel": rel, "href": f"{url}?limit={limit}&offset={at}"}

        links = [link("self", offset)] + ([link("next", offset + len(items))] if more else [])
        return Reply(
            200,
            {
                "links": links,
                "count": len(items),
                "hasMore": more,
                "items": items,
                "offset": offset,
                "totalResults": len(rows),
            },
        )

    def _collection(self, q: str) -> str | None:
        found = _FROM.search(q)
        if found is None:
            return None
        table = found.group(1).lower()
        kind = _TYPE.search(q)
        name = f"{table}.{kind.group(1)}" if table.startswith("transaction") and kind else table
        return name if name in COLLECTIONS else None

    def select(self, name: str, q: str) -> list[dict[str, Any]]:
        """The collection's rows inside the query's window, in (cursor, key) order."""
        cursor, keys = COLLECTIONS[name]
        rows = list(self.collections.get(name, []))
        start = _START.search(q)
        if cursor is not None and start is not None:
            low = start.group(1).replace(" ", "T")
            rows = [r for r in rows if str(r.get(cursor, "")).replace(" ", "T") >= low]
        return sorted(
            rows, key=lambda r: ((str(r.get(cursor, "")) if cursor else ""), *(_sort_key(r.get(k)) for k in keys))
        )

    def _signed(self, url: str, headers: Mapping[str, str]) -> bool:
        if self.tba is None:
            return True
        sent = _oauth_fields(headers.get("Authorization", ""))
        if sent.get("oauth_consumer_key") != self.tba.consumer_key or sent.get("oauth_token") != self.tba.token_id:
            return False
        if sent.get("realm") != self.tba.realm or sent.get("oauth_signature_method") != "HMAC-SHA256":
            return False
        params = {k: v for k, v in sent.items() if k.startswith("oauth_") and k != "oauth_signature"}
        return hmac.compare_digest(sent.get("oauth_signature", ""), self._expected(url, params))

    def _expected(self, url: str, oauth: dict[str, str]) -> str:
        """RFC 5849 section 3.4, written out again here (the simulator does not import the connector)."""
        assert self.tba is not None

        def enc(text: str) -> str:
            return quote(text, safe="~-._")

        parts = urlsplit(url)
        pairs = sorted((enc(k), enc(v)) for k, v in [*parse_qsl(parts.query, keep_blank_values=True), *oauth.items()])
        plain = f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path}"
        text = "&".join(("POST", enc(plain), enc("&".join(f"{k}={v}" for k, v in pairs))))
        key = f"{enc(self.tba.consumer_secret)}&{enc(self.tba.token_secret)}".encode()
        return base64.b64encode(hmac.new(key, text.encode(), hashlib.sha256).digest()).decode()
