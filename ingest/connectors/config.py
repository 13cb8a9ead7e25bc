"""`[connectors.<vendor>]` in wipcast.toml, and the mapping files it names.

wipcast.settings owns the `[wipcast]` table; this module reads only `[connectors]`, so the core
settings need not know any vendor. Mapping files are CSV, read as text (empty means null), with
paths relative to the folder holding wipcast.toml. Credentials never live here: they are dlt
secrets (environment or .dlt/secrets.toml).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa
import pyarrow.csv as pacsv

from wipcast import contract as c
from wipcast.errors import InputError
from wipcast.settings import CONFIG_FILE, load_settings

IDENTITY_COLUMNS = ("entity", "source_system", "source_id", "canonical_id")


@dataclass(frozen=True)
class ConnectorConfig:
    """One vendor's table from wipcast.toml, plus where it came from (for messages and relative paths)."""

    vendor: str
    values: Mapping[str, Any]
    root: Path  # folder of wipcast.toml (or the working folder when there is none)
    identity_map: str | None = None  # [connectors] identity_map, shared by every vendor
    known: frozenset[str] = field(default_factory=frozenset)

    def setting(self, key: str) -> str:
        """How a message names a setting: connectors.<vendor>.<key>."""
        return f"connectors.{self.vendor}.{key}"

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def text(self, key: str) -> str | None:
        value = self.values.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise InputError(f"{self.setting(key)} in {CONFIG_FILE} is {value!r}", "use a quoted string")
        return value

    def number(self, key: str, default: float | None = None) -> float | None:
        value = self.values.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(f"{self.setting(key)} in {CONFIG_FILE} is {value!r}", "use a number")
        return float(value)

    def integer(self, key: str, default: int) -> int:
        value = self.values.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InputError(f"{self.setting(key)} in {CONFIG_FILE} is {value!r}", "use a whole number of 1 or more")
        return int(value)

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.values.get(key, default)
        if not isinstance(value, bool):
            raise InputError(f"{self.setting(key)} in {CONFIG_FILE} is {value!r}", "use true or false")
        return value

    def table_list(self, key: str) -> list[dict[str, Any]]:
        value = self.values.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise InputError(
                f"{self.setting(key)} in {CONFIG_FILE} is not a list of tables", f"write it as [[{self.setting(key)}]]"
            )
        return value

    def path(self, key: str) -> Path | None:
        name = self.text(key)
        if name is None:
            return None
        path = Path(name)
        return path if path.is_absolute() else self.root / path

    def mapping_file(self, key: str, required_columns: tuple[str, ...]) -> pa.Table | None:
        """The CSV a setting names, every column text; None when the setting is not set."""
        path = self.path(key)
        if path is None:
            return None
        return read_mapping_csv(path, required_columns, self.setting(key))


def text_table(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pa.Table:
    """Settings rows (e.g. [[connectors.x.legal_entities]]) as a table of text columns, absent keys null."""
    return pa.table(
        {col: pa.array([None if r.get(col) is None else str(r[col]) for r in rows], pa.string()) for col in columns}
    )


def with_columns(table: pa.Table | None, columns: tuple[str, ...]) -> pa.Table:
    """A mapping file's table with every optional column present as text (absent ones all null, no file: empty)."""
    if table is None:
        return text_table([], columns)
    return pa.table(
        {
            col: (
                table.column(col).cast(pa.string())
                if col in table.column_names
                else pa.nulls(table.num_rows, pa.string())
            )
            for col in columns
        }
    )


def timezone(config: ConnectorConfig, example: str) -> str:
    """`connectors.<vendor>.timezone`: an IANA zone name (default UTC); `example` is one for the hint."""
    name = config.text("timezone") or "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"{config.setting('timezone')} is {name!r}", f"use an IANA zone name, e.g. {example}"
        ) from None
    return name


def reporting_currency(config: ConnectorConfig) -> str:
    """`connectors.<vendor>.reporting_currency`, else the firm's (wipcast.settings: wipcast.toml or its env var)."""
    value = config.text("reporting_currency")
    if value is None:
        return load_settings(cwd=config.root).reporting_currency
    if len(value) != 3 or not value.isalpha():
        raise InputError(f"{config.setting('reporting_currency')} is {value!r}", "use a three-letter ISO 4217 code")
    return value.upper()


def item_line_types(config: ConnectorConfig, item: str, example: str) -> pa.Table:
    """`connectors.<vendor>.item_line_types` (`item` = line type, e.g. `example`) as a table (item, line_type)."""
    value = config.get("item_line_types", {})
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise InputError(
            f"{config.setting('item_line_types')} is not a table of {item} = line type",
            f'write e.g. item_line_types = {{ "{example}" = "time" }}',
        )
    wrong = sorted({v for v in value.values() if v not in c.LINE_TYPES})
    if wrong:
        raise InputError(
            f"{config.setting('item_line_types')} maps to {', '.join(wrong)}", f"use one of: {', '.join(c.LINE_TYPES)}"
        )
    return pa.table(
        {
            "item": pa.array([str(k) for k in value], pa.string()),
            "line_type": pa.array(list(value.values()), pa.string()),
        }
    )


def read_mapping_csv(path: Path, required_columns: tuple[str, ...], setting: str) -> pa.Table:
    if not path.is_file():
        raise InputError(f"{setting} names {path}, which does not exist", "fix the path in wipcast.toml")
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(encoding="utf-8-sig"),
            convert_options=pacsv.ConvertOptions(
                null_values=[""], strings_can_be_null=True, auto_dict_encode=False, column_types=_all_text(path)
            ),
        )
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError(
            f"{setting}: {path} cannot be read as CSV ({str(exc).splitlines()[0]})", "fix the file"
        ) from None
    missing = [c for c in required_columns if c not in table.column_names]
    if missing:
        raise InputError(
            f"{setting}: {path} lacks column(s) {', '.join(missing)}",
            f"its header needs: {', '.join(required_columns)}",
        )
    return table


def _all_text(path: Path) -> dict[str, pa.DataType]:
    with path.open(encoding="utf-8-sig") as fh:
        header = fh.readline().strip()
    return {name.strip('"'): pa.string() for name in header.split(",") if name}


def _load_toml(root: Path) -> dict[str, Any]:
    path = root / CONFIG_FILE
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path} is not valid TOML ({exc})", "fix the file or remove it") from None


def load_connector_config(vendor: str, known: frozenset[str], cwd: Path | None = None) -> ConnectorConfig:
    """Read `[connectors.<vendor>]`; unknown keys are an error naming the known ones (typos fail loudly)."""
    root = cwd or Path.cwd()
    data = _load_toml(root)
    section = data.get("connectors", {})
    if not isinstance(section, dict):
        raise InputError(f"[connectors] in {root / CONFIG_FILE} is not a table", "write it as [connectors.<vendor>]")
    values = section.get(vendor, {})
    if not isinstance(values, dict):
        raise InputError(f"connectors.{vendor} in {root / CONFIG_FILE} is not a table", f"write [connectors.{vendor}]")
    unknown = sorted(set(values) - known)
    if unknown:
        raise InputError(
            f"{root / CONFIG_FILE} has unknown connectors.{vendor} setting(s): {', '.join(unknown)}",
            f"known: {', '.join(sorted(known))}",
        )
    identity = section.get("identity_map")
    if identity is not None and not isinstance(identity, str):
        raise InputError(f"connectors.identity_map in {root / CONFIG_FILE} is {identity!r}", "use a file path")
    return ConnectorConfig(vendor=vendor, values=values, root=root, identity_map=identity, known=known)


def identity_table(config: ConnectorConfig) -> pa.Table:
    """The identity map (entity, source_system, source_id, canonical_id); empty when none is configured."""
    if config.identity_map is None:
        return pa.table({name: pa.array([], pa.string()) for name in IDENTITY_COLUMNS})
    path = Path(config.identity_map)
    path = path if path.is_absolute() else config.root / path
    table = read_mapping_csv(path, IDENTITY_COLUMNS, "connectors.identity_map")
    return table.select(list(IDENTITY_COLUMNS))


FILES_SOURCE = "files"  # the canonical files of `[wipcast] input_dir` (or `wipcast run --input`)
DEFAULT_RUN_SOURCES = (FILES_SOURCE,)


def load_run_sources(cwd: Path | None = None) -> tuple[str, ...]:
    """`[sources] run = [...]` in wipcast.toml: what `wipcast run` ingests, in order (default: the files).

    Names are `files` and connector names (`harvest`, `harvest_forecast` or `harvest-forecast`); they are
    checked against the registry by ingest.connectors.run.run_sources.
    """
    root = cwd or Path.cwd()
    data = _load_toml(root)
    if "sources" not in data:
        return DEFAULT_RUN_SOURCES
    section = data["sources"]
    where = f"[sources] in {root / CONFIG_FILE}"
    example = 'write [sources] then run = ["files", "harvest", "harvest_forecast"]'
    if not isinstance(section, dict):
        raise InputError(f"{where} is not a table", example)
    unknown = sorted(set(section) - {"run"})
    if unknown:
        raise InputError(f"{where} has unknown key(s): {', '.join(unknown)}", f"known: run; {example}")
    names = section.get("run", list(DEFAULT_RUN_SOURCES))
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
        raise InputError(f"sources.run in {root / CONFIG_FILE} is {names!r}", f"list one or more sources; {example}")
    return tuple(names)
