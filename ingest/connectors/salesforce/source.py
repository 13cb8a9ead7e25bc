"""The Salesforce extraction as one declarative dlt REST source over the SOQL query resource.

- Every object is read with `queryAll` (which also returns deleted rows, `IsDeleted = true`, until
  the recycle bin is emptied) and paged by following `nextRecordsUrl`, absent on the last batch.
- Accounts, opportunities and opportunity history are incremental on `SystemModstamp` (the
  `WHERE SystemModstamp >= <literal>` filter; see datetimes for the two formats); the stage list
  (OpportunityStage) is small and read whole every run.
- The configured custom fields ([connectors.salesforce.fields]) are selected by their API names and
  copied into fixed `wipcast_<key>` columns, so the conform SQL never depends on an org's naming.
- Auth: OAuth 2.0 client credentials against the instance's token endpoint, one refresh on 401.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from requests import Response

from ingest.connectors import rawcols, tally
from ingest.connectors.oauth import ClientCredentialsAuth
from ingest.connectors.paging import GuardedLinkPaginator
from ingest.connectors.salesforce import datetimes
from ingest.connectors.salesforce import settings as ss
from ingest.connectors.spec import Credentials, SourceOptions

LABEL = "Salesforce"
CREDENTIAL_KEYS = ("client_id", "client_secret")
CREDENTIAL_HINT = (
    "SOURCES__SALESFORCE__CLIENT_ID and SOURCES__SALESFORCE__CLIENT_SECRET "
    "(or [sources.salesforce] in .dlt/secrets.toml)"
)
TOKEN_PATH = "services/oauth2/token"
_STAMP = "system_modstamp timestamp, is_deleted bool"

RAW_TABLES: dict[str, dict[str, str]] = {
    "accounts": rawcols.root(
        f"id text, name text, type text, industry text, wipcast_account_country text, "
        f"wipcast_account_region text, created_date timestamp, {_STAMP}"
    ),
    "opportunities": rawcols.root(
        "id text, name text, account_id text, account__name text, type text, stage_name text, probability double, "
        "amount decimal, close_date date, is_closed bool, is_won bool, currency_iso_code text, "
        "created_date timestamp, last_modified_date timestamp, wipcast_practice text, wipcast_region text, "
        f"wipcast_expected_start_date text, wipcast_expected_duration_weeks text, wipcast_project_id text, {_STAMP}"
    ),
    "opportunity_history": rawcols.root(
        "id text, opportunity_id text, stage_name text, amount decimal, probability double, close_date date, "
        f"created_date timestamp, {_STAMP}"
    ),
    "opportunity_stages": rawcols.root(
        "id text, api_name text, master_label text, is_active bool, is_closed bool, is_won bool, "
        "default_probability double, sort_order bigint, system_modstamp timestamp"
    ),
}
MERGE_TABLES = ("accounts", "opportunities", "opportunity_history", "opportunity_stages")


def token_url(base_url: str) -> str:
    return base_url + TOKEN_PATH


def auth(base_url: str, credentials: Credentials) -> ClientCredentialsAuth:
    return ClientCredentialsAuth(
        token_url(base_url),
        credentials.get("client_id") or "",
        credentials.get("client_secret") or "",
        LABEL,
        f"{CREDENTIAL_HINT} and connectors.salesforce.base_url (the org's My Domain URL)",
    )


def _soql(obj: str, columns: list[str], incremental: bool) -> str:
    where = " WHERE SystemModstamp >= {incremental.start_value}" if incremental else ""
    order = " ORDER BY SystemModstamp, Id" if incremental else " ORDER BY Id"
    return f"SELECT {', '.join(columns)} FROM {obj}{where}{order}"


def _copy_fields(picked: dict[str, str | None]) -> Any:
    """A map step: the configured custom fields into wipcast_<key>; `attributes` dropped everywhere."""

    def step(record: dict[str, Any]) -> dict[str, Any]:
        record.pop("attributes", None)
        for value in record.values():
            if isinstance(value, dict):
                value.pop("attributes", None)
        for key, api_name in picked.items():
            value = _lookup(record, api_name) if api_name else None
            record[f"wipcast_{key}"] = None if value is None else str(value)
        return record

    return step


def _lookup(record: dict[str, Any], api_name: str) -> Any:
    value: Any = record
    for part in api_name.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _resource(
    name: str, path: str, soql: str, options: SourceOptions, copy: dict[str, str | None] | None
) -> dict[str, Any]:
    endpoint: dict[str, Any] = {"path": path, "params": {"q": soql}, "data_selector": "records"}
    if "{incremental.start_value}" in soql:
        spec: dict[str, Any] = {
            "cursor_path": "SystemModstamp",
            # initial and end values in the API's own format, so dlt compares like with like
            "initial_value": datetimes.to_api(options.initial_value),
            "convert": datetimes.to_soql,
        }
        if options.end_value is not None:
            spec["end_value"] = datetimes.to_api(options.end_value)
        endpoint["incremental"] = spec
    resource: dict[str, Any] = {"name": name, "endpoint": endpoint, "columns": rawcols.dlt_hints(RAW_TABLES[name])}
    resource["processing_steps"] = [{"map": _copy_fields(copy or {})}]
    return resource


def rest_config(options: SourceOptions, credentials: Credentials) -> dict[str, Any]:
    config = options.config
    version = ss.api_version(config)
    picked = ss.fields(config)
    query_all = f"services/data/v{version}/queryAll"
    query = f"services/data/v{version}/query"
    opp_custom = {k: picked[k] for k in ss.OPPORTUNITY_FIELDS}
    acc_custom = {k: picked[k] for k in ss.ACCOUNT_FIELDS}
    opportunity = [
        "Id",
        "Name",
        "AccountId",
        "Account.Name",
        "Type",
        "StageName",
        "Probability",
        "Amount",
        "CloseDate",
        "IsClosed",
        "IsWon",
        "IsDeleted",
        "CreatedDate",
        "LastModifiedDate",
        "SystemModstamp",
    ]
    if config.flag("multi_currency"):  # selecting it in a single-currency org is an INVALID_FIELD error
        opportunity.append("CurrencyIsoCode")
    opportunity += sorted({name for name in opp_custom.values() if name})
    account = ["Id", "Name", "Type", "Industry", "IsDeleted", "CreatedDate", "SystemModstamp"]
    account += sorted({name for name in acc_custom.values() if name})
    history = [
        "Id",
        "OpportunityId",
        "StageName",
        "Amount",
        "Probability",
        "CloseDate",
        "IsDeleted",
        "CreatedDate",
        "SystemModstamp",
    ]
    stages = [
        "Id",
        "ApiName",
        "MasterLabel",
        "IsActive",
        "IsClosed",
        "IsWon",
        "DefaultProbability",
        "SortOrder",
        "SystemModstamp",
    ]
    headers = {"Accept": "application/json"}
    size = ss.batch_size(config)
    if size is not None:
        headers["Sforce-Query-Options"] = f"batchSize={size}"
    return {
        "client": {
            "base_url": options.base_url,
            "auth": auth(options.base_url, credentials),
            "headers": headers,
            "paginator": GuardedLinkPaginator("nextRecordsUrl"),
        },
        "resource_defaults": {"write_disposition": "merge", "primary_key": "Id"},
        "resources": [
            _resource("accounts", query_all, _soql("Account", account, True), options, acc_custom),
            _resource("opportunities", query_all, _soql("Opportunity", opportunity, True), options, opp_custom),
            _resource("opportunity_history", query_all, _soql("OpportunityHistory", history, True), options, None),
            _resource("opportunity_stages", query, _soql("OpportunityStage", stages, False), options, None),
        ],
    }


def reported_total(response: Response) -> int | None:
    """`totalSize` of a query's first batch (`.../query` or `.../queryAll`, not a `nextRecordsUrl` locator):
    the rows the SOQL query matches."""
    body = response.json()
    path = urlsplit(response.url).path.rstrip("/")
    if not isinstance(body, dict) or body.get("totalSize") is None or not path.endswith(("/query", "/queryAll")):
        return None
    return int(body["totalSize"])


def build_source(options: SourceOptions, credentials: Credentials) -> Any:
    import dlt
    from dlt.sources.rest_api import rest_api_resources

    config = rest_config(options, credentials)

    @dlt.source(name="salesforce", section="salesforce", max_table_nesting=1)
    def salesforce() -> Any:
        return rest_api_resources(tally.instrument(config, reported_total))  # type: ignore[arg-type]

    return salesforce()
