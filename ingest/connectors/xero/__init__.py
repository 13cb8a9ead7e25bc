"""Xero connector (OAuth 2.0 with a rotating refresh token, the `xero-tenant-id` header): the
organisation as one legal entity, contacts that are customers, sales invoices with their lines,
payments and applied credit notes, rates from the invoices' CurrencyRate, and the Projects API's
projects, tasks, time and users."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingest.connectors import config as cfg
from ingest.connectors.spec import ConformStep, Connector, Credentials
from ingest.connectors.xero import auth, settings, source

CONFORM_DIR = Path(__file__).parent / "conform"
CHECK_PATH = settings.ACCOUNTING + "Organisation"
_USERS = "connectors.xero.users_file ({column} column)"
_ENTITY = "connectors.xero.legal_entity (entity_id)"


def _no_static_headers(_credentials: Credentials) -> dict[str, str]:
    return {}  # every call needs a token first: see _check_auth


def _check_auth(base_url: str, credentials: Credentials) -> dict[str, str]:
    """`connectors check`: an access token from the refresh token (the rotated one is kept), then the
    organisation with the tenant header."""
    config = cfg.load_connector_config("xero", settings.KNOWN)
    token = auth.from_values(credentials.values, settings.token_url(config, base_url), settings.token_file(config))
    return {
        "Authorization": f"Bearer {token.fetch()}",
        "xero-tenant-id": credentials.get("tenant_id") or "",
        "Accept": "application/json",
    }


@dataclass(frozen=True)
class XeroConnector(Connector):
    """Every conform step first declares the shared views of conform/_views.sql (the organisation,
    the live sales invoices, and each line's project)."""

    def sql(self, step: ConformStep) -> str:
        return (self.conform_dir / "_views.sql").read_text() + "\n" + super().sql(step)


CONNECTOR = XeroConnector(
    name="xero",
    vendor="xero",
    label=auth.LABEL,
    default_base_url=settings.BASE_URL,
    settings_keys=settings.KNOWN,
    build_source=source.build_source,
    check_path=CHECK_PATH,
    check_headers=_no_static_headers,
    check_auth=_check_auth,
    conform_dir=CONFORM_DIR,
    conform_steps=(
        ConformStep("legal_entities", "legal_entity", "legal_entities.sql"),
        ConformStep("fx_rates", "invoices", "fx_rates.sql"),
        ConformStep(
            "customers",
            "contacts",
            "customers.sql",
            {
                "country": "connectors.xero.default_country or connectors.xero.contacts_file (the contact's row)",
                "region": "connectors.xero.default_region or connectors.xero.contacts_file (the contact's row)",
            },
        ),
        ConformStep(
            "employees",
            "project_users",
            "employees.sql",
            {
                "role": "connectors.xero.default_role or " + _USERS.format(column="role"),
                "practice": "connectors.xero.default_practice or " + _USERS.format(column="practice"),
                "region": "connectors.xero.default_region or " + _USERS.format(column="region"),
                "entity_id": _ENTITY,
                "employment_type": "connectors.xero.default_employment_type or "
                + _USERS.format(column="employment_type"),
                "hire_date": _USERS.format(column="hire_date"),
                "weekly_capacity_hours": "connectors.xero.default_weekly_capacity_hours or "
                + _USERS.format(column="weekly_capacity_hours"),
                "cost_rate": _USERS.format(column="cost_rate"),
                "utilization_target": "connectors.xero.default_utilization_target or "
                + _USERS.format(column="utilization_target"),
            },
        ),
        ConformStep(
            "projects",
            "projects",
            "projects.sql",
            {
                "practice": "connectors.xero.default_practice or connectors.xero.projects_file (the project's row)",
                "entity_id": _ENTITY,
                "start_date": "connectors.xero.projects_file (start_date; the project has no time yet)",
            },
        ),
        ConformStep("time_entries", "project_time", "time_entries.sql"),
        ConformStep("invoices", "invoices", "invoices.sql", {"entity_id": _ENTITY}),
        ConformStep(
            "invoice_lines",
            "invoices__line_items",
            "invoice_lines.sql",
            {"line_type": "connectors.xero.item_line_types (map the ItemCode or AccountCode to a line type)"},
        ),
        ConformStep("payments", "invoices__payments", "payments.sql"),
    ),
    config_tables=settings.config_tables,
    raw_tables=source.RAW_TABLES,
    merge_tables=source.MERGE_TABLES,
    credential_keys=auth.CREDENTIAL_KEYS,
)
