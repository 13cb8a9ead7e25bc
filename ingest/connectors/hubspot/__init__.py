"""HubSpot connector: companies, deals, their property history and the deal pipelines (CRM v3)."""

from __future__ import annotations

from pathlib import Path

from ingest.connectors.hubspot import settings, source
from ingest.connectors.spec import ConformStep, Connector, Credentials

_PROP = "connectors.hubspot.properties.{key} (the property's internal name)"


def _headers(credentials: Credentials) -> dict[str, str]:
    return {"Authorization": f"Bearer {credentials.access_token}", "Accept": "application/json"}


CONNECTOR = Connector(
    name="hubspot",
    vendor="hubspot",
    label=source.LABEL,
    default_base_url=settings.BASE_URL,
    settings_keys=settings.KNOWN,
    build_source=source.build_source,
    check_path="crm/v3/pipelines/deals",
    check_headers=_headers,
    conform_dir=Path(__file__).parent / "conform",
    conform_steps=(
        ConformStep(
            "customers",
            "companies",
            "customers.sql",
            {
                "country": f"{_PROP.format(key='company_country')} or connectors.hubspot.default_country",
                "region": f"{_PROP.format(key='company_region')} or connectors.hubspot.default_region",
            },
        ),
        ConformStep(
            "opportunities",
            "deals",
            "opportunities.sql",
            {
                "practice": f"{_PROP.format(key='practice')} or connectors.hubspot.default_practice",
                "region": f"{_PROP.format(key='region')} or connectors.hubspot.default_region",
                "expected_start_date": _PROP.format(key="expected_start_date"),
                "expected_duration_weeks": _PROP.format(key="expected_duration_weeks"),
                "currency": "connectors.hubspot.company_currency (deal_currency_code exists only with multi-currency)",
            },
        ),
        ConformStep(
            "opportunity_history",
            "deal_details",
            "opportunity_history.sql",
            {"expected_start_date": _PROP.format(key="expected_start_date")},
        ),
    ),
    config_tables=settings.config_tables,
    raw_tables=source.RAW_TABLES,
    merge_tables=source.MERGE_TABLES,
    credential_keys=("access_token",),
)
