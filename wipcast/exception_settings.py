"""The `[exceptions]` table of wipcast.toml: who owns each kind of reconciliation exception, and how
often each connector is expected to sync.

    [[exceptions.owners]]              # one rule per entry; type and practice default to "*"
    type = "duplicate_posting"
    owner = "netsuite-admins"

    [exceptions.sync_expected_hours]   # a connector synced less recently is a stale_sync exception
    "*" = 36
    netsuite = 168
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from wipcast.contract_codegen import VENDOR_SOURCES
from wipcast.errors import InputError

# the Settings fields this table fills (they have no flag or environment variable)
TABLE_SETTINGS = ("exception_owners", "sync_expected_hours")
OWNER_RULE_KEYS = ("type", "practice", "owner")
OWNER_ROUTING_SEED = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds" / "exception_owner_routing.csv"
MAX_SYNC_HOURS = 24 * 366


def exception_types() -> tuple[str, ...]:
    """The exception types fct_sync_exceptions raises: the seed routes each of them (and "*")."""
    with OWNER_ROUTING_SEED.open(newline="") as handle:
        return tuple(sorted({row["exception_type"] for row in csv.DictReader(handle)} - {"*"}))


def connectors() -> tuple[str, ...]:
    """The connectors that log syncs (ops.connector_syncs names them by vendor)."""
    return tuple(source.vendor for source in VENDOR_SOURCES)


def exceptions_table(table: Any, config_path: Path) -> dict[str, Any]:
    """The settings of `[exceptions]`: exception_owners and sync_expected_hours."""
    if table is None:
        return {}
    where = f"{config_path}: exceptions"
    unknown = sorted(set(table) - {"owners", "sync_expected_hours"}) if isinstance(table, dict) else None
    if unknown is None or unknown:
        raise InputError(
            f"{where} is not a table of owners and sync_expected_hours"
            + (f" (unknown key(s): {', '.join(unknown)})" if unknown else ""),
            'write rules as [[exceptions.owners]] type = "..." owner = "...", intervals under '
            "[exceptions.sync_expected_hours]",
        )
    return {
        "exception_owners": _owners(table.get("owners", []), where),
        "sync_expected_hours": _sync_hours(table.get("sync_expected_hours", {}), where),
    }


def _owners(rules: Any, where: str) -> tuple[tuple[str, str, str], ...]:
    if not isinstance(rules, list):
        raise InputError(
            f"{where}.owners is not a list of rules", "write each rule under its own [[exceptions.owners]]"
        )
    if not rules:
        return ()
    known = exception_types()  # read from the seed only when there are rules to check
    parsed = []
    for number, rule in enumerate(rules, start=1):
        name = f"{where}.owners rule {number}"
        if not isinstance(rule, dict):
            raise InputError(f"{name} is not a table", 'write type = "...", practice = "..." and owner = "..."')
        unknown = sorted(set(rule) - set(OWNER_RULE_KEYS))
        if unknown:
            raise InputError(
                f"{name} has unknown key(s): {', '.join(unknown)}", f"known keys: {', '.join(OWNER_RULE_KEYS)}"
            )
        values = {key: rule.get(key, "*") for key in OWNER_RULE_KEYS}
        if "owner" not in rule:
            raise InputError(f"{name} names no owner", 'add owner = "a team or a person"')
        for key, value in values.items():
            if not isinstance(value, str) or not value.strip():
                raise InputError(f"{name}: {key} is {value!r}", f"write {key} as a non-empty string")
        exception_type, practice, owner = (values[key].strip() for key in OWNER_RULE_KEYS)
        if exception_type != "*" and exception_type not in known:
            raise InputError(
                f"{name}: type {exception_type!r} is not an exception type", f'use "*" or one of: {", ".join(known)}'
            )
        parsed.append((exception_type, practice, owner))
    return tuple(parsed)


def _sync_hours(table: Any, where: str) -> tuple[tuple[str, int], ...]:
    name = f"{where}.sync_expected_hours"
    if not isinstance(table, dict):
        raise InputError(f"{name} is not a table", 'write "*" = 36 and one line per connector, such as netsuite = 168')
    known = connectors()
    parsed = []
    for connector, hours in table.items():
        if connector != "*" and connector not in known:
            raise InputError(f"{name}: {connector!r} is not a connector", f'use "*" or one of: {", ".join(known)}')
        if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= MAX_SYNC_HOURS:
            raise InputError(
                f"{name}: {connector} is {hours!r}", f"write whole hours from 1 to {MAX_SYNC_HOURS}, such as 36"
            )
        parsed.append((connector, hours))
    return tuple(parsed)
