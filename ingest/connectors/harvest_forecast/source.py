"""The Harvest Forecast extraction as one declarative dlt REST source.

Forecast returns every collection whole (`{"people": [...]}`) and has no `updated_since`, so the
cursor on `updated_at` is a client-side filter (dlt's incremental without a request parameter).
Assignments and milestones must be asked for by date: a window paginator walks the plan horizon.
An assignment that spans windows arrives more than once; the merge on `id` keeps one.
"""

from __future__ import annotations

from typing import Any

from dlt.sources.helpers.rest_client.paginators import SinglePagePaginator

from ingest.connectors import rawcols, tally
from ingest.connectors.harvest_forecast import settings as fs
from ingest.connectors.paging import DateWindowPaginator
from ingest.connectors.spec import Credentials, SourceOptions

RAW_TABLES: dict[str, dict[str, str]] = {
    "people": rawcols.root(
        "id bigint, first_name text, last_name text, email text, archived bool, harvest_user_id bigint, "
        "weekly_capacity bigint, working_days__monday bool, working_days__tuesday bool, "
        "working_days__wednesday bool, working_days__thursday bool, working_days__friday bool, "
        "working_days__saturday bool, working_days__sunday bool, updated_at timestamp"
    ),
    "people__roles": rawcols.child("value text"),
    "projects": rawcols.root(
        "id bigint, name text, code text, harvest_id bigint, client_id bigint, start_date date, end_date date, "
        "archived bool, updated_at timestamp"
    ),
    "placeholders": rawcols.root("id bigint, name text, archived bool, updated_at timestamp"),
    "placeholders__roles": rawcols.child("value text"),
    "assignments": rawcols.root(
        "id bigint, start_date date, end_date date, allocation bigint, notes text, project_id bigint, "
        "person_id bigint, placeholder_id bigint, repeated_assignment_set_id bigint, active_on_days_off bool, "
        "updated_at timestamp"
    ),
    "milestones": rawcols.root("id bigint, name text, date date, project_id bigint, updated_at timestamp"),
}

MERGE_TABLES = ("people", "projects", "placeholders", "assignments", "milestones")


def _incremental(options: SourceOptions, lag: float) -> dict[str, Any]:
    spec: dict[str, Any] = {"cursor_path": "updated_at", "initial_value": options.initial_value}
    if options.end_value is not None:
        spec["end_value"] = options.end_value
    else:
        spec["lag"] = lag
    return spec


def _resource(name: str, options: SourceOptions, lag: float, paginator: Any) -> dict[str, Any]:
    return {
        "name": name,
        "endpoint": {
            "path": name,
            "data_selector": name,
            "paginator": paginator,
            "incremental": _incremental(options, lag),
        },
        "columns": rawcols.dlt_hints(RAW_TABLES[name]),
    }


def rest_config(options: SourceOptions, credentials: Credentials) -> dict[str, Any]:
    config = options.config
    lag = config.number("lag_seconds", fs.DEFAULT_LAG_SECONDS) or 0.0
    start, end, days = fs.window(config, options.today)
    return {
        "client": {
            "base_url": options.base_url,
            "auth": {"type": "bearer", "token": credentials.access_token},
            "headers": {"Forecast-Account-ID": credentials.account_id, "User-Agent": "wipcast connector"},
        },
        "resource_defaults": {"write_disposition": "merge", "primary_key": "id"},
        "resources": [
            _resource("people", options, lag, SinglePagePaginator()),
            _resource("projects", options, lag, SinglePagePaginator()),
            _resource("placeholders", options, lag, SinglePagePaginator()),
            _resource("assignments", options, lag, DateWindowPaginator(start, end, days)),
            _resource("milestones", options, lag, DateWindowPaginator(start, end, days)),
        ],
    }


def build_source(options: SourceOptions, credentials: Credentials) -> Any:
    import dlt
    from dlt.sources.rest_api import rest_api_resources

    config = rest_config(options, credentials)

    @dlt.source(name="harvest_forecast", section="harvest_forecast", max_table_nesting=1)
    def harvest_forecast() -> Any:
        return rest_api_resources(tally.instrument(config))  # type: ignore[arg-type]

    return harvest_forecast()
