"""QuickBooks Online settings: `[connectors.quickbooks]` in wipcast.toml, and the tables the conform SQL reads.

One QuickBooks company (a realm) is one set of books: one legal entity, one home currency. QuickBooks
holds customers, sub-customers and projects, invoices and payments, but not the firm's legal entity
id, a practice, a billing type, a sales region, or what an invoice item bills (time, milestone,
fixed fee...). Those come from the settings, mapping files and defaults here; a row still missing
one is quarantined naming the setting (docs/connectors/quickbooks.md).
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from ingest.connectors.config import ConnectorConfig, item_line_types, with_columns
from wipcast import contract as c
from wipcast.errors import InputError

BASE_URL = "https://quickbooks.api.intuit.com/"  # the sandbox: https://sandbox-quickbooks.api.intuit.com/
TOKEN_URL = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
REFRESH_TOKEN_FILE = ".dlt/quickbooks_refresh_token.json"  # where the rotated refresh token is kept
MAX_RESULTS = 1000  # the query endpoint's largest page
MINOR_VERSION = "75"  # ProjectRef on transactions needs minor version 69 or later
DEFAULT_LAG_SECONDS = 300  # re-read the last 5 minutes: a change committed while the last sync read

KNOWN = frozenset(
    {
        "base_url",
        "token_url",
        "refresh_token_file",
        "page_size",
        "minor_version",
        "lag_seconds",
        "initial_sync_from",
        "entity_id",
        "entity_name",
        "entity_country",
        "home_currency",
        "default_country",
        "default_region",
        "default_practice",
        "default_billing_type",
        "customers_file",
        "projects_file",
        "item_line_types",
        "discount_line_type",
    }
)

CUSTOMER_COLUMNS = ("quickbooks_customer_id", "country", "region", "industry")
PROJECT_COLUMNS = (
    "quickbooks_customer_id",
    "practice",
    "billing_type",
    "contract_value",
    "budget_hours",
    "start_date",
    "end_date",
)


def page_size(config: ConnectorConfig) -> int:
    value = config.integer("page_size", MAX_RESULTS)
    if value > MAX_RESULTS:
        raise InputError(
            f"{config.setting('page_size')} is {value}", f"the QuickBooks query returns at most {MAX_RESULTS} rows"
        )
    return value


def minor_version(config: ConnectorConfig) -> str:
    value = config.text("minor_version") or MINOR_VERSION
    if not value.isdigit() or int(value) < 69:
        raise InputError(
            f"{config.setting('minor_version')} is {value!r}", 'use 69 or later (ProjectRef needs it), e.g. "75"'
        )
    return value


def token_url(config: ConnectorConfig) -> str:
    url = config.text("token_url") or TOKEN_URL
    if not url.startswith(("http://", "https://")):
        raise InputError(f"{config.setting('token_url')} is {url!r}", f"use an http(s) URL, e.g. {TOKEN_URL}")
    return url


def _currency(config: ConnectorConfig, key: str) -> str | None:
    value = config.text(key)
    if value is not None and (len(value) != 3 or not value.isalpha()):
        raise InputError(f"{config.setting(key)} is {value!r}", "use a three-letter ISO 4217 code")
    return None if value is None else value.upper()


def _country(config: ConnectorConfig, key: str) -> str | None:
    value = config.text(key)
    if value is not None and (len(value) != 2 or not value.isalpha()):
        raise InputError(f"{config.setting(key)} is {value!r}", "use a two-letter ISO 3166-1 code")
    return None if value is None else value.upper()


def _choice(config: ConnectorConfig, key: str, allowed: tuple[str, ...]) -> str | None:
    value = config.text(key)
    if value is not None and value not in allowed:
        raise InputError(f"{config.setting(key)} is {value!r}", f"use one of: {', '.join(allowed)}")
    return value


def _defaults(config: ConnectorConfig, today: dt.date) -> pa.Table:
    one = {
        "entity_id": config.text("entity_id"),
        "entity_name": config.text("entity_name"),
        "entity_country": _country(config, "entity_country"),
        "home_currency": _currency(config, "home_currency"),
        "default_country": _country(config, "default_country"),
        "default_region": config.text("default_region"),
        "default_practice": config.text("default_practice"),
        "default_billing_type": _choice(config, "default_billing_type", c.BILLING_TYPES),
        "discount_line_type": _choice(config, "discount_line_type", c.LINE_TYPES),
    }
    table = {k: pa.array([v], pa.string()) for k, v in one.items()}
    table["as_of"] = pa.array([today], pa.date32())
    return pa.table(table)


def config_tables(config: ConnectorConfig, today: dt.date) -> dict[str, pa.Table]:
    """Views the conform SQL reads, by name."""
    return {
        "cfg_defaults": _defaults(config, today),
        "cfg_customers": with_columns(
            config.mapping_file("customers_file", ("quickbooks_customer_id",)), CUSTOMER_COLUMNS
        ),
        "cfg_projects": with_columns(
            config.mapping_file("projects_file", ("quickbooks_customer_id",)), PROJECT_COLUMNS
        ),
        "cfg_item_line_types": item_line_types(config, "item name", "Hours"),
    }
