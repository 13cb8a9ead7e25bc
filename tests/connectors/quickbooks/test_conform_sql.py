"""The QuickBooks conform SQL on hand-written raw rows (no HTTP, no dlt): the subtotal line is not a
line, a multi-currency company's invoice keeps its currency, one payment pays part of two invoices,
and every step runs on raw tables that do not exist yet."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from ingest.connectors import config as cfg
from ingest.connectors import conform, shim
from ingest.connectors.quickbooks import CONNECTOR, settings

VALUES = {
    "entity_id": "LE-UK",
    "entity_name": "Fixture Ltd",
    "entity_country": "GB",
    "home_currency": "GBP",
    "default_country": "GB",
    "default_region": "EMEA",
    "default_practice": "Data",
    "default_billing_type": "time_and_materials",
    "item_line_types": {"Hours": "time", "Setup": "fixed_fee"},
}


def _tables(root: Path) -> dict[str, Any]:
    config = cfg.ConnectorConfig("quickbooks", VALUES, root=root)
    return {**settings.config_tables(config, dt.date(2026, 1, 1)), "cfg_identity": cfg.identity_table(config)}


def _sales(line_id: str, item: str, qty: float, price: float) -> dict[str, Any]:
    detail = {"ItemRef": {"value": "1", "name": item}, "Qty": qty, "UnitPrice": price}
    return {"Id": line_id, "Amount": qty * price, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": detail}


def _raw(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA raw_quickbooks")
    con.execute(
        "CREATE TABLE raw_quickbooks.customers (id VARCHAR, display_name VARCHAR, parent_id VARCHAR, "
        "currency VARCHAR, created_at VARCHAR, active BOOLEAN, _dlt_load_id VARCHAR, _wipcast_deleted_at TIMESTAMPTZ)"
    )
    con.execute(
        "INSERT INTO raw_quickbooks.customers VALUES "
        "('10', 'Acme', NULL, 'USD', '2025-01-01T08:00:00+00:00', true, 'l1', NULL), "
        "('11', 'Website', '10', 'USD', '2025-02-01T08:00:00+00:00', true, 'l1', NULL)"
    )
    con.execute(
        "CREATE TABLE raw_quickbooks.invoices (id VARCHAR, doc_number VARCHAR, txn_date VARCHAR, due_date VARCHAR, "
        "customer_id VARCHAR, project_id VARCHAR, currency VARCHAR, total_amt DOUBLE, balance DOUBLE, lines VARCHAR, "
        "wipcast_updated_at VARCHAR, _dlt_load_id VARCHAR, _wipcast_deleted_at TIMESTAMPTZ)"
    )
    subtotal = {"DetailType": "SubTotalLineDetail", "Amount": 960.0, "SubTotalLineDetail": {}}
    note = {"Id": "4", "DetailType": "DescriptionOnly", "Description": "Thank you", "DescriptionLineDetail": {}}
    lines_500 = [_sales("1", "Hours", 8, 100.0), _sales("2", "Setup", 1, 160.0), subtotal, note]
    lines_501 = [_sales("1", "Hours", 4, 100.0), {**subtotal, "Amount": 400.0}]
    # a bundle: one line at its total; the items inside it are not lines of their own
    inside = [_sales("2", "Hours", 1, 200.0), _sales("3", "Setup", 1, 100.0)]
    group = {"GroupItemRef": {"value": "7", "name": "Setup"}, "Quantity": 1, "Line": inside}
    bundle = {"Id": "1", "Amount": 300.0, "DetailType": "GroupLineDetail", "GroupLineDetail": group}
    lines_502 = [bundle, {**subtotal, "Amount": 300.0}]
    con.execute(
        "INSERT INTO raw_quickbooks.invoices VALUES "
        "('500', 'A-1', '2025-03-01', '2025-03-31', '11', NULL, 'USD', 960, 360, ?, '2025-03-01T09:00:00+00:00', "
        "'l1', NULL), "
        "('501', 'A-2', '2025-03-15', '2025-04-14', '10', '11', 'USD', 400, 160, ?, '2025-03-15T09:00:00+00:00', "
        "'l1', NULL), "
        "('502', 'A-3', '2025-03-20', NULL, '11', NULL, 'USD', 300, 300, ?, '2025-03-20T09:00:00+00:00', 'l1', NULL)",
        [json.dumps(lines_500), json.dumps(lines_501), json.dumps(lines_502)],
    )
    con.execute(
        "CREATE TABLE raw_quickbooks.payments (id VARCHAR, txn_date VARCHAR, lines VARCHAR, _dlt_load_id VARCHAR, "
        "_wipcast_deleted_at TIMESTAMPTZ)"
    )
    pays = [
        {"Amount": 600.0, "LinkedTxn": [{"TxnId": "500", "TxnType": "Invoice"}]},
        {"Amount": 240.0, "LinkedTxn": [{"TxnId": "501", "TxnType": "Invoice"}]},
    ]
    both = [
        {"Amount": 50.0, "LinkedTxn": [{"TxnId": "500", "TxnType": "Invoice"}, {"TxnId": "501", "TxnType": "Invoice"}]}
    ]
    con.execute(
        "INSERT INTO raw_quickbooks.payments VALUES ('900', '2025-04-02', ?, 'l1', NULL), "
        "('901', '2025-04-03', ?, 'l1', NULL)",
        [json.dumps(pays), json.dumps(both)],
    )
    con.close()


def _valid(out: conform.ConformOutput, entity: str, columns: list[str]) -> list[tuple[Any, ...]]:
    rows = out.entities[entity].valid.select(columns).to_pylist()
    return sorted(tuple(r[c] for c in columns) for r in rows)


def test_subtotals_currencies_and_a_payment_split_over_two_invoices(tmp_path: Path) -> None:
    db = tmp_path / "work.duckdb"
    _raw(db)
    out = conform.conform(CONNECTOR, db, _tables(tmp_path), "l1")
    assert _valid(out, "legal_entities", ["entity_id", "name", "country", "currency"]) == [
        ("LE-UK", "Fixture Ltd", "GB", "GBP")
    ]
    # a USD invoice in a GBP company: its CurrencyRef, not the home currency; the project the sub-customer
    assert _valid(out, "invoices", ["invoice_id", "customer_id", "project_id", "currency", "amount", "status"]) == [
        ("quickbooks:500", "quickbooks:10", "quickbooks:11", "USD", Decimal("960.0000"), "open"),
        ("quickbooks:501", "quickbooks:10", "quickbooks:11", "USD", Decimal("400.0000"), "open"),
        ("quickbooks:502", "quickbooks:10", "quickbooks:11", "USD", Decimal("300.0000"), "open"),
    ]
    # 8 x 100 + 160 = 960, the total: the subtotal line (960 again) and the note (no amount) are no lines
    lines = _valid(out, "invoice_lines", ["invoice_line_id", "line_type", "hours", "amount"])
    assert lines == [
        ("quickbooks:500:1", "time", 8.0, Decimal("800.0000")),
        ("quickbooks:500:2", "fixed_fee", None, Decimal("160.0000")),
        ("quickbooks:501:1", "time", 4.0, Decimal("400.0000")),
        ("quickbooks:502:1", "fixed_fee", None, Decimal("300.0000")),  # the bundle, not its 200 + 100
    ]
    assert sum(amount for line_id, _, _, amount in lines if line_id.startswith("quickbooks:500:")) == Decimal("960")
    assert out.entities["invoice_lines"].quarantined.num_rows == 0  # nothing else was read as a line
    assert _valid(out, "projects", ["project_id", "customer_id", "currency", "start_date", "status"]) == [
        ("quickbooks:11", "quickbooks:10", "USD", dt.date(2025, 2, 1), "active")
    ]
    # payment 900: 600 of 500's 960 and 240 of 501's 400 (balances 360 and 160, as QuickBooks says);
    # payment 901's one line names both invoices: its split is unknown, both rows set aside
    assert _valid(out, "payments", ["payment_id", "invoice_id", "payment_date", "amount"]) == [
        ("quickbooks:900:500", "quickbooks:500", dt.date(2025, 4, 2), Decimal("600.0000")),
        ("quickbooks:900:501", "quickbooks:501", dt.date(2025, 4, 2), Decimal("240.0000")),
    ]
    assert out.entities["payments"].reasons == {
        "amount: a QuickBooks payment line is applied to several invoices at once; its split is unknown": 2
    }


def test_each_step_runs_on_empty_raw_tables(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute(f"ATTACH '{tmp_path / 'empty.duckdb'}' AS {shim.CATALOG}")
    shim.raw_views(con, CONNECTOR.raw_schema, dict(CONNECTOR.raw_tables))
    for schema in (*(f"conformed_{d}" for d in CONNECTOR.depends_on), *CONNECTOR.reads_schemas):
        shim.conformed_views(con, schema)
    empty = cfg.ConnectorConfig("quickbooks", {}, root=tmp_path)
    tables = {**settings.config_tables(empty, dt.date(2026, 1, 1)), "cfg_identity": cfg.identity_table(empty)}
    for name, table in tables.items():
        con.register(name, table)
    for step in CONNECTOR.conform_steps:
        assert con.sql(CONNECTOR.sql(step)).fetchall() == [], step.sql
    con.close()
