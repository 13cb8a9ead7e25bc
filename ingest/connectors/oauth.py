"""OAuth 2.0 client credentials for a dlt REST source, with one token refresh on a refused session.

dlt's own OAuth2ClientCredentials refreshes only on `expires_in`, which some vendors (Salesforce)
never send: their tokens end when an admin's session policy says so, and the API answers 401
(`INVALID_SESSION_ID`). This auth fetches a token on first use, and when a request is refused with
401 it fetches one new token and re-sends that request once; a second refusal is left to the
caller (dlt raises it, ingest.connectors.failures makes it one line).

The client secret and the tokens live only in this object: never in a message, a log or a repr.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from dlt.sources.helpers.rest_client.auth import AuthConfigBase
from requests import HTTPError, PreparedRequest, Response

from wipcast.errors import WipcastError


class TokenRefused(WipcastError):
    """The token endpoint refused the client credentials (or answered something unusable)."""


class ClientCredentialsAuth(AuthConfigBase):
    grant_label = "client credentials"  # what the token endpoint refuses, in its message
    endpoint_hint = "the instance URL"  # what to check when the token endpoint is unreachable or odd

    def __init__(self, token_url: str, client_id: str, client_secret: str, label: str, hint: str) -> None:
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._label = label  # "Salesforce", for messages
        self._hint = hint  # which settings hold the credentials
        self._token: str | None = None
        self.fetches = 0  # tokens fetched (a test counts the refresh)
        self.__is_resolved__ = True  # configured here, not by dlt's config providers

    def __repr__(self) -> str:
        return f"ClientCredentialsAuth({self._token_url!r}, client_id=***, client_secret=***)"

    __str__ = __repr__

    def __deepcopy__(self, memo: dict[int, Any]) -> ClientCredentialsAuth:
        return self  # dlt copies each resource's config: every resource shares the one token

    def fetch(self) -> str:
        """A new access token from the token endpoint (dlt's requests: retried on 429, 5xx, timeouts)."""
        form = {"grant_type": "client_credentials", "client_id": self._client_id, "client_secret": self._client_secret}
        token = self._token_answer(form)["access_token"]
        self.fetches += 1
        return str(token)

    def _token_answer(self, form: dict[str, str], basic_auth: tuple[str, str] | None = None) -> dict[str, Any]:
        """POST a grant to the token endpoint; its JSON answer, which holds an access token (else TokenRefused).
        A subclass with another grant (a refresh token) builds its own form and reuses the refusals here."""
        from dlt.sources.helpers import requests as dlt_requests

        try:
            response = dlt_requests.post(self._token_url, data=form, auth=basic_auth, timeout=30)
        except HTTPError as exc:  # dlt's client raises on 4xx (and on 5xx after every retry): read the answer
            if exc.response is None:
                raise
            response = exc.response
        except Exception as exc:  # connection failures after every retry
            raise TokenRefused(
                f"cannot reach the {self._label} token endpoint {self._token_url} ({type(exc).__name__})",
                f"check the network and {self.endpoint_hint}",
            ) from None
        if response.status_code != 200:
            code = _error_code(response)
            raise TokenRefused(
                f"{self._label} refused the {self.grant_label} at its token endpoint "
                f"(HTTP {response.status_code}{', ' + code if code else ''})",
                f"check {self._hint}",
            )
        try:
            body = response.json()
            if not isinstance(body, dict) or not body.get("access_token"):
                raise KeyError("access_token")
        except (ValueError, KeyError, TypeError):
            raise TokenRefused(
                f"the {self._label} token endpoint answered without an access token", f"check {self.endpoint_hint}"
            ) from None
        return body

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        if self._token is None:
            self._token = self.fetch()
        token = self._token
        request.headers["Authorization"] = f"Bearer {token}"
        request.register_hook("response", self._refresh_once)
        return request

    def _refresh_once(self, response: Response, **kwargs: Any) -> Response:
        """On a 401: one new token, the same request again (the way requests' digest auth re-sends)."""
        if response.status_code != 401 or response.request is None:
            return response
        sent_with = response.request.headers.get("Authorization")
        if sent_with == f"Bearer {self._token}":  # not yet refreshed by another resource's request
            self._token = self.fetch()
        token = self._token
        _ = response.content  # read and release the refused response's connection
        response.close()
        retry = response.request.copy()
        retry.headers["Authorization"] = f"Bearer {token}"
        connection = response.connection
        again: Response = connection.send(retry, **kwargs)
        again.history.append(response)
        again.request = retry
        if again.status_code == 401:  # a fresh token refused too: the app lost access, retrying more will not help
            code = _error_code(again)
            raise WipcastError(
                f"{self._label} refused the session again right after a token refresh "
                f"(HTTP 401{', ' + code if code else ''} at {_without_query(again.url)})",
                f"check that the connected app may use the API, and {self._hint}",
            )
        return again


def _error_code(response: Response) -> str:
    """The error code of a refusal, without its description: OAuth's `error` (invalid_client) or
    the first `errorCode` of a Salesforce-style error list (INVALID_SESSION_ID)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, list) and body and isinstance(body[0], dict):
        body = {"error": body[0].get("errorCode")}
    value = body.get("error") if isinstance(body, dict) else None
    return str(value)[:60] if value else ""


def _without_query(url: str | None) -> str:
    parts = urlsplit(url or "")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
