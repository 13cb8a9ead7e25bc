"""A sync of the Xero fixture organisation: every mapping rule on documented-shape rows (hand-computed
numbers), paging, the If-Modified-Since cursor, and the refresh-token rotation kept across runs."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from ingest.connectors import run
from simulator.serve import FixtureServer
from simulator.shapes.xero_api import XeroDemoApi
from wipcast.settings import Settings

from ..helpers import query
from .conftest import EUR_INVOICE, PROJECT, SECRETS, USER, url

UTC = dt.UTC
BARNEY = "xero:a3675fc4-f8dd-4f03-ba5b-f1870566bcd7"
FOO = "xero:216830cb-9a68-487e-928b-c1a7ccc4fc81"


def _rows(settings: Settings, table: str, columns: str, order: str = "1") -> list[tuple[object, ...]]:
    return query(settings, f"select {columns} from conformed_xero.{table} order by {order}")


def test_the_fixture_organisation_conforms_rule_by_rule(
    settings: Settings, server: FixtureServer, api: XeroDemoApi, workdir: Path
) -> None:
    result = run.sync(settings, "xero", "r1", base_url=url(server))
    assert _rows(settings, "legal_entities", "entity_id, name, country, currency") == [
        ("LE-NZ", "Fixture Advisory Ltd", "NZ", "NZD")
    ]
    # contacts: Barney and Foo are named by invoices / the project, Liam is flagged IsCustomer; the
    # supplier is no customer. Liam's country and region from contacts.csv, the others the defaults
    assert _rows(settings, "customers", "customer_id, name, industry, country, region") == [
        (FOO, "Foo Client", None, "NZ", "APAC"),
        ("xero:430fa14a-f945-44d3-9f97-5df5e28441b8", "Liam Gallagher", "Music", "US", "North America"),
        (BARNEY, "Barney Rubble-83203", None, "NZ", "APAC"),
    ]
    # the user matched users.csv by e-mail (hire date, cost rate); the rest are the defaults
    assert _rows(
        settings,
        "employees",
        "employee_id, name, email, role, practice, region, entity_id, employment_type, hire_date, "
        "termination_date, weekly_capacity_hours, cost_rate, utilization_target",
    ) == [
        (f"xero:{USER}", "Test User", "test@xero.com", "Consultant", "Advisory", "APAC", "LE-NZ", "employee",
         dt.date(2019, 4, 1), None, 40.0, Decimal("55.5000"), 0.75)
    ]  # fmt: skip
    # the project: one TIME task (-> time and materials), estimate 99.99, 12000 task minutes = 200 h,
    # started on its first time entry's day (2020-02-26, UTC), deadline 2020-03-03T15:00Z
    assert _rows(
        settings,
        "projects",
        "project_id, name, customer_id, entity_id, practice, billing_type, currency, contract_value, budget_hours, "
        "start_date, end_date, status",
    ) == [
        (f"xero:{PROJECT}", "FooProject28916", FOO, "LE-NZ", "Advisory", "time_and_materials", "AUD",
         Decimal("99.9900"), 200.0, dt.date(2020, 2, 26), dt.date(2020, 3, 3), "active")
    ]  # fmt: skip
    # time: 45 and 30 minutes on the Demolition task (TIME, rate 20), approved when entered
    entered = dt.datetime(2020, 2, 28, 3, 24, 29, 221564, tzinfo=UTC)
    assert _rows(
        settings,
        "time_entries",
        "time_entry_id, employee_id, project_id, work_date, hours, billable, approval_status, approved_at, "
        "bill_rate, invoice_id",
    ) == [
        ("xero:00000000-0000-0000-0000-000000000000", f"xero:{USER}", f"xero:{PROJECT}", dt.date(2020, 2, 26), 0.5,
         True, "approved", entered, Decimal("20.0000"), None),
        ("xero:3cd35eca-704f-4bca-b258-236028ae8ed1", f"xero:{USER}", f"xero:{PROJECT}", dt.date(2020, 2, 27), 0.75,
         True, "approved", entered, Decimal("20.0000"), None),
    ]  # fmt: skip
    # invoices: ACCREC only (the bill is not in raw), the deleted draft left out; /Date(1539993600000+0000)/
    # is 2018-10-20; VOIDED -> void, PAID -> paid, AUTHORISED -> open; Total is tax included
    assert _rows(
        settings,
        "invoices",
        "invoice_number, customer_id, project_id, entity_id, invoice_date, due_date, currency, amount, status, "
        "updated_at",
        "invoice_number",
    ) == [
        ("INV-0001", BARNEY, None, "LE-NZ", dt.date(2018, 10, 20), dt.date(2018, 12, 30), "NZD", Decimal("40.0000"),
         "void", dt.datetime(2018, 11, 2, 16, 31, 30, 160000, tzinfo=UTC)),
        ("INV-0002", BARNEY, None, "LE-NZ", dt.date(2018, 10, 20), dt.date(2018, 12, 30), "NZD", Decimal("46.0000"),
         "paid", dt.datetime(2018, 11, 2, 16, 36, 32, 690000, tzinfo=UTC)),
        ("INV-0003", BARNEY, None, "LE-NZ", dt.date(2018, 11, 2), dt.date(2018, 11, 7), "NZD", Decimal("115.0000"),
         "open", dt.datetime(2018, 11, 2, 16, 37, 28, 927000, tzinfo=UTC)),
        ("INV-0006", "xero:430fa14a-f945-44d3-9f97-5df5e28441b8", None, "LE-NZ", dt.date(2019, 3, 7),
         dt.date(2019, 3, 13), "NZD", Decimal("148062.7600"), "paid",
         dt.datetime(2019, 3, 7, 17, 59, 28, 133000, tzinfo=UTC)),
        ("INV-0007", FOO, f"xero:{PROJECT}", "LE-NZ", dt.date(2020, 3, 1), dt.date(2020, 4, 1), "EUR",
         Decimal("241.5000"), "open", dt.datetime(2020, 3, 12, 8, 0, tzinfo=UTC)),
    ]  # fmt: skip
    assert query(settings, "select count(*) from raw_xero.invoices where type <> 'ACCREC'") == [(0,)]
    # lines: the EUR line is tax inclusive, 241.50 - 31.50 = 210.00 net, 3 hours, on the project by its
    # tracking option; INV-0006's guitar line has no project option: set aside naming the setting
    assert _rows(settings, "invoice_lines", "invoice_line_id, invoice_id, project_id, line_type, hours, amount") == [
        ("xero:1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9", f"xero:{EUR_INVOICE}", f"xero:{PROJECT}", "time", 3.0,
         Decimal("210.0000"))
    ]  # fmt: skip
    assert result.entities["invoice_lines"].reasons == {
        "project_id: the line names no Xero project in its project tracking category (option none); "
        "set connectors.xero.project_tracking_category": 1
    }
    # payments: INV-0002's 46, INV-0006's 148062.76, and INV-0007's 100 payment plus its 20 credit note:
    # 241.50 - 100 - 20 = 121.50 open, Xero's AmountDue
    assert _rows(settings, "payments", "payment_id, invoice_id, payment_date, amount") == [
        ("xero:38928000-e9a0-420c-8884-f624bab2a351", "xero:a03ffcd2-5d91-4c7e-b483-318584e9e439",
         dt.date(2019, 3, 19), Decimal("148062.7600")),
        ("xero:6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d", f"xero:{EUR_INVOICE}", dt.date(2020, 3, 12), Decimal("100.0000")),
        ("xero:99ea7f6b-c513-4066-bc27-b7c65dcd76c2", "xero:046d8a6d-1ae1-4b4d-9340-5601bdf41b87",
         dt.date(2018, 11, 29), Decimal("46.0000")),
        (f"xero:credit_note:c0ffee00-1111-4222-8333-444455556666:{EUR_INVOICE}", f"xero:{EUR_INVOICE}",
         dt.date(2020, 3, 10), Decimal("20.0000")),
    ]  # fmt: skip
    # fx: 1 NZD = 0.5 EUR on 2020-03-01, so 1 EUR = 2 NZD (the reporting currency); NZD invoices give no row
    assert _rows(settings, "fx_rates", "rate_date, currency, rate_to_reporting") == [(dt.date(2020, 3, 1), "EUR", 2.0)]
    assert result.rows_quarantined == 1

    # paging: 2 a page on the Accounting API (7 invoices, the bill among them -> 4 pages, the last one
    # short), 1 a page on the Projects API (2 time entries -> 2 pages)
    pages = [r.query.get("page") for r in server.requests if r.path == "/api.xro/2.0/Invoices"]
    assert pages == ["1", "2", "3", "4"]
    times = [r.query for r in server.requests if r.path.endswith("/time")]
    assert [(q["page"], q["pageSize"]) for q in times] == [("1", "1"), ("2", "1")]
    # the first sync reads from 2000-01-01; one token fetched, and the rotated refresh token kept
    assert api.modified_since[:2] == ["2000-01-01T00:00:00", "2000-01-01T00:00:00"]
    assert api.tokens_issued == 1
    kept = json.loads((workdir / ".dlt" / "xero_refresh_token.json").read_text())
    assert kept["refresh_token"] == "xero-refresh-0001" == api.refresh_token
    assert oct((workdir / ".dlt" / "xero_refresh_token.json").stat().st_mode & 0o777) == "0o600"

    # the next run: If-Modified-Since is each stored cursor (Foo 2020-02-18, INV-0007 2020-03-12, whole
    # seconds); the configured refresh token is
    # spent, so only the kept one works. A contact renamed since is read again; nothing else changed
    api.collections["Contacts"][0].update(Name="Barney Rubble", UpdatedDateUTC="/Date(1700000000000+0000)/")
    server.clear()
    again = run.sync(settings, "xero", "r2", base_url=url(server))
    assert api.modified_since[-2:] == ["2020-02-18T04:26:40", "2020-03-12T08:00:00"]
    assert again.extracted["contacts"] == 1
    assert _rows(settings, "customers", "name", "customer_id")[0] == ("Foo Client",)
    assert ("Barney Rubble",) in _rows(settings, "customers", "name")
    assert api.tokens_issued == 2 and SECRETS["REFRESH_TOKEN"] != api.refresh_token == "xero-refresh-0002"
    assert again.cursors_after["contacts"] == "/Date(1700000000000+0000)/"


def test_a_full_refresh_marks_what_xero_no_longer_returns(
    settings: Settings, server: FixtureServer, api: XeroDemoApi
) -> None:
    run.sync(settings, "xero", "r1", base_url=url(server))
    # Liam's contact and invoice are gone from Xero (archived and purged); the Projects tables are replaced
    # on every run anyway, so the one time entry removed there is gone without a full refresh
    liam = "430fa14a-f945-44d3-9f97-5df5e28441b8"
    api.collections["Contacts"] = [c for c in api.collections["Contacts"] if c["ContactID"] != liam]
    api.collections["Invoices"] = [i for i in api.collections["Invoices"] if i["Contact"]["ContactID"] != liam]
    api.collections["time"] = api.collections["time"][:1]
    incremental = run.sync(settings, "xero", "r2", base_url=url(server))
    assert incremental.marked_deleted == {}
    assert _rows(settings, "time_entries", "time_entry_id") == [("xero:3cd35eca-704f-4bca-b258-236028ae8ed1",)]
    assert ("INV-0006",) in _rows(settings, "invoices", "invoice_number")  # an incremental read cannot tell
    full = run.sync(settings, "xero", "r3", full_refresh=True, base_url=url(server))
    assert full.marked_deleted == {"contacts": 1, "invoices": 1}
    assert ("INV-0006",) not in _rows(settings, "invoices", "invoice_number")
    assert f"xero:{liam}" not in {r[0] for r in _rows(settings, "customers", "customer_id")}
    assert query(settings, "select count(*) from raw_xero.invoices where _wipcast_deleted_at is not null") == [(1,)]
