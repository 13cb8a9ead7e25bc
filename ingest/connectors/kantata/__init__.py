"""Kantata (Mavenlink) API v1 connector: workspaces, client groups, users, resource plan and time."""

from __future__ import annotations

from pathlib import Path

from ingest.connectors.kantata import settings, source
from ingest.connectors.spec import ConformStep, Connector, Credentials

_USERS = "connectors.kantata.users_file (the user's row)"
_CUSTOMERS = "connectors.kantata.customers_file (the group's row)"
_WORKSPACES = "connectors.kantata.workspaces_file (the workspace's row)"


def _headers(credentials: Credentials) -> dict[str, str]:
    return {"Authorization": f"Bearer {credentials.access_token}", "User-Agent": "wipcast connector"}


CONNECTOR = Connector(
    name="kantata",
    vendor="kantata",
    label="Kantata",
    default_base_url=settings.BASE_URL,
    settings_keys=settings.KNOWN,
    build_source=source.build_source,
    check_path="users/me.json",
    check_headers=_headers,
    conform_dir=Path(__file__).parent / "conform",
    conform_steps=(
        ConformStep("legal_entities", "legal_entities", "legal_entities.sql"),
        ConformStep(
            "customers",
            "workspace_groups",
            "customers.sql",
            {
                "country": f"connectors.kantata.default_country or {_CUSTOMERS}",
                "region": f"connectors.kantata.default_region or {_CUSTOMERS}",
            },
        ),
        ConformStep(
            "employees",
            "users",
            "employees.sql",
            {
                "role": f"connectors.kantata.default_role or {_USERS}",
                "practice": f"connectors.kantata.default_practice or {_USERS}",
                "region": f"connectors.kantata.default_region or {_USERS}",
                "entity_id": f"connectors.kantata.default_entity_id or {_USERS}",
                "hire_date": _USERS,
                "weekly_capacity_hours": f"connectors.kantata.default_weekly_capacity_hours or {_USERS}",
                "cost_rate": "connectors.kantata.users_file (the user's row: no time entry of theirs has a cost rate)",
                "utilization_target": f"connectors.kantata.default_utilization_target or {_USERS}",
            },
        ),
        ConformStep(
            "projects",
            "workspaces",
            "projects.sql",
            {
                "practice": f"connectors.kantata.default_practice or {_WORKSPACES}",
                "entity_id": f"connectors.kantata.default_entity_id or {_WORKSPACES}",
            },
        ),
        ConformStep("time_entries", "time_entries", "time_entries.sql"),
        ConformStep(
            "assignments",
            "workspace_allocations",
            "assignments.sql",
            {"role": "connectors.kantata.default_role (the resource has no role_name)"},
        ),
    ),
    config_tables=settings.config_tables,
    raw_tables=source.RAW_TABLES,
    merge_tables=source.MERGE_TABLES,
    credential_keys=("access_token",),
)
