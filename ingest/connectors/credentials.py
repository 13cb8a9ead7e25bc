"""Credentials the dlt way: dlt's config providers (environment, then .dlt/secrets.toml) resolve
`sources.<vendor>.access_token` and `sources.<vendor>.account_id`.

The values are handed to the HTTP client's auth and headers only: they are never part of a
message, a log line, a dlt state or trace, or a warehouse table.
"""

from __future__ import annotations

from typing import Any

from ingest.connectors import dltenv
from ingest.connectors.spec import Connector, Credentials
from wipcast.errors import InputError


def _lookup(key: str) -> Any:
    with dltenv.quiet():
        import dlt

        return dlt.secrets.get(key)


def resolve(connector: Connector) -> Credentials:
    token_env, account_env = connector.credential_env
    token = _lookup(f"sources.{connector.vendor}.access_token")
    account = _lookup(f"sources.{connector.vendor}.account_id")
    missing = [env for env, value in ((token_env, token), (account_env, account)) if value in (None, "")]
    if missing:
        raise InputError(
            f"{connector.label} credentials are not configured ({' and '.join(missing)} not set)",
            f"set {' and '.join(missing)} in the environment, or access_token and account_id under "
            f"[sources.{connector.vendor}] in .dlt/secrets.toml",
        )
    return Credentials(access_token=str(token), account_id=str(account))
