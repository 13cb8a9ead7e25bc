"""After good and failed Kantata runs, in process and through the CLI, the token is nowhere: not in
any output, log record, file under the project or warehouse table."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ingest.connectors import run
from simulator.serve import FixtureServer
from wipcast.errors import WipcastError
from wipcast.settings import Settings

from ..test_token_never_leaks import _tables_containing
from .conftest import TOKEN, kantata_url

WIPCAST = str(Path(sys.executable).with_name("wipcast"))


def test_the_token_is_nowhere(
    settings: Settings,
    server: FixtureServer,
    workdir: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    run.sync(settings, "kantata", "ok", base_url=kantata_url(server))
    server.add_fault("invalid_json", "/api/v1/time_entries.json")
    with pytest.raises(WipcastError) as info:
        run.sync(settings, "kantata", "bad", base_url=kantata_url(server))
    assert TOKEN not in info.value.one_line() and TOKEN not in repr(info.value)
    server.clear()

    server.add_fault("401", "/api/v1/")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIPCAST_")}
    failed = subprocess.run(
        [WIPCAST, "--verbose", "ingest", "kantata", "--base-url", kantata_url(server)],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert failed.returncode == 1 and "SOURCES__KANTATA__ACCESS_TOKEN" in failed.stderr
    assert TOKEN not in failed.stdout + failed.stderr

    captured = capfd.readouterr()
    assert TOKEN not in captured.out + captured.err
    assert all(TOKEN not in record.getMessage() for record in caplog.records)
    leaked = [p for p in workdir.rglob("*") if p.is_file() and TOKEN.encode() in p.read_bytes()]
    assert leaked == []
    assert _tables_containing(settings.work_db, TOKEN) == []
    con = duckdb.connect(str(settings.work_db))  # the scan can see a planted token, so it is not vacuous
    con.execute("create table main.canary as select ? as t", [TOKEN])
    con.close()
    assert _tables_containing(settings.work_db, TOKEN) == ["main.canary"]
