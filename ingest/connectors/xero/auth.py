"""Xero OAuth 2.0: the shared refresh-token grant (ingest.connectors.refresh_token) plus the
`xero-tenant-id` header on every request.

Xero answers every refresh with a 30-minute access token and a NEW refresh token, retiring the old
one; the new one is kept in the token file (`connectors.xero.token_file`, default
`.dlt/xero_refresh_token.json`) before the access token is used, and a newly configured
`SOURCES__XERO__REFRESH_TOKEN` (the app re-authorised) wins over the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from requests import PreparedRequest

from ingest.connectors.refresh_token import RefreshTokenAuth, RefreshTokenStore

LABEL = "Xero"
CREDENTIAL_KEYS = ("client_id", "client_secret", "refresh_token", "tenant_id")
CREDENTIAL_HINT = (
    "SOURCES__XERO__CLIENT_ID, SOURCES__XERO__CLIENT_SECRET, SOURCES__XERO__REFRESH_TOKEN and "
    "SOURCES__XERO__TENANT_ID (or [sources.xero] in .dlt/secrets.toml); a refresh token Xero no longer "
    "accepts needs the app re-authorised"
)


class XeroAuth(RefreshTokenAuth):
    """The refresh-token auth, and the organisation (tenant) every call reads."""

    def __init__(
        self, token_url: str, client_id: str, client_secret: str, tenant_id: str, store: RefreshTokenStore
    ) -> None:
        super().__init__(
            token_url,
            client_id,
            client_secret,
            store,
            LABEL,
            CREDENTIAL_HINT,
            endpoint_hint="connectors.xero.token_url",
        )
        self._tenant_id = tenant_id

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        request.headers["xero-tenant-id"] = self._tenant_id
        return super().__call__(request)


def from_values(values: dict[str, str] | Any, token_url: str, token_file: Path) -> XeroAuth:
    store = RefreshTokenStore(token_file, values.get("refresh_token") or "", "connectors.xero.token_file")
    return XeroAuth(
        token_url,
        values.get("client_id") or "",
        values.get("client_secret") or "",
        values.get("tenant_id") or "",
        store,
    )
