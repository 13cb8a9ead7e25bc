"""A hand-made firm for the finance marts: one project per revenue rule, as of 2024-03-31.

Every number the tests assert is derived in the comments here or in the test, by hand.
EMP1 (consultant, NA region, USD entity) costs 50 USD an hour; the consultant card of TMC is 100.
"""

from __future__ import annotations

import datetime as dt

D = dt.date
TS = "2024-01-01 00:00:00+00"
AS_OF = "2024-03-31"  # the latest activity date (see internal_entries)


def _entry(tid, proj, day, hours, status="approved", billable=True, invoice=None):
    return dict(
        time_entry_id=tid,
        employee_id="EMP1",
        project_id=proj,
        work_date=day,
        hours=hours,
        billable=billable,
        approval_status=status,
        approved_at=f"{day} 18:00:00+00" if status == "approved" else None,
        bill_rate=None,
        invoice_id=invoice,
        erp_posted_at=None,
        updated_at=TS,
    )


def _days(year, month, days):
    return [D(year, month, d) for d in days]


def finance_firm_rows() -> dict[str, list[dict]]:
    # FFP (fixed fee 12,000) cost: 8 h a day x 50 = 400 a day
    #   Jan 3 days = 24 h = 1,200; Feb 5 days = 40 h = 2,000; Mar 12 days = 96 h = 4,800
    ffp_days = (
        _days(2024, 1, [8, 9, 10])
        + _days(2024, 2, [5, 6, 7, 8, 9])
        + _days(2024, 3, [4, 5, 6, 7, 8, 11, 12, 13, 14, 15, 18, 19])
    )
    ffp_entries = [_entry(f"F{i:02d}", "FFP", day, 8) for i, day in enumerate(ffp_days)]
    tm_entries = [
        _entry("T1", "TMC", D(2024, 1, 15), 4, invoice="INV_T"),  # 400, invoiced
        _entry("T2", "TMC", D(2024, 2, 12), 4),  # 400, unbilled, 48 days old at 31 March
        _entry("T3", "TMC", D(2024, 3, 5), 4),  # 400: 200 fits under the 1,000 cap, 200 over
        _entry("T4", "TMC", D(2024, 3, 20), 2, status="submitted"),  # pending 200
    ]
    # internal work on 31 March: the latest activity date, hence the default as-of date
    internal_entries = [_entry("I1", "PINT", D(2024, 3, 31), 1, billable=False)]
    project = dict(
        customer_id="C1",
        entity_id="E_US",
        practice="Data",
        budget_hours=None,
        opportunity_id=None,
        project_manager_id=None,
    )
    return {
        "legal_entities": [dict(entity_id="E_US", name="Firm Inc", country="US", currency="USD")],
        "customers": [dict(customer_id="C1", name="Acme", industry=None, country="US", region="NA")],
        "employees": [
            dict(
                employee_id="EMP1",
                name="Ann",
                email=None,
                role="consultant",
                practice="Data",
                region="NA",
                entity_id="E_US",
                employment_type="employee",
                hire_date=D(2023, 1, 1),
                termination_date=None,
                weekly_capacity_hours=40,
                cost_rate=50,
                utilization_target=0.8,
            ),
        ],
        "projects": [
            dict(
                project,
                project_id="TMC",
                name="Capped T&M",
                billing_type="time_and_materials",
                currency="USD",
                contract_value=1000,
                start_date=D(2024, 1, 1),
                end_date=D(2024, 12, 31),
                status="active",
            ),
            dict(
                project,
                project_id="FFP",
                name="Fixed fee",
                billing_type="fixed_fee",
                currency="USD",
                contract_value=12000,
                budget_hours=200,
                start_date=D(2024, 1, 1),
                end_date=D(2024, 4, 30),
                status="active",
            ),
            dict(
                project,
                project_id="MSX",
                name="Milestones",
                billing_type="milestone",
                currency="USD",
                contract_value=5000,
                start_date=D(2024, 1, 1),
                end_date=D(2024, 6, 30),
                status="active",
            ),
            dict(
                project,
                project_id="PINT",
                name="Internal",
                customer_id=None,
                billing_type="non_billable",
                currency="USD",
                contract_value=None,
                start_date=D(2024, 1, 1),
                end_date=None,
                status="active",
            ),
            # 4,600 EUR over 15 Feb .. 31 Mar = 15 + 31 = 46 days = 100 a day
            dict(
                project,
                project_id="RTX",
                name="Retainer",
                billing_type="retainer",
                currency="EUR",
                contract_value=4600,
                start_date=D(2024, 2, 15),
                end_date=D(2024, 3, 31),
                status="active",
            ),
        ],
        "rate_cards": [
            dict(
                rate_card_id="RC1",
                project_id="TMC",
                role="consultant",
                bill_rate=100,
                currency="USD",
                valid_from=D(2023, 1, 1),
                valid_to=None,
            ),
        ],
        "time_entries": ffp_entries + tm_entries + internal_entries,
        # FFP's current plan: EMP1 full time in April = 22 working days x 8 h = 176 h x 50 = 8,800
        "assignments": [
            dict(
                assignment_id="A1",
                project_id="FFP",
                employee_id="EMP1",
                role="consultant",
                start_date=D(2024, 4, 1),
                end_date=D(2024, 4, 30),
                hours_per_week=40,
                updated_at=TS,
            ),
        ],
        "milestones": [
            dict(
                milestone_id="M1",
                project_id="MSX",
                name="Design",
                amount=3000,
                due_date=D(2024, 2, 15),
                completed_date=D(2024, 2, 15),
                invoice_id=None,
            ),
            dict(
                milestone_id="M2",
                project_id="MSX",
                name="Build",
                amount=2000,
                due_date=D(2024, 5, 15),
                completed_date=None,
                invoice_id=None,
            ),
        ],
        "invoices": [
            dict(
                invoice_id="INV_T",
                customer_id="C1",
                project_id="TMC",
                entity_id="E_US",
                invoice_date=D(2024, 1, 31),
                due_date=D(2024, 3, 1),
                currency="USD",
                amount=400,
                status="open",
                updated_at=TS,
            ),
            dict(
                invoice_id="INV_M",
                customer_id="C1",
                project_id="MSX",
                entity_id="E_US",
                invoice_date=D(2024, 1, 15),
                due_date=D(2024, 2, 14),
                currency="USD",
                amount=5000,
                status="paid",
                updated_at=TS,
            ),
            dict(
                invoice_id="INV_R",
                customer_id="C1",
                project_id="RTX",
                entity_id="E_US",
                invoice_date=D(2024, 2, 29),
                due_date=D(2024, 3, 30),
                currency="EUR",
                amount=1500,
                status="open",
                updated_at=TS,
            ),
            dict(
                invoice_id="INV_V",
                customer_id="C1",
                project_id="TMC",
                entity_id="E_US",
                invoice_date=D(2024, 2, 29),
                due_date=D(2024, 3, 30),
                currency="USD",
                amount=999,
                status="void",
                updated_at=TS,
            ),
        ],
        "invoice_lines": [
            dict(invoice_line_id="L1", invoice_id="INV_T", project_id="TMC", line_type="time", hours=4, amount=400),
            dict(
                invoice_line_id="L2",
                invoice_id="INV_M",
                project_id="MSX",
                line_type="milestone",
                hours=None,
                amount=5000,
            ),
            dict(
                invoice_line_id="L3",
                invoice_id="INV_R",
                project_id="RTX",
                line_type="retainer",
                hours=None,
                amount=1500,
            ),
            dict(invoice_line_id="L4", invoice_id="INV_V", project_id="TMC", line_type="time", hours=4, amount=999),
        ],
        "payments": [
            dict(payment_id="PM1", invoice_id="INV_M", payment_date=D(2024, 2, 20), amount=5000),
            dict(payment_id="PM2", invoice_id="INV_R", payment_date=D(2024, 3, 15), amount=500),
        ],
        # EUR: February average 1.10 (one rate); March average (1.20 + 1.30) / 2 = 1.25
        "fx_rates": [
            dict(rate_date=D(2024, 2, 10), currency="EUR", rate_to_reporting=1.10),
            dict(rate_date=D(2024, 3, 5), currency="EUR", rate_to_reporting=1.20),
            dict(rate_date=D(2024, 3, 20), currency="EUR", rate_to_reporting=1.30),
        ],
        "holidays": [dict(holiday_date=D(2024, 1, 1), region="NA", name="New Year")],
        "revenue_targets": [dict(month=D(2024, 3, 1), practice="Data", region="NA", amount=10000)],
    }
