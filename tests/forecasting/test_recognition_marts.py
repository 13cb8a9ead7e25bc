"""The engine's recomputed history follows the marts' revenue recognition rules (hand-computed
examples: fixed fees by cost-to-cost with the estimate to complete from the plan, closed projects
complete at their end date, retainers spread evenly over their days), and prepare + simulate are
bit-for-bit deterministic. (A warehouse's history comes from the marts: tests/reconciliation/test_close_history.py.)"""

from __future__ import annotations

import datetime as dt
from dataclasses import fields

import numpy as np
import polars as pl
import pytest

from forecasting import engine
from forecasting.inputs import as_of_view, from_frames
from forecasting.recognition import retainer_by_month

D = dt.date
UTC = dt.UTC
AS_OF = D(2026, 2, 28)


def _ts(d: dt.date) -> dt.datetime:
    return dt.datetime.combine(d, dt.time(18), tzinfo=UTC)


def _entry(i, emp, d, hours, status, updated, project="F", bill_rate=None):
    return {
        "time_entry_id": f"T{i}",
        "employee_id": emp,
        "project_id": project,
        "work_date": d,
        "hours": hours,
        "billable": True,
        "approval_status": status,
        "approved_at": _ts(updated) if status == "approved" else None,
        "bill_rate": bill_rate,
        "updated_at": _ts(updated),
    }


@pytest.fixture(scope="module")
def small_firm() -> dict[str, pl.DataFrame]:
    """One fixed-fee project F in USD staffed by a EUR-costed and a USD-costed consultant, a closed
    fixed-fee project G that never booked time, and a time-and-materials project H still active
    after its end date."""
    return {
        "legal_entities": pl.DataFrame({"entity_id": ["LE-US", "LE-EU"], "currency": ["USD", "EUR"]}),
        "customers": pl.DataFrame({"customer_id": ["C"], "region": ["NA"]}),
        "employees": pl.DataFrame(
            {
                "employee_id": ["e1", "e2"],
                "role": ["Consultant", "Consultant"],
                "practice": ["X", "X"],
                "region": ["NA", "NA"],
                "entity_id": ["LE-EU", "LE-US"],
                "cost_rate": [50.0, 80.0],
                "hire_date": [D(2020, 1, 1)] * 2,
                "termination_date": [None, None],
            },
            schema_overrides={"termination_date": pl.Date},
        ),
        "projects": pl.DataFrame(
            {
                "project_id": ["F", "G", "H"],
                "customer_id": ["C"] * 3,
                "entity_id": ["LE-US"] * 3,
                "practice": ["X"] * 3,
                "billing_type": ["fixed_fee", "fixed_fee", "time_and_materials"],
                "currency": ["USD"] * 3,
                "contract_value": [10_000.0, 5_000.0, None],
                "budget_hours": [100.0, 40.0, None],
                "start_date": [D(2026, 1, 1), D(2026, 1, 5), D(2026, 1, 5)],
                "end_date": [D(2026, 6, 30), D(2026, 1, 30), D(2026, 1, 30)],
                "status": ["active", "closed", "active"],
                "opportunity_id": [None] * 3,
            },
            schema_overrides={"opportunity_id": pl.String},
        ),
        "time_entries": pl.DataFrame(
            [
                _entry(1, "e1", D(2026, 1, 12), 10.0, "approved", D(2026, 1, 16)),
                _entry(2, "e2", D(2026, 2, 9), 5.0, "approved", D(2026, 2, 13)),
                _entry(3, "e2", D(2026, 2, 23), 5.0, "submitted", D(2026, 2, 27)),  # pending at the as-of date: cost
                _entry(4, "e2", D(2026, 2, 24), 2.0, "rejected", D(2026, 2, 27)),  # rejected: no cost
                _entry(5, "e2", D(2026, 2, 10), 5.0, "approved", D(2026, 2, 12), project="H", bill_rate=100.0),
            ]
        ),
        # One plan version, dated mid-February: e1 10 h/week 2-13 March (20 h), a placeholder 5 h/week 2-6 March (5 h).
        "assignment_snapshots": pl.DataFrame(
            {
                "snapshot_date": [D(2026, 2, 15)] * 2,
                "assignment_id": ["A1", "A2"],
                "project_id": ["F", "F"],
                "employee_id": ["e1", None],
                "role": ["Consultant", "Consultant"],
                "start_date": [D(2026, 3, 2)] * 2,
                "end_date": [D(2026, 3, 13), D(2026, 3, 6)],
                "hours_per_week": [10.0, 5.0],
            },
            schema_overrides={"employee_id": pl.String},
        ),
        # A milestone on a fixed-fee project is a billing event, not revenue.
        "milestones": pl.DataFrame(
            {
                "milestone_id": ["M1"],
                "project_id": ["F"],
                "amount": [999.0],
                "due_date": [D(2026, 2, 1)],
                "completed_date": [D(2026, 2, 10)],
            }
        ),
        # EUR: January averages 1.0 and 1.2 = 1.1; February 1.2.
        "fx_rates": pl.DataFrame(
            {
                "rate_date": [D(2026, 1, 2), D(2026, 1, 20), D(2026, 2, 2)],
                "currency": ["EUR"] * 3,
                "rate_to_reporting": [1.0, 1.2, 1.2],
            }
        ),
        "holidays": pl.DataFrame(
            {"holiday_date": [], "region": []}, schema={"holiday_date": pl.Date, "region": pl.String}
        ),
    }


def test_fixed_fee_history_follows_the_marts_rules(small_firm):
    base = engine.history_base(as_of_view(from_frames(small_firm), AS_OF))
    ff = base["ff_state"].filter(pl.col("project_id") == "F").sort("month")
    # Cost: Jan 10 h x 50 EUR x 1.1 = 550; Feb 5 h approved + 5 h submitted x 80 = 800 (the rejected 2 h count nothing).
    assert ff["cum_cost_pc"].to_list() == pytest.approx([550.0, 1350.0])
    # Estimate to complete from the project's plan version: in January none is dated by the month end, so
    # the latest one (15 Feb) is used. Cost rates at the month's fx: e1 50 x 1.1 = 55 in Jan, 50 x 1.2 = 60
    # in Feb; the placeholder at the Consultant average: (55 + 80) / 2 = 67.5 in Jan, (60 + 80) / 2 = 70 in Feb.
    # Jan: 20 x 55 + 5 x 67.5 = 1437.5; Feb: 20 x 60 + 5 x 70 = 1550.
    assert ff["etc_pc"].to_list() == pytest.approx([1437.5, 1550.0])
    # Percent complete 550 / 1987.5 and 1350 / 2900; cumulative revenue x 10,000 rounded to 6 decimals.
    assert ff["cum_revenue_pc"].to_list() == pytest.approx([2767.295597, 4655.172414], abs=1e-6)
    h = base["history"].sort("project_id", "month")
    f = h.filter(pl.col("project_id") == "F")
    assert f["revenue"].to_list() == [2767.30, 1887.88]  # the milestone of 999 is not revenue
    # G is closed and never booked time: complete in the month of its end date.
    g = h.filter(pl.col("project_id") == "G")
    assert g.filter(pl.col("revenue") != 0).select("month", "revenue").rows() == [(D(2026, 1, 1), 5000.0)]
    # H ended on 30 Jan with nothing planned, but its status is still active: its February time
    # (5 h x 100) is revenue, not at-risk exposure (only a closed project's later time is).
    assert h.filter(pl.col("project_id") == "H").select("month", "revenue").rows() == [(D(2026, 2, 1), 500.0)]


def test_retainer_months_add_up_to_the_contract_value():
    # 100 over 3 days (31 Jan, 1 and 2 Feb): cumulative 33.333333 at 31 Jan, 100 at 2 Feb.
    p = pl.DataFrame(
        {
            "project_id": ["r"],
            "billing_type": ["retainer"],
            "contract_value": [100.0],
            "start_date": [D(2026, 1, 31)],
            "end_date": [D(2026, 2, 2)],
        }
    )
    out = retainer_by_month(p, None, None).sort("month")
    assert out["revenue_pc"].to_list() == pytest.approx([33.333333, 66.666667], abs=1e-9)
    assert out["revenue_pc"].sum() == pytest.approx(100.0, abs=1e-9)


def test_prepare_and_simulate_are_bit_identical(synth_frames):
    def once():
        prep = engine.prepare(as_of_view(from_frames(synth_frames), D(2025, 12, 31)), 12, diagnose=False)
        return prep, engine.simulate(prep, 300, seed=4)

    (p1, r1), (p2, r2) = once(), once()
    for f in fields(p1):
        a, b = getattr(p1, f.name), getattr(p2, f.name)
        if isinstance(a, pl.DataFrame):
            assert a.equals(b), f.name
        elif isinstance(a, np.ndarray):
            assert np.array_equal(a, b), f.name
    assert p1.diagnostics == p2.diagnostics
    assert [c.name for c in r1.components] == [c.name for c in r2.components]
    for c1, c2 in zip(r1.components, r2.components, strict=True):
        assert c1.meta.equals(c2.meta), c1.name
        assert np.array_equal(c1.values, c2.values), c1.name
