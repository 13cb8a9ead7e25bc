"""Credentials the dlt way: dlt's config providers (environment, then .dlt/secrets.toml) resolve
`sources.<vendor>.<key>` for every key the connector declares (by default access_token and account_id).

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
    found: dict[str, str] = {}
    missing: list[str] = []
    for key in (*connector.credential_keys, *connector.optional_credential_keys):
        value = _lookup(f"sources.{connector.vendor}.{key}")
        if value in (None, ""):
            if key in connector.credential_keys:
                missing.append(key)
            continue
        found[key] = str(value)
    if missing:
        envs = " and ".join(connector.env_name(key) for key in missing)
        raise InputError(
            f"{connector.label} credentials are not configured ({envs} not set)",
            f"set {envs} in the environment, or {' and '.join(missing)} under "
            f"[sources.{connector.vendor}] in .dlt/secrets.toml",
        )
    return Credentials(found)
