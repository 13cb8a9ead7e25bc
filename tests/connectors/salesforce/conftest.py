"""A Salesforce org built from the vendor's documented examples (fixtures/, copied from the shared API
fixtures), served on 127.0.0.1 by the demo API, plus a project folder and credentials.

The examples are one org's pages: four opportunities (two per page), the history of the Globex deal,
the default sales process's stages and the documented two-account query. Edits, to make one org of
them: the accounts the opportunities name are added (Globex and Initech are customers, Amazon a
prospect; the documented "Test 1"/"Test 2" accounts get ids from their `url` and no Type), and the
three opportunities with an account get the custom fields this org keeps (practice, expected start,
duration). The fourth ("Unassigned inbound lead": no account, no amount) stays as documented.
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
from simulator.shapes.salesforce_api import SalesforceDemoApi
from wipcast.settings import Settings, load_settings

FIXTURES = Path(__file__).parent / "fixtures"
CLIENT_ID = "3MVG9-TEST-CLIENT-ID"
SECRET = "sf-TEST-SECRET-8d41c2e07b9a"  # distinctive, so a leak test can grep for it

WIPCAST_TOML = """
[wipcast]
reporting_currency = "USD"

[connectors.salesforce]
multi_currency = true
default_region = "North America"
default_country = "US"

[connectors.salesforce.fields]
practice = "Practice__c"
expected_start_date = "Expected_Start_Date__c"
expected_duration_weeks = "Expected_Duration_Weeks__c"
"""

CUSTOM = {
    "0065w000025aEK6AAM": ("Cloud Engineering", "2024-08-01", 26),
    "0065w000025aEL1AAM": ("Data & Analytics", "2024-04-15", 12),
    "0065w000025aEM2AAM": ("Managed Services", "2024-02-01", 52),
}


def _records(name: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads((FIXTURES / name).read_text())["records"]
    return rows


def _account(account_id: str, name: str, type_: str | None, country: str | None) -> dict[str, Any]:
    return {
        "attributes": {"type": "Account", "url": f"/services/data/v62.0/sobjects/Account/{account_id}"},
        "Id": account_id,
        "Name": name,
        "Type": type_,
        "Industry": "Technology" if type_ else None,
        "BillingCountryCode": country,
        "IsDeleted": False,
        "CreatedDate": "2023-06-01T08:00:00.000+0000",
        "SystemModstamp": "2023-06-01T08:00:00.000+0000",
    }


def fixture_objects() -> dict[str, list[dict[str, Any]]]:
    opportunities = _records("query_opportunities_page1.json") + _records("query_opportunities_page2.json")
    for opp in opportunities:
        if opp["Id"] in CUSTOM:
            practice, start, weeks = CUSTOM[opp["Id"]]
            opp.update(Practice__c=practice, Expected_Start_Date__c=start, Expected_Duration_Weeks__c=weeks)
        else:
            opp.update(Practice__c=None, Expected_Start_Date__c=None, Expected_Duration_Weeks__c=None)
    documented = [
        {**_account(r["attributes"]["url"].rsplit("/", 1)[1], r["Name"], None, None)}
        for r in _records("query_accounts.json")
    ]
    accounts = [
        _account("0015w00002TgeyYAAR", "Amazon", "Prospect", None),
        _account("0015w00002TgezZAAR", "Globex Corporation", "Customer - Direct", "DE"),
        _account("0015w00002Tgf0aAAB", "Initech", "Customer - Channel", "US"),
        *documented,
    ]
    return {
        "Account": accounts,
        "Opportunity": opportunities,
        "OpportunityHistory": _records("query_opportunity_history.json"),
        "OpportunityStage": _records("query_opportunity_stage.json"),
    }


@pytest.fixture
def sf_api() -> SalesforceDemoApi:
    api = SalesforceDemoApi(copy.deepcopy(fixture_objects()), page_size=2)
    api.client_id, api.client_secret = CLIENT_ID, SECRET
    return api


@pytest.fixture
def sf_server(sf_api: SalesforceDemoApi) -> Iterator[FixtureServer]:
    with FixtureServer(sf_api) as srv:
        yield srv


def sf_url(server: FixtureServer) -> str:
    return server.url + "/"


@pytest.fixture
def sf_workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "wipcast.toml").write_text(WIPCAST_TOML)
    monkeypatch.chdir(folder)
    from cli.console import options

    monkeypatch.setattr(options, "overrides", {})
    monkeypatch.setattr(options, "verbose", False)
    return folder


@pytest.fixture
def sf_creds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCES__SALESFORCE__CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SOURCES__SALESFORCE__CLIENT_SECRET", SECRET)
    monkeypatch.setenv("RUNTIME__REQUEST_MAX_ATTEMPTS", "4")
    monkeypatch.setenv("RUNTIME__REQUEST_BACKOFF_FACTOR", "0.01")
    monkeypatch.setenv("RUNTIME__REQUEST_TIMEOUT", "10")
    for key in list(os.environ):
        if key.startswith("WIPCAST_"):
            monkeypatch.delenv(key)


@pytest.fixture
def sf_settings(sf_workdir: Path, sf_creds: None) -> Settings:
    return load_settings({"warehouse_dir": str(sf_workdir / "warehouse")}, cwd=sf_workdir)
