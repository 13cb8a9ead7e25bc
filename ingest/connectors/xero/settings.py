"""Xero settings: `[connectors.xero]` in wipcast.toml, and the tables the conform SQL reads.

A Xero organisation (tenant) is one legal entity: `[connectors.xero.legal_entity]` names it (its
id is the firm's own, shared with the files and other sources). Xero holds contacts, invoices and
their payments, projects, tasks, time and project users, but not a practice, a region, a customer's
country as a code, an employee's role, capacity or cost, or what an invoice item bills. Those come
from defaults and mapping files here; a row still missing one is quarantined naming the setting
(docs/connectors/xero.md).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import urlsplit

import pyarrow as pa

from ingest.connectors import config as cfg
from ingest.connectors.config import ConnectorConfig, text_table, with_columns
from wipcast.errors import InputError

BASE_URL = "https://api.xero.com/"
TOKEN_URL = "https://identity.xero.com/connect/token"
ACCOUNTING = "api.xro/2.0/"
PROJECTS = "projects.xro/2.0/"
ACCOUNTING_PAGE = 100  # Xero's page of invoices and contacts (no page size parameter)
PROJECTS_MAX_PAGE = 500  # Projects API pageSize maximum
TOKEN_FILE = ".dlt/xero_refresh_token.json"

KNOWN = frozenset(
    {
        "base_url",
        "token_url",
        "token_file",
        "projects_page_size",
        "initial_sync_from",
        "timezone",
        "reporting_currency",
        "legal_entity",
        "default_practice",
        "default_region",
        "default_country",
        "default_role",
        "default_employment_type",
        "default_weekly_capacity_hours",
        "default_utilization_target",
        "contacts_file",
        "users_file",
        "projects_file",
        "internal_contact_ids",
        "item_line_types",
        "project_tracking_category",
    }
)

LEGAL_ENTITY_COLUMNS = ("entity_id", "name", "country", "currency")
CONTACT_COLUMNS = ("xero_contact_id", "country", "region", "industry")
USER_COLUMNS = (
    "xero_user_id",
    "email",
    "role",
    "practice",
    "region",
    "employment_type",
    "hire_date",
    "termination_date",
    "weekly_capacity_hours",
    "cost_rate",
    "utilization_target",
)
PROJECT_COLUMNS = (
    "xero_project_id",
    "practice",
    "billing_type",
    "contract_value",
    "budget_hours",
    "start_date",
    "status",
    "project_manager_id",
)


def token_url(config: ConnectorConfig, base_url: str) -> str:
    """Xero's identity server for the real API; a local or proxy base URL serves its own connect/token."""
    url = config.text("token_url")
    if url is not None:
        return url
    return TOKEN_URL if urlsplit(base_url).hostname == "api.xero.com" else base_url + "connect/token"


def token_file(config: ConnectorConfig) -> Path:
    return config.path("token_file") or config.root / TOKEN_FILE


def projects_page_size(config: ConnectorConfig) -> int:
    value = config.integer("projects_page_size", PROJECTS_MAX_PAGE)
    if value > PROJECTS_MAX_PAGE:
        raise InputError(
            f"{config.setting('projects_page_size')} is {value}", f"the Projects API allows at most {PROJECTS_MAX_PAGE}"
        )
    return value


def _legal_entity(config: ConnectorConfig) -> pa.Table:
    """The organisation's legal entity: entity_id alone (declared by the files), or with name, country
    and currency (then the connector loads it). None set: empty, and rows needing it are quarantined."""
    value = config.get("legal_entity", {})
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise InputError(
            f"{config.setting('legal_entity')} is not a table of text values",
            'write [connectors.xero.legal_entity] with entity_id = "LE-NZ" (and name, country, currency)',
        )
    unknown = sorted(set(value) - set(LEGAL_ENTITY_COLUMNS))
    if unknown:
        raise InputError(
            f"{config.setting('legal_entity')} has unknown key(s): {', '.join(unknown)}",
            f"known: {', '.join(LEGAL_ENTITY_COLUMNS)}",
        )
    if value and not value.get("entity_id"):
        raise InputError(f"{config.setting('legal_entity')} has no entity_id", "name the firm's legal entity id")
    return text_table([value] if value else [], LEGAL_ENTITY_COLUMNS)


def _internal_contacts(config: ConnectorConfig) -> pa.Table:
    ids = config.get("internal_contact_ids", [])
    if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
        raise InputError(f"{config.setting('internal_contact_ids')} is {ids!r}", "use a list of Xero ContactID texts")
    return pa.table({"contact_id": pa.array([i.lower() for i in ids], pa.string())})


def _number(config: ConnectorConfig, key: str, low: float, high: float) -> float | None:
    value = config.number(key)
    if value is not None and not low <= value <= high:
        raise InputError(f"{config.setting(key)} is {value}", f"use a number from {low:g} to {high:g}")
    return value


def _defaults(config: ConnectorConfig, today: dt.date) -> pa.Table:
    employment = config.text("default_employment_type")
    if employment is not None and employment not in ("employee", "contractor"):
        raise InputError(f"{config.setting('default_employment_type')} is {employment!r}", "use employee or contractor")
    return pa.table(
        {
            "default_practice": pa.array([config.text("default_practice")], pa.string()),
            "default_region": pa.array([config.text("default_region")], pa.string()),
            "default_country": pa.array([config.text("default_country")], pa.string()),
            "default_role": pa.array([config.text("default_role")], pa.string()),
            "default_employment_type": pa.array([employment], pa.string()),
            "default_weekly_capacity_hours": pa.array(
                [_number(config, "default_weekly_capacity_hours", 0, 168)], pa.float64()
            ),
            "default_utilization_target": pa.array([_number(config, "default_utilization_target", 0, 1)], pa.float64()),
            "project_tracking_category": pa.array(
                [(config.text("project_tracking_category") or "Project").lower()], pa.string()
            ),
            "timezone": pa.array([cfg.timezone(config, "Pacific/Auckland")], pa.string()),
            "reporting_currency": pa.array([cfg.reporting_currency(config)], pa.string()),
            "as_of": pa.array([today], pa.date32()),
        }
    )


def config_tables(config: ConnectorConfig, today: dt.date) -> dict[str, pa.Table]:
    """Views the conform SQL reads, by name."""
    token_file(config)  # a bad path setting fails here, before any request
    return {
        "cfg_defaults": _defaults(config, today),
        "cfg_legal_entity": _legal_entity(config),
        "cfg_contacts": with_columns(config.mapping_file("contacts_file", ("xero_contact_id",)), CONTACT_COLUMNS),
        "cfg_users": with_columns(config.mapping_file("users_file", ("xero_user_id",)), USER_COLUMNS),
        "cfg_projects": with_columns(config.mapping_file("projects_file", ("xero_project_id",)), PROJECT_COLUMNS),
        "cfg_internal_contacts": _internal_contacts(config),
        "cfg_item_line_types": cfg.item_line_types(config, "item code", "CONSULT"),
    }
