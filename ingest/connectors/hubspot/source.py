"""The HubSpot CRM v3 extraction as one declarative dlt REST source (private-app token, bearer).

- companies and deals: `POST crm/v3/objects/<type>/search`, sorted ascending on hs_lastmodifieddate
  and filtered `GTE` the cursor (epoch milliseconds), paged by `after` in the body and windowed
  before the 10,000-result cap (paging.WindowedSearchPaginator). Search does not return archived
  records, associations or property history, hence:
- deal_details: `GET crm/v3/objects/deals/{id}?propertiesWithHistory=...&associations=companies` for
  each deal this run returned: the change history of the tracked properties and the deal's company;
- deals_archived: `GET crm/v3/objects/deals?archived=true` (list API, `after` cursor), read whole and
  replaced each run: an archived (deleted) deal is left out of the conformed output, a restored one
  leaves the list;
- pipelines: `GET crm/v3/pipelines/deals`, read whole: stage ids -> labels, probability, isClosed.
- Every property value is text (HubSpot sends strings); the conform SQL passes them on as text and the
  validator casts them with the contract's rules. Configured custom properties are copied into fixed
  `wipcast_<key>` columns (as for Salesforce).
"""

from __future__ import annotations

import json
from typing import Any

from requests import Response

from ingest.connectors import rawcols, tally
from ingest.connectors.hubspot import paging
from ingest.connectors.hubspot import settings as hs
from ingest.connectors.spec import Credentials, SourceOptions

LABEL = "HubSpot"
SORT = "hs_lastmodifieddate"
DEAL_PROPERTIES = (
    "dealname",
    "amount",
    "dealstage",
    "pipeline",
    "closedate",
    "createdate",
    "dealtype",
    "deal_currency_code",
    "hs_forecast_probability",
    "hs_deal_stage_probability",
    "hs_is_closed",
    "hs_is_closed_won",
    SORT,
)
HISTORY_PROPERTIES = ("dealstage", "amount", "closedate", "hs_forecast_probability", "hs_deal_stage_probability")
COMPANY_PROPERTIES = ("name", "industry", "lifecyclestage", "createdate", SORT)
_CUSTOM_DEAL = ", ".join(f"wipcast_{k} text" for k in hs.DEAL_PROPERTIES)

RAW_TABLES: dict[str, dict[str, str]] = {
    "companies": rawcols.root(
        f"id text, {', '.join(f'{p} text' for p in COMPANY_PROPERTIES)}, "
        "wipcast_company_region text, wipcast_company_country text"
    ),
    "deals": rawcols.root(f"id text, {', '.join(f'{p} text' for p in DEAL_PROPERTIES)}, {_CUSTOM_DEAL}"),
    "deal_details": rawcols.root("id text, company_id text"),
    "deal_details__changes": rawcols.child("property text, value text, timestamp text"),
    "deals_archived": rawcols.root("id text, archived_at text"),
    "pipelines": rawcols.root("id text, label text"),
    "pipelines__stages": rawcols.child("id text, label text, display_order bigint, probability text, is_closed text"),
}
MERGE_TABLES = ("companies", "deals", "deal_details")


def _flatten(copies: dict[str, str | None]) -> Any:
    """A map step: `properties` to columns, the configured custom properties into wipcast_<key>."""

    def step(record: dict[str, Any]) -> dict[str, Any]:
        props = record.get("properties") or {}
        row: dict[str, Any] = {"id": str(record["id"]), **props}
        row.pop("hs_object_id", None)
        for key, name in copies.items():
            row[f"wipcast_{key}"] = props.get(name) if name else None
        return row

    return step


def _details(history_names: dict[str, str]) -> Any:
    """A map step: the primary company and every tracked property's changes as one list
    (custom properties renamed wipcast_<key>)."""

    def step(record: dict[str, Any]) -> dict[str, Any]:
        companies = ((record.get("associations") or {}).get("companies") or {}).get("results") or []
        primary = [c for c in companies if c.get("type") == "deal_to_company"] or companies
        changes = [
            {"property": history_names.get(name, name), "value": change.get("value"), "timestamp": change["timestamp"]}
            for name, values in (record.get("propertiesWithHistory") or {}).items()
            for change in values
        ]
        return {"id": str(record["id"]), "company_id": str(primary[0]["id"]) if primary else None, "changes": changes}

    return step


def _pipeline(record: dict[str, Any]) -> dict[str, Any]:
    stages = [
        {
            "id": s["id"],
            "label": s.get("label"),
            "display_order": s.get("displayOrder"),
            "probability": (s.get("metadata") or {}).get("probability"),
            "is_closed": (s.get("metadata") or {}).get("isClosed"),
        }
        for s in record.get("stages") or []
    ]
    return {"id": record["id"], "label": record.get("label"), "stages": stages}


def _archived(record: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(record["id"]), "archived_at": record.get("archivedAt") or record.get("updatedAt")}


def _search(
    name: str, obj: str, props: list[str], options: SourceOptions, limit: int, copies: dict[str, str | None]
) -> dict[str, Any]:
    incremental: dict[str, Any] = {
        "cursor_path": SORT,  # after the map step, which lifts properties to columns
        "initial_value": paging.iso_ms(options.initial_value),  # HubSpot's own text form: compares as text
        "convert": paging.epoch_ms,
    }
    if options.end_value is not None:
        incremental["end_value"] = paging.iso_ms(options.end_value)
    body = {
        "filterGroups": [
            {"filters": [{"propertyName": SORT, "operator": "GTE", "value": "{incremental.start_value}"}]}
        ],
        "sorts": [{"propertyName": SORT, "direction": "ASCENDING"}],
        "properties": props,
        "limit": limit,
    }
    return {
        "name": name,
        "primary_key": "id",
        "endpoint": {
            "path": f"crm/v3/objects/{obj}/search",
            "method": "POST",
            "json": body,
            "data_selector": "results",
            "paginator": paging.WindowedSearchPaginator(SORT, limit),
            "incremental": incremental,
        },
        "columns": rawcols.dlt_hints(RAW_TABLES[name]),
        "processing_steps": [{"map": _flatten(copies)}],
    }


def rest_config(options: SourceOptions, credentials: Credentials) -> dict[str, Any]:
    config = options.config
    limit = hs.page_size(config)
    named = hs.properties(config)
    deal_copies = {k: named[k] for k in hs.DEAL_PROPERTIES}
    company_copies = {k: named[k] for k in hs.COMPANY_PROPERTIES}
    deal_props = sorted({*DEAL_PROPERTIES, *(n for n in deal_copies.values() if n)})
    company_props = sorted({*COMPANY_PROPERTIES, *(n for n in company_copies.values() if n)})
    start = named["expected_start_date"]
    history = {**({start: "wipcast_expected_start_date"} if start else {})}
    tracked = ",".join([*HISTORY_PROPERTIES, *([start] if start else [])])
    return {
        "client": {
            "base_url": options.base_url,
            "auth": {"type": "bearer", "token": credentials.access_token},
            "headers": {"Accept": "application/json"},
        },
        "resource_defaults": {"write_disposition": "merge"},
        "resources": [
            _search("companies", "companies", company_props, options, limit, company_copies),
            _search("deals", "deals", deal_props, options, limit, deal_copies),
            {
                "name": "deal_details",
                "primary_key": "id",
                "endpoint": {
                    "path": "crm/v3/objects/deals/{resources.deals.id}",
                    "params": {"propertiesWithHistory": tracked, "associations": "companies"},
                    "paginator": "single_page",
                    "data_selector": "$",
                },
                "columns": rawcols.dlt_hints(RAW_TABLES["deal_details"]),
                "processing_steps": [{"map": _details(history)}],
            },
            {
                "name": "deals_archived",
                "write_disposition": "replace",
                "endpoint": {
                    "path": "crm/v3/objects/deals",
                    "params": {"archived": "true", "limit": 100, "properties": SORT},
                    "data_selector": "results",
                    "paginator": {"type": "cursor", "cursor_path": "paging.next.after", "cursor_param": "after"},
                },
                "columns": rawcols.dlt_hints(RAW_TABLES["deals_archived"]),
                "processing_steps": [{"map": _archived}],
            },
            {
                "name": "pipelines",
                "write_disposition": "replace",
                "endpoint": {"path": "crm/v3/pipelines/deals", "data_selector": "results", "paginator": "single_page"},
                "columns": rawcols.dlt_hints(RAW_TABLES["pipelines"]),
                "processing_steps": [{"map": _pipeline}],
            },
        ],
    }


def reported_total(response: Response) -> int | None:
    """`total` of a search's first page (no `after` in the body): the records the filter matches. Other
    endpoints (details, archived list, pipelines) send none."""
    body = response.json()
    if not isinstance(body, dict) or body.get("total") is None:
        return None
    raw = response.request.body if response.request is not None else None
    sent = json.loads(raw) if isinstance(raw, (str, bytes)) and raw else {}
    return None if isinstance(sent, dict) and "after" in sent else int(body["total"])


def build_source(options: SourceOptions, credentials: Credentials) -> Any:
    import dlt
    from dlt.sources.rest_api import rest_api_resources

    config = rest_config(options, credentials)

    @dlt.source(name="hubspot", section="hubspot", max_table_nesting=1)
    def hubspot() -> Any:
        return rest_api_resources(tally.instrument(config, reported_total, windowed=True))  # type: ignore[arg-type]

    return hubspot()
