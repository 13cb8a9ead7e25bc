"""Salesforce faults, offline: 429 and 5xx are retried, a truncated batch stops the run with one line and
loads nothing, an expired session costs one token refresh, a refused one is one line, bad client
credentials are one line, and neither the secret nor a token is ever written anywhere."""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import pytest

from ingest.connectors import run
from ingest.connectors.salesforce import datetimes
from simulator.serve import FixtureServer
from simulator.shapes.salesforce_api import SalesforceDemoApi
from wipcast.errors import InputError, WipcastError
from wipcast.settings import Settings

from ..helpers import count, query
from .conftest import SECRET, sf_url

QUERY_ALL = "/services/data/v62.0/queryAll"
NEXT_BATCH = "/services/data/v62.0/query/"
TOKEN_PREFIX = "00D5w000004demo!AQ"  # every token the demo org issues starts so


def _statuses(server: FixtureServer) -> list[int]:
    return [r.status for r in server.requests]


def test_rate_limits_and_server_errors_are_retried(sf_settings: Settings, sf_server: FixtureServer) -> None:
    sf_server.add_fault("429", QUERY_ALL, retry_after=0)
    sf_server.add_fault("503", NEXT_BATCH, times=2)
    run.sync(sf_settings, "salesforce", "r1", base_url=sf_url(sf_server))
    assert _statuses(sf_server).count(429) == 1 and _statuses(sf_server).count(503) == 2
    assert count(sf_settings, "conformed_salesforce.opportunities") == 3


def test_a_truncated_batch_is_one_line_and_loads_nothing(sf_settings: Settings, sf_server: FixtureServer) -> None:
    sf_server.add_fault("truncate", NEXT_BATCH, skip=1)
    with pytest.raises(WipcastError) as info:
        run.sync(sf_settings, "salesforce", "r1", base_url=sf_url(sf_server))
    message = str(info.value)
    assert "not valid JSON (truncated or corrupt)" in message and "\n" not in message
    assert (
        not sf_settings.work_db.exists()
        or count(
            sf_settings, "information_schema.tables", "table_schema = 'raw_salesforce' and table_name = 'opportunities'"
        )
        == 0
    )


def test_an_expired_session_costs_one_refresh(
    sf_settings: Settings, sf_server: FixtureServer, sf_api: SalesforceDemoApi
) -> None:
    sf_api.expire_after = 3  # the session ends between two batches of the run
    run.sync(sf_settings, "salesforce", "r1", base_url=sf_url(sf_server))
    assert sf_api.tokens_issued == 2
    assert _statuses(sf_server).count(401) == 1  # the refused request, re-sent once with the new token
    assert count(sf_settings, "conformed_salesforce.opportunity_history") == 3


def test_a_session_refused_after_the_refresh_is_one_line(
    sf_settings: Settings, sf_server: FixtureServer, sf_api: SalesforceDemoApi
) -> None:
    sf_api.revoke = True  # tokens are issued but the app may not use the API
    with pytest.raises(WipcastError) as info:
        run.sync(sf_settings, "salesforce", "r1", base_url=sf_url(sf_server))
    message = str(info.value)
    assert message.startswith("Salesforce refused the session again right after a token refresh (HTTP 401, ")
    assert "INVALID_SESSION_ID at http://127.0.0.1:" in message and "\n" not in message
    assert sf_api.tokens_issued == 2 and _statuses(sf_server).count(401) == 2  # one refresh, no more


def test_bad_or_missing_client_credentials_are_one_line(
    sf_settings: Settings, sf_server: FixtureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run.check("salesforce", base_url=sf_url(sf_server)).startswith("Salesforce accepted the credentials")
    monkeypatch.setenv("SOURCES__SALESFORCE__CLIENT_SECRET", "wrong")
    with pytest.raises(WipcastError) as info:
        run.check("salesforce", base_url=sf_url(sf_server))
    assert str(info.value).startswith(
        "Salesforce refused the client credentials at its token endpoint (HTTP 400, invalid_client)"
    )
    assert "SOURCES__SALESFORCE__CLIENT_SECRET" in info.value.hint
    monkeypatch.delenv("SOURCES__SALESFORCE__CLIENT_ID")
    with pytest.raises(InputError) as missing:
        run.check("salesforce", base_url=sf_url(sf_server))
    assert "SOURCES__SALESFORCE__CLIENT_ID not set" in str(missing.value)


def test_neither_secret_nor_token_is_written_anywhere(
    sf_settings: Settings,
    sf_server: FixtureServer,
    sf_api: SalesforceDemoApi,
    sf_workdir: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    sf_api.expire_after = 2
    run.sync(sf_settings, "salesforce", "ok", base_url=sf_url(sf_server))
    sf_api.revoke = True
    with pytest.raises(WipcastError) as info:
        run.sync(sf_settings, "salesforce", "bad", base_url=sf_url(sf_server))
    captured = capfd.readouterr()
    for needle in (SECRET, TOKEN_PREFIX):
        assert needle not in str(info.value) + info.value.hint + captured.out + captured.err + caplog.text
        for path in sf_workdir.rglob("*"):
            if path.is_file() and path.suffix != ".duckdb":
                assert needle.encode() not in path.read_bytes(), path
        con = duckdb.connect(str(sf_settings.work_db), read_only=True)
        try:
            tables = con.execute(
                "select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE'"
            ).fetchall()
            for schema, table in tables:
                hits = con.execute(
                    f'select count(*) from "{schema}"."{table}" t where position(? in CAST(t AS VARCHAR)) > 0',
                    [needle],
                ).fetchall()[0][0]
                assert hits == 0, (schema, table)
        finally:
            con.close()
    assert query(sf_settings, "select count(*) from ops.load_log")[0][0] > 0


@pytest.mark.parametrize(
    ("value", "soql", "api"),
    [
        ("2024-01-09T17:45:33.000+0000", "2024-01-09T17:45:33Z", "2024-01-09T17:45:33.000+0000"),
        ("2024-01-09T17:45:33Z", "2024-01-09T17:45:33Z", "2024-01-09T17:45:33.000+0000"),
        ("2024-01-09T17:45:33.999Z", "2024-01-09T17:45:33Z", "2024-01-09T17:45:33.999+0000"),
        # an offset is moved to UTC: 19:45:33 at +02:00 is 17:45:33 UTC
        ("2024-01-09T19:45:33.000+0200", "2024-01-09T17:45:33Z", "2024-01-09T17:45:33.000+0000"),
        ("2024-01-09T19:45:33+02:00", "2024-01-09T17:45:33Z", "2024-01-09T17:45:33.000+0000"),
        ("2000-01-01T00:00:00Z", "2000-01-01T00:00:00Z", "2000-01-01T00:00:00.000+0000"),
    ],
)
def test_systemmodstamp_formats(value: str, soql: str, api: str) -> None:
    assert datetimes.to_soql(value) == soql
    assert datetimes.to_api(value) == api


def test_cursor_values_in_the_api_format_sort_as_text_like_the_moments() -> None:
    values = [
        "2024-01-09T17:45:33.500Z",
        "2024-01-09T17:45:33+00:00",
        "2024-01-09T18:00:00.000+0100",
        "2023-12-31T23:59:59Z",
    ]
    as_text = sorted(values, key=datetimes.to_api)
    assert as_text == sorted(values, key=datetimes.parse)
    assert as_text[0] == "2023-12-31T23:59:59Z" and as_text[1] == "2024-01-09T17:00:00.000+0100"[:0] + values[2]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ('practice = "Practice__c; DELETE"', "connectors.salesforce.fields.practice is 'Practice__c; DELETE'"),
        ('pratice = "Practice__c"', "connectors.salesforce.fields has unknown key(s): pratice"),
    ],
)
def test_a_bad_field_setting_is_one_line_before_any_request(
    sf_settings: Settings, sf_server: FixtureServer, sf_workdir: Path, fields: str, message: str
) -> None:
    (sf_workdir / "wipcast.toml").write_text(f"[connectors.salesforce.fields]\n{fields}\n")
    with pytest.raises(InputError) as info:
        run.sync(sf_settings, "salesforce", "r1", base_url=sf_url(sf_server))
    assert str(info.value).startswith(message) and "\n" not in str(info.value)
    assert sf_server.requests == []  # a field name goes into SOQL: it is checked before anything is sent
