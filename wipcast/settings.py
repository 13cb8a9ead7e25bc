"""Settings: flags, then WIPCAST_* environment variables, then wipcast.toml, then defaults."""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from wipcast.errors import InputError
from wipcast.exception_settings import TABLE_SETTINGS, exceptions_table

CONFIG_FILE = "wipcast.toml"
ENV_PREFIX = "WIPCAST_"
# Top-level tables of wipcast.toml that other readers own (ingest.connectors.config): `[connectors.<vendor>]`
# (vendor mappings) and `[sources]` (what `wipcast run` ingests). The settings skip them, with or without
# a `[wipcast]` table. `[warehouse]` is read below into the warehouse_* settings, `[exceptions]` into
# exception_owners.
FOREIGN_TABLES = ("connectors", "sources", "warehouse", "exceptions")
WAREHOUSE_KINDS = ("duckdb", "postgres", "spark")
# keys of the `[warehouse]` table -> settings
WAREHOUSE_TABLE = {
    "kind": "warehouse_kind",
    "dsn": "warehouse_dsn",
    "master": "spark_master",
    "driver_memory": "spark_driver_memory",
}


@dataclass(frozen=True)
class Settings:
    warehouse_dir: Path = Path("warehouse")
    reporting_currency: str = "USD"
    as_of: dt.date | None = None  # overrides the as-of date of point-in-time marts and forecasts
    input_dir: Path = Path("data/demo")  # folder `wipcast run` ingests
    dbt_threads: int = 1
    verbose: bool = False
    lock_wait_seconds: float = 0.0  # how long a writer waits for another writer's lock before giving up
    # Who may run scenarios from a dashboard served beyond loopback: e-mails ("cfo@firm.com") and domains
    # ("@firm.com"), matched against the logged-in user's e-mail. Empty: nobody (see docs/operations.md).
    app_allowed_users: tuple[str, ...] = ()
    # Where raw data, models and marts live: "duckdb" (the files below warehouse_dir), "postgres"
    # (a server named by warehouse_dsn; its password never sits here: wipcast.warehouses.postgres) or
    # "spark" (Spark tables, local mode under warehouse_dir/spark: wipcast.warehouses.spark).
    warehouse_kind: str = "duckdb"
    warehouse_dsn: str | None = None
    # kind "spark": where Spark runs (`local[N]`: in this process on N cores; a cluster's master URL)
    # and the driver's memory (wipcast.warehouses.spark)
    spark_master: str = "local[2]"
    spark_driver_memory: str = "2g"
    # Who owns each kind of reconciliation exception, from `[[exceptions.owners]]`: (exception type or
    # "*", practice or "*", owner), in file order. They override the seed exception_owner_routing for the
    # same (type, practice); later rules win (int_exception_owner_routing).
    exception_owners: tuple[tuple[str, str, str], ...] = ()
    # How often each connector is expected to sync, from `[exceptions.sync_expected_hours]`: ("*" or a
    # connector, whole hours). A connector whose last successful sync is older is a stale_sync exception.
    sync_expected_hours: tuple[tuple[str, int], ...] = ()

    @property
    def dlt_runs_dir(self) -> Path:
        """Each run's own dlt working folder lives below this, so no run can touch another's packages."""
        return self.warehouse_dir / ".dlt" / "runs"

    @property
    def work_db(self) -> Path:
        """The database the pipeline writes (raw, dbt models, forecasts, ops logs)."""
        return self.warehouse_dir / "work.duckdb"

    @property
    def published_db(self) -> Path:
        """The database the app and analysts read; replaced atomically by `publish`."""
        return self.warehouse_dir / "wipcast.duckdb"


def _coerce(name: str, raw: Any, source: str) -> Any:
    if raw is None or raw == "":
        return None
    try:
        if name in ("warehouse_dir", "input_dir"):
            return Path(raw)
        if name == "as_of":
            return raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw))
        if name == "dbt_threads":
            value = int(raw)
            if value < 1:
                raise ValueError
            return value
        if name == "lock_wait_seconds":
            seconds = float(raw)
            if not 0 <= seconds <= 86400:
                raise ValueError
            return seconds
        if name == "verbose":
            if isinstance(raw, bool):
                return raw
            if str(raw).lower() in ("1", "true", "yes", "on"):
                return True
            if str(raw).lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError
        if name == "app_allowed_users":
            return _allowed_users(raw)
        if name == "warehouse_kind":
            kind = str(raw).strip().lower()
            if kind not in WAREHOUSE_KINDS:
                raise ValueError
            return kind
        if name == "warehouse_dsn":
            return _dsn(str(raw).strip())
        if name == "spark_master":
            master = str(raw).strip()
            if not re.fullmatch(r"local(\[(\d+|\*)\])?|(spark|yarn|k8s)(://\S+)?", master):
                raise ValueError
            return master
        if name == "spark_driver_memory":
            memory = str(raw).strip().lower()
            if not re.fullmatch(r"\d+[kmgt]", memory):
                raise ValueError
            return memory
        if name == "reporting_currency":
            code = str(raw).strip().upper()
            if len(code) != 3 or not code.isalpha():
                raise ValueError
            return code
    except ValueError:
        expected = {
            "as_of": "a date YYYY-MM-DD",
            "dbt_threads": "a whole number of 1 or more",
            "lock_wait_seconds": "seconds from 0 to 86400",
            "verbose": "true or false",
            "reporting_currency": "an ISO 4217 code such as USD",
            "warehouse_kind": " or ".join(WAREHOUSE_KINDS),
            "spark_master": "local[N], local[*] or a cluster's spark://HOST:PORT",
            "spark_driver_memory": "a size such as 2g or 512m",
            "warehouse_dsn": "postgresql://USER@HOST:PORT/DATABASE, the password in WIPCAST_WAREHOUSE_PASSWORD or "
            "the password key of the warehouse table in .dlt/secrets.toml (never in the DSN)",
            "app_allowed_users": 'e-mails and domains such as ["cfo@firm.com", "@firm.com"] (comma-separated in '
            "the environment)",
        }.get(name, "a valid value")
        shown = "not a PostgreSQL URL without a password" if name == "warehouse_dsn" else f"{raw!r}"  # no secret echoed
        raise InputError(f"setting {name} from {source} is {shown}", f"use {expected}") from None
    return raw


def _dsn(text: str) -> str:
    """A PostgreSQL URL without a password: the DSN is shown in messages and sits in wipcast.toml."""
    from urllib.parse import urlsplit

    parts = urlsplit(text)
    if parts.scheme not in ("postgresql", "postgres") or parts.password is not None or not parts.path.strip("/"):
        raise ValueError
    return text


def _allowed_users(raw: Any) -> tuple[str, ...]:
    """A TOML list or a comma-separated string of `name@domain` and `@domain` entries, lower-cased."""
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple):
        raise ValueError
    entries = []
    for item in items:
        if not isinstance(item, str):
            raise ValueError
        entry = item.strip().lower()
        if not entry:
            continue
        local, at, domain = entry.rpartition("@")
        if not at or "@" in local or domain.startswith(".") or "." not in domain or len(entry.split()) != 1:
            raise ValueError
        entries.append(entry)
    return tuple(dict.fromkeys(entries))


def _warehouse_table(table: Any, config_path: Path) -> dict[str, Any]:
    """The `[warehouse]` table of wipcast.toml (kind, dsn) as settings."""
    if table is None:
        return {}
    if not isinstance(table, dict):
        raise InputError(f"{config_path}: warehouse is not a table", "write kind and dsn in a table named warehouse")
    unknown = sorted(set(table) - set(WAREHOUSE_TABLE))
    if unknown:
        raise InputError(
            f"{config_path}: the warehouse table has unknown key(s): {', '.join(unknown)}",
            f"known keys: {', '.join(WAREHOUSE_TABLE)} (the password goes in WIPCAST_WAREHOUSE_PASSWORD)",
        )
    source = f"{config_path} (warehouse table)"
    return {WAREHOUSE_TABLE[key]: _coerce(WAREHOUSE_TABLE[key], raw, source) for key, raw in table.items()}


def load_settings(overrides: dict[str, Any] | None = None, cwd: Path | None = None) -> Settings:
    """Resolve settings. `overrides` are command-line flags (None means not given)."""
    cwd = cwd or Path.cwd()
    # the [exceptions] settings come only from their table: rule lists have no one-line flag or variable form
    names = [f.name for f in fields(Settings) if f.name not in TABLE_SETTINGS]
    values: dict[str, Any] = {}

    config_path = cwd / CONFIG_FILE
    if config_path.exists():
        try:
            data = tomllib.loads(config_path.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{config_path} is not valid TOML ({exc})", "fix the file or remove it") from None
        section = data.get("wipcast", data)
        if section is data:  # no [wipcast] table: the top-level keys are the settings, other owners' tables aside
            section = {k: v for k, v in data.items() if not (k in FOREIGN_TABLES and isinstance(v, dict))}
        if not isinstance(section, dict):
            raise InputError(f"{config_path}: wipcast is not a table", "write the settings under [wipcast]")
        unknown = sorted(set(section) - set(names))
        if unknown:
            raise InputError(
                f"{config_path} has unknown setting(s): {', '.join(unknown)}", f"known settings: {', '.join(names)}"
            )
        for key, raw in section.items():
            values[key] = _coerce(key, raw, str(config_path))
        values.update(_warehouse_table(data.get("warehouse"), config_path))
        values.update(exceptions_table(data.get("exceptions"), config_path))

    for key in names:
        env_name = ENV_PREFIX + key.upper()
        if env_name in os.environ:
            values[key] = _coerce(key, os.environ[env_name], f"environment variable {env_name}")

    for key, raw in (overrides or {}).items():
        if raw is not None:
            values[key] = _coerce(key, raw, f"flag --{key.replace('_', '-')}")

    settings = Settings(**{k: v for k, v in values.items() if v is not None})
    if settings.warehouse_kind == "postgres" and not settings.warehouse_dsn:
        raise InputError(
            "warehouse kind postgres needs a DSN",
            'set dsn = "postgresql://USER@HOST:PORT/DATABASE" in the warehouse table of wipcast.toml '
            "(or WIPCAST_WAREHOUSE_DSN)",
        )
    if not settings.warehouse_dir.is_absolute():
        settings = replace(settings, warehouse_dir=(cwd / settings.warehouse_dir))
    if not settings.input_dir.is_absolute():
        settings = replace(settings, input_dir=(cwd / settings.input_dir))
    return settings
