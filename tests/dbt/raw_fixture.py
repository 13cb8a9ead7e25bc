"""Build a tiny raw_canonical warehouse the way ingest leaves it, for dbt tests.

Every one of the 17 contract entities becomes a table with every contract column in its
warehouse type plus dlt's `_dlt_load_id` and `_dlt_id`, so dbt sees exactly the shape that
ingest promises. `small_firm_rows()` is a hand-made firm whose numbers the tests recompute by
hand (see the comments next to each row).
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import duckdb

from wipcast.contract import ENTITIES, RAW_SCHEMA, WAREHOUSE_TYPES, entity

LOAD_ID = f"{time.time():.6f}"  # dlt writes the load's Unix epoch as text


def create_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create every raw_canonical table, empty, in the contract's warehouse types."""
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    for e in ENTITIES:
        cols = ", ".join(f'"{c.name}" {WAREHOUSE_TYPES[c.type]}' for c in e.columns)
        con.execute(f"create or replace table {RAW_SCHEMA}.{e.name} ({cols}, _dlt_load_id varchar, _dlt_id varchar)")


def insert_rows(con: duckdb.DuckDBPyConnection, entity_name: str, rows: list[dict]) -> None:
    """Insert rows (dicts keyed by contract column; missing columns are null)."""
    names = entity(entity_name).column_names
    placeholders = ", ".join("?" for _ in range(len(names) + 2))
    sql = f"insert into {RAW_SCHEMA}.{entity_name} ({', '.join(names)}, _dlt_load_id, _dlt_id) values ({placeholders})"
    for i, row in enumerate(rows):
        unknown = set(row) - set(names)
        if unknown:
            raise KeyError(f"{entity_name} has no columns {sorted(unknown)}")
        con.execute(sql, [row.get(n) for n in names] + [LOAD_ID, f"{entity_name}-{i}"])


def build_raw_warehouse(db_path: Path, rows_by_entity: dict[str, list[dict]]) -> None:
    con = duckdb.connect(str(db_path))
    try:
        create_raw_tables(con)
        for name, rows in rows_by_entity.items():
            insert_rows(con, name, rows)
    finally:
        con.close()


D = dt.date
TS = "2024-06-01 00:00:00+00"


def small_firm_rows() -> dict[str, list[dict]]:
    """A firm of three people in two regions and two currencies over June and July 2024."""

    def entry(tid, emp, proj, day, hours, billable, status, rate=None, invoice=None):
        approved = f"{day} 18:00:00+00" if status == "approved" else None
        return dict(
            time_entry_id=tid,
            employee_id=emp,
            project_id=proj,
            work_date=day,
            hours=hours,
            billable=billable,
            approval_status=status,
            approved_at=approved,
            bill_rate=rate,
            invoice_id=invoice,
            erp_posted_at=None,
            updated_at=TS,
        )

    return {
        "legal_entities": [
            dict(entity_id="E_US", name="Firm Inc", country="US", currency="USD"),
            dict(entity_id="E_UK", name="Firm Ltd", country="GB", currency="GBP"),
        ],
        "customers": [dict(customer_id="C1", name="Acme", industry="Retail", country="US", region="NA")],
        "employees": [
            # EMP1: NA, 40 h/week; week of 2024-06-17 has Juneteenth (Wed 19th) -> capacity 32
            dict(
                employee_id="EMP1",
                name="Ann",
                email="ann@x",
                role="consultant",
                practice="Data",
                region="NA",
                entity_id="E_US",
                employment_type="employee",
                hire_date=D(2024, 1, 1),
                termination_date=None,
                weekly_capacity_hours=40,
                cost_rate=50,
                utilization_target=0.8,
            ),
            # EMP2: UK, paid in GBP
            dict(
                employee_id="EMP2",
                name="Bob",
                email="bob@x",
                role="manager",
                practice="Data",
                region="UK",
                entity_id="E_UK",
                employment_type="employee",
                hire_date=D(2024, 1, 1),
                termination_date=None,
                weekly_capacity_hours=40,
                cost_rate=40,
                utilization_target=0.7,
            ),
            # EMP3: hired on the holiday (Wed 19th): in that week only Thu and Fri count -> 32*2/5 = 12.8
            dict(
                employee_id="EMP3",
                name="Cy",
                email=None,
                role="analyst",
                practice="Data",
                region="NA",
                entity_id="E_US",
                employment_type="contractor",
                hire_date=D(2024, 6, 19),
                termination_date=None,
                weekly_capacity_hours=32,
                cost_rate=30,
                utilization_target=0.75,
            ),
        ],
        "projects": [
            dict(
                project_id="P1",
                name="Acme T&M",
                customer_id="C1",
                entity_id="E_US",
                practice="Data",
                billing_type="time_and_materials",
                currency="USD",
                contract_value=None,
                budget_hours=100,
                start_date=D(2024, 5, 1),
                end_date=D(2024, 12, 31),
                status="active",
                opportunity_id="O1",
                project_manager_id="EMP2",
            ),
            dict(
                project_id="P2",
                name="Acme UK",
                customer_id="C1",
                entity_id="E_UK",
                practice="Data",
                billing_type="time_and_materials",
                currency="GBP",
                contract_value=50000,
                budget_hours=200,
                start_date=D(2024, 6, 1),
                end_date=None,
                status="active",
            ),
            dict(
                project_id="PINT",
                name="Internal",
                customer_id=None,
                entity_id="E_US",
                practice="Data",
                billing_type="non_billable",
                currency="USD",
                contract_value=None,
                budget_hours=None,
                start_date=D(2024, 1, 1),
                end_date=None,
                status="active",
            ),
        ],
        "rate_cards": [
            dict(
                rate_card_id="RC1",
                project_id="P1",
                role="consultant",
                bill_rate=150,
                currency="USD",
                valid_from=D(2024, 1, 1),
                valid_to=None,
            ),
            dict(
                rate_card_id="RCF1",
                project_id=None,
                role="consultant",
                bill_rate=120,
                currency="USD",
                valid_from=D(2024, 1, 1),
                valid_to=None,
            ),
            dict(
                rate_card_id="RCF2",
                project_id=None,
                role="manager",
                bill_rate=200,
                currency="USD",
                valid_from=D(2024, 1, 1),
                valid_to=None,
            ),
        ],
        "time_entries": [
            entry("TE1", "EMP1", "P1", D(2024, 6, 17), 8, True, "approved", invoice="INV1"),  # project card 150 -> 1200
            entry("TE2", "EMP1", "P1", D(2024, 6, 18), 8, True, "submitted", rate=175),  # entry rate -> 1400
            entry("TE3", "EMP1", "P1", D(2024, 6, 20), 4, True, "rejected"),  # not utilization
            entry("TE4", "EMP1", "PINT", D(2024, 6, 20), 4, False, "approved"),  # non-billable
            entry("TE8", "EMP1", "P1", D(2024, 6, 21), 2, True, "draft"),  # draft: not utilization
            # firm card 200 USD -> GBP at June average 1.26: 158.7302 GBP/h, 7.5 h = 1190.4762 GBP = 1500 USD
            entry("TE5", "EMP2", "P2", D(2024, 6, 18), 7.5, True, "approved"),
            entry("TE6", "EMP3", "P1", D(2024, 6, 20), 6, True, "approved"),  # analyst: no card -> missing
            # July has no GBP rate: latest earlier rate 1.27 -> 160*8 = 1280 GBP = 1625.60 USD
            entry("TE7", "EMP2", "P2", D(2024, 7, 2), 8, True, "approved", rate=160),
        ],
        "assignments": [
            # 30 h/week = 6 h/day; week of 17 June has 4 NA working days -> 24 h; next week 30 h
            dict(
                assignment_id="A1",
                project_id="P1",
                employee_id="EMP1",
                role="consultant",
                start_date=D(2024, 6, 17),
                end_date=D(2024, 6, 28),
                hours_per_week=30,
                updated_at=TS,
            ),
            # placeholder: 20 h/week = 4 h/day on all 5 weekdays, holiday not skipped -> 20 h
            dict(
                assignment_id="A2",
                project_id="P1",
                employee_id=None,
                role="analyst",
                start_date=D(2024, 6, 17),
                end_date=D(2024, 6, 21),
                hours_per_week=20,
                updated_at=TS,
            ),
            dict(
                assignment_id="A3",
                project_id="P2",
                employee_id="EMP2",
                role="manager",
                start_date=D(2024, 6, 17),
                end_date=D(2024, 6, 21),
                hours_per_week=40,
                updated_at=TS,
            ),
        ],
        "invoices": [
            dict(
                invoice_id="INV1",
                customer_id="C1",
                project_id="P1",
                entity_id="E_US",
                invoice_date=D(2024, 6, 30),
                due_date=D(2024, 7, 30),
                currency="USD",
                amount=1200,
                status="paid",
                updated_at=TS,
            ),
        ],
        "invoice_lines": [
            dict(invoice_line_id="L1", invoice_id="INV1", project_id="P1", line_type="time", hours=8, amount=1200),
        ],
        # latest activity date: payment on 15 July -> as-of date 2024-07-15
        "payments": [dict(payment_id="PAY1", invoice_id="INV1", payment_date=D(2024, 7, 15), amount=1200)],
        "opportunities": [
            dict(
                opportunity_id="O1",
                customer_id="C1",
                account_name="Acme",
                name="Acme T&M",
                practice="Data",
                region="NA",
                currency="USD",
                amount=10000,
                stage="Won",
                probability=1.0,
                created_date=D(2024, 4, 1),
                close_date=D(2024, 4, 30),
                expected_start_date=D(2024, 5, 1),
                expected_duration_weeks=30,
                status="won",
                project_id="P1",
                updated_at=TS,
            ),
            # open GBP deal: 1000 GBP at July's rate 1.27 = 1270 USD, weighted 0.5 -> 635; age 44 days
            dict(
                opportunity_id="O2",
                customer_id=None,
                account_name="Newco",
                name="Newco pilot",
                practice="Data",
                region="UK",
                currency="GBP",
                amount=1000,
                stage="Proposal",
                probability=0.5,
                created_date=D(2024, 6, 1),
                close_date=D(2024, 8, 31),
                expected_start_date=D(2024, 9, 15),
                expected_duration_weeks=8,
                status="open",
                project_id=None,
                updated_at=TS,
            ),
        ],
        "fx_rates": [
            dict(rate_date=D(2024, 5, 31), currency="GBP", rate_to_reporting=1.20),
            dict(rate_date=D(2024, 6, 3), currency="GBP", rate_to_reporting=1.25),
            dict(rate_date=D(2024, 6, 4), currency="GBP", rate_to_reporting=1.27),
        ],
        "holidays": [dict(holiday_date=D(2024, 6, 19), region="NA", name="Juneteenth")],
        "revenue_targets": [dict(month=D(2024, 6, 1), practice="Data", region="NA", amount=5000)],
    }
