"""Harvest Forecast settings: `[connectors.harvest_forecast]` in wipcast.toml.

Forecast has no paging and no `updated_since`: assignments and milestones are read in date windows
over [today - lookback_days, today + horizon_days] and filtered on `updated_at` by dlt's cursor.
Forecast milestones are schedule markers without an amount; amounts come from milestones_file.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from ingest.connectors.config import ConnectorConfig
from wipcast.errors import InputError

BASE_URL = "https://api.forecastapp.com/"
DEFAULT_LAG_SECONDS = 300
DEFAULT_INITIAL_SYNC = "2000-01-01T00:00:00Z"
DEFAULT_LOOKBACK_DAYS = 730
DEFAULT_HORIZON_DAYS = 548
DEFAULT_WINDOW_DAYS = 90  # the allowed window is undocumented: stay well under a year
WORKING_DAYS = 5  # placeholders have no working_days: a standard week

KNOWN = frozenset(
    {
        "base_url",
        "lag_seconds",
        "initial_sync_from",
        "lookback_days",
        "horizon_days",
        "window_days",
        "default_role",
        "milestones_file",
    }
)

MILESTONE_COLUMNS = ("forecast_milestone_id", "amount")


def window(config: ConnectorConfig, today: dt.date) -> tuple[dt.date, dt.date, int]:
    lookback = config.integer("lookback_days", DEFAULT_LOOKBACK_DAYS)
    horizon = config.integer("horizon_days", DEFAULT_HORIZON_DAYS)
    days = config.integer("window_days", DEFAULT_WINDOW_DAYS)
    return today - dt.timedelta(days=lookback), today + dt.timedelta(days=horizon), days


def config_tables(config: ConnectorConfig, today: dt.date) -> dict[str, pa.Table]:
    milestones = config.mapping_file("milestones_file", MILESTONE_COLUMNS)
    if milestones is None:
        milestones = pa.table({c: pa.array([], pa.string()) for c in MILESTONE_COLUMNS})
    start, end, _ = window(config, today)
    if start > end:
        raise InputError("connectors.harvest_forecast window is empty", "check lookback_days and horizon_days")
    return {
        "cfg_defaults": pa.table(
            {
                "default_role": pa.array([config.text("default_role")], pa.string()),
                "working_days": pa.array([WORKING_DAYS], pa.int64()),
                "as_of": pa.array([today], pa.date32()),
            }
        ),
        "cfg_milestones": milestones.select(list(MILESTONE_COLUMNS)),
    }
