"""HubSpot faults, offline: 429 (the documented rate-limit body) and 5xx are retried, a truncated search page
stops the run with one line and loads nothing, a refused token is one line naming the setting, and the
token is never written anywhere."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import duckdb
import pytest

from ingest.connectors import run
from simulator.serve import FixtureServer
from wipcast.errors import WipcastError
from wipcast.settings import Settings

from ..helpers import count
from .conftest import FIXTURES, TOKEN, hs_url

SEARCH = "/crm/v3/objects/deals/search"


def test_rate_limits_and_server_errors_are_retried(hs_settings: Settings, hs_server: FixtureServer) -> None:
    documented = json.loads((FIXTURES / "error_rate_limit_429.json").read_text())
    assert documented["errorType"] == "RATE_LIMIT"  # what a 429 carries; the retry needs only the status
    hs_server.add_fault("429", SEARCH, retry_after=0)
    hs_server.add_fault("500", "/crm/v3/pipelines/deals", times=2)
    run.sync(hs_settings, "hubspot", "r1", base_url=hs_url(hs_server))
    statuses = [r.status for r in hs_server.requests]
    assert statuses.count(429) == 1 and statuses.count(500) == 2
    assert count(hs_settings, "conformed_hubspot.opportunities") == 3


def test_a_truncated_page_is_one_line_and_loads_nothing(hs_settings: Settings, hs_server: FixtureServer) -> None:
    hs_server.add_fault("truncate", SEARCH, skip=1)
    with pytest.raises(WipcastError) as info:
        run.sync(hs_settings, "hubspot", "r1", base_url=hs_url(hs_server))
    assert "not valid JSON (truncated or corrupt)" in str(info.value) and "\n" not in str(info.value)
    assert not hs_settings.work_db.exists() or (
        count(hs_settings, "information_schema.tables", "table_schema = 'raw_hubspot' and table_name = 'deals'") == 0
    )


def test_a_refused_token_is_one_line_and_never_written(
    hs_settings: Settings,
    hs_server: FixtureServer,
    hs_workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    run.sync(hs_settings, "hubspot", "ok", base_url=hs_url(hs_server))
    hs_server.add_fault("401", SEARCH)
    with pytest.raises(WipcastError) as info:
        run.sync(hs_settings, "hubspot", "bad", base_url=hs_url(hs_server))
    assert str(info.value).startswith("HubSpot refused the credentials (HTTP 401")
    assert "SOURCES__HUBSPOT__ACCESS_TOKEN" in info.value.hint
    monkeypatch.setenv("SOURCES__HUBSPOT__ACCESS_TOKEN", "pat-na1-wrong")
    with pytest.raises(WipcastError) as check:
        run.check("hubspot", base_url=hs_url(hs_server))
    assert str(check.value).startswith("HubSpot refused the credentials (HTTP 401")

    captured = capfd.readouterr()
    assert TOKEN not in str(info.value) + info.value.hint + captured.out + captured.err + caplog.text
    for path in hs_workdir.rglob("*"):
        if path.is_file() and path.suffix != ".duckdb":
            assert TOKEN.encode() not in path.read_bytes(), path
    con = duckdb.connect(str(hs_settings.work_db), read_only=True)
    try:
        for schema, table in con.execute(
            "select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE'"
        ).fetchall():
            hits = con.execute(
                f'select count(*) from "{schema}"."{table}" t where position(? in CAST(t AS VARCHAR)) > 0', [TOKEN]
            ).fetchall()[0][0]
            assert hits == 0, (schema, table)
    finally:
        con.close()
