"""Faults against the QuickBooks fixture company: 429 and 5xx are retried; a truncated or HTML page, a Fault
envelope (with HTTP 400 or 200) and a refused refresh token fail with one line and write nothing;
a 401 is refreshed once, and refused again it is one line; no secret is ever written anywhere."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from ingest.connectors import run
from simulator.serve import FixtureServer
from simulator.shapes.quickbooks_api import QuickBooksDemoApi, fault
from wipcast.errors import WipcastError
from wipcast.settings import Settings

from ..helpers import count, tables
from ..test_token_never_leaks import _tables_containing
from .conftest import SECRETS, url

QUERY = "/v3/company/4620816365212345/query"
TOKEN = "/oauth2/v1/tokens/bearer"


def _fail(settings: Settings, server: FixtureServer, run_id: str) -> str:
    with pytest.raises(WipcastError) as info:
        run.sync(settings, "quickbooks", run_id, base_url=url(server))
    line = info.value.one_line()
    assert "\n" not in line
    return line


def test_pages_that_cannot_be_read_write_nothing(settings: Settings, server: FixtureServer) -> None:
    server.add_fault("truncate", QUERY, skip=2)  # the third page (customers 5-6) cut in half
    line = _fail(settings, server, "bad-truncate")
    assert "QuickBooks sent a response that is not valid JSON" in line and "nothing was written" in line
    assert not tables(settings, "raw_quickbooks")
    # an HTML error page with HTTP 200 (a proxy in front of the API), on the very first page
    server.clear()
    server.add_fault("invalid_json", QUERY)
    line = _fail(settings, server, "bad-html")
    assert "QuickBooks sent a response that is not valid JSON" in line and "(resource customers)" in line
    assert not tables(settings, "raw_quickbooks")


def test_a_fault_envelope_is_one_line_with_http_400_or_200(
    settings: Settings, server: FixtureServer, api: QuickBooksDemoApi
) -> None:
    # QuickBooks' answer to a query it cannot run (here: a field this minor version lacks)
    api.faults["Invoice"] = (
        400,
        fault("Error parsing query", 'QueryParserError: Encountered " "ProjectRef"" at line 1', "4000"),
    )
    line = _fail(settings, server, "bad-400")
    assert line.startswith(
        "QuickBooks refused the invoices query (HTTP 400, ValidationFault 4000: Error parsing query "
        '(QueryParserError: Encountered " "ProjectRef"" at line 1))'
    )
    assert "nothing was written" in line and not tables(settings, "raw_quickbooks")
    # some errors come back with HTTP 200 and a Fault instead of a QueryResponse
    del api.faults["Invoice"]
    api.faults["Payment"] = (200, fault("A business validation error has occurred", "Feature not enabled", "6000"))
    line = _fail(settings, server, "bad-200")
    assert line.startswith("QuickBooks refused the payments query (HTTP 200, ValidationFault 6000: A business")
    assert not tables(settings, "raw_quickbooks")


def test_a_401_is_refreshed_once_then_one_line(
    settings: Settings, server: FixtureServer, api: QuickBooksDemoApi
) -> None:
    # an access token that ends mid-run: one new token, the request again, the run goes on
    server.add_fault("401", QUERY, skip=2)
    result = run.sync(settings, "quickbooks", "ok", base_url=url(server))
    assert api.tokens_issued == 2 and result.rows_loaded > 0
    statuses = [r.status for r in server.requests if r.path == QUERY]
    assert statuses[:4] == [200, 200, 401, 200]
    # refused again right after the refresh: one line; this run's first token and one refresh, no third
    server.clear()
    server.add_fault("401", QUERY, times=2)
    line = _fail(settings, server, "bad-401")
    assert "QuickBooks refused the session again right after a token refresh (HTTP 401 at" in line
    assert api.tokens_issued == 4 and [r.status for r in server.requests if r.path == QUERY] == [401, 401]
    # a refresh token Intuit no longer accepts (revoked, or unused for 100 days)
    server.clear()
    api.revoke = True
    line = _fail(settings, server, "bad-grant")
    assert "QuickBooks refused the refresh token at its token endpoint (HTTP 400, invalid_grant)" in line
    assert "__REFRESH_TOKEN" in line and "authorised again" in line
    assert [r.path for r in server.requests] == [TOKEN]  # not retried, and no query sent


def test_rate_limits_and_outages_then_no_secret_anywhere(
    settings: Settings,
    server: FixtureServer,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    # 429 with Retry-After, then two 500s: every request is retried and the run succeeds
    server.add_fault("429", QUERY, retry_after=1)
    server.add_fault("500", QUERY, skip=2, times=2)
    run.sync(settings, "quickbooks", "ok", base_url=url(server))
    statuses = [r.status for r in server.requests if r.path == QUERY]
    assert statuses[:6] == [429, 200, 200, 500, 500, 200]
    queries = [r for r in server.requests if r.path == QUERY]
    assert queries[1].at - queries[0].at >= 0.95  # Retry-After honoured
    assert count(settings, "conformed_quickbooks.invoices") == 4

    # 5xx that never ends: bounded retries, one line
    server.clear()
    server.add_fault("503", QUERY, times=100)
    line = _fail(settings, server, "bad-503")
    assert "QuickBooks kept failing (HTTP 503" in line and "rerun" in line
    assert len([r for r in server.requests if r.path == QUERY]) == 4  # RUNTIME__REQUEST_MAX_ATTEMPTS
    server.clear()

    # `connectors check`: one token, one CompanyInfo query; a wrong client secret is one line
    assert run.check("quickbooks", url(server)).startswith(
        f"QuickBooks accepted the credentials at {url(server)}v3/company/4620816365212345/ (GET query?query="
    )
    monkeypatch.setenv("SOURCES__QUICKBOOKS__CLIENT_SECRET", "wrong")
    with pytest.raises(WipcastError) as info:
        run.check("quickbooks", url(server))
    assert "QuickBooks refused the refresh token at its token endpoint (HTTP 401, invalid_client)" in (
        info.value.one_line()
    )
    monkeypatch.setenv("SOURCES__QUICKBOOKS__CLIENT_SECRET", SECRETS["CLIENT_SECRET"])

    # the client secret and the configured refresh token are nowhere; access tokens are nowhere; the
    # rotated refresh token is only in its own file
    secrets = [SECRETS["CLIENT_SECRET"], SECRETS["REFRESH_TOKEN"], "eyJdemo.access", "AB11demo-refresh"]
    captured = capfd.readouterr()
    assert not any(s in captured.out + captured.err for s in secrets)
    assert not any(s in record.getMessage() for record in caplog.records for s in secrets)
    kept = workdir / ".dlt" / "quickbooks_refresh_token.json"
    leaked = [
        p
        for p in workdir.rglob("*")
        if p.is_file() and p != kept and any(s.encode() in p.read_bytes() for s in secrets)
    ]
    assert leaked == []
    assert SECRETS["REFRESH_TOKEN"].encode() not in kept.read_bytes()  # a hash of it, not the token
    assert all(_tables_containing(settings.work_db, s) == [] for s in secrets)
