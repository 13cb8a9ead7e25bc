"""The QuickBooks Online extraction as one declarative dlt REST source over the query endpoint.

Every resource is one query, `GET v3/company/<realm>/query?query=select * from <Entity> where
Metadata.LastUpdatedTime >= '<cursor>' ORDERBY Id STARTPOSITION n MAXRESULTS m&minorversion=75`,
paged by paging.QueryPaginator, incremental on the UTC form of `MetaData.LastUpdatedTime` (less a
lag), merged on `Id`. `ORDERBY Id` keeps the pages stable while rows change (a changed row keeps
its place; a LastUpdatedTime order would move it to the end and shift the rest by one).

- customers: `Customer` with `Active IN (true, false)`: the query returns active customers only
  unless asked, and an inactive customer's old invoices still name it. Sub-customers (`Job`) and
  projects (`IsProject`) are customers too: the conform SQL tells them apart.
- invoices, payments: `Invoice`, `Payment`.

Each row is flattened by a map step into the fixed columns below (the fields the conform SQL
reads; `Line[]` kept whole as JSON text, because its shape depends on each line's `DetailType`), so
the raw tables do not depend on which optional fields a company's rows happen to carry.
Deletes are not read (no CDC): a full refresh marks what vanished (docs/connectors/quickbooks.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ingest.connectors import rawcols, tally
from ingest.connectors.config import ConnectorConfig
from ingest.connectors.quickbooks import paging
from ingest.connectors.quickbooks import settings as qs
from ingest.connectors.refresh_token import RefreshTokenAuth, RefreshTokenStore
from ingest.connectors.spec import Credentials, SourceOptions
from wipcast.errors import InputError

LABEL = "QuickBooks"
CREDENTIAL_KEYS = ("client_id", "client_secret", "refresh_token", "realm_id")
CREDENTIAL_HINT = (
    "SOURCES__QUICKBOOKS__CLIENT_ID, __CLIENT_SECRET, __REFRESH_TOKEN and __REALM_ID "
    "(or [sources.quickbooks] in .dlt/secrets.toml)"
)
_REALM = re.compile(r"^[0-9A-Za-z]{1,40}$")


def _ref(row: dict[str, Any], key: str) -> Any:
    ref = row.get(key)
    return ref.get("value") if isinstance(ref, dict) else None


def _stamp(row: dict[str, Any], key: str) -> str | None:
    value = (row.get("MetaData") or {}).get(key)
    return paging.utc(value) if value else None


def _customer(row: dict[str, Any]) -> dict[str, Any]:
    address = row.get("BillAddr") or {}
    return {
        "id": row.get("Id"),
        "sync_token": row.get("SyncToken"),
        "display_name": row.get("DisplayName"),
        "company_name": row.get("CompanyName"),
        "fully_qualified_name": row.get("FullyQualifiedName"),
        "given_name": row.get("GivenName"),
        "family_name": row.get("FamilyName"),
        "active": row.get("Active"),
        "job": row.get("Job"),
        "is_project": row.get("IsProject"),
        "parent_id": _ref(row, "ParentRef"),
        "bill_country": address.get("Country") if isinstance(address, dict) else None,
        "currency": _ref(row, "CurrencyRef"),
        "created_at": _stamp(row, "CreateTime"),
        paging.CURSOR: row.get(paging.CURSOR),
    }


def _invoice(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row.get("Id"),
        "sync_token": row.get("SyncToken"),
        "doc_number": row.get("DocNumber"),
        "txn_date": row.get("TxnDate"),
        "due_date": row.get("DueDate"),
        "customer_id": _ref(row, "CustomerRef"),
        "project_id": _ref(row, "ProjectRef"),
        "currency": _ref(row, "CurrencyRef"),
        "exchange_rate": row.get("ExchangeRate"),
        "total_amt": row.get("TotalAmt"),
        "balance": row.get("Balance"),
        "private_note": row.get("PrivateNote"),
        "lines": json.dumps(row.get("Line") or []),
        "created_at": _stamp(row, "CreateTime"),
        "last_updated_local": (row.get("MetaData") or {}).get("LastUpdatedTime"),
        paging.CURSOR: row.get(paging.CURSOR),
    }


def _payment(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row.get("Id"),
        "sync_token": row.get("SyncToken"),
        "txn_date": row.get("TxnDate"),
        "customer_id": _ref(row, "CustomerRef"),
        "currency": _ref(row, "CurrencyRef"),
        "total_amt": row.get("TotalAmt"),
        "unapplied_amt": row.get("UnappliedAmt"),
        "private_note": row.get("PrivateNote"),
        "lines": json.dumps(row.get("Line") or []),
        paging.CURSOR: row.get(paging.CURSOR),
    }


@dataclass(frozen=True)
class Query:
    name: str  # resource and raw table
    entity: str  # QuickBooks entity: the FROM and the key under QueryResponse
    where: str  # besides the cursor window
    columns: str  # rawcols spec of what `flatten` returns
    flatten: Callable[[dict[str, Any]], dict[str, Any]]


QUERIES: tuple[Query, ...] = (
    Query(
        "customers",
        "Customer",
        "Active IN (true, false) AND ",
        "id text, sync_token text, display_name text, company_name text, fully_qualified_name text, "
        "given_name text, family_name text, active bool, job bool, is_project bool, parent_id text, "
        f"bill_country text, currency text, created_at text, {paging.CURSOR} text",
        _customer,
    ),
    Query(
        "invoices",
        "Invoice",
        "",
        "id text, sync_token text, doc_number text, txn_date text, due_date text, customer_id text, project_id text, "
        "currency text, exchange_rate double, total_amt decimal, balance decimal, private_note text, lines text, "
        f"created_at text, last_updated_local text, {paging.CURSOR} text",
        _invoice,
    ),
    Query(
        "payments",
        "Payment",
        "",
        "id text, sync_token text, txn_date text, customer_id text, currency text, total_amt decimal, "
        f"unapplied_amt decimal, private_note text, lines text, {paging.CURSOR} text",
        _payment,
    ),
)

RAW_TABLES: dict[str, dict[str, str]] = {q.name: rawcols.root(q.columns) for q in QUERIES}
MERGE_TABLES = tuple(q.name for q in QUERIES)


def query_text(query: Query, start: str) -> str:
    """The query of one resource from a window start literal (the demo server reads this form)."""
    return f"select * from {query.entity} where {query.where}Metadata.LastUpdatedTime >= '{start}' ORDERBY Id"


def realm(credentials: Credentials) -> str:
    value = credentials.get("realm_id") or ""
    if not _REALM.match(value):
        raise InputError(
            "SOURCES__QUICKBOOKS__REALM_ID is not a QuickBooks company id",
            "set it to the realm id Intuit gave when the app was connected (digits, e.g. 9130347596324516)",
        )
    return value


def base_url(url: str, credentials: Credentials) -> str:
    """The API host plus the company's path: every request reads one company (realm)."""
    if "/v3/company/" in url:
        return url
    return f"{url}v3/company/{realm(credentials)}/"


def auth(config: ConnectorConfig, credentials: Credentials) -> RefreshTokenAuth:
    """The refresh-token auth of one sync or check (ingest.connectors.refresh_token): Intuit answers a
    refresh with a one-hour access token and may rotate the refresh token, whose predecessor then stops
    working after a while. The newest is kept in `refresh_token_file` (relative to wipcast.toml)."""
    path = config.path("refresh_token_file") or config.root / qs.REFRESH_TOKEN_FILE
    return RefreshTokenAuth(
        qs.token_url(config),
        credentials.get("client_id") or "",
        credentials.get("client_secret") or "",
        RefreshTokenStore(path, credentials.get("refresh_token") or "", config.setting("refresh_token_file")),
        LABEL,
        f"{CREDENTIAL_HINT}; a refresh token unused for 100 days, or revoked, needs the app authorised again",
        endpoint_hint=config.setting("token_url"),
    )


def _resource(query: Query, options: SourceOptions, lag: float) -> dict[str, Any]:
    incremental: dict[str, Any] = {
        "cursor_path": paging.CURSOR,
        "initial_value": paging.utc(options.initial_value),
        "convert": paging.query_literal,
    }
    if options.end_value is not None:
        incremental["end_value"] = paging.utc(options.end_value)  # a backfill: the stored cursor stays
    elif lag:
        incremental["lag"] = lag
    return {
        "name": query.name,
        "primary_key": "id",
        "write_disposition": "merge",
        "endpoint": {
            "path": "query",
            "params": {
                "query": query_text(query, "{incremental.start_value}"),
                "minorversion": qs.minor_version(options.config),
            },
            "data_selector": f"QueryResponse.{query.entity}",
            "paginator": paging.QueryPaginator(qs.page_size(options.config)),
            "incremental": incremental,
            "response_actions": [{"action": paging.page_hook(query.name, query.entity)}],
        },
        "processing_steps": [{"map": query.flatten}],
        "columns": rawcols.dlt_hints(RAW_TABLES[query.name]),
    }


def rest_config(options: SourceOptions, credentials: Credentials) -> dict[str, Any]:
    lag = options.config.number("lag_seconds", qs.DEFAULT_LAG_SECONDS) or 0.0
    return {
        "client": {
            "base_url": options.base_url,  # with the company's path (Connector.resolve_base_url)
            "auth": auth(options.config, credentials),
            "headers": {"Accept": "application/json", "User-Agent": "wipcast connector"},
        },
        "resources": [_resource(q, options, lag) for q in QUERIES],
    }


def build_source(options: SourceOptions, credentials: Credentials) -> Any:
    import dlt
    from dlt.sources.rest_api import rest_api_resources

    config = rest_config(options, credentials)

    @dlt.source(name="quickbooks", section="quickbooks", max_table_nesting=0)
    def quickbooks() -> Any:
        return rest_api_resources(tally.instrument(config))  # type: ignore[arg-type]

    return quickbooks()
