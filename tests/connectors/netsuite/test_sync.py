"""A sync of the NetSuite fixture account: every mapping rule on documented-shape rows, paging by
offset while hasMore, windows across the per-query row cap, and the cursor."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ingest.connectors import run
from simulator.serve import FixtureServer
from simulator.shapes.netsuite_api import NetSuiteDemoApi
from wipcast.errors import WipcastError
from wipcast.settings import Settings

from ..helpers import count, query
from .conftest import url

UTC = dt.UTC


def _rows(settings: Settings, table: str, columns: str, order: str = "1") -> list[tuple[object, ...]]:
    return query(settings, f"select {columns} from conformed_netsuite.{table} order by {order}")


def test_the_fixture_account_conforms_rule_by_rule(
    settings: Settings, server: FixtureServer, api: NetSuiteDemoApi
) -> None:
    result = run.sync(settings, "netsuite", "r1", base_url=url(server))
    assert _rows(settings, "legal_entities", "*exclude (_dlt_load_id, _dlt_id, deleted_at)") == [
        ("LE-US", "Honeycomb Mfg.", "US", "USD", "netsuite"),  # mapped in connectors.netsuite.subsidiaries
        ("netsuite:3", "Honeycomb Mfg. (DE)", "DE", "EUR", "netsuite"),  # the elimination subsidiary is left out
    ]
    # one EUR = 1.0876 USD with USD the base
    assert _rows(settings, "fx_rates", "rate_date, currency, rate_to_reporting") == [
        (dt.date(2024, 1, 18), "EUR", 1.0876),
        (dt.date(2024, 1, 19), "EUR", 1.09),
    ]
    assert _rows(settings, "customers", "customer_id, name, industry, country, region") == [
        ("netsuite:1188", "Acme Corp", None, "US", "North America"),  # the defaults
        ("netsuite:1302", "Globex Corporation", "Manufacturing", "DE", "Europe"),  # customers_file
    ]
    assert _rows(
        settings,
        "projects",
        "project_id, name, customer_id, entity_id, practice, billing_type, currency, contract_value, budget_hours, "
        "start_date, end_date, status",
    ) == [
        (
            "netsuite:1287",
            "Implementation Project",
            "netsuite:1188",  # the job's parent customer
            "LE-US",
            "Implementation",
            "milestone",  # FBM: Fixed Bid, Milestone
            "USD",
            None,
            480.0,
            dt.date(2024, 1, 8),
            dt.date(2024, 4, 30),
            "active",  # In Progress
        )
    ]
    assert _rows(
        settings, "invoices", "invoice_id, customer_id, project_id, entity_id, invoice_date, due_date, currency, "
        "amount, status, updated_at"
    ) == [
        # entity 1287 is the project: the customer is its parent; dates were M/D/YYYY
        ("netsuite:10452", "netsuite:1188", "netsuite:1287", "LE-US", dt.date(2024, 1, 15), dt.date(2024, 2, 14),
         "USD", Decimal("12500.0000"), "open", dt.datetime(2024, 1, 15, 9, 41, tzinfo=UTC)),
        # entity 1302 is a customer, and its line names no project: no project
        ("netsuite:10460", "netsuite:1302", None, "netsuite:3", dt.date(2024, 1, 18), dt.date(2024, 2, 17),
         "EUR", Decimal("4820.5000"), "paid", dt.datetime(2024, 1, 29, 16, 5, tzinfo=UTC)),
        ("netsuite:10471", "netsuite:1188", "netsuite:1287", "LE-US", dt.date(2024, 1, 31), dt.date(2024, 3, 1),
         "USD", Decimal("-250.0000"), "open", dt.datetime(2024, 2, 1, 8, 0, tzinfo=UTC)),
    ]  # fmt: skip
    # lines: credits (-12500) turned to the sign of the total (12500); the credit memo-like invoice's
    # +250 line turned to its -250 total; the project-less line of 10460 is set aside
    assert _rows(settings, "invoice_lines", "invoice_line_id, invoice_id, project_id, line_type, hours, amount") == [
        ("netsuite:10452:1", "netsuite:10452", "netsuite:1287", "milestone", None, Decimal("12500.0000")),
        ("netsuite:10471:1", "netsuite:10471", "netsuite:1287", "time", 2.0, Decimal("-250.0000")),
    ]
    assert result.entities["invoice_lines"].reasons == {
        "project_id: neither the line nor its invoice names a NetSuite project (job)": 1
    }
    # two applications of one payment to one invoice: 4000 + 820.50 = 4820.50
    assert _rows(settings, "payments", "payment_id, invoice_id, payment_date, amount") == [
        ("netsuite:20001:10460", "netsuite:10460", dt.date(2024, 1, 29), Decimal("4820.5000"))
    ]
    # time bills: 2.5 h x 150 = 375.00; the second has no rate (amount 0) and no period (its month)
    assert _rows(
        settings,
        "erp_time_postings",
        "posting_id, time_entry_id, project_id, employee_id, work_date, hours, amount, currency, posted_at, "
        "accounting_period, status",
    ) == [
        ("netsuite:88120", None, "netsuite:1287", "netsuite:-5", dt.date(2024, 1, 15), 2.5, Decimal("375.0000"),
         "USD", dt.datetime(2024, 1, 15, 17, 2, tzinfo=UTC), dt.date(2024, 1, 1), "posted"),
        ("netsuite:88121", None, "netsuite:1287", "netsuite:312", dt.date(2024, 1, 16), 0.75, Decimal("0.0000"),
         "USD", dt.datetime(2024, 1, 16, 9, 15, tzinfo=UTC), dt.date(2024, 1, 1), "posted"),
    ]  # fmt: skip
    assert result.rows_quarantined == 1
    # every request a signed POST with Prefer: transient (the demo refuses others), paged by 2
    suiteql = [r for r in server.requests if r.path == "/services/rest/query/v1/suiteql"]
    assert {r.method for r in suiteql} == {"POST"} and {r.status for r in suiteql} == {200}
    invoice_pages = [r for r in suiteql if "FROM transaction t " in r.body["q"] and "'CustInvc'" in r.body["q"]]
    assert [(r.query["limit"], r.query["offset"]) for r in invoice_pages] == [("2", "0"), ("2", "2")]

    # the next run starts at the cursor less the lag: the last invoice changed 2024-02-01T08:00:00, lag 60 s;
    # meanwhile invoice 10471 was deleted: NetSuite lists it in deletedrecord and no longer returns it
    api.collections["transaction.CustInvc"] = [i for i in api.collections["transaction.CustInvc"] if i["id"] != "10471"]
    api.collections["deletedrecord"] = [
        {"recordtype": "invoice", "recordid": "10471", "name": "INV10471", "deleteddate": "2024-02-02T10:00:00"}
    ]
    server.clear()
    again = run.sync(settings, "netsuite", "r2", base_url=url(server))
    invoices = next(r for r in server.requests if "FROM transaction t " in r.body["q"] and "'CustInvc'" in r.body["q"])
    assert "t.lastmodifieddate >= TO_TIMESTAMP('2024-02-01 07:59:00', 'YYYY-MM-DD HH24:MI:SS')" in invoices.body["q"]
    assert again.extracted["deleted_records"] == 1
    assert _rows(settings, "invoices", "invoice_id") == [("netsuite:10452",), ("netsuite:10460",)]
    assert _rows(settings, "invoice_lines", "invoice_line_id") == [("netsuite:10452:1",)]
    assert again.removed["invoices"] == 1 and again.removed["invoice_lines"] == 1


def _customers(n: int, same_stamp: bool = False) -> list[dict[str, str]]:
    return [
        {
            "id": str(4000 + i),
            "companyname": f"Customer {i}",
            "lastmodified": "2024-03-01T00:00:00" if same_stamp else f"2024-03-{i + 1:02d}T00:00:00",
        }
        for i in range(n)
    ]


def _with_cap(workdir_toml: str, cap: int) -> str:
    return workdir_toml + f"max_rows_per_query = {cap}\n"


def test_windows_cross_the_per_query_row_cap(
    settings: Settings, server: FixtureServer, api: NetSuiteDemoApi, workdir: object
) -> None:
    from .conftest import WIPCAST_TOML

    api.max_rows = 3  # SuiteQL's 100,000, scaled down: a page at offset 3 or past it is HTTP 400
    api.collections["customer"] = _customers(7)
    (settings.warehouse_dir.parent / "wipcast.toml").write_text(_with_cap(WIPCAST_TOML, 3))
    run.sync(settings, "netsuite", "r1", base_url=url(server))
    assert count(settings, "conformed_netsuite.customers") == 7
    pages = [r for r in server.requests if "FROM customer c" in r.body["q"]]
    starts = [r.body["q"].split("TO_TIMESTAMP('")[1][:19] for r in pages]
    # window 1 reads rows 1-3 (offsets 0, 2; the cap cuts the second page to one row), then each new
    # window starts at the last value read: row 3 (3rd of March), then row 5
    assert [(s, r.query["offset"]) for s, r in zip(starts, pages, strict=True)] == [
        ("2000-01-01 00:00:00", "0"),
        ("2000-01-01 00:00:00", "2"),
        ("2024-03-03 00:00:00", "0"),
        ("2024-03-03 00:00:00", "2"),
        ("2024-03-05 00:00:00", "0"),
        ("2024-03-05 00:00:00", "2"),
    ]
    assert all(r.status == 200 for r in pages)


def test_a_window_that_cannot_move_stops_with_one_line(
    settings: Settings, server: FixtureServer, api: NetSuiteDemoApi
) -> None:
    from .conftest import WIPCAST_TOML

    api.max_rows = 3
    api.collections["customer"] = _customers(4, same_stamp=True)
    (settings.warehouse_dir.parent / "wipcast.toml").write_text(_with_cap(WIPCAST_TOML, 3))
    with pytest.raises(WipcastError) as info:
        run.sync(settings, "netsuite", "r1", base_url=url(server))
    line = info.value.one_line()
    assert "more than 3 customers rows with the cursor value 2024-03-01T00:00:00" in line
    assert "nothing was written" in line
    assert "\n" not in line


def test_customers_and_projects_the_files_hold_are_one_member(
    settings: Settings, server: FixtureServer, api: NetSuiteDemoApi
) -> None:
    """Acme Corp's externalid names the files' customer; the identity map names the files' project for
    job 1287; Globex is NetSuite's alone and listed as an exception (it still loads)."""
    import duckdb

    from .conftest import WIPCAST_TOML

    settings.warehouse_dir.mkdir(parents=True)
    con = duckdb.connect(str(settings.work_db))  # what `wipcast ingest files` left (the columns the match reads)
    con.execute("CREATE SCHEMA raw_canonical")
    con.execute("CREATE TABLE raw_canonical.customers AS SELECT 'CUS-ACME' AS customer_id, 'Acme' AS name")
    con.execute("CREATE TABLE raw_canonical.projects AS SELECT 'PRJ-0042' AS project_id, 'Implementation' AS name")
    con.close()
    next(c for c in api.collections["customer"] if c["id"] == "1188")["externalid"] = "CUS-ACME"
    folder = settings.warehouse_dir.parent
    (folder / "identity.csv").write_text(
        "entity,source_system,source_id,canonical_id\nprojects,netsuite,1287,PRJ-0042\n"
    )
    (folder / "wipcast.toml").write_text(
        WIPCAST_TOML.replace(
            "[connectors.netsuite]", '[connectors]\nidentity_map = "identity.csv"\n\n[connectors.netsuite]'
        )
    )
    result = run.sync(settings, "netsuite", "r1", base_url=url(server))
    assert _rows(settings, "customers", "customer_id") == [("netsuite:1302",)]  # Acme is the files' customer
    assert count(settings, "conformed_netsuite.projects") == 0  # job 1287 is the files' project
    assert _rows(settings, "invoices", "invoice_id, customer_id, project_id") == [
        ("netsuite:10452", "CUS-ACME", "PRJ-0042"),
        ("netsuite:10460", "netsuite:1302", None),
        ("netsuite:10471", "CUS-ACME", "PRJ-0042"),
    ]
    assert _rows(settings, "erp_time_postings", "project_id") == [("PRJ-0042",), ("PRJ-0042",)]
    assert query(settings, "select referenced_by, entity, source_id, rows from ops.identity_exceptions") == [
        ("customers", "customers", "1302", 1)
    ]
    assert result.unresolved == 1
