"""Keep dbt's parse of the project between warehouses.

dbt parses the whole project (~15 s: 137 models, 257 data tests) before every command unless its target
folder holds the manifest of an earlier parse (`partial_parse.msgpack`) made with the same vars, target and
connection settings; then it re-reads only the files whose checksum changed. A warehouse's own target
folder keeps that file between its runs, but a new warehouse (a new firm, a test, a bench) starts without
one. So the last parse per (dbt version, target, vars) is also kept in a cache folder shared by every
warehouse on the machine, and a new warehouse's target folder is seeded from it.

Safe because dbt validates what it loads: a manifest from another version, vars or connection is
rejected and dbt parses in full, and files edited since are parsed again. The connection settings match
across warehouses only because wipcast.transform runs dbt from the warehouse folder and names the
working file relatively.
`WIPCAST_DBT_PARSE_CACHE` names another folder, or `off`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from importlib.metadata import version
from pathlib import Path

from wipcast.files import write_atomically

CACHE_ENV = "WIPCAST_DBT_PARSE_CACHE"
PARSE_FILE = "partial_parse.msgpack"


def cache_dir() -> Path | None:
    value = os.environ.get(CACHE_ENV, "").strip()
    if value.lower() == "off":
        return None
    if value:
        return Path(value)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "wipcast" / "dbt-parse"


def cache_key(project_dir: Path, target: str, dbt_vars: dict[str, object]) -> str:
    """Which earlier parse a command can start from: a different key would be a full parse anyway."""
    identity = json.dumps(
        {"dbt": version("dbt-core"), "project": str(project_dir), "target": target, "vars": dbt_vars}, sort_keys=True
    )
    return hashlib.sha256(identity.encode()).hexdigest()[:24]


def seed(target_path: Path, key: str) -> None:
    """Give a target folder without a parse of its own the cached one (a warehouse's own parse wins)."""
    folder = cache_dir()
    cached = folder / f"{key}.msgpack" if folder else None
    if cached is None or not cached.exists() or (target_path / PARSE_FILE).exists():
        return
    with contextlib.suppress(OSError):  # only a cache: without it dbt parses in full
        target_path.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cached, target_path / PARSE_FILE)


def keep(target_path: Path, key: str) -> None:
    """Store the parse dbt just wrote, atomically: a dbt starting at the same moment in another warehouse
    reads the previous parse or this one, never half of one."""
    folder = cache_dir()
    parsed = target_path / PARSE_FILE
    if folder is None or not parsed.exists():
        return
    with contextlib.suppress(OSError):  # a full disk or a read-only home must not fail the build
        write_atomically(folder / f"{key}.msgpack", parsed.read_bytes())
