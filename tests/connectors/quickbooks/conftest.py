"""A QuickBooks Online fixture company served on 127.0.0.1 (the demo API, tokens issued and checked).

Built from the shared API fixtures copied into fixtures/: the two documented-shape invoices of
query_invoices.json verbatim (239: $150 of "Services" for project 39298034, open; 240: 4.5 h of
"Design" at $75 = $337.50, paid by payment 120, no project), each with its SubTotalLineDetail line.
What the fixtures have no example of is constructed in the same shape (numeric-string ids,
`MetaData` with the company's local offsets, refs as {value, name}):
- customers: Amy's Bird Sanctuary (1, the invoices' customer), Cool Cars (2, multi-currency EUR,
  billing address in DE), Old Client (3, inactive), project 39298034 under Amy's, sub-customer 58
  "Fleet Portal" under Cool Cars (EUR) and 59 "Phase 2" under 58 (inactive);
- invoices 241 (CustomerRef the sub-customer 58, EUR: 10 "Hours" at 120 = 1200, a 100 discount, the
  subtotal 1200 and TotalAmt 1100; updated in winter, -08:00) and 242 (Cool Cars with ProjectRef 59,
  EUR: 2 "Hours" at 125 = 250);
- payments 120 (Amy's: 337.50 to invoice 240, as the fixture's LinkedTxn says) and 121 (Cool Cars:
  800 received, 600 to 241 and 150 to 242, 40 to a credit memo, 50 left unapplied).
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
from simulator.shapes.quickbooks_api import QuickBooksDemoApi
from wipcast.settings import Settings, load_settings

FIXTURES = Path(__file__).parent / "fixtures"
REALM = "4620816365212345"
SECRETS = {
    "CLIENT_ID": "ABqbo-client-7d1e",
    "CLIENT_SECRET": "qbo-CLIENT-SECRET-4c3b2a19",  # distinctive, so a leak test can grep for them
    "REFRESH_TOKEN": "AB11-qbo-REFRESH-TOKEN-0a9f8e",
    "REALM_ID": REALM,
}

WIPCAST_TOML = """
[wipcast]
reporting_currency = "USD"

[connectors.quickbooks]
token_url = "{url}/oauth2/v1/tokens/bearer"
page_size = 2
lag_seconds = 60
entity_id = "LE-QB"
entity_name = "Fixture Books LLC"
entity_country = "US"
home_currency = "USD"
default_country = "US"
default_region = "North America"
default_practice = "Advisory"
default_billing_type = "time_and_materials"
discount_line_type = "other"
customers_file = "customers.csv"
projects_file = "projects.csv"
item_line_types = { "Services" = "fixed_fee", "Design" = "time", "Hours" = "time" }
"""
CUSTOMERS_CSV = "quickbooks_customer_id,country,region,industry\n2,,Europe,Automotive\n"
PROJECTS_CSV = (
    "quickbooks_customer_id,practice,billing_type,contract_value,budget_hours,start_date,end_date\n"
    "39298034,Digital,fixed_fee,1500,,2015-07-01,2015-12-31\n"
)


def _meta(created: str, updated: str | None = None) -> dict[str, str]:
    return {"CreateTime": created, "LastUpdatedTime": updated or created}


def _hours(line_id: str, qty: float, price: float) -> dict[str, Any]:
    return {
        "Id": line_id,
        "LineNum": int(line_id),
        "Amount": round(qty * price, 2),
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": "9", "name": "Hours"}, "Qty": qty, "UnitPrice": price},
    }


def entities() -> dict[str, list[dict[str, Any]]]:
    invoices = json.loads((FIXTURES / "query_invoices.json").read_text())["QueryResponse"]["Invoice"]
    eur = {"CurrencyRef": {"value": "EUR", "name": "Euro"}}
    invoices += [
        {
            "Id": "241",
            "SyncToken": "1",
            "DocNumber": "1072",
            "TxnDate": "2015-11-02",
            "DueDate": "2015-12-02",
            "CustomerRef": {"value": "58", "name": "Cool Cars:Fleet Portal"},
            **eur,
            "ExchangeRate": 1.1,
            "TotalAmt": 1100.0,
            "Balance": 500.0,
            "Line": [
                _hours("1", 10, 120),
                {"Id": "2", "LineNum": 2, "Amount": 100.0, "DetailType": "DiscountLineDetail",
                 "DiscountLineDetail": {"PercentBased": False}},
                {"DetailType": "SubTotalLineDetail", "Amount": 1200.0, "SubTotalLineDetail": {}},
            ],
            "MetaData": _meta("2015-11-02T08:00:00-08:00"),
        },
        {
            "Id": "242",
            "SyncToken": "0",
            "DocNumber": "1073",
            "TxnDate": "2015-11-05",
            "CustomerRef": {"value": "2", "name": "Cool Cars"},
            "ProjectRef": {"value": "59"},
            **eur,
            "TotalAmt": 250.0,
            "Balance": 100.0,
            "Line": [
                _hours("1", 2, 125),
                {"DetailType": "SubTotalLineDetail", "Amount": 250.0, "SubTotalLineDetail": {}},
            ],
            "MetaData": _meta("2015-11-05T09:00:00-08:00", "2015-11-20T10:00:00-08:00"),
        },
    ]  # fmt: skip
    customers = [
        {"Id": "1", "SyncToken": "0", "DisplayName": "Amy's Bird Sanctuary", "CompanyName": "Amy's Bird Sanctuary",
         "Active": True, "Job": False, "MetaData": _meta("2015-05-01T10:00:00-07:00")},
        {"Id": "2", "SyncToken": "0", "DisplayName": "Cool Cars", "CompanyName": "Cool Cars GmbH", "Active": True,
         "Job": False, "BillAddr": {"City": "Stuttgart", "Country": "DE"}, **eur,
         "MetaData": _meta("2015-06-01T10:00:00-07:00")},
        {"Id": "3", "SyncToken": "2", "DisplayName": "Old Client", "GivenName": "Olga", "FamilyName": "Client",
         "Active": False, "Job": False, "BillAddr": {"Country": "USA"},
         "MetaData": _meta("2014-01-01T10:00:00-08:00", "2015-01-05T10:00:00-08:00")},
        {"Id": "39298034", "SyncToken": "0", "DisplayName": "Bird Sanctuary Redesign",
         "FullyQualifiedName": "Amy's Bird Sanctuary:Bird Sanctuary Redesign", "Active": True, "Job": True,
         "IsProject": True, "ParentRef": {"value": "1"}, "MetaData": _meta("2015-07-01T09:00:00-07:00")},
        {"Id": "58", "SyncToken": "0", "DisplayName": "Fleet Portal", "FullyQualifiedName": "Cool Cars:Fleet Portal",
         "Active": True, "Job": True, "ParentRef": {"value": "2"}, **eur,
         "MetaData": _meta("2015-10-31T23:30:00-07:00")},
        {"Id": "59", "SyncToken": "3", "DisplayName": "Phase 2", "FullyQualifiedName": "Cool Cars:Fleet Portal:Phase 2",
         "Active": False, "Job": True, "IsProject": True, "ParentRef": {"value": "58"}, **eur,
         "MetaData": _meta("2015-11-01T09:00:00-08:00")},
    ]  # fmt: skip
    payments = [
        {"Id": "120", "SyncToken": "0", "TxnDate": "2015-07-29", "CustomerRef": {"value": "1"}, "TotalAmt": 337.5,
         "UnappliedAmt": 0, "Line": [{"Amount": 337.5, "LinkedTxn": [{"TxnId": "240", "TxnType": "Invoice"}]}],
         "MetaData": _meta("2015-07-29T09:29:50-07:00")},
        {"Id": "121", "SyncToken": "0", "TxnDate": "2015-11-25", "CustomerRef": {"value": "2"}, **eur,
         "TotalAmt": 800.0, "UnappliedAmt": 50.0,
         "Line": [
             {"Amount": 600.0, "LinkedTxn": [{"TxnId": "241", "TxnType": "Invoice"}]},
             {"Amount": 150.0, "LinkedTxn": [{"TxnId": "242", "TxnType": "Invoice"}]},
             {"Amount": 40.0, "LinkedTxn": [{"TxnId": "77", "TxnType": "CreditMemo"}]},
         ],
         "MetaData": _meta("2015-11-25T12:00:00-08:00")},
    ]  # fmt: skip
    return {
        "Customer": customers,
        "Invoice": invoices,
        "Payment": payments,
        "CompanyInfo": [
            {"Id": "1", "CompanyName": "Fixture Books LLC", "MetaData": _meta("2014-01-01T00:00:00-08:00")}
        ],
    }


@pytest.fixture
def api() -> QuickBooksDemoApi:
    company = QuickBooksDemoApi(copy.deepcopy(entities()), realm=REALM)
    company.client_id, company.client_secret = SECRETS["CLIENT_ID"], SECRETS["CLIENT_SECRET"]
    company.refresh_token = SECRETS["REFRESH_TOKEN"]  # only the newest refresh token is accepted
    return company


@pytest.fixture
def server(api: QuickBooksDemoApi) -> Iterator[FixtureServer]:
    with FixtureServer(api) as srv:
        yield srv


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: FixtureServer) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "wipcast.toml").write_text(WIPCAST_TOML.replace("{url}", server.url))
    (folder / "customers.csv").write_text(CUSTOMERS_CSV)
    (folder / "projects.csv").write_text(PROJECTS_CSV)
    monkeypatch.chdir(folder)
    from cli.console import options

    monkeypatch.setattr(options, "overrides", {})
    monkeypatch.setattr(options, "verbose", False)
    return folder


@pytest.fixture
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in SECRETS.items():
        monkeypatch.setenv(f"SOURCES__QUICKBOOKS__{key}", value)
    monkeypatch.setenv("RUNTIME__REQUEST_MAX_ATTEMPTS", "4")
    monkeypatch.setenv("RUNTIME__REQUEST_BACKOFF_FACTOR", "0.01")
    monkeypatch.setenv("RUNTIME__REQUEST_TIMEOUT", "10")
    for key in list(os.environ):
        if key.startswith("WIPCAST_"):
            monkeypatch.delenv(key)


@pytest.fixture
def settings(workdir: Path, creds: None) -> Settings:
    return load_settings({"warehouse_dir": str(workdir / "warehouse")}, cwd=workdir)


def url(server: FixtureServer) -> str:
    return server.url + "/"
