"""A sync of the QuickBooks fixture company: every mapping rule on documented-shape rows (figures
worked out by hand in the comments), paging by STARTPOSITION to the empty `{}` page, the UTC cursor
of local-offset timestamps, the rotated refresh token, and deletes found by a full refresh."""

from __future__ import annotations

import datetime as dt
import json
import stat
from decimal import Decimal
from pathlib import Path

from ingest.connectors import run
from simulator.serve import FixtureServer
from simulator.shapes.quickbooks_api import QuickBooksDemoApi
from wipcast.settings import Settings

from ..helpers import query
from .conftest import SECRETS, url

UTC = dt.UTC
QUERY = "/v3/company/4620816365212345/query"


def _rows(settings: Settings, table: str, columns: str, order: str = "1") -> list[tuple[object, ...]]:
    return query(settings, f"select {columns} from conformed_quickbooks.{table} order by {order}")


def _pages(server: FixtureServer, entity: str) -> list[str]:
    """The STARTPOSITION ... MAXRESULTS tail of each query of one entity, in order."""
    texts = [r.query["query"] for r in server.requests if r.path == QUERY and f" from {entity} " in r.query["query"]]
    return [t[t.index("STARTPOSITION") :] for t in texts]


def test_the_fixture_company_conforms_rule_by_rule(
    settings: Settings, server: FixtureServer, api: QuickBooksDemoApi, workdir: Path
) -> None:
    result = run.sync(settings, "quickbooks", "r1", base_url=url(server))
    # the one legal entity of the company, from the settings
    assert _rows(settings, "legal_entities", "entity_id, name, country, currency") == [
        ("LE-QB", "Fixture Books LLC", "US", "USD")
    ]
    assert _rows(settings, "customers", "customer_id, name, industry, country, region") == [
        ("quickbooks:1", "Amy's Bird Sanctuary", None, "US", "North America"),  # no address: the defaults
        ("quickbooks:2", "Cool Cars", "Automotive", "DE", "Europe"),  # DE from BillAddr; region from the file
        ("quickbooks:3", "Old Client", None, "US", "North America"),  # inactive, still read; "USA" is not a code
    ]
    assert _rows(
        settings,
        "projects",
        "project_id, name, customer_id, entity_id, practice, billing_type, currency, contract_value, budget_hours, "
        "start_date, end_date, status",
    ) == [
        # projects_file's row; USD: the project has no CurrencyRef
        ("quickbooks:39298034", "Bird Sanctuary Redesign", "quickbooks:1", "LE-QB", "Digital", "fixed_fee", "USD",
         Decimal("1500.0000"), None, dt.date(2015, 7, 1), dt.date(2015, 12, 31), "active"),
        # the defaults; created 2015-10-31T23:30-07:00 = 2015-11-01 06:30 UTC: its UTC day
        ("quickbooks:58", "Fleet Portal", "quickbooks:2", "LE-QB", "Advisory", "time_and_materials", "EUR",
         None, None, dt.date(2015, 11, 1), None, "active"),
        # under 58 under Cool Cars: the customer is the top of the chain; inactive -> closed
        ("quickbooks:59", "Phase 2", "quickbooks:2", "LE-QB", "Advisory", "time_and_materials", "EUR",
         None, None, dt.date(2015, 11, 1), None, "closed"),
    ]  # fmt: skip
    assert _rows(
        settings,
        "invoices",
        "invoice_id, customer_id, project_id, entity_id, invoice_date, due_date, currency, amount, status, "
        "updated_at, invoice_number, source_system",
    ) == [
        # the docs example: Balance 150 of 150 -> open; no CurrencyRef -> the home currency;
        # 2015-07-24T10:35:08-07:00 = 17:35:08 UTC
        ("quickbooks:239", "quickbooks:1", "quickbooks:39298034", "LE-QB", dt.date(2015, 7, 24), dt.date(2015, 8, 23),
         "USD", Decimal("150.0000"), "open", dt.datetime(2015, 7, 24, 17, 35, 8, tzinfo=UTC), "1070", "quickbooks"),
        # Balance 0 -> paid; no ProjectRef and a top-level customer -> no project
        ("quickbooks:240", "quickbooks:1", None, "LE-QB", dt.date(2015, 7, 25), dt.date(2015, 8, 24),
         "USD", Decimal("337.5000"), "paid", dt.datetime(2015, 7, 29, 16, 29, 56, tzinfo=UTC), "1071", "quickbooks"),
        # billed to sub-customer 58: its customer Cool Cars, the project 58; EUR; 08:00-08:00 = 16:00 UTC
        ("quickbooks:241", "quickbooks:2", "quickbooks:58", "LE-QB", dt.date(2015, 11, 2), dt.date(2015, 12, 2),
         "EUR", Decimal("1100.0000"), "open", dt.datetime(2015, 11, 2, 16, 0, tzinfo=UTC), "1072", "quickbooks"),
        # ProjectRef 59; no DueDate -> the invoice date
        ("quickbooks:242", "quickbooks:2", "quickbooks:59", "LE-QB", dt.date(2015, 11, 5), dt.date(2015, 11, 5),
         "EUR", Decimal("250.0000"), "open", dt.datetime(2015, 11, 20, 18, 0, tzinfo=UTC), "1073", "quickbooks"),
    ]  # fmt: skip
    # the subtotal lines (150, 337.50, 1200, 250) are not lines; the discount is -100: 1200 - 100 = 1100,
    # invoice 241's total; 240's line has no project to bill and is set aside
    assert _rows(settings, "invoice_lines", "invoice_line_id, invoice_id, project_id, line_type, hours, amount") == [
        ("quickbooks:239:1", "quickbooks:239", "quickbooks:39298034", "fixed_fee", None, Decimal("150.0000")),
        ("quickbooks:241:1", "quickbooks:241", "quickbooks:58", "time", 10.0, Decimal("1200.0000")),
        ("quickbooks:241:2", "quickbooks:241", "quickbooks:58", "other", None, Decimal("-100.0000")),
        ("quickbooks:242:1", "quickbooks:242", "quickbooks:59", "time", 2.0, Decimal("250.0000")),
    ]
    assert result.entities["invoice_lines"].reasons == {
        "project_id: the invoice names no QuickBooks project (ProjectRef) and bills no sub-customer": 1
    }
    # payment 121 received 800: 600 to 241 and 150 to 242 (both partial), 40 to a credit memo and 50
    # unapplied are no invoice's
    assert _rows(settings, "payments", "payment_id, invoice_id, payment_date, amount") == [
        ("quickbooks:120:240", "quickbooks:240", dt.date(2015, 7, 29), Decimal("337.5000")),
        ("quickbooks:121:241", "quickbooks:241", dt.date(2015, 11, 25), Decimal("600.0000")),
        ("quickbooks:121:242", "quickbooks:242", dt.date(2015, 11, 25), Decimal("150.0000")),
    ]
    assert result.rows_quarantined == 1

    # STARTPOSITION paging by 2: six customers end with an empty `{}` page at 7 (an exact multiple),
    # four invoices likewise at 5, two payments at 3
    assert _pages(server, "Customer") == [f"STARTPOSITION {n} MAXRESULTS 2" for n in (1, 3, 5, 7)]
    assert _pages(server, "Invoice") == [f"STARTPOSITION {n} MAXRESULTS 2" for n in (1, 3, 5)]
    assert _pages(server, "Payment") == [f"STARTPOSITION {n} MAXRESULTS 2" for n in (1, 3)]
    assert all("Active IN (true, false)" in q for q in api.queries if " from Customer " in q)

    # one token for the whole run; the rotated refresh token is kept (owner-only), never the access token
    assert api.tokens_issued == 1
    kept = workdir / ".dlt" / "quickbooks_refresh_token.json"
    assert json.loads(kept.read_text())["refresh_token"] == api.refresh_token != SECRETS["REFRESH_TOKEN"]
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert "eyJdemo.access" not in kept.read_text()

    # the next run starts at the latest change less the lag (60 s), compared in UTC: of invoice 242's
    # 2015-11-20T10:00:00-08:00 (18:00 UTC) and the others; the server accepts only the rotated token
    server.clear()
    run.sync(settings, "quickbooks", "r2", base_url=url(server))
    invoice_query = next(
        r.query["query"] for r in server.requests if r.path == QUERY and " from Invoice " in r.query["query"]
    )
    assert "Metadata.LastUpdatedTime >= '2015-11-20T17:59:00+00:00' ORDERBY Id STARTPOSITION 1" in invoice_query
    assert api.tokens_issued == 2


def test_the_cursor_orders_local_offsets_by_the_moment(
    settings: Settings, server: FixtureServer, api: QuickBooksDemoApi
) -> None:
    """The night DST ends, 01:30-07:00 (08:30 UTC) comes before 01:10-08:00 (09:10 UTC): the text
    of the local times sorts them the other way round."""
    customers = {c["Id"]: c for c in api.entities["Customer"]}
    customers["58"]["MetaData"]["LastUpdatedTime"] = "2015-11-01T01:30:00-07:00"
    customers["59"]["MetaData"]["LastUpdatedTime"] = "2015-11-01T01:10:00-08:00"
    first = run.sync(settings, "quickbooks", "r1", base_url=url(server))
    assert first.cursors_after["customers"] == "2015-11-01T09:10:00+00:00"
    server.clear()
    run.sync(settings, "quickbooks", "r2", base_url=url(server))
    customer_query = next(r.query["query"] for r in server.requests if " from Customer " in r.query.get("query", ""))
    assert "LastUpdatedTime >= '2015-11-01T09:09:00+00:00'" in customer_query  # 09:10 UTC less 60 s


def test_a_full_refresh_marks_what_vanished(settings: Settings, server: FixtureServer, api: QuickBooksDemoApi) -> None:
    run.sync(settings, "quickbooks", "r1", base_url=url(server))
    # invoice 242 and its payment line deleted in QuickBooks: the query no longer returns them and no
    # incremental read can tell; a full refresh does
    api.entities["Invoice"] = [i for i in api.entities["Invoice"] if i["Id"] != "242"]
    payment = next(p for p in api.entities["Payment"] if p["Id"] == "121")
    payment["Line"] = payment["Line"][:1]
    payment["MetaData"]["LastUpdatedTime"] = "2015-12-01T09:00:00-08:00"
    again = run.sync(settings, "quickbooks", "r2", base_url=url(server), full_refresh=True)
    assert again.marked_deleted["invoices"] == 1
    assert _rows(settings, "invoices", "invoice_id") == [
        ("quickbooks:239",),
        ("quickbooks:240",),
        ("quickbooks:241",),
    ]
    assert _rows(settings, "payments", "payment_id, amount") == [
        ("quickbooks:120:240", Decimal("337.5000")),
        ("quickbooks:121:241", Decimal("600.0000")),
    ]
    assert again.removed["invoices"] == 1 and again.removed["invoice_lines"] == 1 and again.removed["payments"] == 1
