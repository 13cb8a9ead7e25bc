"""Low-level, read-only access to the published warehouse: connect, retry, cache, look up columns.

Why this shape:
- The pipeline replaces `wipcast.duckdb` atomically (os.replace) while the app runs. A connection
  held across that swap would keep reading the old inode, so every query opens its own short-lived
  read-only connection and closes it at once.
- Cached results are keyed on the file's identity (inode, size, mtime_ns) as well as the SQL and its
  parameters, so the first render after a publish misses the cache and shows the new data without a
  restart. The cache is bounded (ttl and max_entries).
- Nobody writes the published file, but a copy in progress, a stray writer or a slow filesystem can
  still make an open fail with an IOException (lock or half-visible file); a short bounded retry rides
  that out, and the page never shows a raw lock error.
- The connection is hardened: no file system or network access beyond the database file itself, no
  extension loading, configuration locked.

Only `app/data.py` imports this module; pages go through `app/data.py`.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from wipcast.settings import load_settings

BUILD_HINT = "Build it with `make build` (or `wipcast run`), then reload this page."

# duckdb.connect's `config`: setting name -> value.
DuckDBConfig = dict[str, str | bool | int | float | list[str]]
# A bound query parameter: a scalar, or a list of values for `list_contains(?, ...)` (a tuple binds as a list).
SqlParam = str | int | float | bool | dt.date | list[str] | tuple[str, ...] | None

HARDENED_CONFIG: DuckDBConfig = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "allow_community_extensions": False,
    "lock_configuration": True,
}

OPEN_ATTEMPTS = 8
FIRST_BACKOFF_SECONDS = 0.05
CACHE_TTL = "30m"
CACHE_MAX_ENTRIES = 1024


class WarehouseMissing(Exception):
    """The published warehouse file does not exist (yet)."""

    def __init__(self, path: Path):
        super().__init__(f"No published warehouse at {path}.")
        self.path = path


class WarehouseBusy(Exception):
    """The file could not be opened after the bounded retry; the page says so politely."""


@dataclass(frozen=True)
class FileIdentity:
    """What changes when a publish replaces the file: part of every cache key."""

    path: str
    inode: int
    size: int
    mtime_ns: int


def published_path() -> Path:
    """The published warehouse, resolved like the CLI does (WIPCAST_WAREHOUSE_DIR, wipcast.toml, default)."""
    return load_settings().published_db


def file_identity(path: Path | None = None) -> FileIdentity:
    path = path or published_path()
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        raise WarehouseMissing(path) from None
    return FileIdentity(str(path), stat.st_ino, stat.st_size, stat.st_mtime_ns)


def _is_transient(exc: Exception) -> bool:
    if isinstance(exc, duckdb.IOException):
        return True
    text = str(exc).lower()
    return "could not set lock" in text or "conflicting lock" in text


def run_sql(identity: FileIdentity, sql: str, params: tuple[SqlParam, ...] = ()) -> pd.DataFrame:
    """Open read-only, run one statement with bound parameters, close. Retries transient open errors."""
    bound = [list(p) if isinstance(p, tuple) else p for p in params]
    delay = FIRST_BACKOFF_SECONDS
    for attempt in range(OPEN_ATTEMPTS):
        try:
            con = duckdb.connect(identity.path, read_only=True, config=HARDENED_CONFIG)
        except Exception as exc:  # noqa: BLE001 - classified just below
            if not os.path.exists(identity.path):
                raise WarehouseMissing(Path(identity.path)) from None
            if not _is_transient(exc) or attempt == OPEN_ATTEMPTS - 1:
                if _is_transient(exc):
                    raise WarehouseBusy(str(exc)) from None
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
            continue
        try:
            return con.execute(sql, bound).fetchdf()
        finally:
            con.close()
    raise WarehouseBusy("the warehouse stayed busy")  # pragma: no cover - loop always returns or raises


@st.cache_data(ttl=CACHE_TTL, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def cached_sql(identity: FileIdentity, sql: str, params: tuple[SqlParam, ...] = ()) -> pd.DataFrame:
    return run_sql(identity, sql, params)


def query(sql: str, params: tuple[SqlParam, ...] = ()) -> pd.DataFrame:
    """Run a read-only query on the current published file, cached per file identity."""
    return cached_sql(file_identity(), sql, tuple(params))


_CATALOGS: dict[FileIdentity, dict[tuple[str, str], tuple[str, ...]]] = {}
_CATALOGS_KEPT = 4


def catalog() -> dict[tuple[str, str], tuple[str, ...]]:
    """(schema, table) -> column names, for every table and view in the published file.

    Looked up on every Table() a page builds, so it is memoised per file identity in process memory
    (a handful of small dicts; a publish gives a new identity and therefore a fresh lookup).
    """
    identity = file_identity()
    found = _CATALOGS.get(identity)
    if found is None:
        frame = cached_sql(
            identity,
            "select table_schema, table_name, list(column_name order by ordinal_position) as cols "
            "from information_schema.columns group by all",
        )
        found = {
            (schema, table): tuple(columns)
            for schema, table, columns in zip(frame["table_schema"], frame["table_name"], frame["cols"], strict=True)
        }
        while len(_CATALOGS) >= _CATALOGS_KEPT:
            _CATALOGS.pop(next(iter(_CATALOGS)), None)
        _CATALOGS[identity] = found
    return found
