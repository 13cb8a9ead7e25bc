"""The warehouse tables the dashboard reads, resolved against the published file (Table: logical column
names -> physical names, from the allow-list in app/queries/table_map.py), and the vocabulary of the
marts (components, ageing buckets, groupings)."""

from __future__ import annotations

import re

from app.queries.table_map import TABLES
from app.warehouse_access import catalog


class DataUnavailable(Exception):
    """A table or column the page needs is not in the published warehouse; the message says why."""


FORECAST_COMPONENTS = (
    "actual",
    "booked_time_and_materials",
    "booked_fixed_fee",
    "milestone",
    "retainer",
    "pipeline",
    "unplanned",
)
BILLING_TYPE_COMPONENT = {
    "time_and_materials": "booked_time_and_materials",
    "fixed_fee": "booked_fixed_fee",
    "milestone": "milestone",
    "retainer": "retainer",
}
AGEING_BUCKETS = ("0-30", "31-60", "61-90", "over 90")
RECEIVABLE_BUCKETS = ("not due", "current", "1-30", "0-30", "31-60", "61-90", "over 90")


def bucket_label(bucket: object) -> str:
    """'over_90' -> 'over 90', 'not_due' -> 'not due' (labels as the marts write them, made readable)."""
    return str(bucket).replace("_", " ") if bucket is not None else "(none)"


def bucket_order(label: str) -> int:
    return RECEIVABLE_BUCKETS.index(label) if label in RECEIVABLE_BUCKETS else 99


# Dimensions a user may group the forecast by: logical name -> label. The allow-list for GROUP BY.
FORECAST_GROUPINGS = {
    "practice": "Practice",
    "region": "Region",
    "customer_id": "Customer",
    "entity_id": "Legal entity",
}
EXPOSURE_GROUPINGS = {"customer_id": "Customer", "project_id": "Project", "entity_id": "Legal entity"}


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class Table:
    """A table of TABLES as found in the published file.

    A candidate is either a column name or, when it contains braces, an expression over other columns
    (e.g. "{contract_asset} * {fx_rate_to_reporting}": the mart keeps the project currency and the rate);
    it is used when all the columns it names exist. Names are still quoted; expressions are ours, never
    the user's.
    """

    def __init__(self, key: str):
        schema, name, columns = TABLES[key]
        present = catalog().get((schema, name))
        if present is None:
            raise DataUnavailable(f"the warehouse has no table {schema}.{name}")
        self.key, self.schema, self.name = key, schema, name
        self.ref = f"{_q(schema)}.{_q(name)}"
        self._lower = {c.lower(): c for c in present}
        self._resolved: dict[str, str] = {}
        for logical, candidates in columns.items():
            for candidate in candidates:
                if "{" in candidate:
                    names = re.findall(r"\{(\w+)\}", candidate)
                    if all(n.lower() in self._lower for n in names):
                        self._resolved[logical] = candidate
                        break
                elif candidate.lower() in self._lower:
                    self._resolved[logical] = "{" + candidate + "}"
                    break

    def has(self, logical: str) -> bool:
        return logical in self._resolved

    def c(self, logical: str, alias: str | None = None) -> str:
        if logical not in self._resolved:
            raise DataUnavailable(
                f"{self.schema}.{self.name} has no {logical} column (looked for "
                f"{', '.join(TABLES[self.key][2][logical])})"
            )
        template = self._resolved[logical]
        prefix = f"{alias}." if alias else ""
        expression = re.sub(r"\{(\w+)\}", lambda m: prefix + _q(self._lower[m.group(1).lower()]), template)
        plain_column = re.fullmatch(r"\{\w+\}", template) is not None
        return expression if plain_column else f"({expression})"


def has_table(key: str) -> bool:
    schema, name, _ = TABLES[key]
    return (schema, name) in catalog()
