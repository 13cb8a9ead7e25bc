"""Xero OAuth: a refused session gets one new token and one retry, a second refusal is one line; the
refresh token Xero rotates is kept for the next run, and a newly configured one wins over it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from requests import Request

from ingest.connectors import run
from ingest.connectors.xero import auth
from simulator.serve import FixtureServer
from simulator.shapes.xero_api import XeroDemoApi
from wipcast.errors import WipcastError
from wipcast.settings import Settings

from ..helpers import count
from .conftest import SECRETS, url

TOKEN_FILE = Path(".dlt") / "xero_refresh_token.json"


def test_an_expired_session_is_refreshed_once(settings: Settings, server: FixtureServer, api: XeroDemoApi) -> None:
    api.expire_after = 2  # Xero's 30 minutes end after the second data request: the third is refused
    run.sync(settings, "xero", "r1", base_url=url(server))
    data = [r for r in server.requests if r.path != "/connect/token"]
    assert [r.status for r in data[:4]] == [200, 200, 401, 200]
    assert data[2].path == data[3].path  # the refused request, sent again once with the new token
    assert [r.path for r in server.requests].count("/connect/token") == 2
    assert api.tokens_issued == 2  # the run's first token, then one refresh on the 401
    assert count(settings, "conformed_xero.invoices") == 5


def test_a_session_refused_right_after_a_refresh_is_one_line(
    settings: Settings, server: FixtureServer, api: XeroDemoApi
) -> None:
    api.tenant_id = "not-this-organisation"  # every data call is refused, whatever the token
    with pytest.raises(WipcastError) as info:
        run.sync(settings, "xero", "bad", base_url=url(server))
    line = info.value.one_line()
    assert "\n" not in line and "refused the session again right after a token refresh" in line
    assert "HTTP 401" in line and "SOURCES__XERO__TENANT_ID" in line
    data = [r.status for r in server.requests if r.path != "/connect/token"]
    assert data == [401, 401]  # one retry, no more
    assert api.tokens_issued == 2


def test_a_spent_refresh_token_is_one_line(settings: Settings, server: FixtureServer, api: XeroDemoApi) -> None:
    api.refresh_token = "only-this-one"  # the configured token was used elsewhere and is spent
    with pytest.raises(WipcastError) as info:
        run.sync(settings, "xero", "bad", base_url=url(server))
    line = info.value.one_line()
    assert "Xero refused the refresh token at its token endpoint (HTTP 400, invalid_grant)" in line
    assert "re-authorised" in line
    assert [r.path for r in server.requests] == ["/connect/token"]


def test_the_rotated_refresh_token_is_kept_and_a_new_configured_one_wins(
    settings: Settings, server: FixtureServer, api: XeroDemoApi, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run.sync(settings, "xero", "r1", base_url=url(server))
    stored = json.loads((workdir / TOKEN_FILE).read_text())
    assert stored["refresh_token"] == api.refresh_token == "xero-refresh-0001"
    assert SECRETS["REFRESH_TOKEN"] not in (workdir / TOKEN_FILE).read_text()  # only its fingerprint
    run.sync(settings, "xero", "r2", base_url=url(server))  # works only with the kept one
    assert json.loads((workdir / TOKEN_FILE).read_text())["refresh_token"] == "xero-refresh-0002"
    # the app is re-authorised: the new configured token is used, not the file's
    api.refresh_token = "re-authorised-token"
    monkeypatch.setenv("SOURCES__XERO__REFRESH_TOKEN", "re-authorised-token")
    run.sync(settings, "xero", "r3", base_url=url(server))
    assert json.loads((workdir / TOKEN_FILE).read_text())["refresh_token"] == "xero-refresh-0003"


def test_every_request_and_its_resend_carry_the_tenant(tmp_path: Path) -> None:
    token = auth.from_values(
        {"client_id": "c", "client_secret": "s", "refresh_token": "r", "tenant_id": "tenant-1"},
        "http://127.0.0.1/connect/token",
        tmp_path / "t.json",
    )
    token._token = "access-1"  # as after the first fetch
    request = token(Request("GET", "http://127.0.0.1/api.xro/2.0/Invoices").prepare())
    assert request.headers["xero-tenant-id"] == "tenant-1" and request.headers["Authorization"] == "Bearer access-1"
    assert request.copy().headers["xero-tenant-id"] == "tenant-1"  # the 401 hook re-sends a copy
    assert repr(token).startswith("XeroAuth(") and "s," not in repr(token)
    assert "connectors.xero.token_file" in token._store.setting
