"""Faults against the Xero fixture organisation: 429 (Retry-After honoured) and 5xx are retried, a
truncated or invalid page and endless 5xx fail with one line and write nothing, and no secret or
access token is ever written anywhere but the refresh token in its own token file."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from ingest.connectors import run
from simulator.serve import FixtureServer
from simulator.shapes.xero_api import XeroDemoApi
from wipcast.errors import WipcastError
from wipcast.settings import Settings

from ..helpers import count, query, tables
from ..test_token_never_leaks import _tables_containing
from .conftest import SECRETS, url

INVOICES = "/api.xro/2.0/Invoices"
TOKEN_FILE = Path(".dlt") / "xero_refresh_token.json"


def _fail(settings: Settings, server: FixtureServer, run_id: str) -> str:
    with pytest.raises(WipcastError) as info:
        run.sync(settings, "xero", run_id, base_url=url(server))
    line = info.value.one_line()
    assert "\n" not in line
    return line


def test_faults_and_no_secret_anywhere(
    settings: Settings,
    server: FixtureServer,
    api: XeroDemoApi,
    workdir: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    # a truncated second page of invoices: nothing is written, not even the pages that were fine
    server.add_fault("truncate", INVOICES, skip=1)
    line = _fail(settings, server, "bad-truncate")
    assert "not valid JSON" in line and "nothing was written" in line and "resource invoices" in line
    assert not tables(settings, "raw_xero")
    server.clear()
    # a 200 that is an HTML page (a proxy's error page): the same
    server.add_fault("invalid_json", "/projects.xro/2.0/projectsusers")
    line = _fail(settings, server, "bad-html")
    assert "not valid JSON" in line and not tables(settings, "raw_xero")
    server.clear()

    # 429 with Retry-After on the first invoices page, then two 500s: retried, and the run succeeds
    server.add_fault("429", INVOICES, retry_after=1)
    server.add_fault("500", INVOICES, skip=2, times=2)
    run.sync(settings, "xero", "ok", base_url=url(server))
    invoices = [r for r in server.requests if r.path == INVOICES]
    assert [r.status for r in invoices] == [429, 200, 200, 500, 500, 200, 200]  # the 500s hit the third request
    assert invoices[1].at - invoices[0].at >= 0.95  # Retry-After honoured
    assert invoices[3].query["page"] == invoices[5].query["page"] == "3"  # the same page again
    assert count(settings, "conformed_xero.invoices") == 5
    assert query(settings, "select count(*) from ops.connector_syncs where connector = 'xero'") == [(1,)]
    cursor = query(settings, "select count(*) from raw_xero.invoices")

    # 5xx that never ends: bounded retries, one line, the cursor and the rows stay
    server.clear()
    server.add_fault("503", "/api.xro/2.0/Contacts", times=100)
    line = _fail(settings, server, "bad-503")
    assert "HTTP 503" in line and "rerun" in line
    assert len([r for r in server.requests if r.path != "/connect/token"]) == 4  # RUNTIME__REQUEST_MAX_ATTEMPTS
    assert query(settings, "select count(*) from raw_xero.invoices") == cursor
    server.clear()

    secrets = [SECRETS["CLIENT_SECRET"], SECRETS["REFRESH_TOKEN"], "xero-access-", "xero-refresh-"]
    captured = capfd.readouterr()
    assert not any(s in captured.out + captured.err for s in secrets)
    assert not any(s in record.getMessage() for record in caplog.records for s in secrets)
    leaked = [
        p.relative_to(workdir)
        for p in workdir.rglob("*")
        if p.is_file() and any(s.encode() in p.read_bytes() for s in secrets)
    ]
    assert leaked == [TOKEN_FILE]  # the rotated refresh token, where it is kept on purpose
    assert all(_tables_containing(settings.work_db, s) == [] for s in secrets)
    assert api.tokens_issued == 4  # one per run
