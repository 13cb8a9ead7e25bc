"""Salesforce connector: accounts, opportunities, their history and the stage list (REST query API)."""

from __future__ import annotations

from pathlib import Path

from ingest.connectors.salesforce import settings, source
from ingest.connectors.spec import ConformStep, Connector, Credentials

_FIELD = "connectors.salesforce.fields.{key} (the custom field's API name)"


def _no_static_headers(_credentials: Credentials) -> dict[str, str]:
    return {}  # every call needs a token first: see _check_auth


def _check_auth(base_url: str, credentials: Credentials) -> dict[str, str]:
    """`connectors check`: a token from the instance's token endpoint (a refusal is one line)."""
    return {"Authorization": f"Bearer {source.auth(base_url, credentials).fetch()}"}


CONNECTOR = Connector(
    name="salesforce",
    vendor="salesforce",
    label=source.LABEL,
    default_base_url=settings.BASE_URL,
    settings_keys=settings.KNOWN,
    build_source=source.build_source,
    check_path="services/oauth2/userinfo",
    check_headers=_no_static_headers,
    check_auth=_check_auth,
    conform_dir=Path(__file__).parent / "conform",
    conform_steps=(
        ConformStep(
            "customers",
            "accounts",
            "customers.sql",
            {
                "country": "connectors.salesforce.fields.account_country or connectors.salesforce.default_country",
                "region": f"{_FIELD.format(key='account_region')} or connectors.salesforce.default_region",
            },
        ),
        ConformStep(
            "opportunities",
            "opportunities",
            "opportunities.sql",
            {
                "practice": f"{_FIELD.format(key='practice')} or connectors.salesforce.default_practice",
                "region": f"{_FIELD.format(key='region')} or connectors.salesforce.default_region",
                "expected_start_date": _FIELD.format(key="expected_start_date"),
                "expected_duration_weeks": _FIELD.format(key="expected_duration_weeks"),
                "currency": "connectors.salesforce.org_currency (or multi_currency = true to read CurrencyIsoCode)",
            },
        ),
        ConformStep(
            "opportunity_history",
            "opportunity_history",
            "opportunity_history.sql",
            {"expected_start_date": _FIELD.format(key="expected_start_date")},
        ),
    ),
    config_tables=settings.config_tables,
    raw_tables=source.RAW_TABLES,
    merge_tables=source.MERGE_TABLES,
    credential_keys=source.CREDENTIAL_KEYS,
)
