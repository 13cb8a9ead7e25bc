"""Harvest settings: `[connectors.harvest]` in wipcast.toml, and the tables the conform SQL reads.

Harvest has no practice, region, legal entity, hire date, utilization target or customer country.
They come from defaults here or from mapping files (CSV); a row still missing one is quarantined
with a reason naming the setting to fill (see docs/connectors/harvest.md).
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from ingest.connectors.config import ConnectorConfig, text_table, with_columns
from wipcast.errors import InputError

BASE_URL = "https://api.harvestapp.com/v2/"
MAX_PER_PAGE = 2000  # Harvest's documented maximum; more is HTTP 422
DEFAULT_LAG_SECONDS = 300  # re-read the last 5 minutes: rows committed while the previous run paged
DEFAULT_INITIAL_SYNC = "2000-01-01T00:00:00Z"

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
        "default_utilization_target",
        "hire_date_from_created_at",
        "users_file",
        "clients_file",
        "project_prefixes_file",
        "internal_client_ids",
        "line_kinds",
        "legal_entities",
    }
)

# Harvest's two built-in item kinds plus the custom kinds a firm typically adds; extend with line_kinds.
DEFAULT_LINE_KINDS = {
    "Service": "time",
    "Product": "other",
    "Expense": "expense",
    "Fixed Fee": "fixed_fee",
    "Milestone": "milestone",
    "Retainer": "retainer",
}

USERS_COLUMNS = (
    "harvest_user_id",
    "email",
    "practice",
    "region",
    "entity_id",
    "hire_date",
    "termination_date",
    "utilization_target",
    "role",
)
CLIENTS_COLUMNS = ("harvest_client_id", "country", "region", "industry")
PREFIX_COLUMNS = ("code_prefix", "practice", "entity_id")
LEGAL_ENTITY_COLUMNS = ("entity_id", "name", "country", "currency")


def per_page(config: ConnectorConfig) -> int:
    value = config.integer("per_page", MAX_PER_PAGE)
    if value > MAX_PER_PAGE:
        raise InputError(f"{config.setting('per_page')} is {value}", f"Harvest allows at most {MAX_PER_PAGE}")
    return value


def _defaults(config: ConnectorConfig, today: dt.date) -> pa.Table:
    target = config.number("default_utilization_target")
    if target is not None and not 0 <= target <= 1:
        raise InputError(f"{config.setting('default_utilization_target')} is {target}", "use a number from 0 to 1")
    return pa.table(
        {
            "default_practice": pa.array([config.text("default_practice")], pa.string()),
            "default_region": pa.array([config.text("default_region")], pa.string()),
            "default_country": pa.array([config.text("default_country")], pa.string()),
            "default_entity_id": pa.array([config.text("default_entity_id")], pa.string()),
            "default_role": pa.array([config.text("default_role")], pa.string()),
            "default_utilization_target": pa.array([target], pa.float64()),
            "hire_date_from_created_at": pa.array([config.flag("hire_date_from_created_at")], pa.bool_()),
            "as_of": pa.array([today], pa.date32()),
        }
    )


def _internal_clients(config: ConnectorConfig) -> pa.Table:
    ids = config.get("internal_client_ids", [])
    if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise InputError(f"{config.setting('internal_client_ids')} is {ids!r}", "use a list of Harvest client ids")
    return pa.table({"client_id": pa.array(ids, pa.int64())})


def _line_kinds(config: ConnectorConfig) -> pa.Table:
    extra = config.get("line_kinds", {})
    if not isinstance(extra, dict) or not all(isinstance(v, str) for v in extra.values()):
        raise InputError(
            f"{config.setting('line_kinds')} is not a table of kind = line_type",
            'write e.g. line_kinds = { "Consulting" = "time" }',
        )
    kinds = {**DEFAULT_LINE_KINDS, **extra}
    return pa.table({"kind": list(kinds), "line_type": list(kinds.values())})


def config_tables(config: ConnectorConfig, today: dt.date) -> dict[str, pa.Table]:
    """Views the conform SQL reads, by name."""
    return {
        "cfg_defaults": _defaults(config, today),
        "cfg_users": with_columns(config.mapping_file("users_file", ("harvest_user_id",)), USERS_COLUMNS),
        "cfg_clients": with_columns(config.mapping_file("clients_file", ("harvest_client_id",)), CLIENTS_COLUMNS),
        "cfg_project_prefixes": with_columns(
            config.mapping_file("project_prefixes_file", ("code_prefix",)), PREFIX_COLUMNS
        ),
        "cfg_internal_clients": _internal_clients(config),
        "cfg_line_kinds": _line_kinds(config),
        "cfg_legal_entities": text_table(config.table_list("legal_entities"), LEGAL_ENTITY_COLUMNS),
    }
