"""Render docs/canonical-contract.md from wipcast/contract.py, so the two cannot drift.

    .venv/bin/python -m ingest.contract_doc > docs/canonical-contract.md

tests/ingest/test_ingest_contract_doc.py fails when the file differs from this rendering.
"""

from __future__ import annotations

from ingest.rules import ENTITY_CHECKS
from wipcast import contract as c

INTRO = f"""# Canonical input contract v{c.CONTRACT_VERSION}

This file is generated from `wipcast/contract.py` by `python -m ingest.contract_doc`; do not edit it by hand.

`wipcast ingest files DIR` loads a folder with one file per entity, named after the entity:
`time_entries.csv` or `time_entries.parquet`. Files whose names start with `.` or `_` are ignored
(for example the demo's `_truth.json`). Loaded rows land in the DuckDB schema `{c.RAW_SCHEMA}`,
one table per entity, merged on the primary key, with every contract column in the warehouse type
listed below plus dlt's `_dlt_load_id` (the load that last wrote the row) and `_dlt_id` (a row id).
Money, dates and rates are as the source system holds them; `fx_rates` convert each currency into
the reporting currency (a setting, default USD).

## Values

- Dates are ISO `YYYY-MM-DD`. Timestamps are ISO 8601; one without an offset is read as UTC,
  and all are stored as UTC (`TIMESTAMP WITH TIME ZONE`).
- Money is a decimal number in the row's currency (no thousands separators), stored as `DECIMAL(18,4)`.
- Numbers are plain decimals (`7.5`); `nan` and `inf` are rejected.
- Currencies are ISO 4217 codes: three capital letters (`USD`).
- Booleans are `true` or `false` (any case; `1` and `0` are accepted too).
- Empty means null. In CSV files every value is read as text first; Parquet columns may also
  carry their own types (date, timestamp, decimal, double, boolean).
- Columns marked (opt) may be absent from the file; they are then loaded as nulls.
  Files marked optional may be absent; their table still exists (empty unless an earlier run loaded it).

## What happens to bad input

Structural problems stop the run **before anything is written** and are all listed in one message
naming the file and the column:
- a file whose name is not `<entity>.csv` or `<entity>.parquet`, or two files for one entity;
- a required file or a required column that is missing;
- a column that is not in the contract (it is an error rather than silently dropped, because it is
  usually a misspelt column whose values would otherwise be lost: remove or rename it);
- a file that cannot be parsed (bad CSV quoting, a corrupt Parquet file, nested Parquet columns);
- a column in which not a single value can be read as its type (for example dates in `DD/MM/YYYY`).

Row-level problems send the row to `ops.quarantine` (run_id, entity, source_file, row_number,
column_name, reason, raw_row as JSON, quarantined_at); the other rows load. `row_number` is the
1-based data row of the file (the header is not counted). A row is quarantined for the first rule
it breaks, checked in this order:
1. an empty primary key value;
2. a value that cannot be read as its column's type (when other values of the column can);
3. an empty value in a column that is not nullable;
4. a currency that is not three capital letters, a value outside the column's list, a number outside its range;
5. the entity's own checks (listed under each entity below);
6. a duplicate primary key within the file: **the last row with that key is loaded** (exports
   usually append later versions) and the earlier ones are quarantined; if that last row is itself
   bad, no row of that key loads (an older version would be stale);
7. a reference to a parent that is missing: a parent key is valid when it is a loaded row of this
   folder or already in `{c.RAW_SCHEMA}`. A child of a quarantined parent is therefore quarantined
   too, unless an earlier run already loaded that parent.

Every file's counts reconcile in `ops.load_log` (run_id, entity, source_file, rows_read, rows_loaded,
rows_quarantined, loaded_at, rows_merged, file_unchanged): rows_read = rows_loaded + rows_quarantined.
Re-running a folder loads nothing twice (merge on the primary key); a changed row replaces the old
one; rows missing from a later folder are kept. Only what changed is written: a file identical to
the one the last ingest read (same bytes, same rules, parents unchanged; `ops.file_fingerprints`)
is not read again but still logged, with that run's counts and quarantined rows (`file_unchanged`);
of a changed file only the rows that are new or differ from the loaded row are merged
(`rows_merged`; an unchanged row keeps its `_dlt_load_id`).
"""


def _column_line(entity: c.Entity, col: c.Column) -> str:
    flags = []
    if col.name in entity.primary_key:
        flags.append("key")
    if col.optional:
        flags.append("(opt)")
    flags.append("nullable" if col.nullable else "required")
    rules = []
    if col.enum:
        rules.append("one of " + ", ".join(f"`{v}`" for v in col.enum))
    lo, hi = col.min_value, col.max_value
    if lo is not None and hi is not None:
        rules.append(f"from {lo:g} to {hi:g}")
    elif lo is not None:
        rules.append(f"at least {lo:g}")
    elif hi is not None:
        rules.append(f"at most {hi:g}")
    if col.references:
        rules.append(f"an existing `{col.references}` (when not empty)")
    meaning = col.meaning + (" Must be " + "; ".join(rules) + "." if rules else "")
    return f"| `{col.name}` | {col.type} | {c.WAREHOUSE_TYPES[col.type]} | {', '.join(flags)} | {meaning} |"


def render() -> str:
    parts = [INTRO, "## Entities\n"]
    for ent in c.ENTITIES:
        title = f"### {ent.name}" + (" (optional file)" if ent.optional_file else "")
        parts.append(title + "\n")
        parts.append(f"{ent.meaning} Primary key: {', '.join(f'`{k}`' for k in ent.primary_key)}.\n")
        parts.append("| column | type | warehouse type | flags | meaning |")
        parts.append("|---|---|---|---|---|")
        for col in ent.columns:
            parts.append(_column_line(ent, col))
        if ent.checks:
            parts.append("")
            parts.append(
                "A row is quarantined when " + "; or when ".join(ENTITY_CHECKS[ch][2] for ch in ent.checks) + "."
            )
        parts.append("")
    return "\n".join(parts)


if __name__ == "__main__":
    print(render(), end="")
