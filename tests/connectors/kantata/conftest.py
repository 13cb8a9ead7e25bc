"""A Kantata fixture account served on 127.0.0.1, credentials and a working folder.

The account is the documented example responses in fixtures/ (copied from the shared API
fixtures): two workspaces, two users (one on a client's account), two workspace resources (one
unnamed) with an allocation each, two stories and the two time entries of page 1 of the
time-entries example. Constructed here, each to make one firm of them: the third time entry the
example's page 1 announces (`count: 3`, `page_count: 2`), with an offset other than the account's so
string order and instant order disagree; and a client company group for the SubscribeBuddy workspace
(the example lists no groups).
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
from simulator.shapes.kantata_api import KantataDemoApi
from wipcast.settings import Settings, load_settings

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "kt-TEST-TOKEN-93b1d07c5e22"  # distinctive, so a leak test can grep for it
TYPES = ("workspaces", "users", "workspace_resources", "workspace_allocations", "stories", "time_entries")

WIPCAST_TOML = """
[wipcast]
reporting_currency = "USD"
as_of = "2014-04-30"

[connectors.kantata]
default_region = "North America"
default_country = "US"
default_entity_id = "LE-US"
default_practice = "Strategy"
default_utilization_target = 0.7
default_weekly_capacity_hours = 40
users_file = "users.csv"
lag_seconds = 60

[[connectors.kantata.legal_entities]]
entity_id = "LE-US"
name = "Fixture Consulting Inc."
country = "US"
currency = "USD"
"""
USERS_CSV = "kantata_user_id,practice,hire_date\n4576975,Digital,2013-01-07\n"

THIRD_ENTRY = {  # page 2 of the time-entries example: constructed (see the module docstring)
    "id": "301551203",
    "workspace_id": "4892415",
    "story_id": "68291540",
    "user_id": "4576975",
    "role_id": "301",
    "date_performed": "2014-03-26",
    "time_in_minutes": 240,
    "billable": True,
    "notes": "Interviews 4-6",
    "rate_in_cents": 10000,
    "cost_rate_in_cents": 4500,
    "currency": "USD",
    "currency_symbol": "$",
    "currency_base_unit": 100,
    "user_can_edit": True,
    "approved": False,
    "taxable": False,
    "is_invoiced": False,
    "invoice_id": None,
    "location": None,
    "active_submission_id": "5512003",
    "recent_submission_id": "5512003",
    "external_reference_ids": [],
    "created_at": "2014-03-26T19:00:00-05:00",
    # later than 2014-04-01T09:00:43-07:00 as text, earlier as an instant (15:30Z < 16:00:43Z)
    "updated_at": "2014-04-01T10:30:00-05:00",
}
CLIENT_GROUP = {
    "id": "551001",
    "name": "SubscribeBuddy Inc.",
    "company": True,
    "created_at": "2014-03-21T23:20:00-07:00",
    "updated_at": "2014-03-21T23:20:00-07:00",
}


def fixture_body(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return body


def fixture_collections() -> dict[str, list[dict[str, Any]]]:
    """Each example's rows, in its `results` order."""
    collections = {}
    for name in TYPES:
        body = fixture_body(name)
        collections[name] = [body[ref["key"]][ref["id"]] for ref in body["results"]]
    collections["time_entries"].append(copy.deepcopy(THIRD_ENTRY))
    collections["workspace_groups"] = [copy.deepcopy(CLIENT_GROUP)]
    for workspace in collections["workspaces"]:
        if workspace["id"] == "4892415":
            workspace["workspace_group_ids"] = [CLIENT_GROUP["id"]]
    return collections


@pytest.fixture
def api() -> KantataDemoApi:
    return KantataDemoApi(fixture_collections(), page_size=2)


@pytest.fixture
def server(api: KantataDemoApi) -> Iterator[FixtureServer]:
    with FixtureServer(api, token=TOKEN) as srv:
        yield srv


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "wipcast.toml").write_text(WIPCAST_TOML)
    (folder / "users.csv").write_text(USERS_CSV)
    monkeypatch.chdir(folder)
    from cli.console import options

    monkeypatch.setattr(options, "overrides", {})
    monkeypatch.setattr(options, "verbose", False)
    return folder


@pytest.fixture
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCES__KANTATA__ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("RUNTIME__REQUEST_MAX_ATTEMPTS", "4")
    monkeypatch.setenv("RUNTIME__REQUEST_BACKOFF_FACTOR", "0.01")
    monkeypatch.setenv("RUNTIME__REQUEST_TIMEOUT", "10")
    for key in list(os.environ):
        if key.startswith("WIPCAST_"):
            monkeypatch.delenv(key)


@pytest.fixture
def settings(workdir: Path, creds: None) -> Settings:
    return load_settings({"warehouse_dir": str(workdir / "warehouse")}, cwd=workdir)


def kantata_url(server: FixtureServer) -> str:
    return server.url + "/api/v1/"
