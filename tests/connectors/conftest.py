"""Shared fixtures: a vendor-shaped fixture account served on 127.0.0.1, credentials, a working folder.

The account is built from the vendors' documented example responses (tests/connectors/fixtures,
copied from the shared API fixtures): Harvest's docs examples for clients, users, projects, user
assignments, time entries and invoices; Forecast's recorded people, projects, placeholders,
assignments and milestones. Two edits, both to make one firm of them: the Harvest cost-rates
example is hung on user 3230547 (the docs show it for a user not in the users example), and the
Forecast rows are re-linked to the Harvest ids (harvest_id / harvest_user_id) where noted.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from simulator.serve import FixtureServer
from simulator.shapes.harvest_api import HarvestDemoApi
from wipcast.settings import Settings, load_settings

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "hv-TEST-TOKEN-5f0c9e2d7a41"  # distinctive, so a leak test can grep for it
ACCOUNT = "424242"

WIPCAST_TOML = """
[wipcast]
reporting_currency = "USD"

[connectors.harvest]
project_prefixes_file = "prefixes.csv"
default_region = "North America"
default_country = "US"
default_entity_id = "LE-US"
default_utilization_target = 0.7
hire_date_from_created_at = true
users_file = "users.csv"
lag_seconds = 60

[[connectors.harvest.legal_entities]]
entity_id = "LE-US"
name = "Fixture Consulting Inc."
country = "US"
currency = "USD"

[connectors.harvest_forecast]
lookback_days = 4000
horizon_days = 400
window_days = 365
default_role = "Consultant"
"""

USERS_CSV = "harvest_user_id,practice\n1782959,Digital\n1782884,Strategy\n3230547,Digital\n"
# the documented projects' codes are OS1 (Online Store) and MW (Marketing Website)
PREFIXES_CSV = "code_prefix,practice,entity_id\nOS,Digital,LE-US\nMW,Marketing,\n"


def _load(path: str, key: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads((FIXTURES / path).read_text())[key]
    return rows


def fixture_collections() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    harvest = {
        name: _load(f"harvest/{name}.json", name)
        for name in ("clients", "users", "projects", "user_assignments", "time_entries", "invoices")
    }
    children: dict[str, Any] = {
        "cost_rates": {"3230547": _load("harvest/cost_rates.json", "cost_rates")},
        "invoice_payments": {
            "13150378": [
                {
                    "id": 10336386,
                    "amount": 10700.0,
                    "paid_at": "2017-02-21T00:00:00Z",
                    "paid_date": "2017-02-21",
                    "recorded_by": "Alice Doe",
                    "notes": "Paid by check",
                    "created_at": "2017-06-27T16:24:57Z",
                    "updated_at": "2017-06-27T16:24:57Z",
                }
            ]
        },
    }
    forecast = {
        name: _load(f"harvest_forecast/{name}.json", name)
        for name in ("people", "projects", "placeholders", "assignments", "milestones")
    }
    # Re-link the recorded Forecast rows to this Harvest account: person 399979 is Kim Allen and
    # project 1824209 is "Online Store - Phase 1".
    for person in forecast["people"]:
        if person["id"] == 399979:
            person["harvest_user_id"] = 1782959
    for project in forecast["projects"]:
        if project["id"] == 1824209:
            project["harvest_id"] = 14308069
    return harvest, children, forecast


@pytest.fixture
def api() -> HarvestDemoApi:
    harvest, children, forecast = fixture_collections()
    return HarvestDemoApi(copy.deepcopy(harvest), copy.deepcopy(children), copy.deepcopy(forecast), page_size=2)


@pytest.fixture
def server(api: HarvestDemoApi) -> Iterator[FixtureServer]:
    with FixtureServer(api, token=TOKEN, account_id=ACCOUNT) as srv:
        yield srv


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder with wipcast.toml and the users mapping; the tests run inside it."""
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "wipcast.toml").write_text(WIPCAST_TOML)
    (folder / "users.csv").write_text(USERS_CSV)
    (folder / "prefixes.csv").write_text(PREFIXES_CSV)
    monkeypatch.chdir(folder)
    # Commands called directly (not through the root command) would see the global flags an earlier
    # CliRunner invocation in this process left, e.g. another test's --warehouse-dir.
    from cli.console import options

    monkeypatch.setattr(options, "overrides", {})
    monkeypatch.setattr(options, "verbose", False)
    return folder


@pytest.fixture
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    for vendor in ("HARVEST", "HARVEST_FORECAST"):
        monkeypatch.setenv(f"SOURCES__{vendor}__ACCESS_TOKEN", TOKEN)
        monkeypatch.setenv(f"SOURCES__{vendor}__ACCOUNT_ID", ACCOUNT)
    # fast, bounded retries (dlt's own settings); Retry-After is still honoured up to the max delay
    monkeypatch.setenv("RUNTIME__REQUEST_MAX_ATTEMPTS", "4")
    monkeypatch.setenv("RUNTIME__REQUEST_BACKOFF_FACTOR", "0.01")
    monkeypatch.setenv("RUNTIME__REQUEST_TIMEOUT", "10")
    for key in list(os.environ):
        if key.startswith("WIPCAST_"):
            monkeypatch.delenv(key)


@pytest.fixture
def settings(workdir: Path, creds: None) -> Settings:
    return load_settings({"warehouse_dir": str(workdir / "warehouse")}, cwd=workdir)


def harvest_url(server: FixtureServer) -> str:
    return server.url + "/v2/"


def forecast_url(server: FixtureServer) -> str:
    return server.url + "/forecast/"
