"""Token-based authentication: OAuth 1.0a signatures against published and hand-built examples."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import unquote

import pytest
from requests import Request

from ingest.connectors.netsuite import auth

PHOTOS = "http://photos.example.net/photos?file=vacation.jpg&size=original"
CLIENT = {"consumer_key": "dpf43f3p2l4k3l03", "consumer_secret": "kd94hf93k423kf44"}
TOKEN = {"token_id": "nnch734d00sl2jdk", "token_secret": "pfkkdhi9sl3r4s00"}


def _signature(header: str) -> str:
    return unquote(header.split('oauth_signature="')[1].split('"')[0])


def test_rfc_5849_section_1_2_example() -> None:
    # RFC 5849 section 1.2: GET photos with HMAC-SHA1, no oauth_version; the RFC prints the signature
    header = auth.authorization_header(
        "GET", PHOTOS, realm="Photos", **CLIENT, **TOKEN, nonce="chapoH", timestamp="137131202",
        signature_method="HMAC-SHA1", version=None,
    )  # fmt: skip
    assert _signature(header) == "MdpQcU8iPSUjWoN/UDMsK2sui9I="
    assert 'oauth_signature="MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D"' in header  # percent-encoded in the header


def test_oauth_core_1_0_appendix_a_example() -> None:
    header = auth.authorization_header(
        "GET", PHOTOS, realm="Photos", **CLIENT, **TOKEN, nonce="kllo9940pd9333jh", timestamp="1191242096",
        signature_method="HMAC-SHA1",
    )  # fmt: skip
    assert _signature(header) == "tR3+Ty81lMeYAr/Fid0kMTYa/WM="


def test_a_netsuite_suiteql_request_signed_with_hmac_sha256() -> None:
    url = "https://1234567-SB1.suitetalk.api.netsuite.com:443/services/rest/query/v1/suiteql?limit=1000&offset=0"
    # The base string by hand (RFC 5849 section 3.4.1, as NetSuite documents it):
    # 1. the method, upper case: POST
    # 2. the URL: scheme and host lower case, the default port 443 dropped, no query:
    #    https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/query/v1/suiteql
    # 3. the parameters: the query's (limit, offset) and the oauth_* ones but the signature and the realm,
    #    each name=value percent-encoded, sorted by name, joined with &:
    #    limit=1000&oauth_consumer_key=ck-5a7e&oauth_nonce=AbC123xyz&oauth_signature_method=HMAC-SHA256
    #    &oauth_timestamp=1700000000&oauth_token=tk-9f31&oauth_version=1.0&offset=0
    # the three percent-encoded again and joined with &:
    base = (
        "POST&https%3A%2F%2F1234567-sb1.suitetalk.api.netsuite.com%2Fservices%2Frest%2Fquery%2Fv1%2Fsuiteql"
        "&limit%3D1000%26oauth_consumer_key%3Dck-5a7e%26oauth_nonce%3DAbC123xyz"
        "%26oauth_signature_method%3DHMAC-SHA256%26oauth_timestamp%3D1700000000%26oauth_token%3Dtk-9f31"
        "%26oauth_version%3D1.0%26offset%3D0"
    )
    # the key: consumer secret & token secret, each percent-encoded ("+" -> %2B, "/" -> %2F)
    key = b"cs%2Bsecret&ts%2Fsecret"
    expected = base64.b64encode(hmac.new(key, base.encode(), hashlib.sha256).digest()).decode()
    assert expected == "1jyA2GkCPxVXwMrQvX6gmnrLdE9waN0ZYSO/xBwWc+I="
    header = auth.authorization_header(
        "POST", url, realm="1234567_SB1", consumer_key="ck-5a7e", consumer_secret="cs+secret", token_id="tk-9f31",
        token_secret="ts/secret", nonce="AbC123xyz", timestamp="1700000000",
    )  # fmt: skip
    assert header == (
        'OAuth realm="1234567_SB1", oauth_consumer_key="ck-5a7e", oauth_token="tk-9f31", '
        'oauth_signature_method="HMAC-SHA256", oauth_timestamp="1700000000", oauth_nonce="AbC123xyz", '
        'oauth_version="1.0", oauth_signature="1jyA2GkCPxVXwMrQvX6gmnrLdE9waN0ZYSO%2FxBwWc%2BI%3D"'
    )


def test_the_dlt_auth_signs_each_prepared_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "_nonce", lambda: "AbC123xyz")
    monkeypatch.setattr(auth, "_now", lambda: "1700000000")
    tba = auth.NetSuiteTBA(
        account_id="1234567_sb1", consumer_key="ck-5a7e", consumer_secret="cs+secret", token_id="tk-9f31",
        token_secret="ts/secret",
    )  # fmt: skip
    url = "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/query/v1/suiteql"
    prepared = Request("POST", url, params={"limit": 1000, "offset": 0}, json={"q": "SELECT 1"}).prepare()
    signed = tba(prepared)
    # the same request as above (the JSON body is not signed): the same signature
    assert 'oauth_signature="1jyA2GkCPxVXwMrQvX6gmnrLdE9waN0ZYSO%2FxBwWc%2BI%3D"' in signed.headers["Authorization"]
    assert 'realm="1234567_SB1"' in signed.headers["Authorization"]  # the account id, upper case
    assert "secret" not in repr(tba) and "secret" not in str(tba)


def test_the_account_host_and_realm() -> None:
    assert auth.account_host("1234567_SB1") == "1234567-sb1"
    assert auth.realm("1234567-sb1") == "1234567_SB1"
