"""An independent reader of a generated folder that checks it against wipcast.contract:
columns, logical types, nullability, enums, ranges, primary keys, references and row checks.
Returns a list of problems (empty when the folder is valid)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from wipcast import contract as C

TYPE_OK = {
    C.STRING: pa.types.is_string,
    C.CURRENCY: pa.types.is_string,
    C.DATE: pa.types.is_date32,
    C.TIMESTAMP: lambda t: pa.types.is_timestamp(t) and t.tz == "UTC",
    C.MONEY: lambda t: pa.types.is_decimal(t) and t.scale == 2,
    C.NUMBER: pa.types.is_floating,
    C.INTEGER: pa.types.is_integer,
    C.BOOLEAN: pa.types.is_boolean,
}


def read_entity(folder: Path, name: str) -> pa.Table | None:
    p = Path(folder) / f"{name}.parquet"
    if p.exists():
        return pq.read_table(p)
    p = Path(folder) / f"{name}.csv"
    if p.exists():
        ent = C.entity(name)
        types = {
            c.name: {
                C.DATE: pa.date32(),
                C.TIMESTAMP: pa.timestamp("s", tz="UTC"),
                C.MONEY: pa.decimal128(18, 2),
                C.NUMBER: pa.float64(),
                C.BOOLEAN: pa.bool_(),
            }.get(c.type, pa.string())
            for c in ent.columns
        }
        return pacsv.read_csv(p, convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True))
    return None


def check_folder(folder: Path) -> list[str]:
    problems: list[str] = []
    tables = {}
    for ent in C.ENTITIES:
        t = read_entity(folder, ent.name)
        if t is None:
            problems.append(f"{ent.name}: file missing")
            continue
        tables[ent.name] = t
        if t.column_names != ent.column_names:
            problems.append(f"{ent.name}: columns {t.column_names} != contract {ent.column_names}")
            continue
        for col in ent.columns:
            a = t.column(col.name)
            if not TYPE_OK[col.type](a.type):
                problems.append(f"{ent.name}.{col.name}: type {a.type} is not {col.type}")
            if not col.nullable and a.null_count:
                problems.append(f"{ent.name}.{col.name}: {a.null_count} nulls in a required column")
            if col.enum is not None:
                bad = set(pc.unique(a.drop_null()).to_pylist()) - set(col.enum)
                if bad:
                    problems.append(f"{ent.name}.{col.name}: values outside enum: {sorted(bad)[:5]}")
            if col.type == C.CURRENCY:
                ok = pc.all(pc.match_substring_regex(a.drop_null(), "^[A-Z]{3}$")).as_py()
                if ok is False:
                    problems.append(f"{ent.name}.{col.name}: not ISO 4217 codes")
            if (col.min_value is not None or col.max_value is not None) and len(a.drop_null()):
                num = a.drop_null().cast(pa.float64())
                lo, hi = pc.min(num).as_py(), pc.max(num).as_py()
                if col.min_value is not None and lo < col.min_value:
                    problems.append(f"{ent.name}.{col.name}: min {lo} < {col.min_value}")
                if col.max_value is not None and hi > col.max_value:
                    problems.append(f"{ent.name}.{col.name}: max {hi} > {col.max_value}")
        # primary key
        keys = t.select(list(ent.primary_key))
        if keys.group_by(list(ent.primary_key)).aggregate([]).num_rows != t.num_rows:
            problems.append(f"{ent.name}: duplicate primary key {ent.primary_key}")
    for ent in C.ENTITIES:
        t = tables.get(ent.name)
        if t is None:
            continue
        for col in ent.columns:
            if col.references:
                pe, pcn = col.references.split(".")
                parent = tables.get(pe)
                if parent is None or t.column_names != ent.column_names:
                    continue
                child = pc.unique(t.column(col.name).drop_null())
                missing = pc.sum(pc.invert(pc.is_in(child, value_set=pc.unique(parent.column(pcn))))).as_py() or 0
                if missing:
                    problems.append(f"{ent.name}.{col.name}: {missing} values not found in {col.references}")

    # row checks named in the contract
    def le(t, a, b, name):
        x, y = t.column(a), t.column(b)
        bad = pc.sum(pc.cast(pc.less(y, x), pa.int64())).as_py() or 0
        if bad:
            problems.append(f"{name}: {bad} rows with {b} before {a}")

    if "employees" in tables:
        le(tables["employees"], "hire_date", "termination_date", "employees")
    for name in ("projects", "assignments", "assignment_snapshots"):
        if name in tables:
            le(tables[name], "start_date", "end_date", name)
    if "rate_cards" in tables:
        le(tables["rate_cards"], "valid_from", "valid_to", "rate_cards")
    if "invoices" in tables:
        le(tables["invoices"], "invoice_date", "due_date", "invoices")
    if "fx_rates" in tables and (pc.min(tables["fx_rates"].column("rate_to_reporting")).as_py() or 1) <= 0:
        problems.append("fx_rates: non-positive rate")
    if "revenue_targets" in tables:
        days = pc.day(tables["revenue_targets"].column("month"))
        if pc.max(days).as_py() != 1:
            problems.append("revenue_targets: month not the first day")
    return problems
