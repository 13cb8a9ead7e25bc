"""What a vendor package declares so the shared machinery can extract, conform and report it.

A vendor package (ingest/connectors/<vendor>/) holds its dlt REST source, its settings and one
conform SQL file per canonical entity; `Connector` ties them together. Everything else (running
dlt, validating, loading, logging) is shared and lives beside this module.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from ingest.connectors.config import ConnectorConfig

if TYPE_CHECKING:
    import duckdb


@dataclass(frozen=True)
class Credentials:
    """Resolved by dlt's config providers; never printed, logged or stored.

    `values` holds every key the connector declares (`Connector.credential_keys`); the common
    two have properties. A connector with other keys (client id and secret, OAuth 1.0a tokens)
    reads them with `get`.
    """

    values: Mapping[str, str]

    @property
    def access_token(self) -> str:
        return self.values["access_token"]

    @property
    def account_id(self) -> str:
        return self.values["account_id"]

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.values.get(key, default)

    def __repr__(self) -> str:  # a stray repr in a traceback must not show the token
        return "Credentials(" + ", ".join(f"{key}=***" for key in self.values) + ")"

    __str__ = __repr__


@dataclass(frozen=True)
class SourceOptions:
    """One extraction's choices: where to read and which cursor window."""

    base_url: str
    config: ConnectorConfig
    initial_value: str  # cursor start when no state exists (ISO datetime)
    end_value: str | None  # set for a backfill (--since, --full-refresh): dlt then neither reads nor moves state
    today: dt.date


@dataclass(frozen=True)
class ConformStep:
    """One canonical entity produced from one vendor resource by one SQL file."""

    entity: str  # wipcast.contract entity name
    resource: str  # vendor resource the rows come from (names the source in ops.load_log / ops.quarantine)
    sql: str  # file name in the vendor's conform/ folder
    # canonical column -> the setting that fills it; a row where it is empty is quarantined naming the setting
    gaps: Mapping[str, str] = field(default_factory=dict)
    # `{{ name }}` placeholders in the SQL file, so two entities with one mapping share one file
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Connector:
    name: str  # CLI name: harvest, harvest-forecast
    vendor: str  # config section, dlt source name and schema suffix: harvest, harvest_forecast
    label: str  # for messages: "Harvest"
    default_base_url: str
    settings_keys: frozenset[str]
    build_source: Callable[[SourceOptions, Credentials], Any]  # -> dlt source
    check_path: str  # the cheap authenticated call of `connectors check`
    check_headers: Callable[[Credentials], dict[str, str]]
    conform_dir: Path
    conform_steps: tuple[ConformStep, ...]
    # tables the conform SQL reads besides raw_<vendor>: mapping files and defaults, by view name
    config_tables: Callable[[ConnectorConfig, dt.date], dict[str, pa.Table]]
    # every raw table the conform SQL reads, with its declared columns (see rawcols)
    raw_tables: Mapping[str, dict[str, str]]
    # root resource tables that are merged on the vendor key (deleted markers are set on these)
    merge_tables: tuple[str, ...]
    # on a full refresh only rows inside what was re-read can have vanished: table -> SQL condition
    vanish_scope: Callable[[SourceOptions], Mapping[str, str]] = lambda _opts: {}
    # runs after a successful raw load, in the same warehouse connection (Forecast's daily plan snapshot)
    after_load: Callable[[duckdb.DuckDBPyConnection, str, str, dt.date], None] | None = None
    # other vendors whose conformed tables this one's conform SQL reads (conformed_<vendor>), so they
    # are conformed first in a run; references are checked against every source's conformed rows
    depends_on: tuple[str, ...] = ()
    # the secrets `sources.<vendor>.<key>` it needs (env SOURCES__<VENDOR>__<KEY>); optional ones may be absent
    credential_keys: tuple[str, ...] = ("access_token", "account_id")
    optional_credential_keys: tuple[str, ...] = ()
    # `connectors check` headers for a connector that must fetch a token first: (base URL, credentials)
    check_auth: Callable[[str, Credentials], dict[str, str]] | None = None
    # a `connectors check` that is a POST with this JSON body (NetSuite: a one-row SuiteQL query); None: GET
    check_json: Any = None
    # a base URL that names the account (https://{account}.suitetalk.api.netsuite.com/), filled in from
    # the credentials before any request
    resolve_base_url: Callable[[str, Credentials], str] | None = None
    # canonical schemas the conform SQL reads besides the depends_on vendors' (raw_canonical, to match
    # records the files already hold); presented as empty typed tables until they exist
    reads_schemas: tuple[str, ...] = ()

    @property
    def source_system(self) -> str:
        return self.vendor

    @property
    def raw_schema(self) -> str:
        return f"raw_{self.vendor}"

    @property
    def conformed_schema(self) -> str:
        return f"conformed_{self.vendor}"

    def env_name(self, key: str) -> str:
        return f"SOURCES__{self.vendor.upper()}__{key.upper()}"

    @property
    def credential_env(self) -> tuple[str, ...]:
        """The environment variables of the required credentials, in declaration order."""
        return tuple(self.env_name(key) for key in self.credential_keys)

    @property
    def credential_hint(self) -> str:
        """`check A and B (or [sources.v] in .dlt/secrets.toml)`, for messages about refused credentials."""
        return f"{' and '.join(self.credential_env)} (or [sources.{self.vendor}] in .dlt/secrets.toml)"

    def sql(self, step: ConformStep) -> str:
        text = (self.conform_dir / step.sql).read_text()

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in step.params:
                raise KeyError(f"{step.sql} uses {{{{ {name} }}}} but the {step.entity} step gives no value for it")
            return step.params[name]

        return re.sub(r"\{\{\s*(\w+)\s*\}\}", fill, text)
