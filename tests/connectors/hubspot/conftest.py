"""A HubSpot portal built from the documented examples (fixtures/, copied from the shared API fixtures),
served on 127.0.0.1 by the demo API with a bearer-token check, plus a project folder and credentials.

The examples: two companies, four deals (two search pages), the default pipeline. Edits, to make one
portal of them: the companies get a lifecyclestage (both customers) and Initech's company is added;
each deal with a company gets its association and the portal's custom properties (practice, expected
start, duration); the Globex deal gets a three-step history (propertiesWithHistory), the others one
version of each property at their creation. The "Inbound lead" stays as documented (no company, no amount).
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
from simulator.shapes.hubspot_api import HubSpotDemoApi
from wipcast.settings import Settings, load_settings

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "pat-na1-TEST-7c2e91d04b5a"  # distinctive, so a leak test can grep for it
ACME, GLOBEX, INITECH = "5123456789", "5123456790", "5123456791"
GLOBEX_DEAL = "10444745"

WIPCAST_TOML = """
[wipcast]
reporting_currency = "USD"

[connectors.hubspot]
default_region = "North America"

[connectors.hubspot.properties]
practice = "practice"
expected_start_date = "expected_start_date"
expected_duration_weeks = "expected_duration_weeks"
"""

CUSTOM = {
    "10444744": (ACME, "Cloud Engineering", "2024-08-01", "26"),
    GLOBEX_DEAL: (GLOBEX, "Data & Analytics", "2024-04-15", "12"),
    "10444801": (INITECH, "Managed Services", "2024-02-01", "52"),
}
HISTORY_PROPERTIES = ("dealstage", "amount", "closedate", "hs_forecast_probability", "hs_deal_stage_probability")


def _results(name: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads((FIXTURES / name).read_text())["results"]
    return rows


def _version(value: str | None, at: str) -> dict[str, Any]:
    return {"value": value, "timestamp": at, "sourceType": "CRM_UI"}


def fixture_objects() -> dict[str, list[dict[str, Any]]]:
    companies = _results("companies_search.json")
    companies[0]["properties"]["lifecyclestage"] = "customer"
    companies[1]["properties"]["lifecyclestage"] = "customer"
    initech = copy.deepcopy(companies[0])
    initech["id"] = INITECH
    initech["properties"].update(
        name="Initech", domain="initech.example", country="United States", hs_object_id=INITECH
    )
    companies.append(initech)
    deals = _results("deals_search_page1.json") + _results("deals_search_page2.json")
    for deal in deals:
        props = deal["properties"]
        company, practice, start, weeks = CUSTOM.get(deal["id"], (None, None, None, None))
        props.update(practice=practice, expected_start_date=start, expected_duration_weeks=weeks)
        deal["associations"] = {
            "companies": {"results": [{"id": company, "type": "deal_to_company"}] if company else []}
        }
        names = (*HISTORY_PROPERTIES, "expected_start_date")
        deal["propertiesWithHistory"] = {n: [_version(props.get(n), props["createdate"])] for n in names}
    globex = next(d for d in deals if d["id"] == GLOBEX_DEAL)
    created, proposal, contract = "2024-01-05T08:01:11.012Z", "2024-01-08T10:15:40.000Z", "2024-01-09T17:45:33.961Z"
    globex["propertiesWithHistory"].update(  # newest first, as HubSpot lists them
        dealstage=[
            _version("contractsent", contract),
            _version("presentationscheduled", proposal),
            _version("qualifiedtobuy", created),
        ],
        amount=[_version("125000.50", proposal), _version("100000", created)],
        hs_deal_stage_probability=[_version("0.9", contract), _version("0.6", proposal), _version("0.4", created)],
        hs_forecast_probability=[_version("0.85", contract)],
    )
    return {"companies": companies, "deals": deals, "pipelines": _results("pipelines_deals.json")}


@pytest.fixture
def hs_api() -> HubSpotDemoApi:
    return HubSpotDemoApi(copy.deepcopy(fixture_objects()), page_size=2)


@pytest.fixture
def hs_server(hs_api: HubSpotDemoApi) -> Iterator[FixtureServer]:
    with FixtureServer(hs_api, token=TOKEN) as srv:
        yield srv


def hs_url(server: FixtureServer) -> str:
    return server.url + "/"


@pytest.fixture
def hs_workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "wipcast.toml").write_text(WIPCAST_TOML)
    monkeypatch.chdir(folder)
    from cli.console import options

    monkeypatch.setattr(options, "overrides", {})
    monkeypatch.setattr(options, "verbose", False)
    return folder


@pytest.fixture
def hs_settings(hs_workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("SOURCES__HUBSPOT__ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("RUNTIME__REQUEST_MAX_ATTEMPTS", "4")
    monkeypatch.setenv("RUNTIME__REQUEST_BACKOFF_FACTOR", "0.01")
    monkeypatch.setenv("RUNTIME__REQUEST_TIMEOUT", "10")
    for key in list(os.environ):
        if key.startswith("WIPCAST_"):
            monkeypatch.delenv(key)
    return load_settings({"warehouse_dir": str(hs_workdir / "warehouse")}, cwd=hs_workdir)
