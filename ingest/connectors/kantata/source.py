"""The Kantata (Mavenlink) API v1 extraction as one declarative dlt REST source.

Every list is `GET /<type>.json?page=&per_page=`; a response hook rebuilds the page's rows from
the envelope's `results` order list and rewrites timestamps to UTC (ingest.connectors.kantata.envelope),
and a page-number paginator follows `meta.page_count`. Resources with `updated_at` are incremental
through `updated_after` with the same lag convention as Harvest (re-read the last minutes; the
merge on `id` absorbs the overlap). Users carry no `updated_at` in the documented fields, so they
are read whole on every run (a firm's user list is small).
"""

from __future__ import annotations

from typing import Any

from requests import Response

from ingest.connectors import rawcols, tally
from ingest.connectors.kantata import envelope
from ingest.connectors.kantata import settings as ks
from ingest.connectors.spec import Credentials, SourceOptions

RAW_TABLES: dict[str, dict[str, str]] = {
    "workspaces": rawcols.root(
        "id text, title text, account_id bigint, archived bool, start_date date, due_date date, "
        "effective_due_date text, budgeted bool, currency text, price_in_cents bigint, "
        "stories_are_fixed_fee_by_default bool, tasks_default_non_billable bool, stage text, "
        "status__message text, status__key bigint, primary_maven_id text, created_at timestamp, "
        "updated_at timestamp"
    ),
    "workspaces__workspace_group_ids": rawcols.child("value text"),
    "workspace_groups": rawcols.root("id text, name text, company bool, created_at timestamp, updated_at timestamp"),
    "users": rawcols.root(
        "id text, full_name text, email_address text, disabled bool, account_id text, role_id text, headline text"
    ),
    "workspace_resources": rawcols.root(
        "id text, workspace_id text, user_id text, role_id text, role_name text, label text, "
        "created_at timestamp, updated_at timestamp"
    ),
    "workspace_allocations": rawcols.root(
        "id text, workspace_id text, workspace_resource_id text, start_date date, end_date date, minutes bigint, "
        "percentage double, hard bool, created_at timestamp, updated_at timestamp"
    ),
    "time_entries": rawcols.root(
        "id text, workspace_id text, story_id text, user_id text, role_id text, date_performed date, "
        "time_in_minutes bigint, billable bool, rate_in_cents bigint, cost_rate_in_cents bigint, currency text, "
        "approved bool, is_invoiced bool, invoice_id text, active_submission_id text, created_at timestamp, "
        "updated_at timestamp"
    ),
    "stories": rawcols.root(
        "id text, workspace_id text, parent_id text, story_type text, title text, time_estimate_in_minutes bigint, "
        "archived bool, deleted_at timestamp, created_at timestamp, updated_at timestamp"
    ),
}

# Root tables merged on Kantata's id: deleted markers are set on these after a full refresh.
MERGE_TABLES = (
    "workspaces",
    "workspace_groups",
    "users",
    "workspace_resources",
    "workspace_allocations",
    "time_entries",
    "stories",
)
INCREMENTAL = frozenset(MERGE_TABLES) - {"users"}


def _incremental(options: SourceOptions, lag: float) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "start_param": "updated_after",
        "cursor_path": "updated_at",
        "initial_value": options.initial_value,
    }
    if options.end_value is not None:
        spec["end_value"] = options.end_value  # a backfill: dlt neither reads nor moves the stored cursor
    else:
        spec["lag"] = lag
    return spec


def _resource(name: str, options: SourceOptions, lag: float, per_page: int, **params: Any) -> dict[str, Any]:
    endpoint: dict[str, Any] = {
        "path": f"{name}.json",
        "data_selector": envelope.ROWS,
        "params": params,
        "paginator": envelope.KantataPaginator(per_page),
        "response_actions": [{"status_code": 200, "action": envelope.rewrite_body}],
    }
    if name in INCREMENTAL:
        endpoint["incremental"] = _incremental(options, lag)
    return {"name": name, "endpoint": endpoint, "columns": rawcols.dlt_hints(RAW_TABLES[name])}


def rest_config(options: SourceOptions, credentials: Credentials) -> dict[str, Any]:
    config = options.config
    lag = config.number("lag_seconds", ks.DEFAULT_LAG_SECONDS) or 0.0
    size = ks.per_page(config)
    return {
        "client": {
            "base_url": options.base_url,
            "auth": {"type": "bearer", "token": credentials.access_token},
            "headers": {"User-Agent": config.text("user_agent") or "wipcast connector"},
        },
        "resource_defaults": {"write_disposition": "merge", "primary_key": "id"},
        "resources": [
            _resource("workspace_groups", options, lag, size),
            _resource("workspaces", options, lag, size),
            _resource("users", options, lag, size, on_my_account="true"),
            _resource("workspace_resources", options, lag, size),
            _resource("workspace_allocations", options, lag, size),
            _resource("stories", options, lag, size),
            _resource("time_entries", options, lag, size),
        ],
    }


def reported_total(response: Response) -> int | None:
    """`count` of a list's first page (`meta.page_number` 1): the records over every page (the documented
    quirk: it is the total, not the page's rows)."""
    body = response.json()
    if not isinstance(body, dict) or body.get("count") is None:
        return None
    page = (body.get("meta") or {}).get("page_number")
    return int(body["count"]) if page in (None, 1, "1") else None


def build_source(options: SourceOptions, credentials: Credentials) -> Any:
    import dlt
    from dlt.sources.rest_api import rest_api_resources

    config = rest_config(options, credentials)

    @dlt.source(name="kantata", section="kantata", max_table_nesting=1)
    def kantata() -> Any:
        return rest_api_resources(tally.instrument(config, reported_total))  # type: ignore[arg-type]

    return kantata()
