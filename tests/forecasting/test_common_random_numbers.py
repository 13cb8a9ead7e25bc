"""Common random numbers: each component draws from its own stream of the seed, so editing one
component's inputs leaves every other component's draws exactly as they were."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import polars as pl

from forecasting import engine
from forecasting.inputs import as_of_view, from_frames


def test_editing_the_pipeline_leaves_the_other_components_draws_unchanged(synth_frames):
    prep = engine.prepare(as_of_view(from_frames(synth_frames), dt.date(2025, 12, 31)), 6, diagnose=False)
    assert prep.opportunities.height  # the synthetic firm has open deals to edit
    fewer = dataclasses.replace(
        prep,
        opportunities=prep.opportunities.with_columns(pl.col("win_prob") * 0.5).head(prep.opportunities.height - 1),
    )
    base = {c.name: c.values for c in engine.simulate(prep, 200, 7, publish=False).components}
    edited = {c.name: c.values for c in engine.simulate(fewer, 200, 7, publish=False).components}
    for name in ("booked_time_and_materials", "booked_fixed_fee", "milestone", "retainer", "unplanned"):
        np.testing.assert_array_equal(base[name], edited[name], err_msg=name)
    # the pipeline itself did change (fewer deals, halved win probabilities)
    assert edited["pipeline"].sum() < 0.8 * base["pipeline"].sum()
