"""Display names for ids. A name is not an identity: two projects (or customers) may share one, so a name
that occurs more than once is shown as "Name (id)" and nothing keyed on labels ever merges them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import pandas as pd

from app.queries.tables import Table, has_table
from app.warehouse_access import query

NO_GROUP = "Not attributed"  # a forecast or exposure row without the grouping's dimension (e.g. run-rate work)


def _label(dim: str) -> str:
    return {
        "entity_id": "legal entity",
        "customer_id": "customer",
        "project_id": "project",
        "practice": "practice",
        "region": "region",
    }.get(dim, dim)


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def disambiguate(names: Mapping[str, object]) -> dict[str, str]:
    """id -> a label unique among these ids: the name, with " (id)" when another id has the same name
    (compared without case and extra spaces); the id itself when there is no name."""
    cleaned = {i: (str(n) if isinstance(n, str) and n.strip() else str(i)) for i, n in names.items()}
    counts = Counter(_name_key(n) for n in cleaned.values())
    return {i: (f"{n} ({i})" if counts[_name_key(n)] > 1 and n != str(i) else n) for i, n in cleaned.items()}


def labels(dim: str) -> dict[str, str]:
    """id -> display name for customers, projects and entities (ids themselves for the rest), unique per id."""
    named_in = {
        "customer_id": ("dim_customer", "customer_name"),
        "project_id": ("dim_project", "project_name"),
        "entity_id": ("dim_entity", "entity_name"),
    }
    if dim not in named_in:
        return {}
    key, name = named_in[dim]
    if not has_table(key):
        return {}
    t = Table(key)
    frame = query(f"select {t.c(dim)} as id, {t.c(name)} as label from {t.ref}")
    return disambiguate(dict(zip(frame["id"], frame["label"], strict=True)))


def _label_ids(frame: pd.DataFrame, column: str, dim: str, keep_id: bool = False) -> pd.DataFrame:
    """Replace (or accompany) ids with names: adds `label`; renames the id column to `id` when kept."""
    names = labels(dim)
    frame = frame.copy()
    ids = frame[column]
    frame["label"] = [names.get(i, i) if i is not None and i == i else NO_GROUP for i in ids]
    if keep_id:
        frame = frame.rename(columns={column: "id"})
        frame = frame[["id", "label"] + [c for c in frame.columns if c not in ("id", "label")]]
    else:
        frame[column] = frame["label"]
        frame = frame.drop(columns="label")
    return frame
