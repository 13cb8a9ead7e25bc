"""HubSpot settings: `[connectors.hubspot]` in wipcast.toml, and the tables the conform SQL reads.

HubSpot has no standard deal property for practice, region, expected start or delivery duration (nor a
company's sales region): portals keep them in custom properties, whose internal names are configured
under `[connectors.hubspot.properties]`. A value still missing is filled from a default where one is
set, else the row is quarantined with a reason naming the setting.
"""

from __future__ import annotations

import datetime as dt
import re

import pyarrow as pa

from ingest.connectors.config import ConnectorConfig
from wipcast.errors import InputError

BASE_URL = "https://api.hubapi.com/"
MAX_LIMIT = 200  # search page size (100 in older docs; 200 accepted today)
DEFAULT_LIMIT = 100

KNOWN = frozenset(
    {
        "base_url",
        "initial_sync_from",
        "page_size",
        "company_currency",
        "customer_lifecycle_stages",
        "new_business_types",
        "default_practice",
        "default_region",
        "default_country",
        "properties",
    }
)

# [connectors.hubspot.properties]: key -> default internal property name (None: a custom one the portal names)
DEAL_PROPERTIES: dict[str, str | None] = {
    "practice": None,
    "region": None,
    "expected_start_date": None,
    "expected_duration_weeks": None,
    "project_id": None,
}
COMPANY_PROPERTIES: dict[str, str | None] = {"company_region": None, "company_country": "country"}
DEFAULT_CUSTOMER_STAGES = ("customer", "evangelist")  # company lifecyclestage values that are customers
DEFAULT_NEW_BUSINESS = ("newbusiness",)  # deal dealtype values for a new customer
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def page_size(config: ConnectorConfig) -> int:
    value = config.integer("page_size", DEFAULT_LIMIT)
    if value > MAX_LIMIT:
        raise InputError(f"{config.setting('page_size')} is {value}", f"HubSpot search allows at most {MAX_LIMIT}")
    return value


def properties(config: ConnectorConfig) -> dict[str, str | None]:
    given = config.get("properties", {})
    where = "connectors.hubspot.properties"
    if not isinstance(given, dict):
        raise InputError(f"{where} is not a table", 'write [connectors.hubspot.properties] then practice = "practice"')
    known = {**DEAL_PROPERTIES, **COMPANY_PROPERTIES}
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise InputError(f"{where} has unknown key(s): {', '.join(unknown)}", f"known: {', '.join(sorted(known))}")
    found: dict[str, str | None] = {}
    for key, default in known.items():
        value = given.get(key, default)
        if value is not None and (not isinstance(value, str) or not _NAME.match(value)):
            raise InputError(f"{where}.{key} is {value!r}", 'use a property\'s internal name, e.g. "practice"')
        found[key] = value or None
    return found


def _names(config: ConnectorConfig, key: str, default: tuple[str, ...]) -> list[str]:
    value = config.get(key, list(default))
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{config.setting(key)} is {value!r}", 'use a list of internal values, e.g. ["customer"]')
    return value


def company_currency(config: ConnectorConfig) -> str | None:
    value = config.text("company_currency")
    if value is not None and not _CURRENCY.match(value):
        raise InputError(f"{config.setting('company_currency')} is {value!r}", "use an ISO 4217 code such as USD")
    return value


def config_tables(config: ConnectorConfig, today: dt.date) -> dict[str, pa.Table]:
    properties(config)
    page_size(config)
    defaults = pa.table(
        {
            "company_currency": pa.array([company_currency(config)], pa.string()),
            "default_practice": pa.array([config.text("default_practice")], pa.string()),
            "default_region": pa.array([config.text("default_region")], pa.string()),
            "default_country": pa.array([config.text("default_country")], pa.string()),
        }
    )
    stages = _names(config, "customer_lifecycle_stages", DEFAULT_CUSTOMER_STAGES)
    new = _names(config, "new_business_types", DEFAULT_NEW_BUSINESS)
    return {
        "cfg_defaults": defaults,
        "cfg_customer_stages": pa.table({"lifecyclestage": pa.array(stages, pa.string())}),
        "cfg_new_business": pa.table({"dealtype": pa.array(new, pa.string())}),
    }
