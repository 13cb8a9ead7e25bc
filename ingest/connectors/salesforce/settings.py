"""Salesforce settings: `[connectors.salesforce]` in wipcast.toml, and the tables the conform SQL reads.

Salesforce has no standard field for an opportunity's practice, region, expected start or delivery
duration (nor an account's sales region): orgs keep them in custom fields, whose API names are
configured under `[connectors.salesforce.fields]`. A value still missing (field not configured, or
empty on the record) is filled from a default where one is set, else the row is quarantined with a
reason naming the setting.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pyarrow as pa

from ingest.connectors.config import ConnectorConfig
from wipcast.errors import InputError

BASE_URL = "https://login.salesforce.com/"  # client credentials need the org's My Domain URL instead
DEFAULT_API_VERSION = "62.0"
MIN_BATCH, MAX_BATCH = 200, 2000  # Sforce-Query-Options batchSize bounds

KNOWN = frozenset(
    {
        "base_url",
        "api_version",
        "initial_sync_from",
        "batch_size",
        "multi_currency",
        "org_currency",
        "customer_account_types",
        "new_customer_types",
        "default_practice",
        "default_region",
        "default_country",
        "fields",
    }
)

# [connectors.salesforce.fields]: what a canonical column is read from -> default API name (None: a custom
# field the org must name). The extraction copies each into a `wipcast_<key>` raw column.
OPPORTUNITY_FIELDS: dict[str, str | None] = {
    "practice": None,
    "region": None,
    "expected_start_date": None,
    "expected_duration_weeks": None,
    "project_id": None,  # the PSA project a won deal became, when the org records it
}
ACCOUNT_FIELDS: dict[str, str | None] = {
    "account_region": None,
    "account_country": "BillingCountryCode",  # needs state and country picklists; else BillingCountry
}
DEFAULT_CUSTOMER_TYPES = ("Customer - Direct", "Customer - Channel")  # Account.Type default picklist
DEFAULT_NEW_CUSTOMER_TYPES = ("New Customer",)  # Opportunity.Type default picklist
_API_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?$")
_VERSION = re.compile(r"^\d{2,3}\.\d$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def api_version(config: ConnectorConfig) -> str:
    value = config.text("api_version") or DEFAULT_API_VERSION
    value = value.removeprefix("v")
    if not _VERSION.match(value):
        raise InputError(f"{config.setting('api_version')} is {value!r}", 'use a REST API version such as "62.0"')
    return value


def batch_size(config: ConnectorConfig) -> int | None:
    if config.get("batch_size") is None:
        return None
    value = config.integer("batch_size", MAX_BATCH)
    if not MIN_BATCH <= value <= MAX_BATCH:
        raise InputError(f"{config.setting('batch_size')} is {value}", f"use {MIN_BATCH} to {MAX_BATCH}")
    return value


def fields(config: ConnectorConfig) -> dict[str, str | None]:
    """key -> the API name to read (None: not configured), checked so it can go into SOQL as is."""
    given = config.get("fields", {})
    where = "connectors.salesforce.fields"
    if not isinstance(given, dict):
        raise InputError(
            f"{where} is not a table", 'write [connectors.salesforce.fields] then practice = "Practice__c"'
        )
    known = {**OPPORTUNITY_FIELDS, **ACCOUNT_FIELDS}
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise InputError(f"{where} has unknown key(s): {', '.join(unknown)}", f"known: {', '.join(sorted(known))}")
    found: dict[str, str | None] = {}
    for key, default in known.items():
        value = given.get(key, default)
        if value is not None and (not isinstance(value, str) or not _API_NAME.match(value)):
            raise InputError(f"{where}.{key} is {value!r}", 'use a field API name such as "Practice__c"')
        found[key] = value or None
    return found


def _names(config: ConnectorConfig, key: str, default: tuple[str, ...]) -> list[str]:
    value = config.get(key, list(default))
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{config.setting(key)} is {value!r}", 'use a list of picklist values, e.g. ["Customer"]')
    return value


def org_currency(config: ConnectorConfig) -> str | None:
    value = config.text("org_currency")
    if value is not None and not _CURRENCY.match(value):
        raise InputError(f"{config.setting('org_currency')} is {value!r}", "use an ISO 4217 code such as USD")
    return value


def _column(values: list[Any], type_: pa.DataType) -> pa.Array:
    return pa.array(values, type_)


def config_tables(config: ConnectorConfig, today: dt.date) -> dict[str, pa.Table]:
    """Views the conform SQL reads, by name (and every setting checked before any request)."""
    fields(config)
    api_version(config)
    batch_size(config)
    config.flag("multi_currency")
    defaults = pa.table(
        {
            "org_currency": _column([org_currency(config)], pa.string()),
            "default_practice": _column([config.text("default_practice")], pa.string()),
            "default_region": _column([config.text("default_region")], pa.string()),
            "default_country": _column([config.text("default_country")], pa.string()),
        }
    )
    customer_types = _names(config, "customer_account_types", DEFAULT_CUSTOMER_TYPES)
    new_types = _names(config, "new_customer_types", DEFAULT_NEW_CUSTOMER_TYPES)
    return {
        "cfg_defaults": defaults,
        "cfg_customer_types": pa.table({"account_type": _column(customer_types, pa.string())}),
        "cfg_new_customer_types": pa.table({"opportunity_type": _column(new_types, pa.string())}),
    }
