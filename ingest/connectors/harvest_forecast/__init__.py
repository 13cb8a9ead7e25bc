"""Harvest Forecast connector: the resource plan (assignments, placeholders) and milestones."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ingest.connectors.harvest_forecast import settings, snapshot, source
from ingest.connectors.spec import ConformStep, Connector, Credentials, SourceOptions

_ROLE = "connectors.harvest_forecast.default_role or roles on the Forecast person or placeholder"


def _headers(credentials: Credentials) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {credentials.access_token}",
        "Forecast-Account-ID": credentials.account_id,
        "User-Agent": "wipcast connector",
    }


def _vanish_scope(options: SourceOptions) -> Mapping[str, str]:
    """Windowed resources are re-read only inside the window: older rows did not vanish."""
    start, end, _ = settings.window(options.config, options.today)
    return {
        "assignments": f"end_date >= DATE '{start}' AND start_date <= DATE '{end}'",
        "milestones": f"date BETWEEN DATE '{start}' AND DATE '{end}'",
    }


CONNECTOR = Connector(
    name="harvest-forecast",
    vendor="harvest_forecast",
    label="Harvest Forecast",
    default_base_url=settings.BASE_URL,
    settings_keys=settings.KNOWN,
    build_source=source.build_source,
    check_path="whoami",
    check_headers=_headers,
    conform_dir=Path(__file__).parent / "conform",
    conform_steps=(
        ConformStep(
            "assignments",
            "assignments",
            "assignments.sql",
            {"role": _ROLE},
            {"plan_table": "assignments", "snapshot_columns": ""},
        ),
        ConformStep(  # the same mapping over the stored daily plans
            "assignment_snapshots",
            "assignment_snapshots",
            "assignments.sql",
            {"role": _ROLE},
            {"plan_table": "assignment_snapshots", "snapshot_columns": "a.snapshot_date,"},
        ),
        ConformStep(
            "milestones",
            "milestones",
            "milestones.sql",
            {"amount": "the milestone's row in connectors.harvest_forecast.milestones_file"},
        ),
    ),
    config_tables=settings.config_tables,
    raw_tables={**source.RAW_TABLES, **snapshot.RAW_TABLES},
    merge_tables=source.MERGE_TABLES,
    vanish_scope=_vanish_scope,
    after_load=snapshot.snapshot_plan,
    depends_on=("harvest",),
)
