"""Each adjustment on the synthetic firm, against a hand-computed effect.

The engine runs with the same seed for base and scenario; apply.py never removes a series, so every
unchanged series draws the same random numbers and must come out identical (common random numbers).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scenario_consts import AS_OF

from forecasting import engine
from forecasting.scenarios import from_yaml_text, simulate_scenario
from forecasting.scenarios.capacity import CapacityBasis, apply_capacity, capacity_hours_change, ramp, standard_hours
from wipcast.errors import InputError

SEED, DRAWS = 5, 300
MONTHS = [dt.date(2026, m, 1) for m in range(1, 13)]


def series(result, component: str, key: str = "project_id") -> dict:
    """{series key: (months,) mean over draws} for one component."""
    for c in result.components:
        if c.name == component:
            keys = c.meta[key].to_list()
            means = c.values.mean(axis=2)
            return {k: means[i] for i, k in enumerate(keys)}
    return {}


@pytest.fixture(scope="module")
def base(prep):
    return engine.simulate(prep, DRAWS, SEED)


def scenario(raw, prep, text: str, draws: int = DRAWS):
    return simulate_scenario(raw, from_yaml_text(text), AS_OF, 12, draws, SEED, prepared=prep)


def test_neutral_scenario_reproduces_base_exactly(raw, prep, base):
    result = scenario(raw, prep, "name: neutral")
    assert [c.name for c in result.components] == [c.name for c in base.components]
    for ours, theirs in zip(result.components, base.components, strict=True):
        assert ours.meta.equals(theirs.meta)
        assert np.array_equal(ours.values, theirs.values), ours.name


def test_win_probability_certain_win_gives_full_amount_and_half_halves_it(raw, prep):
    # shift +1 clips every probability to 1: each deal earns amount x profile share for the months from
    # its expected start (the synthetic firm has no won-deal slips, so the start is the expected one).
    sure = scenario(raw, prep, "name: sure\nwin_probability: [{shift: 1.0}]")
    opps = prep.opportunities
    got = series(sure, "pipeline", "opportunity_id")
    for oid, amount, start, n in opps.select(
        "opportunity_id", "amount_reporting", "expected_start_date", "n_months"
    ).iter_rows():
        k = max(0, (start.year - 2026) * 12 + start.month - 1)
        shares = prep.shares_for(int(n))
        expected = np.zeros(12)
        for j, s in enumerate(shares):
            if k + j < 12:
                expected[k + j] = amount * s
        np.testing.assert_allclose(got[oid], expected, rtol=1e-12, atol=1e-9)
    # then x 0.5: every probability is exactly 0.5 and the mean pipeline is half of the sure one
    half = scenario(raw, prep, "name: half\nwin_probability: [{shift: 1.0}, {multiplier: 0.5}]", draws=4000)
    full_total = sum(v.sum() for v in got.values())
    half_total = sum(v.sum() for v in series(half, "pipeline", "opportunity_id").values())
    assert half_total == pytest.approx(full_total / 2, rel=0.04)
    none = scenario(raw, prep, "name: none\nwin_probability: [{shift: -1.0}]")
    assert all(v.sum() == 0 for v in series(none, "pipeline", "opportunity_id").values())


def test_win_probability_by_stage_only_touches_that_stage(raw, prep):
    from forecasting.scenarios.apply import change_win_probability
    from forecasting.scenarios.definition import WinProbabilityChange

    edited = change_win_probability(prep, WinProbabilityChange(multiplier=0.5, stage="Negotiate"))
    before, after = prep.opportunities, edited.opportunities
    for (stage, p0), p1 in zip(
        before.select("stage", "win_prob").iter_rows(), after["win_prob"].to_list(), strict=True
    ):
        assert p1 == pytest.approx(p0 * 0.5 if stage == "Negotiate" else p0)


def test_bill_rate_rise_from_a_date_changes_tm_after_it_only(raw, prep, base):
    result = scenario(raw, prep, "name: rates\nbill_rates: [{percent: 10, from_date: 2026-04-01}]")
    tm0, tm1 = series(base, "booked_time_and_materials"), series(result, "booked_time_and_materials")
    assert tm0.keys() == tm1.keys()
    for pid in tm0:
        np.testing.assert_allclose(tm1[pid][:3], tm0[pid][:3], rtol=1e-12)  # Jan-Mar unchanged
        np.testing.assert_allclose(tm1[pid][3:], tm0[pid][3:] * 1.10, rtol=1e-12)  # April on: +10%
    for name in ("booked_fixed_fee", "milestone", "retainer"):
        for pid, v in series(base, name).items():
            assert np.array_equal(series(result, name)[pid], v), name
    # a deal expected to start on or after the date is priced 10% higher, others are not
    opps = prep.opportunities
    amounts = dict(zip(opps["opportunity_id"], opps["amount_reporting"], strict=True))
    from forecasting.scenarios.apply import change_bill_rates
    from forecasting.scenarios.definition import BillRateChange

    edited = change_bill_rates(prep, [BillRateChange(percent=10, from_date=dt.date(2026, 4, 1))])
    for oid, start, amount in edited.opportunities.select(
        "opportunity_id", "expected_start_date", "amount_reporting"
    ).iter_rows():
        assert amount == pytest.approx(amounts[oid] * (1.1 if start >= dt.date(2026, 4, 1) else 1.0))


def test_bill_rate_from_mid_month_is_prorated_by_days(raw, prep, base):
    result = scenario(raw, prep, "name: rates\nbill_rates: [{percent: 10, from_date: 2026-04-16, role: Manager}]")
    # April has 30 days, 15 of them from the 16th: Manager rows get 1 + 0.10 x 15/30 = 1.05 in April.
    rows = prep.tm_rows.filter((prep.tm_rows["role"] == "Manager") & (prep.tm_rows["month"] == dt.date(2026, 4, 1)))
    from forecasting.scenarios.apply import change_bill_rates
    from forecasting.scenarios.definition import BillRateChange

    edited = change_bill_rates(prep, [BillRateChange(percent=10, from_date=dt.date(2026, 4, 16), role="Manager")])
    after = edited.tm_rows.filter(
        (edited.tm_rows["role"] == "Manager") & (edited.tm_rows["month"] == dt.date(2026, 4, 1))
    )
    np.testing.assert_allclose(after["rate"].to_numpy(), rows["rate"].to_numpy() * 1.05)
    assert result is not None


def test_cancelled_projects_lose_their_remaining_revenue(raw, prep, base):
    text = """name: cancel
projects:
  - {project_id: P18, action: cancel}
  - {project_id: P17, action: cancel}
  - {project_id: M1, action: cancel}
  - {project_id: R1, action: cancel}
"""
    result = scenario(raw, prep, text)
    tm0, tm1 = series(base, "booked_time_and_materials"), series(result, "booked_time_and_materials")
    assert tm1["P18"].sum() == 0 and tm0["P18"].sum() > 0
    for pid in tm0:
        if pid != "P18":
            assert np.array_equal(tm1[pid], tm0[pid]), pid  # nobody else changes, draw for draw
    assert series(base, "booked_fixed_fee")["P17"].sum() > 0 and series(result, "booked_fixed_fee")["P17"].sum() == 0
    assert series(base, "milestone")["M1"].sum() > 0 and series(result, "milestone")["M1"].sum() == 0
    assert series(result, "retainer")["R1"].sum() == 0
    assert np.array_equal(
        series(result, "pipeline", "opportunity_id")["O003"], series(base, "pipeline", "opportunity_id")["O003"]
    )


def test_delayed_project_moves_its_schedule(raw, prep, base):
    result = scenario(
        raw,
        prep,
        "name: late\nprojects: [{project_id: R1, action: delay, weeks: 5}, {project_id: M1, action: delay, weeks: 8}]",
    )
    # 5 weeks = 35 days = 1.1499 months: 85.01% of each month's fee moves one month on, 14.99% two months on.
    f = 35 / (365.25 / 12) - 1
    fees = [1550, 1400, 1550, 1500, 1550, 1500, 1550, 1550, 1500, 1550, 1500, 1550]  # 50 a day
    expected = [0.0] + [(1 - f) * fees[m - 1] + (f * fees[m - 2] if m >= 2 else 0.0) for m in range(1, 12)]
    np.testing.assert_allclose(series(base, "retainer")["R1"], fees)
    np.testing.assert_allclose(series(result, "retainer")["R1"], expected, rtol=1e-12)
    from forecasting.scenarios.apply import delay_project

    edited = delay_project(prep, "M1", 8)
    due0 = dict(zip(prep.open_milestones["milestone_id"], prep.open_milestones["due_date"], strict=True))
    for mid, due in edited.open_milestones.select("milestone_id", "due_date").iter_rows():
        assert due == due0[mid] + dt.timedelta(weeks=8)


def test_pipeline_delay_moves_expected_starts(raw, prep):
    from forecasting.scenarios.apply import delay_pipeline
    from forecasting.scenarios.definition import PipelineDelay

    edited = delay_pipeline(prep, PipelineDelay(weeks=5))
    for d0, d1 in zip(
        prep.opportunities["expected_start_date"], edited.opportunities["expected_start_date"], strict=True
    ):
        assert d1 == d0 + dt.timedelta(days=35)
    far = scenario(raw, prep, "name: far\npipeline_delay: [{weeks: 104}]")  # two years: past the 12-month horizon
    assert all(v.sum() == 0 for v in series(far, "pipeline", "opportunity_id").values())


def test_capacity_rule_by_hand():
    assert capacity_hours_change(demand=100, base_capacity=80, scenario_capacity=120) == 20  # hires fill unmet demand
    assert capacity_hours_change(demand=100, base_capacity=120, scenario_capacity=150) == 0  # no demand left
    assert capacity_hours_change(demand=100, base_capacity=100, scenario_capacity=50) == -50  # leavers' work lost
    assert capacity_hours_change(demand=40, base_capacity=100, scenario_capacity=50) == 0  # the rest absorb it
    assert standard_hours(dt.date(2026, 2, 1)) == 20 * 8 and standard_hours(dt.date(2026, 3, 1)) == 22 * 8
    assert ramp(dt.date(2026, 2, 1), dt.date(2026, 3, 1), 4) == 0
    assert ramp(dt.date(2026, 3, 1), dt.date(2026, 3, 1), 4) == pytest.approx(0.5)  # mid-March: 2 of 4 weeks
    assert ramp(dt.date(2026, 5, 1), dt.date(2026, 3, 1), 4) == 1


BIG = CapacityBasis(
    headcount={"Alpha": 1000.0, "Beta": 1000.0}, utilization={"Alpha": 0.5, "Beta": 0.5}, roles=frozenset()
)


def test_hiring_not_demand_limited_sells_every_hour(prep):
    s = from_yaml_text(
        "name: h\nhiring: [{role: Manager, practice: Alpha, region: EU, count: 3, start_month: 2026-03-01, "
        "demand_limited: false}]"
    )
    _, extra = apply_capacity(prep, s, BIG)
    values = extra.values[0, :, 0]
    assert extra.meta["practice"].to_list() == ["Alpha"] and extra.meta["region"].to_list() == ["EU"]
    # 3 people x 22 weekdays x 8 h x utilization 0.5 x Manager rate 200 in Alpha
    assert values[1] == 0  # February: not started
    assert values[2] == pytest.approx(3 * 22 * 8 * 0.5 * 200)  # March
    assert values[3] == pytest.approx(3 * 22 * 8 * 0.5 * 200)  # April (22 weekdays too)


def test_hiring_limited_by_demand_finds_none_when_capacity_is_ample(prep):
    s = from_yaml_text("name: h\nhiring: [{role: Manager, practice: Alpha, count: 3, start_month: 2026-03-01}]")
    _, extra = apply_capacity(prep, s, BIG)
    assert extra is None  # 1000 people at 50% already cover every planned and pipeline hour


def test_attrition_loses_booked_hours_only_beyond_what_the_rest_absorb(raw, prep, base):
    total = CapacityBasis(
        headcount={"Alpha": 1000.0, "Beta": 1000.0}, utilization={"Alpha": 0.5, "Beta": 0.5}, roles=frozenset()
    )
    s = from_yaml_text("name: a\nattrition: [{percent_per_year: 100, practice: Alpha}]")
    edited, extra = apply_capacity(prep, s, total)
    assert extra is None
    alpha = edited.tm_rows.filter(edited.tm_rows["practice"] == "Alpha")
    beta0 = prep.tm_rows.filter(prep.tm_rows["practice"] == "Beta")
    assert alpha["hours"].sum() == 0  # everyone leaves: no capacity at all
    assert edited.tm_rows.filter(edited.tm_rows["practice"] == "Beta")["hours"].to_list() == beta0["hours"].to_list()
    half = from_yaml_text("name: a\nattrition: [{percent_per_year: 50}]")
    edited, _ = apply_capacity(prep, half, total)
    assert edited.tm_rows["hours"].to_list() == prep.tm_rows["hours"].to_list()  # 500 people left still absorb it all


def test_utilization_cut_to_zero_removes_the_practices_booked_work(prep):
    s = from_yaml_text("name: u\nutilization: [{practice: Beta, change_points: -100}]")
    edited, extra = apply_capacity(prep, s, BIG)
    assert extra is None
    assert edited.tm_rows.filter(edited.tm_rows["practice"] == "Beta")["hours"].sum() == 0
    assert (
        edited.tm_rows.filter(edited.tm_rows["practice"] == "Alpha")["hours"].sum()
        == prep.tm_rows.filter(prep.tm_rows["practice"] == "Alpha")["hours"].sum()
    )
    assert "scenario.capacity.Beta.utilization_scenario" not in prep.diagnostics  # the input was not modified


def test_unknown_names_are_rejected_with_the_allowed_values(raw, prep):
    with pytest.raises(InputError) as caught:
        scenario(raw, prep, "name: x\nhiring: [{role: Manager, practice: Gamma, count: 1, start_month: 2026-03-01}]")
    assert (
        "hiring[0].practice" in caught.value.one_line()
        and "'Gamma'" in caught.value.one_line()
        and "Alpha, Beta" in caught.value.one_line()
    )
    with pytest.raises(InputError, match="projects\\[0\\].project_id"):
        scenario(raw, prep, "name: x\nprojects: [{project_id: NOPE, action: cancel}]")


def test_demand_limited_hires_earn_only_the_demand_the_team_cannot_serve(prep):
    # No current team in Alpha: all of Alpha's expected revenue is unserved demand. 10,000 Managers can
    # serve it all, and a billable hour earns the Manager rate (200), so the hires earn exactly Alpha's
    # expected revenue in each month from March (computed here from the engine directly, 200 draws, seed 0).
    nobody = CapacityBasis(
        headcount={"Alpha": 0.0}, utilization={"Alpha": 0.5}, roles=frozenset(), revenue_per_hour={"Alpha": 200.0}
    )
    s = from_yaml_text("name: h\nhiring: [{role: Manager, practice: Alpha, count: 10000, start_month: 2026-03-01}]")
    _, extra = apply_capacity(prep, s, nobody)
    keys, cells = engine.simulate(prep, 200, 0).summed_draws(["practice"])
    alpha = cells[keys["practice"].to_list().index("Alpha")].mean(axis=1)
    np.testing.assert_allclose(extra.values[0, :, 0], np.where(np.arange(12) >= 2, alpha, 0.0), rtol=1e-9)
    # Half the demand served by the current team (capacity = 3 people x S x 0.5 x 200): the hires get the rest.
    some = CapacityBasis(
        headcount={"Alpha": 3.0}, utilization={"Alpha": 0.5}, roles=frozenset(), revenue_per_hour={"Alpha": 200.0}
    )
    _, extra = apply_capacity(prep, s, some)
    team = np.array([3 * standard_hours(m) * 0.5 * 200 for m in MONTHS])
    expected = np.where(np.arange(12) >= 2, np.maximum(alpha - team, 0.0), 0.0)
    np.testing.assert_allclose(
        extra.values[0, :, 0] if extra is not None else np.zeros(12), expected, rtol=1e-9, atol=1e-6
    )
