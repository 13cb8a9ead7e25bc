"""Kantata settings: `[connectors.kantata]` in wipcast.toml, and the tables the conform SQL reads.

Kantata has no practice, region, legal entity, hire date, weekly capacity or utilization target on
a user, and no country or region on a client group; a workspace has no practice or legal entity.
They come from defaults here or from mapping files (CSV); a row still missing one is quarantined
with a reason naming the setting to fill (see docs/connectors/kantata.md).
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from ingest.connectors.config import ConnectorConfig, text_table, with_columns
from wipcast.errors import InputError

BASE_URL = "https://api.mavenlink.com/api/v1/"
MAX_PER_PAGE = 200  # what tap-mavenlink uses; larger values are cut by the server
DEFAULT_LAG_SECONDS = 300  # as Harvest: re-read the last 5 minutes
WORKING_DAYS = 5  # an allocation's minutes are spread over the Monday-Friday days of its range

KNOWN = frozenset(
    {
        "base_url",
        "per_page",
        "user_agent",
        "lag_seconds",
        "initial_sync_from",
        "default_practice",
        "default_region",
        "default_country",
        "default_entity_id",
        "default_role",
        "default_weekly_capacity_hours",
        "default_utilization_target",
        "users_file",
        "customers_file",
        "workspaces_file",
        "legal_entities",
    }
)

USERS_COLUMNS = (
    "kantata_user_id",
    "email",
    "practice",
    "region",
    "entity_id",
    "hire_date",
    "termination_date",
    "utilization_target",
    "role",
    "weekly_capacity_hours",
    "cost_rate",
    "employment_type",
)
CUSTOMERS_COLUMNS = ("kantata_group_id", "country", "region", "industry")
WORKSPACES_COLUMNS = ("kantata_workspace_id", "practice", "entity_id")
LEGAL_ENTITY_COLUMNS = ("entity_id", "name", "country", "currency")


def per_page(config: ConnectorConfig) -> int:
    value = config.integer("per_page", MAX_PER_PAGE)
    if value > MAX_PER_PAGE:
        raise InputError(f"{config.setting('per_page')} is {value}", f"Kantata serves at most {MAX_PER_PAGE} a page")
    return value


def _defaults(config: ConnectorConfig, today: dt.date) -> pa.Table:
    target = config.number("default_utilization_target")
    if target is not None and not 0 <= target <= 1:
        raise InputError(f"{config.setting('default_utilization_target')} is {target}", "use a number from 0 to 1")
    capacity = config.number("default_weekly_capacity_hours")
    if capacity is not None and not 0 <= capacity <= 168:
        raise InputError(f"{config.setting('default_weekly_capacity_hours')} is {capacity}", "use hours from 0 to 168")
    return pa.table(
        {
            "default_practice": pa.array([config.text("default_practice")], pa.string()),
            "default_region": pa.array([config.text("default_region")], pa.string()),
            "default_country": pa.array([config.text("default_country")], pa.string()),
            "default_entity_id": pa.array([config.text("default_entity_id")], pa.string()),
            "default_role": pa.array([config.text("default_role")], pa.string()),
            "default_weekly_capacity_hours": pa.array([capacity], pa.float64()),
            "default_utilization_target": pa.array([target], pa.float64()),
            "working_days": pa.array([WORKING_DAYS], pa.int64()),
            "as_of": pa.array([today], pa.date32()),
        }
    )


def config_tables(config: ConnectorConfig, today: dt.date) -> dict[str, pa.Table]:
    """Views the conform SQL reads, by name."""
    return {
        "cfg_defaults": _defaults(config, today),
        "cfg_users": with_columns(config.mapping_file("users_file", ("kantata_user_id",)), USERS_COLUMNS),
        "cfg_customers": with_columns(config.mapping_file("customers_file", ("kantata_group_id",)), CUSTOMERS_COLUMNS),
        "cfg_workspaces": with_columns(
            config.mapping_file("workspaces_file", ("kantata_workspace_id",)), WORKSPACES_COLUMNS
        ),
        "cfg_legal_entities": text_table(config.table_list("legal_entities"), LEGAL_ENTITY_COLUMNS),
    }
