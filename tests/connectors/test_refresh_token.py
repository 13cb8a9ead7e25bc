"""The shared refresh-token grant (ingest.connectors.refresh_token), on its own: the token endpoint is a
stand-in for dlt's `requests.post`, so each test sees exactly what was sent and what was kept.
Each vendor's tests (xero, quickbooks) keep only what is theirs: its file, its header, its messages."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from requests import Response

from ingest.connectors.oauth import TokenRefused
from ingest.connectors.refresh_token import RefreshTokenAuth, RefreshTokenStore

SETTING = "connectors.acme.token_file"
SECRET = "client-SECRET-9d1f"


class Endpoint:
    """A token endpoint that issues `access-N` and rotates the refresh token to `rotated-N`, and
    accepts only the newest refresh token (as Xero does)."""

    def __init__(self, accepted: str) -> None:
        self.accepted = accepted
        self.sent: list[dict[str, Any]] = []
        self.rotate = True

    def post(self, url: str, data: dict[str, str], auth: tuple[str, str] | None = None, **_: Any) -> Response:
        self.sent.append({"url": url, **data, "auth": auth})
        response = Response()
        response.url = url
        if data.get("refresh_token") != self.accepted:
            response.status_code, body = 400, {"error": "invalid_grant"}
        else:
            n = len(self.sent)
            response.status_code, body = 200, {"access_token": f"access-{n}", "expires_in": 1800}
            if self.rotate:
                self.accepted = body["refresh_token"] = f"rotated-{n}"
        response._content = json.dumps(body).encode()
        return response


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Endpoint:
    from dlt.sources.helpers import requests as dlt_requests

    stand_in = Endpoint("configured-1")
    monkeypatch.setattr(dlt_requests, "post", stand_in.post)
    return stand_in


def _auth(path: Path, configured: str = "configured-1") -> RefreshTokenAuth:
    store = RefreshTokenStore(path, configured, SETTING)
    return RefreshTokenAuth("https://id.example/token", "client-1", SECRET, store, "Acme", "SOURCES__ACME__*")


def test_the_rotated_token_is_kept_before_use_and_used_next(endpoint: Endpoint, tmp_path: Path) -> None:
    path = tmp_path / ".dlt" / "acme_refresh_token.json"
    auth = _auth(path)
    assert auth.fetch() == "access-1"
    assert endpoint.sent[0] == {
        "url": "https://id.example/token",
        "grant_type": "refresh_token",
        "refresh_token": "configured-1",
        "auth": ("client-1", SECRET),  # HTTP Basic, not in the form
    }
    kept = json.loads(path.read_text())
    assert kept["refresh_token"] == "rotated-1" and "configured-1" not in path.read_text()  # only its SHA-256
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert list(path.parent.iterdir()) == [path]  # no temporary file left
    # the next run (a new auth, the same configured secret) starts from the kept token
    assert _auth(path).fetch() == "access-2"
    assert endpoint.sent[1]["refresh_token"] == "rotated-1"
    assert json.loads(path.read_text())["refresh_token"] == "rotated-2"
    # no rotation in the answer: the file stays as it is
    endpoint.rotate = False
    again = _auth(path)
    assert again.fetch() == "access-3" and again.rotations == 0 and again.fetches == 1
    assert json.loads(path.read_text())["refresh_token"] == "rotated-2"


def test_a_newly_configured_secret_wins_over_a_stale_file(endpoint: Endpoint, tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    _auth(path).fetch()
    assert json.loads(path.read_text())["refresh_token"] == "rotated-1"
    endpoint.accepted = "configured-2"  # the app was authorised again, the secret replaced
    assert _auth(path, "configured-2").fetch() == "access-2"
    assert endpoint.sent[1]["refresh_token"] == "configured-2"  # not the file's rotated-1
    assert json.loads(path.read_text())["refresh_token"] == "rotated-2"
    # a file that is not the store's (unreadable, another shape) is ignored the same way
    for text in ("{not json", '["rotated-2"]', json.dumps({"configured_sha256": "0" * 64, "refresh_token": "x"})):
        path.write_text(text)
        assert RefreshTokenStore(path, "configured-2", SETTING).current() == "configured-2"


def test_an_unwritable_folder_is_one_line_naming_the_setting(endpoint: Endpoint, tmp_path: Path) -> None:
    (tmp_path / "not-a-folder").write_text("")  # works as root too, unlike a read-only folder
    path = tmp_path / "not-a-folder" / "token.json"
    auth = _auth(path)
    with pytest.raises(TokenRefused) as info:
        auth.fetch()
    line = info.value.one_line()
    assert "\n" not in line and "cannot keep the new Acme refresh token in" in line and SETTING in line
    assert auth.fetches == 0  # the access token that came with it is not handed out
    for secret in ("rotated-1", "configured-1", "access-1", SECRET):
        assert secret not in line and secret not in repr(info.value)


def test_a_refused_refresh_token_is_one_line_and_nothing_is_kept(endpoint: Endpoint, tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    endpoint.accepted = "used-elsewhere"
    with pytest.raises(TokenRefused) as info:
        _auth(path).fetch()
    line = info.value.one_line()
    assert "Acme refused the refresh token at its token endpoint (HTTP 400, invalid_grant)" in line
    assert "SOURCES__ACME__*" in line and "configured-1" not in line
    assert not path.exists()


def test_no_secret_in_repr_and_every_copy_is_the_one_chain(tmp_path: Path) -> None:
    auth = _auth(tmp_path / "token.json")
    text = repr(auth) + str(auth) + repr(auth._store)
    assert "client-1" not in text and SECRET not in text and "configured-1" not in text
    assert text.startswith("RefreshTokenAuth('https://id.example/token', client_id=***")
    # dlt deep-copies each resource's config: all of them must share one token and one refresh chain
    assert copy.deepcopy({"auth": auth})["auth"] is auth
