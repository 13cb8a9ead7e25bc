"""Recovery of the demo simulator's known truths (the simulator writes them to _truth.json)."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import polars as pl
import pytest

from forecasting import delivery, engine, pipeline
from forecasting.inputs import as_of_view, from_parquet_dir

demo = pytest.importorskip("simulator")


@pytest.fixture(scope="module")
def demo_firm(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    demo.generate(out, employees=150, months=30, as_of=dt.date(2026, 10, 31), seed=7)
    truth = json.loads((out / "_truth.json").read_text())
    inputs = as_of_view(from_parquet_dir(out), dt.date.fromisoformat(truth["generator"]["as_of"]))
    return inputs, engine.history_base(inputs), truth


def test_delivery_factors_recovered_within_005(demo_firm):
    inputs, base, truth = demo_firm
    pw = delivery.planned_vs_worked(
        base["plan_origins"], base["rated"], inputs.projects, inputs.as_of, delivery.BILLABLE_TYPES
    )
    realized = truth["delivery_factor"]["realized"]
    # Horizon 1 month ahead of a month-end plan ~ the truth's 1-week-ahead weekly snapshots.
    by_role = delivery.raw_factors(pw, ["role"])
    assert by_role.height == len(realized["by_role"])
    for role, factor, _ in by_role.iter_rows():
        assert factor == pytest.approx(realized["by_role"][role]["1"], abs=0.05), role
    learned = delivery.learn_factors(pw)
    for practice, factor in (
        learned["practice"].filter(pl.col("bucket") == "h1").select("practice", "factor").iter_rows()
    ):
        assert factor == pytest.approx(realized["by_practice"][practice]["1"], abs=0.05), practice
    # Shrunk practice x role cells: every well-observed cell (5,000+ planned hours in the truth) within
    # 0.05; thin cells lean on their practice, so allow a few misses there (all within 0.1).
    errors = []
    for role, practice, factor in (
        learned["cell"].filter(pl.col("bucket") == "h1").select("role", "practice", "factor").iter_rows()
    ):
        t = realized["by_role_practice"].get(f"{role}|{practice}")
        if t:
            errors.append((abs(factor - t["1"]["factor"]), t["1"]["planned_hours"]))
    e = np.array(errors)
    assert len(e) >= 20
    assert e[e[:, 1] >= 5000, 0].max() <= 0.05
    assert np.mean(e[:, 0] <= 0.05) >= 0.85 and e[:, 0].max() < 0.1


def test_calibrated_win_probability_is_calibrated_out_of_sample(demo_firm):
    inputs, _, truth = demo_firm
    fx = pl.DataFrame({"currency": ["USD", "EUR", "GBP"], "fx": [1.0, 1.1, 1.3]})
    train = pipeline.training_rows(inputs, fx)
    model = pipeline.WinModel(train, diagnose=True)
    assert model.method == "logistic_platt"
    # Out-of-fold Brier score beats the CRM's stage defaults (which are all optimistic in the demo).
    assert model.diagnostics["win_model.brier_calibrated_cv"] < model.diagnostics["win_model.brier_crm"]
    scored = train.with_columns(pl.Series("oof", model.oof)).drop_nulls("oof")
    assert scored.height > 0.9 * train.height
    by_stage = scored.group_by("stage").agg(
        pl.col("oof").mean(), pl.col("won").mean(), pl.col("probability").mean().alias("crm"), pl.len()
    )
    for stage, p, won, crm, _n in by_stage.iter_rows():
        # Win rates by stage are recovered out of sample (the states are month-end snapshots of open deals).
        assert p == pytest.approx(won, abs=0.05), stage
        # Every true rate in the simulator is below the CRM's default; so must the calibrated one be.
        assert p < crm, stage
        assert stage in truth["win_rates"]["realized_by_stage"]
