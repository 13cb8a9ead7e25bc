"""The Xero conform SQL on hand-built raw rows (no HTTP, no dlt): every step runs on raw tables that do
not exist yet, and the invoice rules give the numbers worked out by hand in the comments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from ingest.connectors import config as cfg
from ingest.connectors import shim
from ingest.connectors.xero import CONNECTOR, settings

STEP = {step.entity: step for step in CONNECTOR.conform_steps}


def _connection(tmp_path: Path, values: dict[str, Any], raw_sql: str = "") -> duckdb.DuckDBPyConnection:
    db = tmp_path / "raw.duckdb"
    if raw_sql:
        with duckdb.connect(str(db)) as setup:
            setup.execute("CREATE SCHEMA raw_xero")
            setup.execute(raw_sql)
    con = duckdb.connect()
    con.execute(f"ATTACH '{db}' AS {shim.CATALOG}")
    shim.raw_views(con, CONNECTOR.raw_schema, dict(CONNECTOR.raw_tables))
    config = cfg.ConnectorConfig("xero", values, root=tmp_path)
    for name, table in {
        **settings.config_tables(config, dt.date(2026, 1, 1)),
        "cfg_identity": cfg.identity_table(config),
    }.items():
        con.register(name, table)
    return con


def test_each_step_runs_on_empty_raw_tables(tmp_path: Path) -> None:
    con = _connection(tmp_path, {"reporting_currency": "USD"})
    for step in CONNECTOR.conform_steps:
        assert con.sql(CONNECTOR.sql(step)).fetchall() == [], step.sql


INVOICES = """
CREATE TABLE raw_xero.invoices AS SELECT * FROM (VALUES
    -- GBP invoice, 1 USD = 0.8 GBP: one GBP is 1 / 0.8 = 1.25 USD
    ('A1', 'INV-1', 'ACCREC', 'AUTHORISED', 'C1', DATE '2026-03-02', DATE '2026-04-01', 'GBP', 0.8, 'Exclusive',
     1200.0, TIMESTAMPTZ '2026-03-02 10:00:00+00', 'L1', NULL),
    -- the same day, updated later at 0.78125: its rate wins, 1 / 0.78125 = 1.28
    ('A2', 'INV-2', 'ACCREC', 'SUBMITTED', 'C1', DATE '2026-03-02', NULL, 'GBP', 0.78125, 'Exclusive',
     50.0, TIMESTAMPTZ '2026-03-03 10:00:00+00', 'L1', NULL),
    -- voided: void, and its rate is no rate
    ('A3', 'INV-3', 'ACCREC', 'VOIDED', 'C1', DATE '2026-03-05', DATE '2026-04-05', 'EUR', 0.5, 'Exclusive',
     10.0, TIMESTAMPTZ '2026-03-06 10:00:00+00', 'L1', NULL),
    -- a bill that reached raw anyway (the extraction drops them): never an invoice
    ('B1', 'BILL-1', 'ACCPAY', 'AUTHORISED', 'C1', DATE '2026-03-05', DATE '2026-04-05', 'USD', 1.0, 'NoTax',
     99.0, TIMESTAMPTZ '2026-03-06 10:00:00+00', 'L1', NULL),
    ('A4', 'INV-4', 'ACCREC', 'DELETED', 'C1', DATE '2026-03-05', DATE '2026-04-05', 'USD', 1.0, 'NoTax',
     5.0, TIMESTAMPTZ '2026-03-06 10:00:00+00', 'L1', NULL),
    ('A5', 'INV-5', 'ACCREC', 'ARCHIVED', 'C1', DATE '2026-03-05', DATE '2026-04-05', 'USD', 1.0, 'NoTax',
     5.0, TIMESTAMPTZ '2026-03-06 10:00:00+00', 'L1', NULL)
) AS t(invoice_id, invoice_number, type, status, contact_id, date, due_date, currency_code, currency_rate,
       line_amount_types, total, updated_at, _dlt_load_id, _wipcast_deleted_at);
ALTER TABLE raw_xero.invoices ADD COLUMN _dlt_id VARCHAR;
UPDATE raw_xero.invoices SET _dlt_id = 'd-' || invoice_id;
CREATE TABLE raw_xero.invoices__payments AS SELECT * FROM (VALUES
    ('P1', DATE '2026-03-20', 700.0, 'd-A1'), ('P2', DATE '2026-03-25', 5.0, 'd-A4')
) AS t(payment_id, date, amount, _dlt_parent_id);
"""


def test_invoices_payments_and_rates_by_hand(tmp_path: Path) -> None:
    con = _connection(
        tmp_path, {"reporting_currency": "USD", "legal_entity": {"entity_id": "LE-US", "currency": "USD"}}, INVOICES
    )
    invoices = con.sql(CONNECTOR.sql(STEP["invoices"])).fetchall()
    got = {r[0]: (r[6], r[4], r[5], r[7], r[8], r[11]) for r in invoices}
    assert got == {
        "xero:a1": ("GBP", dt.date(2026, 3, 2), dt.date(2026, 4, 1), Decimal("1200.0000"), "open", None),
        # SUBMITTED (awaiting approval) is a draft; no due date: the invoice date
        "xero:a2": ("GBP", dt.date(2026, 3, 2), dt.date(2026, 3, 2), Decimal("50.0000"), "draft", None),
        "xero:a3": ("EUR", dt.date(2026, 3, 5), dt.date(2026, 4, 5), Decimal("10.0000"), "void", None),
        # a status with no canonical meaning is set aside, named
        "xero:a5": ("USD", dt.date(2026, 3, 5), dt.date(2026, 4, 5), Decimal("5.0000"), None, "status"),
    }
    assert all(r[3] == "LE-US" for r in invoices)
    rates = con.sql(CONNECTOR.sql(STEP["fx_rates"])).fetchall()
    assert [(r[0], r[1], round(r[2], 9)) for r in rates] == [(dt.date(2026, 3, 2), "GBP", 1.28)]
    payments = con.sql(CONNECTOR.sql(STEP["payments"])).fetchall()
    # the deleted invoice's payment goes with it
    assert [r[:4] for r in payments] == [("xero:p1", "xero:a1", dt.date(2026, 3, 20), Decimal("700.0000"))]
    # an organisation whose currency is not the reporting currency gives no rate at all
    con.register("cfg_legal_entity", settings.config_tables(
        cfg.ConnectorConfig("xero", {"reporting_currency": "USD", "legal_entity": {"entity_id": "LE-NZ",
                                                                                 "currency": "NZD"}}, root=tmp_path),
        dt.date(2026, 1, 1))["cfg_legal_entity"])  # fmt: skip
    assert con.sql(CONNECTOR.sql(STEP["fx_rates"])).fetchall() == []
