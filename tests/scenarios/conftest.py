"""Fixtures: the forecasting tests' synthetic firm, prepared once, and a small warehouse holding a
base forecast and two scenario runs (built once per session)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
for extra in (ROOT, ROOT / "tests" / "forecasting", ROOT / "tests" / "scenarios"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import synth  # noqa: E402  (tests/forecasting/synth.py: a firm with known behaviour)
from scenario_consts import ADJUSTED_YAML, AS_OF, DRAWS, SEED  # noqa: E402,F401

from wipcast.settings import Settings  # noqa: E402


@pytest.fixture(scope="session")
def raw():
    from forecasting.inputs import from_frames

    return from_frames(synth.build())


@pytest.fixture(scope="session")
def prep(raw):
    from forecasting import engine
    from forecasting.inputs import as_of_view

    return engine.prepare(as_of_view(raw, AS_OF), 12, diagnose=False)


@pytest.fixture(scope="session")
def inputs(raw):
    from forecasting.inputs import as_of_view

    return as_of_view(raw, AS_OF)


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory) -> Settings:
    """work.duckdb with raw_canonical (synthetic firm), base run 'base-1' (seed 5) and scenario runs
    'neutral-1' (no adjustments) and 'fewer-1' (ADJUSTED_YAML)."""
    from forecasting import run_forecast
    from forecasting.scenarios import from_yaml_text, run_scenario
    from wipcast.build_stamp import current_raw_loads, record_build

    folder = tmp_path_factory.mktemp("scenario-warehouse")
    settings = Settings(warehouse_dir=folder, reporting_currency="USD", as_of=AS_OF)
    synth.write_raw(settings.work_db, synth.build())
    # The synthetic raw tables stand for a complete build, so a publish after a scenario is allowed.
    record_build(settings, "synthetic", dt.datetime.now(dt.UTC), "success", current_raw_loads(settings))
    run_forecast(settings, "base-1", horizon=12, draws=DRAWS, seed=SEED)
    run_scenario(settings, from_yaml_text("name: neutral"), "neutral-1")
    run_scenario(settings, from_yaml_text(ADJUSTED_YAML), "fewer-1")
    return settings


@pytest.fixture()
def sql(warehouse):
    import duckdb

    def run(statement: str, params=()):
        con = duckdb.connect(str(warehouse.work_db), read_only=True)
        try:
            return con.execute(statement, list(params)).fetchall()
        finally:
            con.close()

    return run
