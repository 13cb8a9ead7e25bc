"""Faults against the NetSuite fixture account: 429 and 5xx are retried, a truncated page and a
refused signature fail with one line and write nothing, and no secret is ever written anywhere."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from ingest.connectors import run
from simulator.serve import FixtureServer
from simulator.shapes import netsuite_api
from wipcast.errors import WipcastError
from wipcast.settings import Settings

from ..helpers import count, query, tables
from ..test_token_never_leaks import _tables_containing
from .conftest import SECRETS, url

SUITEQL = "/services/rest/query/v1/suiteql"


def _fail(settings: Settings, server: FixtureServer, run_id: str) -> str:
    with pytest.raises(WipcastError) as info:
        run.sync(settings, "netsuite", run_id, base_url=url(server))
    line = info.value.one_line()
    assert "\n" not in line
    return line


def test_faults_and_no_secret_anywhere(
    settings: Settings,
    server: FixtureServer,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    # a truncated page on the first run: nothing is written, not even the pages that were fine
    server.add_fault("truncate", SUITEQL, skip=3)
    line = _fail(settings, server, "bad-truncate")
    assert "not valid JSON" in line and "nothing was written" in line
    assert not tables(settings, "raw_netsuite")
    server.clear()

    # a query NetSuite rejects (here: a record type the account does not know) names the resource and the detail
    saved = netsuite_api.COLLECTIONS.pop("timebill")
    try:
        line = _fail(settings, server, "bad-400")
    finally:
        netsuite_api.COLLECTIONS["timebill"] = saved
    assert "NetSuite refused the time_bills query (HTTP 400): Invalid search query: unknown record type" in line
    server.clear()

    # a refused signature (a wrong token secret) is one line naming every credential, not retried
    monkeypatch.setenv("SOURCES__NETSUITE__TOKEN_SECRET", "not-the-secret")
    line = _fail(settings, server, "bad-401")
    assert "HTTP 401" in line and all(f"SOURCES__NETSUITE__{key}" in line for key in SECRETS)
    assert [r.status for r in server.requests] == [401]
    monkeypatch.setenv("SOURCES__NETSUITE__TOKEN_SECRET", SECRETS["TOKEN_SECRET"])
    server.clear()

    # 429 with Retry-After, then two 500s: every request is retried (and re-signed) and the run succeeds
    server.add_fault("429", SUITEQL, retry_after=1)
    server.add_fault("500", SUITEQL, skip=2, times=2)
    run.sync(settings, "netsuite", "ok", base_url=url(server))
    statuses = [r.status for r in server.requests]
    assert statuses[:6] == [429, 200, 200, 500, 500, 200]  # the 500s hit the third and fourth requests
    assert server.requests[1].at - server.requests[0].at >= 0.95  # Retry-After honoured
    assert count(settings, "conformed_netsuite.invoices") == 3
    assert query(settings, "select count(*) from ops.connector_syncs where connector = 'netsuite'") == [(1,)]

    # 5xx that never ends: bounded retries, one line
    server.clear()
    server.add_fault("503", SUITEQL, times=100)
    line = _fail(settings, server, "bad-503")
    assert "HTTP 503" in line and "rerun" in line
    assert len(server.requests) == 4  # RUNTIME__REQUEST_MAX_ATTEMPTS
    server.clear()
    assert "accepted the credentials" in run.check("netsuite", url(server))
    monkeypatch.setenv("SOURCES__NETSUITE__CONSUMER_SECRET", "wrong")
    with pytest.raises(WipcastError) as info:
        run.check("netsuite", url(server))
    assert "refused the credentials (HTTP 401" in info.value.one_line()
    assert "SOURCES__NETSUITE__CONSUMER_SECRET" in info.value.one_line()
    monkeypatch.setenv("SOURCES__NETSUITE__CONSUMER_SECRET", SECRETS["CONSUMER_SECRET"])

    secrets = [SECRETS["CONSUMER_SECRET"], SECRETS["TOKEN_SECRET"]]
    captured = capfd.readouterr()
    assert not any(s in captured.out + captured.err for s in secrets)
    assert not any(s in record.getMessage() for record in caplog.records for s in secrets)
    leaked = [p for p in workdir.rglob("*") if p.is_file() and any(s.encode() in p.read_bytes() for s in secrets)]
    assert leaked == []
    assert all(_tables_containing(settings.work_db, s) == [] for s in secrets)
