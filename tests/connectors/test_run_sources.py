"""`wipcast run` ingests every source of `[sources] run` in wipcast.toml, in order, inside the run's
writer lock (each connector sync a logged step of the run)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cli import pipeline, steps
from ingest.connectors import run
from simulator.serve import FixtureServer
from wipcast.errors import InputError
from wipcast.lock import holds_lock
from wipcast.settings import load_settings

from .conftest import WIPCAST_TOML, forecast_url, harvest_url
from .helpers import query


def _toml(folder: Path, sources: str) -> None:
    (folder / "wipcast.toml").write_text(sources + "\n" + WIPCAST_TOML)


def test_default_is_the_files_alone(tmp_path: Path) -> None:
    assert run.run_sources(tmp_path) == ["files"]
    (tmp_path / "wipcast.toml").write_text('[wipcast]\nreporting_currency = "USD"\n')
    assert run.run_sources(tmp_path) == ["files"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[sources]\nrun = ["files", "harvest", "harvest_forecast"]', ["files", "harvest", "harvest-forecast"]),
        ('[sources]\nrun = ["harvest", "harvest-forecast"]', ["harvest", "harvest-forecast"]),
    ],
)
def test_sources_are_read_in_order(tmp_path: Path, text: str, expected: list[str]) -> None:
    _toml(tmp_path, text)
    assert run.run_sources(tmp_path) == expected
    load_settings(cwd=tmp_path)  # the core settings ignore the table


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[sources]\nrun = ["files", "harvst"]', "'harvst', which is not a source"),
        ('[sources]\nrun = ["harvest", "harvest"]', "twice"),
        ('[sources]\nrun = ["harvest_forecast", "harvest"]', "before harvest, whose ids it refers to"),
        ('[sources]\nrun = "harvest"', "sources.run"),
        ("[sources]\nrun = []", "sources.run"),
        ('[sources]\ningest = ["harvest"]', "unknown key(s): ingest"),
        ('sources = ["harvest"]', "is not a table"),
    ],
)
def test_bad_sources_fail_before_anything_is_written(tmp_path: Path, text: str, message: str) -> None:
    _toml(tmp_path, text)
    with pytest.raises(InputError) as err:
        run.run_sources(tmp_path)
    assert message in err.value.one_line()


def test_run_syncs_each_connector_inside_its_writer_lock(
    workdir: Path, creds: None, server: FixtureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    toml = WIPCAST_TOML.replace(
        "[connectors.harvest]\n", f'[connectors.harvest]\nbase_url = "{harvest_url(server)}"\n'
    ).replace(
        "[connectors.harvest_forecast]\n", f'[connectors.harvest_forecast]\nbase_url = "{forecast_url(server)}"\n'
    )
    (workdir / "wipcast.toml").write_text('[sources]\nrun = ["harvest", "harvest_forecast"]\n' + toml)
    synced: list[tuple[str, bool]] = []
    real_sync = run.sync

    def sync(settings: Any, name: str, run_id: str, **kwargs: Any) -> run.SyncResult:
        synced.append((name, holds_lock(settings)))
        return real_sync(settings, name, run_id, **kwargs)

    later: list[str] = []
    monkeypatch.setattr(run, "sync", sync)
    monkeypatch.setattr(steps, "ingest", lambda *a, **k: pytest.fail("files are not a source of this run"))
    monkeypatch.setattr(steps, "transform", lambda settings, run_id: later.append("transform"))
    monkeypatch.setattr(steps, "forecast", lambda settings, run_id, *a: later.append("forecast"))
    monkeypatch.setattr(steps, "publish", lambda settings, run_id: later.append("publish"))

    pipeline.run(input_dir=None, as_of=None, draws=100, allow_outside=False)

    assert synced == [("harvest", True), ("harvest-forecast", True)]
    assert later == ["transform", "forecast", "publish"]
    settings = load_settings(cwd=workdir)
    logged = query(settings, "select run_id, step, status from ops.run_log order by started_at")
    assert [(step, status) for _, step, status in logged] == [
        ("ingest harvest", "success"),
        ("ingest harvest-forecast", "success"),
    ]
    assert len({run_id for run_id, _, _ in logged}) == 1  # both steps belong to the one run
    assert query(settings, "select count(*) from conformed_harvest.time_entries")[0][0] > 0


def test_run_refuses_input_when_files_are_not_a_source(workdir: Path) -> None:
    import typer

    (workdir / "wipcast.toml").write_text('[sources]\nrun = ["harvest"]\n' + WIPCAST_TOML)
    with pytest.raises(typer.BadParameter):
        pipeline.run(input_dir=workdir, as_of=None, draws=100, allow_outside=False)
