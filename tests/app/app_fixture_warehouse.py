"""A small hand-made published warehouse with the tables the dashboard reads.

Used until (and alongside) a warehouse really built by the pipeline: it lets the app tests run in
seconds and pins the shapes the app expects. Deterministic (seeded); `bump` scales revenue so that a
second publish is visibly different; `renames` gives the first project, customer, legal entity and
practice other names (the hostile-names test gives them Markdown and HTML).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from forecasting.variance_view import create_variance_views
from wipcast.build_stamp import STAMP_DDL

AS_OF = dt.date(2026, 10, 31)
PRACTICES = ["Cloud", "Data", "Strategy"]
REGIONS = ["EMEA", "NA"]
ENTITIES = [("E1", "Acme Consulting Ltd"), ("E2", "Acme Consulting Inc")]
BILLING = ["time_and_materials", "fixed_fee", "milestone", "retainer"]
BUCKETS = ["0-30", "31-60", "61-90", "over_90"]  # as the marts' finance_ageing_bucket macro writes them
COMPONENT_OF = {
    "time_and_materials": "booked_time_and_materials",
    "fixed_fee": "booked_fixed_fee",
    "milestone": "milestone",
    "retainer": "retainer",
}
DRAWS = 60
DUPLICATE_NAME = "Project 012"  # P012's name, given to P024 as well


def months(start: dt.date, end: dt.date) -> list[dt.date]:
    return [d.date() for d in pd.date_range(start, end, freq="MS")]


def build_fixture_warehouse(
    path: Path, bump: float = 1.0, seed: int = 11, renames: Mapping[str, str] | None = None
) -> Path:
    """`renames`: "project", "customer", "entity" or "practice" -> the new name of the first one of them."""
    renames = dict(renames or {})
    practices = [renames.get("practice", PRACTICES[0]), *PRACTICES[1:]]
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".building")
    if tmp.exists():
        tmp.unlink()
    con = duckdb.connect(str(tmp))
    for schema in ("marts", "forecast", "ops"):
        con.execute(f"create schema {schema}")

    entities = pd.DataFrame(ENTITIES, columns=["entity_id", "entity_name"])
    entities.loc[0, "entity_name"] = renames.get("entity", ENTITIES[0][1])
    customers = pd.DataFrame(
        {
            "customer_id": [f"C{i:02d}" for i in range(1, 9)],
            "customer_name": [f"Customer {chr(64 + i)} plc" for i in range(1, 9)],
            "region": [REGIONS[i % 2] for i in range(8)],
        }
    )
    n_projects = 24
    projects = pd.DataFrame(
        {
            "project_id": [f"P{i:03d}" for i in range(1, n_projects + 1)],
            "project_name": [f"Project {i:03d}" for i in range(1, n_projects + 1)],
            "customer_id": [customers.customer_id[i % 8] for i in range(n_projects)],
            "entity_id": [ENTITIES[i % 2][0] for i in range(n_projects)],
            "practice": [practices[i % 3] for i in range(n_projects)],
            "billing_type": [BILLING[i % 4] for i in range(n_projects)],
            "status": ["active" if i % 5 else "closed" for i in range(n_projects)],
            "opportunity_id": [f"O{i:03d}" if i % 6 == 0 else None for i in range(n_projects)],
            # Closed projects ended 100 days before the as-of date: their later time is at risk.
            "end_date": [AS_OF - dt.timedelta(days=100) if i % 5 == 0 else None for i in range(n_projects)],
        }
    )
    # Two projects share a name (as 431 projects share 307 names in the demo firm): never merged by the app.
    projects.loc[n_projects - 1, "project_name"] = DUPLICATE_NAME
    projects = projects.merge(customers[["customer_id", "region"]].rename(columns={"region": "customer_region"}))
    employees = pd.DataFrame(
        {
            "employee_id": [f"EMP{i:03d}" for i in range(1, 31)],
            "employee_name": [f"Person {i:03d}" for i in range(1, 31)],
            "practice": [practices[i % 3] for i in range(30)],
            "region": [REGIONS[(i // 3) % 2] for i in range(30)],
            "entity_id": [ENTITIES[(i // 3) % 2][0] for i in range(30)],
        }
    )

    actual_months = months(dt.date(2025, 1, 1), dt.date(2026, 10, 1))
    revenue_rows = []
    for p in projects.itertuples():
        base = rng.uniform(20_000, 90_000)
        for m in actual_months:
            earned = round(base * rng.uniform(0.6, 1.3) * bump, 2)
            revenue_rows.append((p.project_id, m, earned, round(earned * 0.62, 2), round(earned * 0.9, 2)))
    revenue = pd.DataFrame(
        revenue_rows,
        columns=["project_id", "month_start", "earned_revenue_reporting", "cost_reporting", "billed_reporting"],
    )
    revenue["as_of_date"] = AS_OF
    revenue["margin_reporting"] = (revenue["earned_revenue_reporting"] - revenue["cost_reporting"]).round(2)
    # As reported at each month's close: 5% of every month's revenue was approved after its close.
    history = revenue[["project_id", "month_start", "earned_revenue_reporting"]].copy()
    history["as_of_date"] = [(pd.Timestamp(m) + pd.offsets.MonthEnd(0)).date() for m in history["month_start"]]
    history["earned_revenue_reporting"] = (history["earned_revenue_reporting"] * 0.95).round(2)

    targets = []
    for practice in practices:
        for region in REGIONS:
            for m in months(dt.date(2025, 1, 1), dt.date(2026, 12, 1)):
                targets.append((practice, region, m, round(rng.uniform(140_000, 220_000), 2)))
    targets = pd.DataFrame(targets, columns=["practice", "region", "month_start", "target_amount"])
    # Like the mart: earned revenue by the project's practice and its customer's region, beside the target.
    earned = (
        revenue.merge(projects[["project_id", "practice", "customer_region"]], on="project_id")
        .groupby(["practice", "customer_region", "month_start"], as_index=False)["earned_revenue_reporting"]
        .sum()
        .rename(columns={"customer_region": "region", "earned_revenue_reporting": "earned_revenue"})
    )
    targets = targets.merge(earned, on=["practice", "region", "month_start"], how="left").fillna({"earned_revenue": 0})

    financials = projects[["project_id"]].copy()
    financials["as_of_date"] = AS_OF
    financials["contract_value"] = rng.uniform(200_000, 900_000, n_projects).round(2)
    financials["remaining_planned_hours"] = rng.uniform(0, 2_000, n_projects).round(1)
    financials["estimate_at_completion"] = (financials["contract_value"] * rng.uniform(0.6, 1.15, n_projects)).round(2)
    financials["percent_complete"] = rng.uniform(0.1, 0.95, n_projects).round(3)
    financials["margin_at_completion_reporting"] = (
        financials["contract_value"] - financials["estimate_at_completion"]
    ).round(2)
    financials["is_loss_contract"] = financials["margin_at_completion_reporting"] < 0
    financials["is_over_budget"] = rng.uniform(size=n_projects) < 0.2
    # Like the real mart: overdue milestones in the project currency, with the as-of month's rate.
    financials["fx_rate_to_reporting"] = [1.1 if i % 3 == 0 else 1.0 for i in range(n_projects)]
    financials["overdue_milestone_amount"] = [
        round(rng.uniform(20_000, 120_000), 2) if b == "milestone" else 0.0 for b in projects.billing_type
    ]
    financials["contract_value_reporting"] = (financials["contract_value"] * financials["fx_rate_to_reporting"]).round(
        2
    )
    financials["estimate_at_completion_reporting"] = (
        financials["estimate_at_completion"] * financials["fx_rate_to_reporting"]
    ).round(2)

    # Like the real mart: amounts in the project currency, with the month's rate to the reporting currency.
    fx = {p.project_id: (1.1 if i % 3 == 0 else 1.0) for i, p in enumerate(projects.itertuples())}
    unbilled = []
    for p in projects.itertuples():
        for bucket in BUCKETS:
            tm = p.billing_type == "time_and_materials"
            unbilled.append(
                (
                    AS_OF,
                    p.project_id,
                    bucket,
                    round(rng.uniform(0, 30_000), 2) if tm else 0.0,
                    round(rng.uniform(0, 8_000), 2) if tm else 0.0,
                    round(rng.uniform(0, 5_000), 2) if tm and rng.uniform() < 0.3 else 0.0,
                    round(rng.uniform(0, 2_000), 2) if tm and rng.uniform() < 0.2 else 0.0,
                    0.0 if tm else round(rng.uniform(0, 20_000), 2),
                    float(rng.integers(0, 6)) if tm else 0.0,
                    fx[p.project_id],
                )
            )
    unbilled = pd.DataFrame(
        unbilled,
        columns=[
            "as_of_date",
            "project_id",
            "ageing_bucket",
            "approved_unbilled_value",
            "pending_approval_value",
            "at_risk_after_close_value",
            "over_cap_value",
            "contract_asset",
            "at_risk_missing_rate_hours",
            "fx_rate_to_reporting",
        ],
    )
    billed_entries = pd.DataFrame(  # approved and invoiced: billed, so in no exposure
        {
            "time_entry_id": [f"T{i}" for i in range(n_projects * 2)],
            "employee_id": [f"EMP{1 + i % 30:03d}" for i in range(n_projects * 2)],
            "project_id": [projects.project_id[i % n_projects] for i in range(n_projects * 2)],
            "work_date": [AS_OF - dt.timedelta(days=i % 20) for i in range(n_projects * 2)],
            "hours": [8.0] * (n_projects * 2),
            "billable": [True] * (n_projects * 2),
            "approval_status": ["approved"] * (n_projects * 2),
            "is_invoiced": [True] * (n_projects * 2),
            "rate_source": ["rate_card"] * (n_projects * 2),
            "bill_value": [8.0 * (150 + 10 * (i % n_projects)) for i in range(n_projects * 2)],
        }
    )
    billed_entries["project_billing_type"] = billed_entries["project_id"].map(
        dict(zip(projects.project_id, projects.billing_type, strict=True))
    )
    billed_entries["fx_rate_to_reporting"] = 1.0
    # Kept at rate 1 so the realised bill rate (value / hours) of a project stays a round figure.
    billed_entries["bill_value_reporting"] = billed_entries["bill_value"]
    entries = _unbilled_time_entries(projects, fx)
    time_entries = pd.concat([billed_entries, entries], ignore_index=True)
    _classify(time_entries, projects)
    _exposure_from_entries(unbilled, time_entries, projects)
    unbilled["total_exposure_value_reporting"] = (
        unbilled[
            [
                "approved_unbilled_value",
                "pending_approval_value",
                "at_risk_after_close_value",
                "over_cap_value",
                "contract_asset",
            ]
        ].sum(axis=1)
        * unbilled["fx_rate_to_reporting"]
    ).round(2)

    receivables = []
    for i in range(60):
        p = projects.iloc[i % n_projects]
        days = int(rng.integers(-30, 150))
        bucket = "not_due" if days <= 0 else ["1-30", "31-60", "61-90", "over_90"][min(3, (days - 1) // 30)]
        receivables.append(
            (
                AS_OF,
                AS_OF - dt.timedelta(days=days + 30),
                AS_OF - dt.timedelta(days=days),
                f"INV{i:04d}",
                p.project_id,
                p.customer_id,
                p.entity_id,
                round(rng.uniform(5_000, 60_000), 2),
                days,
                bucket,
            )
        )
    receivables = pd.DataFrame(
        receivables,
        columns=[
            "as_of_date",
            "invoice_date",
            "due_date",
            "invoice_id",
            "project_id",
            "customer_id",
            "entity_id",
            "open_amount_reporting",
            "days_past_due",
            "ageing_bucket",
        ],
    )
    dso = pd.DataFrame(
        [(m, round(rng.uniform(400_000, 900_000), 2), round(rng.uniform(35, 75), 1)) for m in actual_months],
        columns=["month_start", "receivables", "dso_days"],
    )  # firm level, like the real mart

    weeks = [d.date() for d in pd.date_range("2026-05-04", "2027-01-25", freq="W-MON")]
    util = []
    for e in employees.itertuples():
        for w in weeks:
            past = w <= AS_OF
            capacity = 40.0 if (w.isocalendar().week % 13) else 32.0
            billable = round(capacity * rng.uniform(0.5, 0.95), 1) if past else 0.0
            planned = round(capacity * rng.uniform(0.4, 0.9), 1)
            util.append((e.employee_id, w, capacity, billable, planned, 0.75, max(0.0, capacity - planned)))
    util = pd.DataFrame(
        util,
        columns=[
            "employee_id",
            "week_start",
            "capacity_hours",
            "billable_hours",
            "planned_hours",
            "utilization_target",
            "bench_hours",
        ],
    )

    customers.loc[0, "customer_name"] = renames.get("customer", customers.loc[0, "customer_name"])
    projects.loc[0, "project_name"] = renames.get("project", projects.loc[0, "project_name"])
    runs, forecast, draws = _forecasts(rng, projects, revenue, bump, practices)

    backtest = []  # like forecast.backtest_metrics: practice rows carry level_key; brier has no horizon
    for method, skill in (
        ("wipcast", 0.08),
        ("baseline_scheduled", 0.14),
        ("baseline_seasonal_naive", 0.18),
        ("baseline_ets", 0.16),
    ):
        for level, keys in (("firm", [None]), ("practice", practices)):
            for key in keys:
                for h in (1, 3, 6, 12):
                    backtest.append(("bt-1", method, level, key, h, "wape", skill * (1 + h / 12), 10))
                    backtest.append(("bt-1", method, level, key, h, "bias", skill / 4, 10))
                    if method == "wipcast":
                        backtest.append(("bt-1", method, level, key, h, "coverage80", 0.8, 10))
    backtest.append(("bt-1", "wipcast", "firm", None, None, "brier", 0.17, 80))
    backtest.append(("bt-1", "crm", "firm", None, None, "brier", 0.24, 80))
    # An older backtest that must not be mixed in.
    backtest.append(("bt-0", "wipcast", "firm", None, 1, "wape", 0.9, 10))
    backtest = pd.DataFrame(
        backtest, columns=["run_id", "method", "level", "level_key", "horizon", "metric", "value", "n_points"]
    )
    calibration = pd.DataFrame(
        [
            ("run-202610", src, b, b / 10 + 0.05, min(1, (b / 10 + 0.05) * (1 if src == "calibrated" else 0.7)), 20)
            for src in ("calibrated", "crm")
            for b in range(10)
        ],
        columns=["run_id", "source", "bin", "predicted", "observed", "n"],
    )
    diagnostics = pd.DataFrame(
        [(r, "delivery_factor.Consultant", 0.86) for r in runs.run_id]
        + [(r, "delivery_factor.Senior", 0.91) for r in runs.run_id],
        columns=["run_id", "name", "value"],
    )

    t0 = pd.Timestamp("2026-11-01 06:00", tz="UTC")
    run_log = pd.DataFrame(
        [
            ("R1", step, t0 + pd.Timedelta(minutes=i), t0 + pd.Timedelta(minutes=i + 1), "success", 100 * (i + 1), None)
            for i, step in enumerate(["ingest", "dbt build", "forecast", "publish"])
        ],
        columns=["run_id", "step", "started_at", "finished_at", "status", "rows", "message"],
    )
    load_log = pd.DataFrame(
        [("R1", ent, t0, 1000 + i, i % 2) for i, ent in enumerate(["time_entries", "invoices", "projects"])],
        columns=["run_id", "entity", "loaded_at", "rows_loaded", "rows_quarantined"],
    )
    quarantine = pd.DataFrame(
        [("R1", "time_entries", "hours above 24"), ("R1", "invoices", "unknown customer_id")],
        columns=["run_id", "entity", "reason"],
    )

    tables = {
        "marts.dim_as_of": pd.DataFrame(
            {
                "as_of_date": [AS_OF],
                "as_of_source": ["latest activity"],
                "first_activity_date": [AS_OF.replace(year=AS_OF.year - 2)],
                "latest_activity_date": [AS_OF],
            }
        ),
        "marts.dim_entity": entities,
        "marts.dim_customer": customers,
        "marts.dim_project": projects.drop(columns="customer_region"),  # like the mart: no region
        "marts.dim_employee": employees,
        "marts.mart_revenue_monthly": revenue,
        "marts.mart_revenue_monthly_history": history,
        "marts.mart_revenue_vs_target": targets,
        "marts.mart_project_financials": financials,
        "marts.mart_unbilled_exposure": unbilled,
        "marts.mart_project_risks": _project_risks(unbilled, financials, projects),
        "marts.mart_receivables": receivables,
        "marts.mart_dso_monthly": dso,
        "marts.mart_utilization_weekly": util,
        "marts.fct_time_entries": time_entries,
        "forecast.runs": runs,
        "forecast.revenue_forecast": forecast,
        "forecast.revenue_forecast_draws": draws,
        "forecast.backtest_metrics": backtest,
        "forecast.model_diagnostics": diagnostics,
        "forecast.win_probability_calibration": calibration,
        "ops.run_log": run_log,
        "ops.load_log": load_log,
        "ops.quarantine": quarantine,
        **_reconciliation(projects, AS_OF),
    }
    for name, frame in tables.items():
        con.register("frame", frame)
        con.execute(f"create table {name} as select * from frame")
        con.unregister("frame")
    create_variance_views(con)  # as every forecast run creates them beside the forecast tables
    # A fixture is a complete build of the (absent) raw data, so publish accepts it.
    con.execute(STAMP_DDL)
    con.execute("insert into ops.build_stamp values ('fixture', null, now(), now(), 'success', '')")
    con.execute("checkpoint")
    con.close()
    tmp.replace(path)
    return path


def _reconciliation(projects: pd.DataFrame, as_of: dt.date) -> dict[str, pd.DataFrame]:
    """Hand-made reconciliation marts with round figures the tests restate:
    open exceptions 2 (1,200.00 + 800.50 = 2,000.50 at risk), of which 1 older than 30 days; one accepted
    and one resolved stay out of the open count; overdue unposted approved time 1,200.00 + 450.25 = 1,650.25
    in 2 entries (a third entry is not yet due)."""
    project, entity = projects.loc[0, "project_id"], projects.loc[0, "entity_id"]
    practice = projects.loc[0, "practice"]
    seen = pd.Timestamp(as_of, tz="UTC")
    exceptions = pd.DataFrame(
        {
            "exception_id": ["X1", "X2", "X3", "X4"],
            "exception_type": ["approved_not_posted", "duplicate_posting", "orphan_posting", "hours_mismatch"],
            "source_system": ["canonical", "erp", "erp", "erp"],
            "record_id": ["T1", "P7", "P9", "P11"],
            "project_id": [project] * 4,
            "entity_id": [entity] * 4,
            "practice": [practice] * 4,
            "event_date": [as_of - dt.timedelta(days=d) for d in (45, 10, 70, 100)],
            "detail": ["8.00 h approved", "posted 2 times", "unknown entry", "ERP 8.00 h, PSA 7.50 h"],
            "amount_at_risk_reporting": [1200.00, 800.50, 300.00, 50.00],
            "owner": ["Finance ops", "ERP admin", "ERP admin", "Finance ops"],
            "status": ["open", "open", "accepted", "resolved"],
            "is_open": [True, True, False, False],
            "first_seen_at": [seen] * 4,
            "last_seen_at": [seen] * 4,
            "occurrences": [3, 1, 2, 1],
            "resolved_at": [None, None, None, seen],
            "age_days": [45, 10, 70, 100],
            "age_bucket": ["31-60", "0-30", "61-90", "90+"],
            "accepted_reason": [None, None, "known ERP test posting", None],
        }
    )
    unposted = pd.DataFrame(
        {
            "time_entry_id": ["T1", "T2", "T3"],
            "project_id": [project] * 3,
            "employee_id": ["E1", "E2", "E2"],
            "entity_id": [entity] * 3,
            "practice": [practice] * 3,
            "work_date": [as_of - dt.timedelta(days=d) for d in (50, 40, 3)],
            "approved_date": [as_of - dt.timedelta(days=d) for d in (45, 35, 1)],
            "hours": [8.0, 3.0, 6.0],
            "entry_value_reporting": [1200.00, 450.25, 999.00],
            "days_since_approval": [45, 35, 1],
            "ageing_bucket": ["31-60", "31-60", "0-30"],
            "reason_code": ["no_project_mapping", "period_closed", "not_synced_yet"],
            "owner": ["Finance ops", "Controller", "Finance ops"],
            "is_overdue": [True, True, False],
        }
    )
    close = pd.DataFrame(
        {
            "entity_id": [entity],
            "month_start": [as_of.replace(day=1)],
            "approved_time_value": [10_000.00],
            "posted_time_value": [8_800.00],
            "posted_minus_approved": [-1_200.00],
            "invoiced_value": [8_000.00],
            "recognised_revenue": [10_000.00],
            "invoiced_minus_recognised": [-2_000.00],
            "paid_value": [5_000.00],
            "open_exceptions": [2],
            "open_exceptions_amount": [2_000.50],
            "open_exceptions_over_90": [0],
            "period_closed_at": [None],
            "stale_sources": [None],
        }
    )
    return {
        "marts.fct_sync_exceptions": exceptions,
        "marts.mart_unposted_approved_time": unposted,
        "marts.mart_close_control_monthly": close,
    }


# Billable time on time-and-materials projects that is not billed yet, per ageing bucket (ages in days).
ENTRY_AGES = {"0-30": (3, 24), "31-60": (35, 52), "61-90": (64, 88), "over_90": (95, 140)}


def _unbilled_time_entries(projects: pd.DataFrame, fx: dict[str, float]) -> pd.DataFrame:
    """Per T&M project and bucket: two approved unbilled entries, one pending, one rejected (no exposure), one
    non-billable (no exposure), and on every third project one with no bill rate (at risk, in hours only)."""
    rng = np.random.default_rng(97)  # its own stream: the other tables keep their values
    rows = []
    for i, p in enumerate(projects.itertuples()):
        if p.billing_type != "time_and_materials":
            continue
        for bucket, (young, old) in ENTRY_AGES.items():
            kinds = ["approved", "approved", "submitted", "rejected", "non_billable"] + (
                ["no_rate"] if i % 3 == 0 else []
            )
            for k, kind in enumerate(kinds):
                age = int(rng.integers(young, old))
                hours = float(rng.integers(2, 9))
                rate = None if kind == "no_rate" else 150.0 + 10 * (i % 5)
                rows.append(
                    {
                        "time_entry_id": f"U{p.project_id}-{bucket}-{k}",
                        "employee_id": f"EMP{1 + (i + k) % 30:03d}",
                        "project_id": p.project_id,
                        "work_date": AS_OF - dt.timedelta(days=age),
                        "hours": hours,
                        "billable": kind != "non_billable",
                        "approval_status": {"submitted": "submitted", "rejected": "rejected"}.get(kind, "approved"),
                        "is_invoiced": False,
                        "rate_source": "missing" if kind == "no_rate" else "rate_card",
                        "bill_value": None if rate is None else round(hours * rate, 2),
                        "project_billing_type": p.billing_type,
                        "fx_rate_to_reporting": fx[p.project_id],
                    }
                )
    entries = pd.DataFrame(rows)
    entries["bill_value_reporting"] = (entries["bill_value"] * entries["fx_rate_to_reporting"]).round(2)
    return entries


def _exposure_class(entry, project) -> str:
    """int_finance_time_entries' rule, first match wins (restated here so the fixture marts follow it)."""
    if entry.approval_status == "rejected":
        return "rejected"
    if not entry.billable:
        return "non_billable"
    if project.status == "closed" and project.end_date is not None and entry.work_date > project.end_date:
        return "at_risk_after_close"
    if entry.rate_source == "missing" or entry.bill_value is None or entry.bill_value != entry.bill_value:
        return "at_risk_missing_rate"
    if entry.approval_status in ("draft", "submitted"):
        return "pending_approval"
    return "approved"


def _classify(entries: pd.DataFrame, projects: pd.DataFrame) -> None:
    """fct_time_entries' finance columns, as the real mart derives them (no cap here): approved time on no
    invoice is unbilled, in full but for the oldest entry, half billed by an invoice that names no entry."""
    by_id = projects.set_index("project_id")
    entries["exposure_class"] = [_exposure_class(e, by_id.loc[e.project_id]) for e in entries.itertuples()]
    entries["age_days"] = [(AS_OF - d).days for d in entries["work_date"]]
    open_to_bill = (
        (entries["exposure_class"] == "approved")
        & ~entries["is_invoiced"].astype(bool)
        & (entries["project_billing_type"] == "time_and_materials")
    )
    entries["unbilled_value"] = entries["bill_value"].where(open_to_bill, 0.0)
    entries["unbilled_hours"] = entries["hours"].where(open_to_bill, 0.0)
    entries["over_cap_value"] = 0.0
    # The oldest open entry as an ERP invoice that names no entry leaves it: billed in half.
    first = entries.index[open_to_bill][entries.loc[open_to_bill, "work_date"].argmin()]
    entries.loc[first, ["unbilled_value", "unbilled_hours"]] /= 2


def _exposure_from_entries(unbilled: pd.DataFrame, entries: pd.DataFrame, projects: pd.DataFrame) -> None:
    """The T&M rows of the fixture's exposure mart, summed from the classified entries like the real mart."""
    sums: dict = {}
    for e in entries.itertuples():
        if e.exposure_class in ("rejected", "non_billable") or (
            e.exposure_class == "approved" and not e.unbilled_hours
        ):
            continue
        bucket = (
            "0-30" if e.age_days <= 30 else "31-60" if e.age_days <= 60 else "61-90" if e.age_days <= 90 else "over_90"
        )
        key = (e.project_id, bucket)
        sums.setdefault(key, {"approved": 0.0, "pending_approval": 0.0, "at_risk_after_close": 0.0, "hours": 0.0})
        if e.exposure_class == "at_risk_missing_rate":
            sums[key]["hours"] += e.hours
        elif e.exposure_class == "approved":
            sums[key]["approved"] += e.unbilled_value
        else:  # time after close with no rate either is at risk at no value, like the mart's coalesce
            sums[key][e.exposure_class] += e.bill_value if e.bill_value == e.bill_value else 0.0
    tm = unbilled["project_id"].map(projects.set_index("project_id")["billing_type"]) == "time_and_materials"
    for index in unbilled.index[tm]:
        found = sums.get((unbilled.at[index, "project_id"], unbilled.at[index, "ageing_bucket"]), {})
        unbilled.at[index, "approved_unbilled_value"] = round(found.get("approved", 0.0), 2)
        unbilled.at[index, "pending_approval_value"] = round(found.get("pending_approval", 0.0), 2)
        unbilled.at[index, "at_risk_after_close_value"] = round(found.get("at_risk_after_close", 0.0), 2)
        unbilled.at[index, "over_cap_value"] = 0.0
        unbilled.at[index, "at_risk_missing_rate_hours"] = found.get("hours", 0.0)


RISK_PARTS = ("at_risk", "approved_unbilled", "pending_approval", "contract_asset")


def _project_risks(unbilled: pd.DataFrame, financials: pd.DataFrame, projects: pd.DataFrame) -> pd.DataFrame:
    """marts.mart_project_risks from this fixture's own exposure and financials rows, by the mart's rule: the
    exposure of all buckets and the overdue milestones converted at each row's rate, the expected loss of a loss
    contract (-margin at completion, at least 0), each part in cents; money at stake their sum; only projects with
    some at stake, ranked by it (ties by project_id); the reasons name the parts above zero in the mart's order."""
    rate = unbilled["fx_rate_to_reporting"]
    exposure = (
        pd.DataFrame(
            {
                "project_id": unbilled["project_id"],
                "at_risk": (unbilled["at_risk_after_close_value"].fillna(0) + unbilled["over_cap_value"].fillna(0))
                * rate,
                "approved_unbilled": unbilled["approved_unbilled_value"] * rate,
                "pending_approval": unbilled["pending_approval_value"] * rate,
                "contract_asset": unbilled["contract_asset"] * rate,
            }
        )
        .groupby("project_id")[list(RISK_PARTS)]
        .sum()
    )
    fin = financials.set_index("project_id")
    loss = fin["is_loss_contract"].fillna(False).astype(bool)
    outcome = pd.DataFrame(
        {
            "expected_loss": (-fin["margin_at_completion_reporting"]).clip(lower=0).where(loss, 0.0),
            "overdue_milestones": fin["overdue_milestone_amount"] * fin["fx_rate_to_reporting"],
            "is_loss_contract": loss,
        }
    )
    risks = exposure.join(outcome, how="outer")
    money = [*RISK_PARTS, "expected_loss", "overdue_milestones"]
    risks[money] = risks[money].fillna(0.0).round(2)
    risks["is_loss_contract"] = risks["is_loss_contract"].fillna(False).astype(bool)
    risks["unbilled"] = (risks["approved_unbilled"] + risks["pending_approval"] + risks["contract_asset"]).round(2)
    risks["money_at_stake"] = (
        risks["at_risk"] + risks["unbilled"] + risks["expected_loss"] + risks["overdue_milestones"]
    ).round(2)
    risks = risks[risks["money_at_stake"] > 0].rename_axis("project_id").reset_index()
    risks = risks.sort_values(["money_at_stake", "project_id"], ascending=[False, True], ignore_index=True)
    named = (
        ("loss contract", "expected_loss"),
        ("at-risk time", "at_risk"),
        ("overdue milestones", "overdue_milestones"),
        ("unbilled", "unbilled"),
    )
    risks["risk_reasons"] = [
        ", ".join(name for name, part in named if getattr(row, part) > 0) for row in risks.itertuples()
    ]
    risks["risk_rank"] = range(1, len(risks) + 1)
    dims = projects.set_index("project_id")[["customer_id", "entity_id", "practice", "customer_region"]]
    risks = risks.join(dims, on="project_id")
    risks["as_of_date"] = AS_OF
    risks["reporting_currency"] = "USD"
    return risks[
        [
            "project_id",
            "as_of_date",
            "customer_id",
            "entity_id",
            "practice",
            "customer_region",
            "reporting_currency",
            *RISK_PARTS,
            "unbilled",
            "expected_loss",
            "overdue_milestones",
            "money_at_stake",
            "is_loss_contract",
            "risk_reasons",
            "risk_rank",
        ]
    ]


def _forecasts(rng, projects, revenue, bump, practices):
    """Monthly runs from 2026-04-30 to 2026-10-31: actuals of the year so far plus 12 forecast months."""
    run_dates = [dt.date(2026, m + 1, 1) - dt.timedelta(days=1) for m in range(4, 11)]
    runs = pd.DataFrame(
        {
            "run_id": [f"run-{d:%Y%m}" for d in run_dates],
            "as_of_date": run_dates,
            "created_at": [pd.Timestamp(d, tz="UTC") + pd.Timedelta(hours=6) for d in run_dates],
            "parameters": ['{"kind": "forecast", "draws": 60}'] * len(run_dates),
        }
    )
    # Backtest bookkeeping runs, as forecasting.run_backtest writes them (the summary has no forecast rows).
    runs = pd.concat(
        [
            runs,
            pd.DataFrame(
                {
                    "run_id": ["bt-0", "bt-1"],
                    "as_of_date": [dt.date(2026, 6, 30)] * 2,
                    "created_at": [pd.Timestamp("2026-07-01", tz="UTC"), pd.Timestamp("2026-11-01", tz="UTC")],
                    "parameters": ['{"kind": "backtest_summary"}'] * 2,
                }
            ),
        ],
        ignore_index=True,
    )
    rows = []
    monthly_actual = revenue.set_index(["project_id", "month_start"])["earned_revenue_reporting"]
    for run_id, as_of in zip(runs.run_id[: len(run_dates)], run_dates, strict=True):
        as_of_month = as_of.replace(day=1)
        for m in months(dt.date(as_of.year, 1, 1), as_of_month):
            for p in projects.itertuples():
                value = float(monthly_actual[(p.project_id, m)])
                rows.append((run_id, m, p.project_id, None, p, "actual", value, 0.0))
        future = months(
            (pd.Timestamp(as_of_month) + pd.DateOffset(months=1)).date(),
            (pd.Timestamp(as_of_month) + pd.DateOffset(months=12)).date(),
        )
        for k, m in enumerate(future):
            for p in projects.itertuples():
                is_pipeline = isinstance(p.opportunity_id, str)
                if p.status == "closed" or (is_pipeline and k < 2):
                    continue
                comp = "pipeline" if is_pipeline else COMPONENT_OF[p.billing_type]
                mean = rng.uniform(15_000, 70_000) * bump * (0.97**k)
                rows.append(
                    (
                        run_id,
                        m,
                        None if comp == "pipeline" else p.project_id,
                        p.opportunity_id if comp == "pipeline" else None,
                        p,
                        comp,
                        mean,
                        0.15 + 0.02 * k,
                    )
                )
            for practice in practices:
                rows.append((run_id, m, None, None, practice, "unplanned", rng.uniform(5_000, 15_000) * bump, 0.4))
    records, draw_records = [], []
    for run_id, m, pid, oid, p, comp, mean, sd in rows:
        if isinstance(p, str):
            dims = (None, p, REGIONS[0], ENTITIES[0][0])
        else:
            dims = (p.customer_id, p.practice, p.customer_region, p.entity_id)
        sigma = np.sqrt(np.log(1 + sd**2)) if sd else 0.0
        samples = mean * np.exp(rng.normal(-(sigma**2) / 2, sigma, DRAWS)) if sd else np.full(DRAWS, mean)
        q10, q50, q90 = np.quantile(samples, [0.1, 0.5, 0.9])
        records.append((run_id, "base", m, pid, oid, *dims, comp, float(samples.mean()), q10, q50, q90))
        if comp != "actual":  # actuals are deterministic and not in the draws table (forecasting/store.py)
            draw_records.append((run_id, m, dims, samples))
    forecast = pd.DataFrame(
        records,
        columns=[
            "run_id",
            "scenario_id",
            "month",
            "project_id",
            "opportunity_id",
            "customer_id",
            "practice",
            "region",
            "entity_id",
            "component",
            "mean",
            "p10",
            "p50",
            "p90",
        ],
    )
    # Draws summed to (run, month, practice, region, entity), the grain forecasting/store.py writes.
    agg: dict = {}
    for run_id, m, dims, samples in draw_records:
        key = (run_id, m, *dims[1:])
        agg[key] = agg.get(key, 0) + samples
    keys = list(agg)
    values = np.stack([agg[k] for k in keys])
    draws = pd.DataFrame(
        {
            "run_id": np.repeat([k[0] for k in keys], DRAWS),
            "scenario_id": "base",
            "month": np.repeat([k[1] for k in keys], DRAWS),
            "practice": np.repeat([k[2] for k in keys], DRAWS),
            "region": np.repeat([k[3] for k in keys], DRAWS),
            "entity_id": np.repeat([k[4] for k in keys], DRAWS),
            "draw": np.tile(np.arange(DRAWS), len(keys)),
            "value": values.ravel(),
        }
    )
    return runs, forecast, draws


if __name__ == "__main__":  # build one by hand: python tests/app/fixture_warehouse.py /tmp/wh
    import sys

    out = Path(sys.argv[1]) / "wipcast.duckdb"
    build_fixture_warehouse(out)
    print(out)
