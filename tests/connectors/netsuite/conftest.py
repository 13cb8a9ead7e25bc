"""A NetSuite fixture account served on 127.0.0.1 (SuiteQL over the demo API, signatures checked).

Built from the shared API fixtures copied into fixtures/: the two documented-shape invoice pages
(suiteql_invoices_page*.json, M/D/YYYY dates and a `memo` absent where null) and the timebill page
verbatim but for one edit each, noted below; the customer and job as SuiteQL rows of the record
examples (record_customer.json, record_job.json, plus the job's parent customer Acme Corp). What
the fixtures have no example of (subsidiaries, currencies, rates, invoice lines, payment links) is
constructed in the same shape: every value text, no key for a null.
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
from simulator.shapes.netsuite_api import NetSuiteDemoApi, Tba
from wipcast.settings import Settings, load_settings

FIXTURES = Path(__file__).parent / "fixtures"
ACCOUNT = "1234567_SB1"
SECRETS = {
    "ACCOUNT_ID": ACCOUNT,
    "CONSUMER_KEY": "ns-ck-7c1d2e",
    "CONSUMER_SECRET": "ns-CONSUMER-SECRET-9f8e7d6c5b",  # distinctive, so a leak test can grep for them
    "TOKEN_ID": "ns-tk-3a4b5c",
    "TOKEN_SECRET": "ns-TOKEN-SECRET-1a2b3c4d5e",
}
TBA = Tba(ACCOUNT, SECRETS["CONSUMER_KEY"], SECRETS["CONSUMER_SECRET"], SECRETS["TOKEN_ID"], SECRETS["TOKEN_SECRET"])

WIPCAST_TOML = """
[wipcast]
reporting_currency = "USD"

[connectors.netsuite]
default_practice = "Implementation"
default_country = "US"
default_region = "North America"
customers_file = "customers.csv"
page_size = 2
lag_seconds = 60
subsidiaries = { "1" = "LE-US" }
item_line_types = { "PS - Milestone Billing" = "milestone", "PS - Consulting Hour" = "time" }
"""
CUSTOMERS_CSV = "netsuite_customer_id,country,region,industry\n1302,DE,Europe,Manufacturing\n"


def _items(name: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads((FIXTURES / name).read_text())["items"]
    return items


def collections() -> dict[str, list[dict[str, Any]]]:
    invoices = _items("suiteql_invoices_page1.json") + _items("suiteql_invoices_page2.json")
    for invoice in invoices:
        # the fixture's query selected no subsidiary (the connector's joins the main line): the record
        # example invoice 10452 books in subsidiary 1, Globex's in its own subsidiary 3
        invoice["subsidiary"] = "3" if invoice["entity"] == "1302" else "1"
    customer = json.loads((FIXTURES / "record_customer.json").read_text())
    job = json.loads((FIXTURES / "record_job.json").read_text())
    timebills = _items("suiteql_timebill.json")
    timebills[1]["customer"] = "1287"  # as the first: both bill the Implementation Project
    return {
        "subsidiary": [
            {"id": "1", "name": "Honeycomb Mfg.", "country": "US", "currency": "1", "iselimination": "F"},
            {"id": "3", "name": "Honeycomb Mfg. (DE)", "country": "DE", "currency": "2", "iselimination": "F"},
            {"id": "9", "name": "Elimination", "country": "US", "currency": "1", "iselimination": "T"},
        ],
        "currency": [
            {"id": "1", "symbol": "USD", "name": "USA", "isbasecurrency": "T"},
            {"id": "2", "symbol": "EUR", "name": "Euro", "isbasecurrency": "F"},
        ],
        "currencyrate": [
            # one EUR is worth 1.0876 USD on 2024-01-18 (the rate on invoice INV10460), 1.09 the day after
            # (the cursor column, formatted by the query's TO_CHAR)
            {"id": "501", "basecurrency": "1", "transactioncurrency": "2", "exchangerate": "1.0876",
             "effectivedate": "2024-01-18"},
            {"id": "502", "basecurrency": "1", "transactioncurrency": "2", "exchangerate": "1.09",
             "effectivedate": "2024-01-19"},
        ],
        "customer": [
            {
                "id": "1188",
                "entityid": "CUST-1188 Acme Corp",
                "companyname": "Acme Corp",
                "isperson": "F",
                "isinactive": "F",
                "subsidiary": "1",
                "currency": "1",
                "lastmodified": "2023-11-02T10:00:00",
            },
            {
                "id": customer["id"],
                "entityid": customer["entityId"],
                "companyname": customer["companyName"],
                "isperson": "F",
                "isinactive": "F",
                "subsidiary": customer["subsidiary"]["id"],
                "currency": customer["currency"]["id"],
                "lastmodified": customer["lastModifiedDate"].rstrip("Z"),
            },
        ],
        "job": [
            {
                "id": job["id"],
                "entityid": job["entityId"],
                "companyname": job["companyName"],
                "altname": job["altName"],
                "parent": job["parent"]["id"],
                "subsidiary": job["subsidiary"]["id"],
                "currency": job["currency"]["id"],
                "jobbillingtype": job["jobBillingType"]["id"],
                "jobtype": job["jobType"]["refName"],
                "entitystatus": job["entityStatus"]["refName"],
                "isinactive": "F",
                "startdate": job["startDate"],
                "projectedenddate": job["projectedEndDate"],
                "estimatedtimeoverride": "480",
                "lastmodified": job["lastModifiedDate"].rstrip("Z"),
            }
        ],
        "transaction.CustInvc": invoices,
        "transactionline.CustInvc": [
            # income lines are credits: negative amounts, the invoice total positive
            {"transaction": "10452", "line": "1", "item": "204", "item_name": "PS - Milestone Billing",
             "entity": "1287", "quantity": "1", "foreignamount": "-12500", "lastmodified": "2024-01-15T09:41:00"},
            {"transaction": "10460", "line": "1", "item": "210", "item_name": "PS - Consulting Hour",
             "quantity": "30", "foreignamount": "-4820.5", "lastmodified": "2024-01-29T16:05:00"},
            {"transaction": "10471", "line": "1", "item": "210", "item_name": "PS - Consulting Hour", "entity": "1287",
             "quantity": "2", "foreignamount": "250", "lastmodified": "2024-02-01T08:00:00"},
        ],
        "transaction.CustPymt": [
            # Globex paid INV10460 in two applications of one payment: 4000 + 820.50
            {"payment": "20001", "paymentline": "1", "invoice": "10460", "invoiceline": "0", "tranid": "PYMT1",
             "trandate": "1/29/2024", "foreignamount": "4000", "lastmodified": "2024-01-29T16:05:00"},
            {"payment": "20001", "paymentline": "2", "invoice": "10460", "invoiceline": "0", "tranid": "PYMT1",
             "trandate": "1/29/2024", "foreignamount": "820.5", "lastmodified": "2024-01-29T16:05:00"},
        ],
        "timebill": timebills,
    }  # fmt: skip


@pytest.fixture
def api() -> NetSuiteDemoApi:
    return NetSuiteDemoApi(copy.deepcopy(collections()), tba=TBA)


@pytest.fixture
def server(api: NetSuiteDemoApi) -> Iterator[FixtureServer]:
    with FixtureServer(api) as srv:
        yield srv


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "wipcast.toml").write_text(WIPCAST_TOML)
    (folder / "customers.csv").write_text(CUSTOMERS_CSV)
    monkeypatch.chdir(folder)
    from cli.console import options

    monkeypatch.setattr(options, "overrides", {})
    monkeypatch.setattr(options, "verbose", False)
    return folder


@pytest.fixture
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in SECRETS.items():
        monkeypatch.setenv(f"SOURCES__NETSUITE__{key}", value)
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
