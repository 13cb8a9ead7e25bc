"""After good and failed runs, in process and through the CLI, the token is nowhere: not in any
output, log record, file under the project (warehouse, dlt folders) or warehouse table."""

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

from .conftest import TOKEN, forecast_url, harvest_url

WIPCAST = str(Path(sys.executable).with_name("wipcast"))


def _cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIPCAST_")}
    return subprocess.run([WIPCAST, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180)


def _tables_containing(db: Path, needle: str) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        found = []
        for schema, table in con.execute(
            "select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE'"
        ).fetchall():
            hits = con.execute(
                f'select count(*) from "{schema}"."{table}" t where position(? in CAST(t AS VARCHAR)) > 0', [needle]
            ).fetchall()[0][0]
            if hits:
                found.append(f"{schema}.{table}")
        return found
    finally:
        con.close()


def test_the_token_is_nowhere(
    settings: Settings,
    server: FixtureServer,
    workdir: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    run.sync(settings, "harvest", "ok", base_url=harvest_url(server))
    run.sync(settings, "harvest-forecast", "ok2", base_url=forecast_url(server))
    for kind in ("invalid_json", "repeat_next", "401"):
        server.add_fault(kind, "/v2/time_entries")
        with pytest.raises(WipcastError) as info:
            run.sync(settings, "harvest", f"bad-{kind}", base_url=harvest_url(server))
        assert TOKEN not in info.value.one_line() and TOKEN not in repr(info.value)
        server.clear()
    run.sync(settings, "harvest", "full", full_refresh=True, base_url=harvest_url(server))

    outputs = []
    base = harvest_url(server)
    for args in (
        ["ingest", "harvest", "--base-url", base],
        ["connectors", "list"],
        ["connectors", "check", "harvest", "--base-url", base],
        ["connectors", "reconform", "harvest"],
    ):
        done = _cli(args, workdir)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout + done.stderr)
    server.add_fault("401", "/v2/")
    failed = _cli(["--verbose", "ingest", "harvest", "--base-url", base], workdir)
    assert failed.returncode == 1 and "SOURCES__HARVEST__ACCESS_TOKEN" in failed.stderr
    outputs.append(failed.stdout + failed.stderr)

    captured = capfd.readouterr()
    assert TOKEN not in captured.out + captured.err
    assert all(TOKEN not in text for text in outputs)
    assert all(TOKEN not in record.getMessage() for record in caplog.records)
    leaked = [p for p in workdir.rglob("*") if p.is_file() and TOKEN.encode() in p.read_bytes()]
    assert leaked == []
    assert _tables_containing(settings.work_db, TOKEN) == []
    # the test can see a planted token, so the scan above is not vacuous
    con = duckdb.connect(str(settings.work_db))
    con.execute("create table main.canary as select ? as t", [TOKEN])
    con.close()
    assert _tables_containing(settings.work_db, TOKEN) == ["main.canary"]
