"""Each rule and component on a small hand-built fixture with a hand-computed expectation."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from forecasting import components as C
from forecasting.calendar import forecast_months, planned_hours_by_month
from forecasting.recognition import _tm, fixed_fee_progress, retainer_by_month
from forecasting.unplanned import guarded_forecast, seasonal_naive

D = dt.date
M = [D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)]


def test_planned_hours_follow_working_days_and_holidays():
    rows = pl.DataFrame(
        {
            "assignment_id": ["a", "b"],
            "project_id": ["p", "p"],
            "employee_id": ["e1", None],
            "role": ["r", "r"],
            "start_date": [D(2026, 1, 1), D(2026, 1, 15)],
            "end_date": [D(2026, 2, 28), D(2026, 1, 31)],
            "hours_per_week": [40.0, 10.0],
            "count_from": [D(2025, 12, 31)] * 2,
        }
    )
    emp = pl.DataFrame({"employee_id": ["e1"], "region": ["EU"]})
    hol = pl.DataFrame({"holiday_date": [D(2026, 1, 1)], "region": ["EU"]})
    out = planned_hours_by_month(rows, emp, hol).sort("assignment_id", "month")
    # a: January has 22 weekdays, less New Year's Day = 21 x 8 h; February 20 x 8 h.
    # b (placeholder, no holidays): 12 weekdays from Thu 15 to Sat 31 Jan x 2 h.
    assert out["hours"].to_list() == [168.0, 160.0, 24.0]


def test_forecast_months_start_after_as_of():
    assert forecast_months(D(2026, 10, 31), 2) == [D(2026, 11, 1), D(2026, 12, 1)]
    assert forecast_months(D(2026, 10, 15), 1) == [D(2026, 10, 1)]  # mid-month: the rest of October


def test_time_and_materials_cap_limits_cumulative_revenue():
    rated = pl.DataFrame(
        {
            "project_id": ["p"] * 3,
            "month": M,
            "work_date": M,
            "billing_type": ["time_and_materials"] * 3,
            "billable": [True] * 3,
            "bill_value_pc": [1000.0] * 3,
            "closed": [False] * 3,
            "end_date": [None] * 3,
        },
        schema_overrides={"end_date": pl.Date},
    )
    projects = pl.DataFrame({"project_id": ["p"], "contract_value": [2500.0]})
    out = _tm(rated, projects).sort("month")
    assert out["revenue_pc"].to_list() == [1000.0, 1000.0, 500.0]


def test_fixed_fee_cost_to_cost_with_catch_up():
    # Reference R2: price 10,000,000; costs 2.4M / 3.6M / 2.2M; estimate to complete 5.6M / 2.0M / 0
    # -> progress 30% / 75% / 100%, revenue 3.0M / 4.5M / 2.5M.
    costs = pl.DataFrame({"project_id": ["f"] * 3, "month": M, "cost_pc": [2.4e6, 3.6e6, 2.2e6]})
    etc = pl.DataFrame({"project_id": ["f"] * 3, "month": M, "etc_pc": [5.6e6, 2.0e6, 0.0]})
    projects = pl.DataFrame(
        {
            "project_id": ["f"],
            "billing_type": ["fixed_fee"],
            "contract_value": [1e7],
            "closed": [False],
            "end_date": [D(2026, 12, 31)],
        }
    )
    out = fixed_fee_progress(costs, etc, projects, M).sort("month")
    assert out["pct_complete"].to_list() == pytest.approx([0.30, 0.75, 1.0])
    assert out["revenue_pc"].to_list() == pytest.approx([3.0e6, 4.5e6, 2.5e6])


def test_retainer_spread_evenly_over_days():
    # 17 Jan to 15 Feb is 30 days: 15 in January, 15 in February.
    p = pl.DataFrame(
        {
            "project_id": ["r"],
            "billing_type": ["retainer"],
            "contract_value": [3000.0],
            "start_date": [D(2026, 1, 17)],
            "end_date": [D(2026, 2, 15)],
        }
    )
    out = retainer_by_month(p, None, None).sort("month")
    assert out["revenue_pc"].to_list() == pytest.approx([1500.0, 1500.0])
    # After an as-of date of 31 January only February is left.
    assert retainer_by_month(p, D(2026, 1, 31), None)["revenue_pc"].to_list() == pytest.approx([1500.0])


ATTRS = pl.DataFrame(
    {
        "project_id": ["p"],
        "customer_id": ["c"],
        "practice": ["X"],
        "region": ["NA"],
        "entity_id": ["LE"],
        "remaining_cap": [20000.0],
    }
)


def test_booked_time_and_materials_factor_rate_and_cap():
    rows = pl.DataFrame(
        {
            "project_id": ["p"] * 3,
            "month": M,
            "hours": [100.0] * 3,
            "rate": [150.0] * 3,
            "factor": [0.8] * 3,
            "billable_share": [1.0] * 3,
        }
    )
    comp = C.booked_time_and_materials(rows, ATTRS, M, 10, np.random.default_rng(0), 0.0, 0.0)
    # 100 h x 0.8 x 150 = 12,000 a month; the remaining cap of 20,000 leaves 8,000 then nothing.
    assert comp.values[0, :, 0].tolist() == pytest.approx([12000.0, 8000.0, 0.0])
    uncapped = C.booked_time_and_materials(
        rows,
        ATTRS.with_columns(pl.lit(None, pl.Float64).alias("remaining_cap")),
        M,
        10,
        np.random.default_rng(0),
        0.0,
        0.0,
    )
    assert uncapped.values[0, :, 0].tolist() == pytest.approx([12000.0] * 3)


@pytest.mark.parametrize(
    "overrun, expected",
    [
        (1.0, [30000.0, 30000.0, 0.0]),
        # Month 1: incurred 40,000 + 1.5 x 30,000 = 85,000, still planned 30,000 -> 85/115 = 73.913%
        # -> cumulative 73,913.04; month 2: plan done -> 100%.
        (1.5, [73913.043 - 40000.0, 100000.0 - 73913.043, 0.0]),
    ],
)
def test_booked_fixed_fee_earns_remaining_value_as_cost_is_incurred(overrun, expected):
    ff = pl.DataFrame(
        {
            "project_id": ["f"],
            "customer_id": ["c"],
            "practice": ["X"],
            "region": ["NA"],
            "entity_id": ["LE"],
            "contract_value": [100000.0],
            "earned_pc": [40000.0],
            "cost_to_date_pc": [40000.0],
            "fx": [1.0],
            "end_date": [D(2026, 6, 30)],
        }
    )
    planned = pl.DataFrame({"project_id": ["f", "f"], "month": M[:2], "cost_pc": [30000.0, 30000.0]})
    comp = C.booked_fixed_fee(ff, planned, M, 5, np.random.default_rng(0), overrun, 0.0)
    assert comp.values[0, :, 0].tolist() == pytest.approx(expected, abs=0.01)


def test_milestones_slip_and_overdue_land_in_the_first_months():
    as_of = D(2025, 12, 31)
    ms = pl.DataFrame(
        {
            "milestone_id": ["m1", "m2"],
            "project_id": ["p", "p"],
            "amount_reporting": [1000.0, 500.0],
            "due_date": [D(2026, 1, 25), D(2025, 12, 1)],
        }
    )
    comp = C.milestones(ms, ATTRS, np.array([10.0]), as_of, M, 50, np.random.default_rng(1))
    # m1: due 25 Jan + 10 days = 4 Feb. m2: 30 days overdue, longer than every learned slip -> within 30 days: January.
    assert comp.values[0, :, :].mean(axis=1).tolist() == pytest.approx([500.0, 1000.0, 0.0])


def test_retainer_component_is_deterministic():
    rows = pl.DataFrame({"project_id": ["p", "p"], "month": M[:2], "value": [100.0, 200.0]})
    comp = C.retainers(rows, ATTRS, M)
    assert comp.values.shape == (1, 3, 1)
    assert comp.values[0, :, 0].tolist() == [100.0, 200.0, 0.0]


def test_pipeline_win_slip_and_profile():
    opp = pl.DataFrame(
        {
            "opportunity_id": ["o"],
            "customer_id": [None],
            "practice": ["X"],
            "region": ["NA"],
            "win_prob": [1.0],
            "amount_reporting": [1200.0],
            "expected_start_date": [D(2026, 1, 10)],
            "n_months": [2],
        },
        schema_overrides={"customer_id": pl.String},
    )
    flat = lambda n: np.full(n, 1.0 / n)  # noqa: E731
    comp = C.pipeline(opp, M, 20, np.random.default_rng(0), np.array([30.0]), flat)
    # Starts 10 Jan + 30 days = 9 Feb: 600 in February and 600 in March.
    assert comp.values[0, :, 0].tolist() == pytest.approx([0.0, 600.0, 600.0])
    half = C.pipeline(
        opp.with_columns(pl.lit(0.5).alias("win_prob")), M, 20000, np.random.default_rng(0), np.array([0.0]), flat
    )
    assert half.values[0].mean(axis=1).tolist() == pytest.approx([300.0, 300.0, 0.0], rel=0.03)


def test_guarded_forecast_falls_back_and_says_why():
    y = np.array([10.0, 12, 11, 13, 12, 14, 13, 15, 14, 16, 15, 17, 16, 18])

    def broken(_y, _h):
        raise np.linalg.LinAlgError("singular")

    fc, sd, model, reason = guarded_forecast(y, 3, broken)
    assert (model, reason) == ("seasonal_naive", "LinAlgError")
    assert fc.tolist() == seasonal_naive(y, 3)[0].tolist() == [11.0, 13.0, 12.0]  # the same months a year earlier

    def absurd(_y, h):
        return np.full(h, 1e9), 1.0

    assert guarded_forecast(y, 3, absurd)[2] == "seasonal_naive"
    assert guarded_forecast(y, 3)[2] == "ets"


def test_time_and_materials_realization_ratio_with_shrinkage():
    from types import SimpleNamespace

    from forecasting.calibration import tm_realization

    e = D(2026, 1, 31)
    inputs = SimpleNamespace(
        projects=pl.DataFrame(
            {"project_id": ["p"], "practice": ["X"], "billing_type": ["time_and_materials"], "currency": ["USD"]}
        ),
        rate_cards=pl.DataFrame(
            {
                "project_id": [None],
                "role": ["Consultant"],
                "bill_rate": [100.0],
                "currency": ["USD"],
                "valid_from": [D(2020, 1, 1)],
                "valid_to": [None],
            },
            schema_overrides={"project_id": pl.String, "valid_to": pl.Date},
        ),
    )
    plan = pl.DataFrame(
        {
            "origin": [e],
            "assignment_id": ["a"],
            "project_id": ["p"],
            "employee_id": ["e1"],
            "role": ["Consultant"],
            "region": ["NA"],
            "month": [D(2026, 2, 1)],
            "hours": [100.0],
        }
    )
    history = pl.DataFrame({"project_id": ["p"], "month": [D(2026, 2, 1)], "revenue": [12000.0]})
    rated = pl.DataFrame(
        schema={
            "billing_type": pl.String,
            "project_id": pl.String,
            "role": pl.String,
            "hours": pl.Float64,
            "bill_value_reporting": pl.Float64,
        }
    )
    factors = {
        "firm": pl.DataFrame({"bucket": ["h1"], "factor": [1.0]}),
        "practice": pl.DataFrame(schema={"practice": pl.String, "bucket": pl.String, "factor": pl.Float64}),
        "cell": pl.DataFrame(
            schema={"practice": pl.String, "role": pl.String, "bucket": pl.String, "factor": pl.Float64}
        ),
        "pooled": 1.0,
    }
    share = pl.DataFrame({"practice": ["X"], "billable_share": [1.0]})
    fx = pl.DataFrame({"currency": ["USD"], "month": [D(2026, 2, 1)], "fx": [1.0]})
    out = tm_realization(inputs, plan, history, rated, factors, share, fx, D(2026, 3, 31))
    # Model: 100 h x 1.0 x 1.0 x 100 = 10,000; earned 12,000; prior 5% of 10,000 = 500 toward 1:
    # (12,000 + 500) / (10,000 + 500) = 1.190476.
    assert out == {"h1": pytest.approx(12500 / 10500)}


def test_backtest_metrics_by_hand():
    from forecasting.scoring import compute_metrics

    truth = pl.DataFrame({"practice": ["X", "X"], "month": M[:2], "actual": [100.0, 200.0]})
    recs = pl.DataFrame(
        {
            "method": ["wipcast", "wipcast"],
            "level_key": [None, None],
            "month": M[:2],
            "h": [1, 3],
            "point": [110.0, 150.0],
            "p10": [90.0, 160.0],
            "p90": [120.0, 240.0],
            "origin": [D(2025, 12, 31)] * 2,
        },
        schema_overrides={"level_key": pl.String},
    )
    m = compute_metrics(recs, truth, {None: 50.0})
    get = lambda metric, h=None: m.filter((pl.col("metric") == metric) & (pl.col("horizon").eq_missing(h)))["value"][0]  # noqa: E731
    # h1: |100 - 110| / 100 = 0.10; bias +0.10; MASE 10 / 50 = 0.2; 100 in [90, 120] -> covered.
    assert (get("wape", 1), get("bias", 1), get("mase", 1), get("coverage80", 1)) == pytest.approx(
        (0.10, 0.10, 0.2, 1.0)
    )
    # h3: 200 vs 150 -> WAPE 0.25, bias -0.25; 200 in [160, 240] -> covered.
    assert (get("wape", 3), get("bias", 3)) == pytest.approx((0.25, -0.25))
    # pooled h1-3: (10 + 50) / 300 = 0.2; bias (10 - 50) / 300 = -0.1333.
    assert (get("wape_h1_3"), get("bias_h1_3")) == pytest.approx((0.2, -40 / 300))


def test_a_practice_whose_recent_revenue_nets_to_zero_gets_no_nan_region_share():
    """0 / 0 would be NaN, and polars keeps NaN through `share > 0`: the unplanned forecast of such a
    practice came out NaN in every month (seen on a 6-person firm)."""
    import datetime as dt

    import numpy as np
    import polars as pl

    from forecasting import components as C

    shares = pl.DataFrame(
        {"practice": ["Alpha"], "region": ["NA"], "share": [1.0], "entity_id": ["LE1"]},
    ).filter(pl.col("share") < 0)  # what the engine now yields for a zero-revenue practice: no rows
    months = [dt.date(2026, 11, 1), dt.date(2026, 12, 1)]
    comp = C.unplanned({"Alpha": (np.array([100.0, 100.0]), 10.0)}, {}, shares, months, 50, np.random.default_rng(0))
    assert np.isfinite(comp.values).all() and comp.values.shape == (1, 2, 50)
