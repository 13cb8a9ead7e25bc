"""The Harvest v2 extraction as one declarative dlt REST source.

Every list follows `links.next` (cursor endpoints null `next_page` mid-stream) with a guard against
a repeating link; every root resource is incremental on `updated_at` through `updated_since`, with
a lag so rows committed while the last run paged are read again (the merge absorbs the overlap).
Child resources (cost rates per user, payments per invoice) are read for the parents this run
returned. Running timers are skipped: their hours are still changing.
"""

from __future__ import annotations

from typing import Any

from requests import Response

from ingest.connectors import rawcols, tally
from ingest.connectors.harvest import settings as hs
from ingest.connectors.paging import GuardedLinkPaginator
from ingest.connectors.spec import Credentials, SourceOptions

RAW_TABLES: dict[str, dict[str, str]] = {
    "clients": rawcols.root(
        "id bigint, name text, is_active bool, currency text, created_at timestamp, updated_at timestamp"
    ),
    "users": rawcols.root(
        "id bigint, first_name text, last_name text, email text, is_contractor bool, is_active bool, "
        "weekly_capacity bigint, cost_rate decimal, default_hourly_rate decimal, created_at timestamp, "
        "updated_at timestamp"
    ),
    "users__roles": rawcols.child("value text"),
    "user_cost_rates": rawcols.root(
        "id bigint, _users_id bigint, amount decimal, start_date date, end_date date, updated_at timestamp"
    ),
    "projects": rawcols.root(
        "id bigint, name text, code text, is_active bool, is_billable bool, is_fixed_fee bool, bill_by text, "
        "budget double, budget_by text, cost_budget decimal, fee decimal, hourly_rate decimal, starts_on date, "
        "ends_on date, client__id bigint, client__name text, client__currency text, created_at timestamp, "
        "updated_at timestamp"
    ),
    "user_assignments": rawcols.root(
        "id bigint, is_project_manager bool, is_active bool, user__id bigint, project__id bigint, "
        "created_at timestamp, updated_at timestamp"
    ),
    "time_entries": rawcols.root(
        "id bigint, spent_date date, hours double, rounded_hours double, billable bool, billable_rate decimal, "
        "cost_rate decimal, is_locked bool, is_closed bool, is_billed bool, is_running bool, approval_status text, "
        "user__id bigint, project__id bigint, client__id bigint, task__id bigint, invoice__id bigint, "
        "invoice__number text, created_at timestamp, updated_at timestamp"
    ),
    "invoices": rawcols.root(
        "id bigint, number text, amount decimal, due_amount decimal, state text, issue_date date, due_date date, "
        "currency text, client__id bigint, paid_date date, created_at timestamp, updated_at timestamp"
    ),
    "invoices__line_items": rawcols.child(
        "id bigint, kind text, description text, quantity double, unit_price decimal, amount decimal, "
        "project__id bigint"
    ),
    "invoice_payments": rawcols.root(
        "id bigint, _invoices_id bigint, amount decimal, paid_at timestamp, paid_date date, updated_at timestamp"
    ),
}

# Root tables merged on Harvest's id: deleted markers are set on these after a full refresh.
MERGE_TABLES = (
    "clients",
    "users",
    "user_cost_rates",
    "projects",
    "user_assignments",
    "time_entries",
    "invoices",
    "invoice_payments",
)


def _incremental(options: SourceOptions, lag: float) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "start_param": "updated_since",
        "cursor_path": "updated_at",
        "initial_value": options.initial_value,
    }
    if options.end_value is not None:
        spec["end_value"] = options.end_value  # a backfill: dlt neither reads nor moves the stored cursor
    else:
        spec["lag"] = lag
    return spec


def _root(name: str, options: SourceOptions, lag: float, **params: Any) -> dict[str, Any]:
    return {
        "name": name,
        "endpoint": {
            "path": name,
            "data_selector": name,
            "params": params,
            "incremental": _incremental(options, lag),
        },
        "columns": rawcols.dlt_hints(RAW_TABLES[name]),
    }


def _child(name: str, path: str, selector: str) -> dict[str, Any]:
    return {
        "name": name,
        "endpoint": {"path": path, "data_selector": selector},
        "include_from_parent": ["id"],
        "columns": rawcols.dlt_hints(RAW_TABLES[name]),
    }


def _not_running(item: dict[str, Any]) -> bool:
    return not item.get("is_running")


def rest_config(options: SourceOptions, credentials: Credentials) -> dict[str, Any]:
    config = options.config
    lag = config.number("lag_seconds", hs.DEFAULT_LAG_SECONDS) or 0.0
    entries = _root("time_entries", options, lag, is_running="false")
    entries["processing_steps"] = [{"filter": _not_running}]  # and again client-side: the flag is the truth
    return {
        "client": {
            "base_url": options.base_url,
            "auth": {"type": "bearer", "token": credentials.access_token},
            "headers": {
                "Harvest-Account-Id": credentials.account_id,
                "User-Agent": config.text("user_agent") or "wipcast connector",
            },
            "paginator": GuardedLinkPaginator("links.next"),
        },
        "resource_defaults": {
            "write_disposition": "merge",
            "primary_key": "id",
            "endpoint": {"params": {"per_page": hs.per_page(config)}},
        },
        "resources": [
            _root("clients", options, lag),
            _root("users", options, lag),
            _child("user_cost_rates", "users/{resources.users.id}/cost_rates", "cost_rates"),
            _root("projects", options, lag),
            _root("user_assignments", options, lag),
            entries,
            _root("invoices", options, lag),
            _child("invoice_payments", "invoices/{resources.invoices.id}/payments", "invoice_payments"),
        ],
    }


def reported_total(response: Response) -> int | None:
    """`total_entries` of a listing's first page (the one without `links.previous`): what Harvest says the
    request matches. Every page repeats it, so later pages give None."""
    body = response.json()
    if not isinstance(body, dict) or body.get("total_entries") is None:
        return None
    if (body.get("links") or {}).get("previous") is not None:
        return None
    return int(body["total_entries"])


def build_source(options: SourceOptions, credentials: Credentials) -> Any:
    import dlt
    from dlt.sources.rest_api import rest_api_resources

    config = rest_config(options, credentials)

    @dlt.source(name="harvest", section="harvest", max_table_nesting=2)
    def harvest() -> Any:
        return rest_api_resources(tally.instrument(config, reported_total))  # type: ignore[arg-type]

    return harvest()
