"""A Xero fixture organisation served on 127.0.0.1 (the demo API: rotating refresh tokens, the
tenant header checked, If-Modified-Since honoured).

Built from the shared API fixtures copied into fixtures/ (Xero's OpenAPI examples): the three
invoices of `GET /Invoices` and the one of `GET /Invoices/{id}` verbatim, the Projects API's
project, task, time entries and users verbatim but for one edit noted below. What the fixtures have
no example of is constructed in the same shape: the contacts (from the invoices' Contact objects),
a supplier bill (ACCPAY), a deleted draft, a EUR invoice with a CurrencyRate billing the project
through its "Project" tracking option, and a credit note applied to it.
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
from simulator.shapes.xero_api import XeroDemoApi
from wipcast.settings import Settings, load_settings

FIXTURES = Path(__file__).parent / "fixtures"
SECRETS = {
    "CLIENT_ID": "xero-client-4e1f",
    "CLIENT_SECRET": "xero-CLIENT-SECRET-8d7c6b5a",  # distinctive, so a leak test can grep for them
    "REFRESH_TOKEN": "xero-REFRESH-TOKEN-0a9b8c7d",
    "TENANT_ID": "70784a63-d24b-46a9-a4db-0e70a274b056",
}
PROJECT = "b021e7cb-1903-4292-b48b-5b27b4271e3e"
USER = "740add2a-a703-4b8a-a670-1093919c2040"
EUR_INVOICE = "5b5d3c4e-0f0a-4c4e-9d6e-6b8b1c2d3e4f"

WIPCAST_TOML = """
[wipcast]
reporting_currency = "NZD"

[connectors.xero]
default_country = "NZ"
default_region = "APAC"
default_practice = "Advisory"
default_role = "Consultant"
default_employment_type = "employee"
default_weekly_capacity_hours = 40
default_utilization_target = 0.75
users_file = "users.csv"
contacts_file = "contacts.csv"
item_line_types = { "TIME" = "time", "200" = "other" }
projects_page_size = 1

[connectors.xero.legal_entity]
entity_id = "LE-NZ"
name = "Fixture Advisory Ltd"
country = "NZ"
currency = "NZD"
"""
USERS_CSV = "xero_user_id,email,hire_date,cost_rate\n,test@xero.com,2019-04-01,55.5\n"
CONTACTS_CSV = "xero_contact_id,country,region,industry\n430fa14a-f945-44d3-9f97-5df5e28441b8,US,North America,Music\n"


def _json(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def _contact(contact_id: str, name: str, updated: str, **extra: Any) -> dict[str, Any]:
    return {"ContactID": contact_id, "ContactStatus": "ACTIVE", "Name": name, "UpdatedDateUTC": updated, **extra}


def collections() -> dict[str, list[dict[str, Any]]]:
    invoices = _json("invoices.json")["Invoices"] + _json("invoice_by_id.json")["Invoices"]
    time = _json("projects_time.json")["items"]
    # the second documented entry names the all-zero ids: re-linked to the documented project and task
    time[1].update(userId=USER, projectId=PROJECT, taskId="7be77337-feec-4458-bb1b-dbaa5a4aafce")
    barney = "a3675fc4-f8dd-4f03-ba5b-f1870566bcd7"
    invoices += [
        {  # a supplier bill: never a receivable
            "Type": "ACCPAY", "InvoiceID": "0e5b1a62-9c3d-4c39-a1a5-1d2f3e4a5b6c", "InvoiceNumber": "BILL-7",
            "Contact": {"ContactID": barney, "Name": "Barney Rubble-83203"}, "Date": "/Date(1541116800000+0000)/",
            "DueDate": "/Date(1541548800000+0000)/", "Status": "AUTHORISED", "LineItems": [], "Total": 999.0,
            "CurrencyCode": "NZD", "CurrencyRate": 1.0, "UpdatedDateUTC": "/Date(1541176700000+0000)/",
        },
        {  # a deleted draft: left out
            "Type": "ACCREC", "InvoiceID": "9d1c2b3a-4e5f-4a6b-8c7d-0e1f2a3b4c5d", "InvoiceNumber": "INV-0004",
            "Contact": {"ContactID": barney, "Name": "Barney Rubble-83203"}, "Date": "/Date(1541116800000+0000)/",
            "DueDate": "/Date(1541548800000+0000)/", "Status": "DELETED", "LineItems": [], "Total": 10.0,
            "CurrencyCode": "NZD", "CurrencyRate": 1.0, "UpdatedDateUTC": "/Date(1541176800000+0000)/",
        },
        {  # EUR, 1 NZD = 0.5 EUR; 3 h of the project's time task, tax inclusive; 20 credited, 100 paid
            "Type": "ACCREC", "InvoiceID": EUR_INVOICE, "InvoiceNumber": "INV-0007",
            "Contact": {"ContactID": "216830cb-9a68-487e-928b-c1a7ccc4fc81", "Name": "Foo Client"},
            "Date": "/Date(1583020800000+0000)/", "DueDate": "/Date(1585699200000+0000)/", "Status": "AUTHORISED",
            "LineAmountTypes": "Inclusive", "CurrencyCode": "EUR", "CurrencyRate": 0.5,
            "LineItems": [
                {"LineItemID": "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9", "ItemCode": "TIME", "Description": "Demolition",
                 "Quantity": 3.0, "UnitAmount": 80.5, "LineAmount": 241.5, "TaxAmount": 31.5,
                 "Tracking": [{"Name": "Project", "Option": "FooProject28916"}]},
            ],
            "SubTotal": 210.0, "TotalTax": 31.5, "Total": 241.5, "AmountDue": 121.5, "AmountPaid": 100.0,
            "AmountCredited": 20.0,
            "Payments": [{"PaymentID": "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d", "Date": "/Date(1583971200000+0000)/",
                          "Amount": 100.0, "CurrencyRate": 0.5}],
            "CreditNotes": [{"CreditNoteID": "c0ffee00-1111-4222-8333-444455556666", "CreditNoteNumber": "CN-0001",
                             "Date": "/Date(1583798400000+0000)/", "AppliedAmount": 20.0, "Total": 20.0}],
            "UpdatedDateUTC": "/Date(1584000000000+0000)/",
        },
    ]  # fmt: skip
    return {
        "Contacts": [
            _contact(barney, "Barney Rubble-83203", "/Date(1541176000000+0000)/"),
            _contact(
                "430fa14a-f945-44d3-9f97-5df5e28441b8",
                "Liam Gallagher",
                "/Date(1551747281053+0000)/",
                FirstName="Liam",
                LastName="Gallagher",
                IsCustomer=True,
                IsSupplier=True,
            ),
            _contact("216830cb-9a68-487e-928b-c1a7ccc4fc81", "Foo Client", "/Date(1582000000000+0000)/"),
            _contact(
                "33333333-aaaa-4bbb-8ccc-dddddddddddd",
                "Paper Supplies Ltd",
                "/Date(1541000000000+0000)/",
                IsSupplier=True,
            ),
        ],  # fmt: skip
        "Invoices": invoices,
        "Organisation": [{"OrganisationID": SECRETS["TENANT_ID"], "Name": "Fixture Advisory Ltd"}],
        "projects": _json("projects.json")["items"],
        "tasks": _json("projects_tasks.json")["items"],
        "time": time,
        "projectsusers": _json("projects_users.json")["items"][:1],  # the all-zero "API Team" user logs no time
    }


@pytest.fixture
def api() -> XeroDemoApi:
    demo = XeroDemoApi(copy.deepcopy(collections()), page_size=2)
    demo.client_id, demo.client_secret = SECRETS["CLIENT_ID"], SECRETS["CLIENT_SECRET"]
    demo.tenant_id, demo.refresh_token = SECRETS["TENANT_ID"], SECRETS["REFRESH_TOKEN"]
    return demo


@pytest.fixture
def server(api: XeroDemoApi) -> Iterator[FixtureServer]:
    with FixtureServer(api) as srv:
        yield srv


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "wipcast.toml").write_text(WIPCAST_TOML)
    (folder / "users.csv").write_text(USERS_CSV)
    (folder / "contacts.csv").write_text(CONTACTS_CSV)
    monkeypatch.chdir(folder)
    from cli.console import options

    monkeypatch.setattr(options, "overrides", {})
    monkeypatch.setattr(options, "verbose", False)
    return folder


@pytest.fixture
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in SECRETS.items():
        monkeypatch.setenv(f"SOURCES__XERO__{key}", value)
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
