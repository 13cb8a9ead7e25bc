"""Harvest v2 connector: time, projects, people, clients, invoices and payments."""

from __future__ import annotations

from pathlib import Path

from ingest.connectors.harvest import settings, source
from ingest.connectors.spec import ConformStep, Connector, Credentials

_USERS = "connectors.harvest.users_file (the user's row)"
_CLIENTS = "connectors.harvest.clients_file (the client's row)"
_PREFIXES = "connectors.harvest.project_prefixes_file (a code prefix)"


def _headers(credentials: Credentials) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {credentials.access_token}",
        "Harvest-Account-Id": credentials.account_id,
        "User-Agent": "wipcast connector",
    }


CONNECTOR = Connector(
    name="harvest",
    vendor="harvest",
    label="Harvest",
    default_base_url=settings.BASE_URL,
    settings_keys=settings.KNOWN,
    build_source=source.build_source,
    check_path="users/me",
    check_headers=_headers,
    conform_dir=Path(__file__).parent / "conform",
    conform_steps=(
        ConformStep("legal_entities", "legal_entities", "legal_entities.sql"),
        ConformStep(
            "customers",
            "clients",
            "customers.sql",
            {
                "country": f"connectors.harvest.default_country or {_CLIENTS}",
                "region": f"connectors.harvest.default_region or {_CLIENTS}",
            },
        ),
        ConformStep(
            "employees",
            "users",
            "employees.sql",
            {
                "role": f"connectors.harvest.default_role or {_USERS}",
                "practice": f"connectors.harvest.default_practice or {_USERS}",
                "region": f"connectors.harvest.default_region or {_USERS}",
                "entity_id": f"connectors.harvest.default_entity_id or {_USERS}",
                "hire_date": f"{_USERS} or connectors.harvest.hire_date_from_created_at",
                "utilization_target": f"connectors.harvest.default_utilization_target or {_USERS}",
            },
        ),
        ConformStep(
            "projects",
            "projects",
            "projects.sql",
            {
                "practice": f"connectors.harvest.default_practice or {_PREFIXES}",
                "entity_id": f"connectors.harvest.default_entity_id or {_PREFIXES}",
            },
        ),
        ConformStep("time_entries", "time_entries", "time_entries.sql"),
        ConformStep("invoices", "invoices", "invoices.sql", {"entity_id": "connectors.harvest.default_entity_id"}),
        ConformStep(
            "invoice_lines",
            "invoices__line_items",
            "invoice_lines.sql",
            {"line_type": "connectors.harvest.line_kinds (map the item kind to a line type)"},
        ),
        ConformStep("payments", "invoice_payments", "payments.sql"),
    ),
    config_tables=settings.config_tables,
    raw_tables=source.RAW_TABLES,
    merge_tables=source.MERGE_TABLES,
)
