"""Hand-written test data for ingest tests: a small, contract-valid firm, and file writers.

A module with a unique name (not conftest) so test modules can import it without clashes.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

# Every value as text, exactly as a user's CSV export would hold it ("" = empty).
VALID_FIRM: dict[str, list[dict[str, str]]] = {
    "legal_entities": [
        {"entity_id": "E1", "name": "Firm Inc", "country": "US", "currency": "USD"},
        {"entity_id": "E2", "name": "Firm GmbH", "country": "DE", "currency": "EUR"},
    ],
    "customers": [
        {"customer_id": "C1", "name": "Acme", "industry": "Retail", "country": "US", "region": "NA"},
        {"customer_id": "C2", "name": "Beta", "industry": "", "country": "DE", "region": "EU"},
    ],
    "employees": [
        {
            "employee_id": "EMP1",
            "name": "Ann",
            "email": "ann@firm.test",
            "role": "consultant",
            "practice": "Data",
            "region": "NA",
            "entity_id": "E1",
            "employment_type": "employee",
            "hire_date": "2023-01-02",
            "termination_date": "",
            "weekly_capacity_hours": "40",
            "cost_rate": "55.1234",
            "utilization_target": "0.8",
        },
        {
            "employee_id": "EMP2",
            "name": "Bob",
            "email": "",
            "role": "manager",
            "practice": "Data",
            "region": "EU",
            "entity_id": "E2",
            "employment_type": "contractor",
            "hire_date": "2023-03-01",
            "termination_date": "2024-06-30",
            "weekly_capacity_hours": "32",
            "cost_rate": "80",
            "utilization_target": "0.7",
        },
    ],
    "projects": [
        {
            "project_id": "P1",
            "name": "Lakehouse",
            "customer_id": "C1",
            "entity_id": "E1",
            "practice": "Data",
            "billing_type": "time_and_materials",
            "currency": "USD",
            "contract_value": "",
            "budget_hours": "500",
            "start_date": "2024-01-01",
            "end_date": "2024-12-31",
            "status": "active",
            "opportunity_id": "O1",
            "project_manager_id": "EMP2",
        },
        {
            "project_id": "P2",
            "name": "Internal",
            "customer_id": "",
            "entity_id": "E2",
            "practice": "Data",
            "billing_type": "non_billable",
            "currency": "EUR",
            "contract_value": "",
            "budget_hours": "",
            "start_date": "2024-01-01",
            "end_date": "",
            "status": "active",
            "opportunity_id": "",
            "project_manager_id": "",
        },
    ],
    "rate_cards": [
        {
            "rate_card_id": "RC1",
            "project_id": "P1",
            "role": "consultant",
            "bill_rate": "150.00",
            "currency": "USD",
            "valid_from": "2024-01-01",
            "valid_to": "",
        },
        {
            "rate_card_id": "RC2",
            "project_id": "",
            "role": "manager",
            "bill_rate": "200",
            "currency": "USD",
            "valid_from": "2023-01-01",
            "valid_to": "2025-12-31",
        },
    ],
    "time_entries": [
        {
            "time_entry_id": "T1",
            "employee_id": "EMP1",
            "project_id": "P1",
            "work_date": "2024-03-04",
            "hours": "8",
            "billable": "true",
            "approval_status": "approved",
            "approved_at": "2024-03-08T10:00:00Z",
            "bill_rate": "",
            "invoice_id": "I1",
            "erp_posted_at": "",
            "updated_at": "2024-03-08T10:00:00+02:00",
        },
        {
            "time_entry_id": "T2",
            "employee_id": "EMP1",
            "project_id": "P1",
            "work_date": "2024-03-05",
            "hours": "7.5",
            "billable": "true",
            "approval_status": "submitted",
            "approved_at": "",
            "bill_rate": "160.5",
            "invoice_id": "",
            "erp_posted_at": "",
            "updated_at": "2024-03-05 18:00:00",
        },
        {
            "time_entry_id": "T3",
            "employee_id": "EMP2",
            "project_id": "P2",
            "work_date": "2024-03-05",
            "hours": "4",
            "billable": "false",
            "approval_status": "draft",
            "approved_at": "",
            "bill_rate": "",
            "invoice_id": "",
            "erp_posted_at": "",
            "updated_at": "2024-03-05T18:00:00Z",
        },
    ],
    "assignments": [
        {
            "assignment_id": "A1",
            "project_id": "P1",
            "employee_id": "EMP1",
            "role": "consultant",
            "start_date": "2024-01-01",
            "end_date": "2024-06-30",
            "hours_per_week": "32",
            "updated_at": "2024-01-01T00:00:00Z",
        },
        {
            "assignment_id": "A2",
            "project_id": "P1",
            "employee_id": "",
            "role": "manager",
            "start_date": "2024-02-01",
            "end_date": "2024-03-31",
            "hours_per_week": "8",
            "updated_at": "2024-01-01T00:00:00Z",
        },
    ],
    "milestones": [
        {
            "milestone_id": "M1",
            "project_id": "P1",
            "name": "Design",
            "amount": "10000",
            "due_date": "2024-04-30",
            "completed_date": "",
            "invoice_id": "",
        },
    ],
    "invoices": [
        {
            "invoice_id": "I1",
            "customer_id": "C1",
            "project_id": "P1",
            "entity_id": "E1",
            "invoice_date": "2024-03-31",
            "due_date": "2024-04-30",
            "currency": "USD",
            "amount": "1200.00",
            "status": "open",
            "updated_at": "2024-03-31T12:00:00Z",
        },
    ],
    "invoice_lines": [
        {
            "invoice_line_id": "L1",
            "invoice_id": "I1",
            "project_id": "P1",
            "line_type": "time",
            "hours": "8",
            "amount": "1200.00",
        },
    ],
    "payments": [
        {"payment_id": "PAY1", "invoice_id": "I1", "payment_date": "2024-04-20", "amount": "1200.00"},
    ],
    "opportunities": [
        {
            "opportunity_id": "O1",
            "customer_id": "C1",
            "account_name": "Acme",
            "name": "Lakehouse",
            "practice": "Data",
            "region": "NA",
            "currency": "USD",
            "amount": "75000",
            "stage": "won",
            "probability": "1",
            "created_date": "2023-10-01",
            "close_date": "2023-12-15",
            "expected_start_date": "2024-01-01",
            "expected_duration_weeks": "26",
            "status": "won",
            "project_id": "P1",
            "updated_at": "2023-12-15T09:00:00Z",
        },
    ],
    "fx_rates": [
        {"rate_date": "2024-03-01", "currency": "EUR", "rate_to_reporting": "1.08"},
        {"rate_date": "2024-03-01", "currency": "USD", "rate_to_reporting": "1"},
    ],
    "holidays": [
        {"holiday_date": "2024-12-25", "region": "NA", "name": "Christmas Day"},
    ],
    "revenue_targets": [
        {"month": "2024-03-01", "practice": "Data", "region": "NA", "amount": "50000"},
    ],
}


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> None:
    header = header or list(rows[0].keys())
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(h, "") for h in header])


def write_parquet(path: Path, rows: list[dict[str, str]]) -> None:
    header = list(rows[0].keys())
    table = pa.table({h: pa.array([r.get(h) or None for r in rows], pa.string()) for h in header})
    pq.write_table(table, path)
