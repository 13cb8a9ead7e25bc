"""Shared fixtures: a synthetic firm as canonical frames, and a tiny warehouse holding it."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import polars as pl
import pytest

sys.path.insert(0, str(Path(__file__).parent))
# The editable install maps the packages that existed when it was made; make sure the
# forecasting package of this work tree is importable either way.
if str(Path(__file__).parents[2]) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parents[2]))

import synth  # noqa: E402

from wipcast.settings import Settings  # noqa: E402


@pytest.fixture(scope="session")
def synth_frames() -> dict[str, pl.DataFrame]:
    return synth.build()


@pytest.fixture()
def synth_settings(tmp_path, synth_frames) -> Settings:
    settings = Settings(warehouse_dir=tmp_path / "wh", reporting_currency="USD", as_of=dt.date(2025, 12, 31))
    settings.warehouse_dir.mkdir(parents=True)
    synth.write_raw(settings.work_db, synth_frames)
    return settings
