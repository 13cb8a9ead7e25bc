"""A small synthetic firm with known behaviour, for forecasting tests (independent of the demo simulator).

Known truths: hours worked = planned hours x ROLE_FACTOR[role] (plans are not inflated, so the
factor is the same at every horizon); opportunities are won with TRUE_WIN[stage] while the CRM
says CRM_PROB[stage].
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

ROLE_FACTOR = {"Analyst": 0.9, "Consultant": 0.8, "Manager": 0.7}
ROLE_BILL = {"Analyst": 100.0, "Consultant": 150.0, "Manager": 200.0}
ROLE_COST = {"Analyst": 50.0, "Consultant": 70.0, "Manager": 90.0}
STAGES = ["Qualify", "Propose", "Negotiate"]
CRM_PROB = {"Qualify": 0.3, "Propose": 0.6, "Negotiate": 0.9}
TRUE_WIN = {"Qualify": 0.15, "Propose": 0.35, "Negotiate": 0.7}
PRACTICES = ["Alpha", "Beta"]


def _weekdays(a: dt.date, b: dt.date) -> list[dt.date]:
    out, d = [], a
    while d <= b:
        if d.weekday() < 5:
            out.append(d)
        d += dt.timedelta(days=1)
    return out


def month_ends(a: dt.date, b: dt.date) -> list[dt.date]:
    out = []
    d = a
    while d <= b:
        nxt = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        out.append(nxt - dt.timedelta(days=1))
        d = nxt
    return [x for x in out if x <= b]


def build(
    seed: int = 1, start: dt.date = dt.date(2024, 1, 1), end: dt.date = dt.date(2026, 6, 30), n_opps: int = 160
) -> dict[str, pl.DataFrame]:
    """Canonical frames; time is generated through `end` (work done later is the 'future')."""
    rng = np.random.default_rng(seed)
    roles = list(ROLE_FACTOR)
    employees = []
    for i in range(12):
        role = roles[i % 3]
        employees.append(
            {
                "employee_id": f"E{i:02d}",
                "name": f"E{i}",
                "role": role,
                "practice": PRACTICES[i % 2],
                "region": "NA",
                "entity_id": "LE1",
                "employment_type": "employee",
                "hire_date": dt.date(2020, 1, 1),
                "termination_date": None,
                "weekly_capacity_hours": 40.0,
                "cost_rate": ROLE_COST[role],
                "utilization_target": 0.8,
            }
        )
    emp = pl.DataFrame(employees)
    customers = pl.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3"],
            "name": ["a", "b", "c"],
            "country": ["US"] * 3,
            "region": ["NA", "NA", "EU"],
        }
    )
    projects, assignments, entries, snapshots, milestones = [], [], [], [], []
    # Time and materials projects start through the window; each has two assignments.
    n_proj = 30
    starts = [start + dt.timedelta(days=int(x)) for x in np.linspace(0, (end - start).days + 120, n_proj)]
    for k, s in enumerate(starts):
        pid = f"P{k:02d}"
        practice = PRACTICES[k % 2]
        months = int(rng.integers(3, 8))
        e_ = s + dt.timedelta(days=30 * months)
        btype = "fixed_fee" if k % 7 == 3 else "time_and_materials"
        projects.append(
            {
                "project_id": pid,
                "name": pid,
                "customer_id": ["C1", "C2", "C3"][k % 3],
                "entity_id": "LE1",
                "practice": practice,
                "billing_type": btype,
                "currency": "USD",
                "contract_value": 120000.0 if btype == "fixed_fee" else None,
                "budget_hours": 900.0 if btype == "fixed_fee" else None,
                "start_date": s,
                "end_date": e_,
                "status": "closed" if e_ < end else "active",
                "opportunity_id": None,
            }
        )
        staff = [e for e in employees if e["practice"] == practice]
        for j, who in enumerate(rng.choice(len(staff), size=2, replace=False)):
            person = staff[int(who)]
            aid = f"A{k:02d}{j}"
            hpw = float(rng.choice([16.0, 24.0, 32.0]))
            a = {
                "assignment_id": aid,
                "project_id": pid,
                "employee_id": person["employee_id"],
                "role": person["role"],
                "start_date": s,
                "end_date": e_,
                "hours_per_week": hpw,
            }
            assignments.append(a)
            f = ROLE_FACTOR[person["role"]]
            for d in _weekdays(s, min(e_, end)):
                hours = round(hpw / 5 * f * float(rng.uniform(0.9, 1.1)), 2)
                entries.append(
                    {
                        "employee_id": person["employee_id"],
                        "project_id": pid,
                        "work_date": d,
                        "hours": hours,
                        "billable": True,
                        "approval_status": "approved",
                        "approved_at": dt.datetime.combine(d + dt.timedelta(days=2), dt.time(9), tzinfo=dt.UTC),
                        "bill_rate": None,
                    }
                )
            # The plan is visible in snapshots from 45 days before the start.
            for me in month_ends(start, end):
                if s - dt.timedelta(days=45) <= me:
                    snapshots.append({"snapshot_date": me, **a})
    # One milestone project and one retainer.
    projects.append(
        {
            "project_id": "M1",
            "name": "M1",
            "customer_id": "C1",
            "entity_id": "LE1",
            "practice": "Alpha",
            "billing_type": "milestone",
            "currency": "USD",
            "contract_value": 90000.0,
            "budget_hours": None,
            "start_date": dt.date(2025, 6, 1),
            "end_date": dt.date(2026, 12, 31),
            "status": "active",
            "opportunity_id": None,
        }
    )
    for i, due in enumerate([dt.date(2025, 9, 30), dt.date(2026, 3, 31), dt.date(2026, 9, 30)]):
        done = due + dt.timedelta(days=20)
        milestones.append(
            {
                "milestone_id": f"MS{i}",
                "project_id": "M1",
                "name": f"m{i}",
                "amount": 30000.0,
                "due_date": due,
                "completed_date": done if done <= end else None,
                "invoice_id": None,
            }
        )
    projects.append(
        {
            "project_id": "R1",
            "name": "R1",
            "customer_id": "C2",
            "entity_id": "LE1",
            "practice": "Beta",
            "billing_type": "retainer",
            "currency": "USD",
            "contract_value": 36500.0,
            "budget_hours": None,
            "start_date": dt.date(2025, 1, 1),
            "end_date": dt.date(2026, 12, 31),
            "status": "active",
            "opportunity_id": None,
        }
    )
    te = (
        pl.DataFrame(entries)
        .with_row_index("i")
        .with_columns(
            (pl.lit("T") + pl.col("i").cast(pl.String)).alias("time_entry_id"),
            pl.col("approved_at").alias("updated_at"),
            pl.lit(None, pl.String).alias("invoice_id"),
            pl.lit(None, pl.Datetime("us", "UTC")).alias("erp_posted_at"),
        )
        .drop("i")
    )
    asg = pl.DataFrame(assignments).with_columns(pl.lit(dt.datetime(2024, 1, 1, tzinfo=dt.UTC)).alias("updated_at"))
    snaps = pl.DataFrame(snapshots).with_columns(pl.lit(dt.datetime(2024, 1, 1, tzinfo=dt.UTC)).alias("updated_at"))
    opps, hist = _opportunities(rng, start, end, n_opps)
    fx = pl.DataFrame({"rate_date": [start], "currency": ["EUR"], "rate_to_reporting": [1.1]})
    cards = pl.DataFrame(
        {
            "rate_card_id": [f"RC{r}" for r in roles],
            "project_id": [None] * 3,
            "role": roles,
            "bill_rate": [ROLE_BILL[r] for r in roles],
            "currency": ["USD"] * 3,
            "valid_from": [dt.date(2020, 1, 1)] * 3,
            "valid_to": [None] * 3,
        },
        schema_overrides={"project_id": pl.String, "valid_to": pl.Date},
    )
    return {
        "legal_entities": pl.DataFrame({"entity_id": ["LE1"], "name": ["x"], "country": ["US"], "currency": ["USD"]}),
        "customers": customers,
        "employees": emp,
        "projects": pl.DataFrame(projects, infer_schema_length=None),
        "rate_cards": cards,
        "time_entries": te,
        "assignments": asg,
        "assignment_snapshots": snaps,
        "milestones": pl.DataFrame(milestones, infer_schema_length=None),
        "opportunities": opps,
        "opportunity_history": hist,
        "fx_rates": fx,
        "holidays": pl.DataFrame(schema={"holiday_date": pl.Date, "region": pl.String, "name": pl.String}),
    }


def _opportunities(rng, start: dt.date, end: dt.date, n: int):
    opps, hist = [], []
    span = (end - start).days
    for i in range(n):
        oid = f"O{i:03d}"
        created = start + dt.timedelta(days=int(rng.integers(0, span)))
        stage = STAGES[int(rng.integers(0, 3))]
        amount = float(rng.integers(20, 200)) * 1000
        close = created + dt.timedelta(days=int(rng.integers(30, 120)))
        won = rng.random() < TRUE_WIN[stage]
        exp_start = close + dt.timedelta(days=14)
        status = ("won" if won else "lost") if close <= end else "open"
        hist.append(
            {
                "opportunity_id": oid,
                "changed_at": dt.datetime.combine(created, dt.time(12), tzinfo=dt.UTC),
                "stage": stage,
                "probability": CRM_PROB[stage],
                "amount": amount,
                "close_date": close,
                "expected_start_date": exp_start,
                "status": "open",
            }
        )
        if status != "open":
            hist.append(
                {
                    "opportunity_id": oid,
                    "changed_at": dt.datetime.combine(close, dt.time(12), tzinfo=dt.UTC),
                    "stage": "Closed Won" if won else "Closed Lost",
                    "probability": 1.0 if won else 0.0,
                    "amount": amount,
                    "close_date": close,
                    "expected_start_date": exp_start,
                    "status": status,
                }
            )
        last = hist[-1]
        opps.append(
            {
                "opportunity_id": oid,
                "customer_id": "C1" if i % 2 else None,
                "account_name": "acct",
                "name": oid,
                "practice": PRACTICES[i % 2],
                "region": "NA",
                "currency": "USD",
                "amount": amount,
                "stage": last["stage"],
                "probability": last["probability"],
                "created_date": created,
                "close_date": close,
                "expected_start_date": exp_start,
                "expected_duration_weeks": 26.0,
                "status": status,
                "project_id": None,
                "updated_at": last["changed_at"],
            }
        )
    return pl.DataFrame(opps, infer_schema_length=None), pl.DataFrame(hist)


def write_raw(db: Path, frames: dict[str, pl.DataFrame]) -> None:
    """Write canonical frames as raw_canonical.<entity> tables (what ingest produces)."""
    con = duckdb.connect(str(db))
    try:
        con.execute("create schema if not exists raw_canonical")
        for name, df in frames.items():
            con.register("_f", df.to_arrow())
            con.execute(f"create or replace table raw_canonical.{name} as select * from _f")
            con.unregister("_f")
    finally:
        con.close()
