"""Unit tests of the pieces added for the regime suite: damped seasonal unplanned revenue, the
capacity ceiling, combination weights and conformal interval scaling."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from forecasting import capacity, selfassess, unplanned
from forecasting.components import Component


def test_damped_seasonal_residual_never_trends_and_keeps_the_season():
    # A steadily growing history with a December dip: the forecast is flat apart from the season.
    months = 30
    first = 5  # May
    season_true = np.ones(12)
    season_true[11] = 0.6
    y = np.array([(100 + 5 * t) * season_true[(first - 1 + t) % 12] for t in range(months)])
    season = unplanned.season_index(y, first)
    assert season[11] < 0.85 and abs(season.mean() - 1) < 1e-9
    shares = np.full(24, 0.3)
    target = [((first - 1 + months + i) % 12) + 1 for i in range(24)]
    fc, sd = unplanned.damped_seasonal(y, first, shares, season, target)
    deseason = fc / season[np.array(target) - 1]
    assert np.allclose(deseason, deseason[0])  # a level: no trend at any horizon
    assert fc[target.index(12)] == fc.min()  # December is the low month
    assert sd >= 0
    # bounded by the largest unplanned month seen (x slack)
    bound = np.full(24, 10.0)
    fc_b, _ = unplanned.damped_seasonal(y, first, shares, season, target, bound)
    assert fc_b.max() <= 10.0 * unplanned.BOUND_SLACK + 1e-9


def test_season_index_is_flat_without_a_year_of_history():
    assert np.allclose(unplanned.season_index(np.arange(1, 11, dtype=float), 1), 1.0)


def _employees(n: int, hire: dt.date, term: dt.date | None = None) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "employee_id": [f"E{i}" for i in range(n)],
            "region": ["R"] * n,
            "hire_date": [hire] * n,
            "termination_date": [term] * n,
        },
        schema={"employee_id": pl.String, "region": pl.String, "hire_date": pl.Date, "termination_date": pl.Date},
    )


def test_capacity_hours_count_working_days_holidays_and_employment():
    emp = _employees(2, dt.date(2020, 1, 1))
    hol = pl.DataFrame({"holiday_date": [dt.date(2025, 1, 1)], "region": ["R"]})
    cap = capacity.capacity_hours(emp, hol, [dt.date(2025, 1, 1)])
    # January 2025 has 23 weekdays, one a holiday: 2 people x 40 h x 22 / 5
    assert cap[0] == pytest.approx(2 * 40 * 22 / 5)
    left = _employees(1, dt.date(2020, 1, 1), dt.date(2025, 1, 15))
    assert capacity.capacity_hours(left, hol, [dt.date(2025, 2, 1)])[0] == 0.0


def test_capacity_ceiling_binds_and_is_recorded():
    months = [dt.date(2026, 1, 1), dt.date(2026, 2, 1)]
    meta = pl.DataFrame({"practice": ["A", "A"]})
    comp = Component("booked_time_and_materials", meta, np.full((2, 2, 50), 100.0))
    diag = selfassess.apply_ceiling([comp], months, np.array([150.0, 1000.0]))
    total = comp.values.sum(axis=0)
    assert np.allclose(total[0], 150.0) and np.allclose(total[1], 200.0)
    assert diag["capacity.binding_share_of_draws"] == pytest.approx(0.5)
    assert diag["capacity.binding_months"] == 1.0


def test_capacity_ceiling_learns_from_utilization_shown():
    emp = _employees(10, dt.date(2020, 1, 1))
    hol = pl.DataFrame(schema={"holiday_date": pl.Date, "region": pl.String})
    hist = [dt.date(2025, m, 1) for m in range(1, 13)]
    rated = pl.DataFrame({"month": hist, "hours": [800.0] * 12, "billable": [True] * 12})
    history = pl.DataFrame({"month": hist, "revenue": [160_000.0] * 12})
    top, diag = capacity.ceiling(emp, hol, rated, history, dt.date(2025, 12, 31), [dt.date(2026, 1, 1)])
    assert top is not None and diag["capacity.learned"] == 1.0
    cap = capacity.capacity_hours(emp, hol, [dt.date(2026, 1, 1)])[0]
    expected = cap * diag["capacity.max_utilization"] * 200.0 * capacity.SLACK
    assert top[0] == pytest.approx(expected)


def test_combination_weights_never_worse_than_best_single_on_the_fitting_data():
    rng = np.random.default_rng(3)
    for trial in range(40):
        n = int(rng.integers(3, 30))
        y = rng.uniform(50, 150, n)
        X = np.stack([y * rng.normal(1 + 0.1 * j, 0.1 + 0.1 * j, n) for j in range(3)], axis=1)
        for n_origins in (0.5, 1, 2, 5):
            w, info = selfassess.fit_weights(X, y, n_origins)
            assert w.min() >= 0 and w.sum() == pytest.approx(1.0)
            best = min(np.abs(y - X[:, j]).sum() for j in range(3))
            assert np.abs(y - X @ w).sum() <= best * (1 + 1e-9), trial


def test_short_history_shrinks_toward_the_prior():
    y = np.array([100.0, 100.0, 100.0])
    X = np.array([[100.0, 101.0, 99.0]] * 3)
    w_short, _ = selfassess.fit_weights(X, y, 0.1)
    w_long, _ = selfassess.fit_weights(X, y, 100)
    assert w_short.min() > w_long.min()  # shrunk: no method dropped


def test_calibration_scaling_widens_bands_that_under_cover():
    rng = np.random.default_rng(5)
    point = np.full(200, 100.0)
    y = point * (1 + rng.normal(0, 0.2, 200))
    narrow = np.full(200, 0.05)  # the simulation's spread: far too narrow
    s = selfassess.conformal_scale(point, narrow, narrow, y)
    assert s > 3
    inside = np.abs(y - point) <= s * 0.05 * point
    assert inside.mean() >= 0.8
    wide = np.full(200, 1.0)
    assert selfassess.conformal_scale(point, wide, wide, y) < 1  # over-covering bands narrow


def test_apply_publishes_the_combined_mean_with_additive_series():
    months = [dt.date(2026, 1, 1), dt.date(2026, 2, 1)]
    rng = np.random.default_rng(0)
    meta = pl.DataFrame({"practice": ["A", "A", "B"]})
    comp = Component("booked_time_and_materials", meta, rng.uniform(50, 150, (3, 2, 400)))
    a = selfassess.Assessment(
        weights={b: (0.5, 0.5, 0.0) for _, _, b in selfassess.BANDS},
        correction={b: 1.0 for _, _, b in selfassess.BANDS},
        scale={b: 2.0 for _, _, b in selfassess.BANDS},
        baselines={
            "A": {"seasonal_naive": np.array([300.0, 300.0]), "ets": np.zeros(2)},
            "B": {"seasonal_naive": np.array([50.0, 50.0]), "ets": np.zeros(2)},
        },
    )
    before_a = comp.values[:2].sum(axis=0).mean(axis=1)
    selfassess.apply([comp], months, a)
    after_a = comp.values[:2].sum(axis=0).mean(axis=1)
    assert np.allclose(after_a, 0.5 * before_a + 150.0, rtol=0.02)
    assert comp.values.min() >= 0
