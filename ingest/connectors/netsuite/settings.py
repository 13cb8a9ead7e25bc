"""NetSuite settings: `[connectors.netsuite]` in wipcast.toml, and the tables the conform SQL reads.

NetSuite holds subsidiaries, currencies and rates, customers, projects (jobs), invoices and
payments, but not a practice, a customer's sales region, or what an invoice item bills (time,
milestone, fixed fee...). Those come from defaults, mapping files and small tables here; a row
still missing one is quarantined naming the setting (docs/connectors/netsuite.md).
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from ingest.connectors import config as cfg
from ingest.connectors.config import ConnectorConfig, with_columns
from wipcast import contract as c
from wipcast.errors import InputError

# {account} is filled from the account id (1234567_SB1 -> 1234567-sb1) when base_url is not set
BASE_URL = "https://{account}.suitetalk.api.netsuite.com/"
SUITEQL_PATH = "services/rest/query/v1/suiteql"
MAX_LIMIT = 1000  # SuiteQL's largest page
MAX_ROWS_PER_QUERY = 100_000  # SuiteQL stops a query here: the extraction starts a new window before it
DEFAULT_LAG_SECONDS = 600  # NetSuite stamps lastmodifieddate at commit: re-read the last 10 minutes
DEFAULT_INITIAL_SYNC = "2000-01-01T00:00:00"

KNOWN = frozenset(
    {
        "base_url",
        "page_size",
        "max_rows_per_query",
        "lag_seconds",
        "initial_sync_from",
        "timezone",
        "reporting_currency",
        "default_practice",
        "default_region",
        "default_country",
        "subsidiaries",
        "customers_file",
        "jobs_file",
        "item_line_types",
        "billing_types",
        "project_statuses",
    }
)

# NetSuite's project billing types (job.jobbillingtype); a project without one bills nothing
DEFAULT_BILLING_TYPES = {
    "TM": "time_and_materials",  # Time and Materials
    "CB": "time_and_materials",  # Charge-Based
    "FBM": "milestone",  # Fixed Bid, Milestone
    "FBI": "fixed_fee",  # Fixed Bid, Interval
}
# job.entitystatus display names of a standard account; anything else is judged by its dates
DEFAULT_PROJECT_STATUSES = {
    "Closed": "closed",
    "Completed": "closed",
    "Not Awarded": "closed",
    "On Hold": "on_hold",
    "Pending": "planned",
    "Awarded": "planned",
    "In Progress": "active",
}

CUSTOMER_COLUMNS = ("netsuite_customer_id", "country", "region", "industry")
JOB_COLUMNS = ("netsuite_job_id", "practice", "contract_value", "budget_hours")


def page_size(config: ConnectorConfig) -> int:
    value = config.integer("page_size", MAX_LIMIT)
    if value > MAX_LIMIT:
        raise InputError(
            f"{config.setting('page_size')} is {value}", f"SuiteQL returns at most {MAX_LIMIT} rows a page"
        )
    return value


def max_rows(config: ConnectorConfig) -> int:
    value = config.integer("max_rows_per_query", MAX_ROWS_PER_QUERY)
    if value > MAX_ROWS_PER_QUERY:
        raise InputError(
            f"{config.setting('max_rows_per_query')} is {value}",
            f"SuiteQL stops a query at {MAX_ROWS_PER_QUERY:,} rows",
        )
    return value


def _mapping(config: ConnectorConfig, key: str, defaults: dict[str, str], allowed: tuple[str, ...]) -> dict[str, str]:
    extra = config.get(key, {})
    if not isinstance(extra, dict) or not all(isinstance(v, str) for v in extra.values()):
        raise InputError(
            f"{config.setting(key)} is not a table of name = value", f'write e.g. {key} = {{ "X" = "..." }}'
        )
    merged = {**defaults, **{str(k): v for k, v in extra.items()}}
    wrong = sorted({v for v in merged.values() if v not in allowed})
    if wrong:
        raise InputError(f"{config.setting(key)} maps to {', '.join(wrong)}", f"use one of: {', '.join(allowed)}")
    return merged


def _pairs(mapping: dict[str, str], key: str, value: str) -> pa.Table:
    return pa.table({key: pa.array(list(mapping), pa.string()), value: pa.array(list(mapping.values()), pa.string())})


def _subsidiaries(config: ConnectorConfig) -> pa.Table:
    """subsidiary id -> the firm's own legal entity id (the id the files and the PSA use)."""
    value = config.get("subsidiaries", {})
    if not isinstance(value, dict) or not all(isinstance(v, str) and v for v in value.values()):
        raise InputError(
            f"{config.setting('subsidiaries')} is not a table of subsidiary id = entity id",
            'write e.g. subsidiaries = { "1" = "LE-US" }',
        )
    return _pairs({str(k): v for k, v in value.items()}, "subsidiary_id", "entity_id")


def _defaults(config: ConnectorConfig, today: dt.date) -> pa.Table:
    return pa.table(
        {
            "default_practice": pa.array([config.text("default_practice")], pa.string()),
            "default_region": pa.array([config.text("default_region")], pa.string()),
            "default_country": pa.array([config.text("default_country")], pa.string()),
            "timezone": pa.array([cfg.timezone(config, "America/New_York")], pa.string()),
            "reporting_currency": pa.array([cfg.reporting_currency(config)], pa.string()),
            "as_of": pa.array([today], pa.date32()),
        }
    )


def config_tables(config: ConnectorConfig, today: dt.date) -> dict[str, pa.Table]:
    """Views the conform SQL reads, by name."""
    return {
        "cfg_defaults": _defaults(config, today),
        "cfg_subsidiaries": _subsidiaries(config),
        "cfg_customers": with_columns(
            config.mapping_file("customers_file", ("netsuite_customer_id",)), CUSTOMER_COLUMNS
        ),
        "cfg_jobs": with_columns(config.mapping_file("jobs_file", ("netsuite_job_id",)), JOB_COLUMNS),
        "cfg_item_line_types": _pairs(_mapping(config, "item_line_types", {}, c.LINE_TYPES), "item", "line_type"),
        "cfg_billing_types": _pairs(
            _mapping(config, "billing_types", DEFAULT_BILLING_TYPES, c.BILLING_TYPES), "code", "billing_type"
        ),
        "cfg_project_statuses": _pairs(
            _mapping(config, "project_statuses", DEFAULT_PROJECT_STATUSES, c.PROJECT_STATUSES), "name", "status"
        ),
    }
