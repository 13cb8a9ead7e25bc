"""NetSuite token-based authentication: OAuth 1.0a request signing (RFC 5849) with HMAC-SHA256.

Every request is signed on its own: the signature base string is the method, the URL without its
query, and every query and oauth_* parameter (percent-encoded, sorted, joined), all three
percent-encoded and joined with `&` (RFC 5849 section 3.4.1). The key is the consumer secret and
the token secret, percent-encoded and joined with `&`. A JSON body is not signed (only form bodies
are, and SuiteQL sends JSON). The realm is the account id; it is sent but not signed.

The secrets live only on this object, which is handed to the HTTP client: never in a message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

from dlt.common.configuration.specs.base_configuration import configspec
from dlt.common.typing import TSecretStrValue
from dlt.sources.helpers.rest_client.auth import AuthConfigBase
from requests import PreparedRequest

SIGNATURE_METHODS = {"HMAC-SHA256": hashlib.sha256, "HMAC-SHA1": hashlib.sha1}


def percent(value: str) -> str:
    """RFC 5849 section 3.6: everything but unreserved characters, upper-case hex."""
    return quote(value, safe="~-._")


def base_url(url: str) -> str:
    """Scheme and host lower-case, default port dropped, no query or fragment (section 3.4.1.2)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port
    scheme = parts.scheme.lower()
    if port is not None and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    return urlunsplit((scheme, host, parts.path or "/", "", ""))


def base_string(method: str, url: str, oauth_params: dict[str, str]) -> str:
    query = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    pairs = sorted((percent(k), percent(v)) for k, v in [*query, *oauth_params.items()])
    normalized = "&".join(f"{k}={v}" for k, v in pairs)
    return "&".join((method.upper(), percent(base_url(url)), percent(normalized)))


def signature(base: str, consumer_secret: str, token_secret: str, method: str = "HMAC-SHA256") -> str:
    key = f"{percent(consumer_secret)}&{percent(token_secret)}".encode()
    digest = hmac.new(key, base.encode(), SIGNATURE_METHODS[method]).digest()
    return base64.b64encode(digest).decode()


def authorization_header(
    method: str,
    url: str,
    *,
    realm: str,
    consumer_key: str,
    consumer_secret: str,
    token_id: str,
    token_secret: str,
    nonce: str,
    timestamp: str,
    signature_method: str = "HMAC-SHA256",
    version: str | None = "1.0",
) -> str:
    """The `Authorization: OAuth ...` value for one request."""
    params = {
        "oauth_consumer_key": consumer_key,
        "oauth_token": token_id,
        "oauth_signature_method": signature_method,
        "oauth_timestamp": timestamp,
        "oauth_nonce": nonce,
    }
    if version is not None:
        params["oauth_version"] = version
    params["oauth_signature"] = signature(
        base_string(method, url, params), consumer_secret, token_secret, signature_method
    )
    fields = [f'realm="{realm}"'] + [f'{k}="{percent(v)}"' for k, v in params.items()]
    return "OAuth " + ", ".join(fields)


def realm(account_id: str) -> str:
    """NetSuite's realm is the account id in upper case (sandbox: 1234567_SB1)."""
    return account_id.strip().upper().replace("-", "_")


def account_host(account_id: str) -> str:
    """The account's REST host label: lower case, `_` as `-` (1234567_SB1 -> 1234567-sb1)."""
    return account_id.strip().lower().replace("_", "-")


def _nonce() -> str:
    return secrets.token_hex(16)


def _now() -> str:
    return str(int(time.time()))


@configspec
class NetSuiteTBA(AuthConfigBase):
    """Signs each request with the account's integration (consumer) and access token pairs."""

    account_id: str = ""
    consumer_key: str = ""
    consumer_secret: TSecretStrValue = ""
    token_id: str = ""
    token_secret: TSecretStrValue = ""

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        request.headers["Authorization"] = authorization_header(
            request.method or "GET",
            request.url or "",
            realm=realm(self.account_id),
            consumer_key=self.consumer_key,
            consumer_secret=self.consumer_secret,
            token_id=self.token_id,
            token_secret=self.token_secret,
            nonce=_nonce(),
            timestamp=_now(),
        )
        return request

    def __repr__(self) -> str:  # a stray repr must not show the secrets
        return "NetSuiteTBA(***)"

    __str__ = __repr__


def from_values(values: Any) -> NetSuiteTBA:
    """The auth object from resolved credentials (ingest.connectors.spec.Credentials.values)."""
    return NetSuiteTBA(
        account_id=values["account_id"],
        consumer_key=values["consumer_key"],
        consumer_secret=values["consumer_secret"],
        token_id=values["token_id"],
        token_secret=values["token_secret"],
    )
