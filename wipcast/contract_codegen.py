"""Write the dbt project's contract-shaped files from wipcast/contract.py, so they cannot drift.

    .venv/bin/python -m wipcast.contract_codegen          # rewrite the generated files
    .venv/bin/python -m wipcast.contract_codegen --check  # list the files that differ; exit 1 if any

Generated (paths under dbt_project/; each file says so at the top; do not edit them by hand):

- macros/contract/canonical_contract.sql: `canonical_contract()`, every entity's columns in
  contract order with their logical types. `stage_entity()` casts each column to its contract
  type from it and `union_entity()` selects the columns from it (macros/contract/entities.sql).
- models/staging/canonical/_canonical__sources.yml: the raw_canonical source, one table per
  entity, every column with its meaning and warehouse type, plus the load columns ingest adds (LOAD_COLUMNS).
- models/staging/canonical/stg_canonical__<entity>.sql: one line, `stage_canonical('<entity>')`.
- models/staging/canonical/_canonical__models.yml: descriptions of those staging models.
- models/intermediate/core/_int_entities__models.yml: descriptions of the int_<entity> union
  models and the tests the contract implies (key, reference and enumeration).
- models/docs/canonical_contract.md: a `{% docs %}` block per entity (`canonical__<entity>`) and
  per column (`canonical__<entity>__<column>`) holding the contract's meaning, for marts that
  pass a contract column through to describe it with `doc()`.
- models/staging/<vendor>/_<vendor>__sources.yml, _<vendor>__models.yml and
  stg_<vendor>__<entity>.sql for each vendor connector in VENDOR_SOURCES: the canonical-shaped
  `conformed_<vendor>` tables the connectors load, staged like the files. stage_entity() yields an
  empty, typed relation while such a table does not exist, so a firm without connectors builds as before.

Written only when missing, then edited by hand (a vendor source adds its branch there; a test checks
every vendor staging model has one): models/intermediate/core/int_<entity>.sql, the union point of
every source of the entity.

Everything takes the entities as an argument (default: the contract's), so a changed copy of the
contract can be rendered without touching the real one.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from wipcast.contract import CONTRACT_VERSION, ENTITIES, RAW_SCHEMA, WAREHOUSE_TYPES, Entity

# The dbt project of this checkout (the one wipcast.transform runs).
DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"

COMMAND = "python -m wipcast.contract_codegen"
HEADER = f"Generated from wipcast/contract.py by `{COMMAND}`; do not edit by hand."

SPEC_MACRO = "macros/contract/canonical_contract.sql"
SOURCES_YAML = "models/staging/canonical/_canonical__sources.yml"
STAGING_YAML = "models/staging/canonical/_canonical__models.yml"
STAGING_DIR = "models/staging/canonical"
STAGING_PREFIX = "stg_canonical__"
UNION_YAML = "models/intermediate/core/_int_entities__models.yml"
UNION_DIR = "models/intermediate/core"
DOCS_MD = "models/docs/canonical_contract.md"

# dbt-only settings the contract does not hold: which sources dbt checks for freshness and how.
FRESH_ENTITIES = ("time_entries", "invoices")
FRESHNESS = ("warn_after: {count: 2, period: day}", "error_after: {count: 7, period: day}")
# dlt writes _dlt_load_id as the Unix epoch of the load (text); YAML cannot call macros, so this
# is the DuckDB form of macros/dates.sql dlt_load_timestamp().
LOADED_AT_FIELD = "to_timestamp(cast(_dlt_load_id as double))"
# Columns ingest adds to every raw table besides the contract's: name, meaning, warehouse type.
LOAD_COLUMNS = (
    ("_dlt_load_id", "dlt load identifier (Unix epoch seconds of the load, as text).", "varchar"),
    ("_dlt_id", "dlt row identifier.", "varchar"),
    (
        "deleted_at",
        "When a snapshot ingest found the row gone from the export (kept for audit; staging leaves it out);"
        " null for a live row. Tables loaded before snapshot ingests existed lack the column.",
        "timestamp with time zone",
    ),
)
LOADED_AT = ("loaded_at", "When dlt loaded the row (from _dlt_load_id).")
SOURCE_SYSTEM = ("source_system", "System the row came from ('canonical' for the canonical files).")


@dataclass(frozen=True)
class VendorSource:
    """A connector's canonical-shaped output: schema conformed_<vendor>, one table per entity."""

    vendor: str  # source_system of its rows, and the schema suffix
    command: str  # what loads it
    entities: tuple[str, ...]

    @property
    def schema(self) -> str:
        return f"conformed_{self.vendor}"

    @property
    def folder(self) -> str:
        return f"models/staging/{self.vendor}"

    def staging_model(self, entity: str) -> str:
        return f"stg_{self.vendor}__{entity}"


# The vendor connectors' conformed schemas (ingest/connectors; the core does not import them, so the list
# is restated here and tests/connectors checks it against the connector registry).
VENDOR_SOURCES: tuple[VendorSource, ...] = (
    VendorSource(
        "harvest",
        "wipcast ingest harvest",
        (
            "legal_entities",
            "customers",
            "employees",
            "projects",
            "time_entries",
            "invoices",
            "invoice_lines",
            "payments",
        ),
    ),
    VendorSource(
        "harvest_forecast", "wipcast ingest harvest-forecast", ("assignments", "assignment_snapshots", "milestones")
    ),
    VendorSource(
        "kantata",
        "wipcast ingest kantata",
        ("legal_entities", "customers", "employees", "projects", "time_entries", "assignments"),
    ),
    VendorSource("salesforce", "wipcast ingest salesforce", ("customers", "opportunities", "opportunity_history")),
    VendorSource("hubspot", "wipcast ingest hubspot", ("customers", "opportunities", "opportunity_history")),
    VendorSource(
        "netsuite",
        "wipcast ingest netsuite",
        (
            "legal_entities",
            "fx_rates",
            "customers",
            "projects",
            "invoices",
            "invoice_lines",
            "payments",
            "erp_time_postings",
        ),
    ),
    VendorSource(
        "quickbooks",
        "wipcast ingest quickbooks",
        ("legal_entities", "customers", "projects", "invoices", "invoice_lines", "payments"),
    ),
    VendorSource(
        "xero",
        "wipcast ingest xero",
        (
            "legal_entities",
            "fx_rates",
            "customers",
            "employees",
            "projects",
            "time_entries",
            "invoices",
            "invoice_lines",
            "payments",
        ),
    ),
)
# Columns a connector adds to every conformed table besides the contract's.
VENDOR_LOAD_COLUMNS = (
    ("_dlt_load_id", "dlt load identifier of the conformed load (Unix epoch seconds, as text).", "varchar"),
    ("_dlt_id", "dlt row identifier.", "varchar"),
    (
        "deleted_at",
        "Always null: rows that vanished upstream are removed from the conformed table (raw keeps them).",
        "timestamp with time zone",
    ),
    ("source_system", "The connector's vendor name.", "varchar"),
)


def _q(text: str) -> str:
    """A YAML double-quoted scalar (a JSON string is one)."""
    return json.dumps(text, ensure_ascii=False)


def _sql_type(logical_type: str) -> str:
    return WAREHOUSE_TYPES[logical_type].lower()


def doc_name(entity: str, column: str | None = None) -> str:
    """Name of the `{% docs %}` block of an entity or of one of its columns."""
    return f"canonical__{entity}" + (f"__{column}" if column else "")


def staging_model(entity: str) -> str:
    return f"{STAGING_PREFIX}{entity}"


def union_model(entity: str) -> str:
    return f"int_{entity}"


# --------------------------------------------------------------------------- renderers


def render_spec_macro(entities: Sequence[Entity]) -> str:
    lines = [
        f"{{#- {HEADER}",
        f"    Canonical input contract v{CONTRACT_VERSION} for dbt: every entity's columns in contract order, as",
        "    [name, logical type] pairs (contract_warehouse_type() in macros/types.sql gives the warehouse",
        "    type of a logical type). Read it through contract_columns() (macros/contract/entities.sql). -#}",
        "{% macro canonical_contract() -%}",
        "    {{ return({",
    ]
    for ent in entities:
        lines.append(f"        '{ent.name}': [")
        lines.extend(f"            ['{col.name}', '{col.type}']," for col in ent.columns)
        lines.append("        ],")
    lines += ["    }) }}", "{%- endmacro %}", ""]
    return "\n".join(lines)


def render_sources_yaml(entities: Sequence[Entity]) -> str:
    lines = [
        f"# {HEADER}",
        "version: 2",
        "",
        "sources:",
        f"  - name: {RAW_SCHEMA}",
        "    description: >",
        f"      Canonical input contract v{CONTRACT_VERSION} as loaded by `wipcast ingest` (dlt, merge on primary",
        "      keys). Every entity always exists as a table; absent optional columns are typed nulls.",
        f"    schema: {RAW_SCHEMA}",
        "    tables:",
    ]
    for ent in entities:
        lines += [f"      - name: {ent.name}", f"        description: {_q(ent.meaning)}"]
        if ent.name in FRESH_ENTITIES:
            lines += [
                "        # dlt writes _dlt_load_id as the Unix epoch of the load (text); YAML cannot call macros, so",
                "        # this is the DuckDB form of macros/dates.sql dlt_load_timestamp().",
                f"        loaded_at_field: {_q(LOADED_AT_FIELD)}",
                "        config:",
                "          freshness:",
                *(f"            {rule}" for rule in FRESHNESS),
            ]
        lines.append("        columns:")
        for col in ent.columns:
            lines += [
                f"          - name: {col.name}",
                f"            description: {_q(col.meaning)}",
                f"            data_type: {_sql_type(col.type)}",
            ]
        for name, meaning, data_type in LOAD_COLUMNS:
            lines += [
                f"          - name: {name}",
                f"            description: {_q(meaning)}",
                f"            data_type: {data_type}",
            ]
    lines.append("")
    return "\n".join(lines)


def render_staging_sql(ent: Entity) -> str:
    return (
        f"-- {HEADER}\n"
        f"-- {RAW_SCHEMA}.{ent.name} in the contract's column names and types, plus loaded_at (stage_entity).\n"
        f"{{{{ stage_canonical('{ent.name}') }}}}\n"
    )


def render_staging_yaml(entities: Sequence[Entity]) -> str:
    lines = [f"# {HEADER}", "version: 2", "", "models:"]
    for ent in entities:
        description = (
            f"Staging view of {RAW_SCHEMA}.{ent.name}: {ent.meaning} "
            "Renamed and cast to the contract types, nothing else."
        )
        lines += [f"  - name: {staging_model(ent.name)}", f"    description: {_q(description)}", "    columns:"]
        for col in ent.columns:
            lines += [
                f"      - name: {col.name}",
                f"        description: {_q(col.meaning)}",
                f"        data_type: {_sql_type(col.type)}",
            ]
        lines += [f"      - name: {LOADED_AT[0]}", f"        description: {_q(LOADED_AT[1])}"]
    lines.append("")
    return "\n".join(lines)


def _column_tests(ent: Entity, name: str) -> list[str]:
    """The data tests the contract implies for one column of an int_<entity> model, as YAML lines."""
    col = ent.column(name)
    tests: list[str] = []
    if name in ent.primary_key or (col.references and not col.nullable):
        tests.append("- not_null")
    if ent.primary_key == (name,):
        tests.append("- unique")
    if col.references:
        parent, key = col.references.split(".")
        tests += [
            "- relationships:",
            "    arguments:",
            f"      to: ref('{union_model(parent)}')",
            f"      field: {key}",
        ]
    if col.enum:
        values = ", ".join(f"'{v}'" for v in col.enum)
        tests += ["- accepted_values:", "    arguments:", f"      values: [{values}]"]
    return tests


def render_union_yaml(entities: Sequence[Entity]) -> str:
    lines = [f"# {HEADER}", "version: 2", "", "models:"]
    for ent in entities:
        description = f"{ent.meaning} Union of all sources in canonical column names (one branch per source_system)."
        lines += [f"  - name: {union_model(ent.name)}", f"    description: {_q(description)}", "    columns:"]
        for col in ent.columns:
            lines += [f"      - name: {col.name}", f"        description: {_q(col.meaning)}"]
            tests = _column_tests(ent, col.name)
            if tests:
                lines.append("        data_tests:")
                lines.extend(f"          {t}" for t in tests)
        if SOURCE_SYSTEM[0] not in ent.column_names:  # else the contract's column (union_entity fills it in)
            lines += [f"      - name: {SOURCE_SYSTEM[0]}", f"        description: {_q(SOURCE_SYSTEM[1])}"]
        if len(ent.primary_key) > 1:
            lines += [
                "    data_tests:",
                "      - unique_combination_of_columns:",
                "          arguments:",
                f"            combination_of_columns: [{', '.join(ent.primary_key)}]",
            ]
    lines.append("")
    return "\n".join(lines)


def render_docs_md(entities: Sequence[Entity]) -> str:
    parts = [
        f"<!-- {HEADER} -->",
        "<!-- The contract's meaning of every entity and column, for doc() in model YAMLs. -->",
        "",
    ]
    for ent in entities:
        parts += [f"{{% docs {doc_name(ent.name)} %}}", ent.meaning, "{% enddocs %}", ""]
        for col in ent.columns:
            parts += [f"{{% docs {doc_name(ent.name, col.name)} %}}", col.meaning, "{% enddocs %}", ""]
    return "\n".join(parts)


def render_vendor_sources_yaml(vendor: VendorSource, entities: Sequence[Entity]) -> str:
    by_name = {ent.name: ent for ent in entities}
    lines = [
        f"# {HEADER}",
        "version: 2",
        "",
        "sources:",
        f"  - name: {vendor.schema}",
        "    description: >",
        f"      Canonical-shaped rows loaded by `{vendor.command}` (docs/connectors): the contract's",
        "      columns and types. A table exists only once the connector has synced; until then its",
        "      staging model is empty (stage_entity).",
        f"    schema: {vendor.schema}",
        "    tables:",
    ]
    for name in vendor.entities:
        ent = by_name[name]
        lines += [f"      - name: {ent.name}", f"        description: {_q(ent.meaning)}", "        columns:"]
        for col in ent.columns:
            lines += [
                f"          - name: {col.name}",
                f"            description: {_q(col.meaning)}",
                f"            data_type: {_sql_type(col.type)}",
            ]
        for col_name, meaning, data_type in VENDOR_LOAD_COLUMNS:
            if col_name in ent.column_names:  # source_system of an entity whose contract carries it
                continue
            lines += [
                f"          - name: {col_name}",
                f"            description: {_q(meaning)}",
                f"            data_type: {data_type}",
            ]
    lines.append("")
    return "\n".join(lines)


def render_vendor_staging_sql(vendor: VendorSource, entity: str) -> str:
    return (
        f"-- {HEADER}\n"
        f"-- {vendor.schema}.{entity} in the contract's column names and types,\n"
        "-- plus loaded_at (stage_entity); empty while the connector has not synced.\n"
        f"{{{{ stage_entity('{vendor.schema}', '{entity}') }}}}\n"
    )


def render_vendor_staging_yaml(vendor: VendorSource, entities: Sequence[Entity]) -> str:
    by_name = {ent.name: ent for ent in entities}
    lines = [f"# {HEADER}", "version: 2", "", "models:"]
    for name in vendor.entities:
        ent = by_name[name]
        description = (
            f"Staging view of {vendor.schema}.{ent.name} (`{vendor.command}`): {ent.meaning} "
            "Cast to the contract types, nothing else; empty while the connector has not synced."
        )
        lines += [
            f"  - name: {vendor.staging_model(ent.name)}",
            f"    description: {_q(description)}",
            "    columns:",
        ]
        for col in ent.columns:
            lines += [
                f"      - name: {col.name}",
                f"        description: {_q(col.meaning)}",
                f"        data_type: {_sql_type(col.type)}",
            ]
        lines += [f"      - name: {LOADED_AT[0]}", f"        description: {_q(LOADED_AT[1])}"]
    lines.append("")
    return "\n".join(lines)


def render_union_sql(ent: Entity) -> str:
    """The first version of int_<entity>.sql (hand-owned afterwards)."""
    return (
        f"-- Union point of every source of {ent.name}, in the contract's column names (union_entity).\n"
        "-- Today only the canonical files; a vendor source (stg_harvest__*, stg_netsuite__*, ...) is\n"
        "-- added as another [source_system, staging model] pair.\n"
        f"{{{{ union_entity('{ent.name}', [\n"
        f"    ['canonical', ref('{staging_model(ent.name)}')],\n"
        "]) }}\n"
    )


def render(entities: Sequence[Entity] = ENTITIES, vendors: Sequence[VendorSource] = VENDOR_SOURCES) -> dict[str, str]:
    """Every generated file: path relative to the dbt project (POSIX) -> text."""
    files = {
        SPEC_MACRO: render_spec_macro(entities),
        SOURCES_YAML: render_sources_yaml(entities),
        STAGING_YAML: render_staging_yaml(entities),
        UNION_YAML: render_union_yaml(entities),
        DOCS_MD: render_docs_md(entities),
    }
    for ent in entities:
        files[f"{STAGING_DIR}/{staging_model(ent.name)}.sql"] = render_staging_sql(ent)
    names = {ent.name for ent in entities}
    for vendor in vendors:
        produced = [e for e in vendor.entities if e in names]  # a changed contract copy may lack some
        if not produced:
            continue
        kept = VendorSource(vendor.vendor, vendor.command, tuple(produced))
        files[f"{vendor.folder}/_{vendor.vendor}__sources.yml"] = render_vendor_sources_yaml(kept, entities)
        files[f"{vendor.folder}/_{vendor.vendor}__models.yml"] = render_vendor_staging_yaml(kept, entities)
        for entity in produced:
            files[f"{vendor.folder}/{vendor.staging_model(entity)}.sql"] = render_vendor_staging_sql(kept, entity)
    return files


def scaffolds(entities: Sequence[Entity] = ENTITIES) -> dict[str, str]:
    """Files written only when missing: path relative to the dbt project -> first version."""
    return {f"{UNION_DIR}/{union_model(ent.name)}.sql": render_union_sql(ent) for ent in entities}


def _stale(
    project_dir: Path, entities: Iterable[Entity], vendors: Sequence[VendorSource] = VENDOR_SOURCES
) -> list[Path]:
    """Generated staging models of entities the contract (or a vendor's list) no longer has."""
    names = {ent.name for ent in entities}
    wanted = {f"{staging_model(name)}.sql" for name in names}
    found = [p for p in (project_dir / STAGING_DIR).glob(f"{STAGING_PREFIX}*.sql") if p.name not in wanted]
    for vendor in vendors:
        keep = {f"{vendor.staging_model(e)}.sql" for e in vendor.entities if e in names}
        prefix = vendor.staging_model("")
        found += [p for p in (project_dir / vendor.folder).glob(f"{prefix}*.sql") if p.name not in keep]
    return sorted(found)


# --------------------------------------------------------------------------- write / check


def check(project_dir: Path = DBT_PROJECT_DIR, entities: Sequence[Entity] = ENTITIES) -> list[str]:
    """What differs from the contract's rendering: one line per file; empty when up to date."""
    problems = []
    for rel, text in render(entities).items():
        path = project_dir / rel
        if not path.exists():
            problems.append(f"{rel}: missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{rel}: differs from the contract")
    problems += [f"{rel}: missing" for rel in scaffolds(entities) if not (project_dir / rel).exists()]
    problems += [
        f"{p.relative_to(project_dir).as_posix()}: no such entity in the contract"
        for p in _stale(project_dir, entities)
    ]
    return problems


def write(project_dir: Path = DBT_PROJECT_DIR, entities: Sequence[Entity] = ENTITIES) -> list[str]:
    """Bring the generated files up to date; return what changed (relative paths)."""
    changed = []
    for rel, text in render(entities).items():
        path = project_dir / rel
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(rel)
    for rel, text in scaffolds(entities).items():
        path = project_dir / rel
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(rel)
    for path in _stale(project_dir, entities):
        path.unlink()
        changed.append(f"{path.relative_to(project_dir).as_posix()} (removed)")
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 when a generated file is stale")
    parser.add_argument(
        "--project-dir", type=Path, default=DBT_PROJECT_DIR, help="the dbt project (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    if args.check:
        problems = check(args.project_dir)
        for line in problems:
            print(line)
        if problems:
            print(f"the dbt project is stale against wipcast/contract.py: run `{COMMAND}`", file=sys.stderr)
            return 1
        print("the dbt project matches wipcast/contract.py")
        return 0
    changed = write(args.project_dir)
    for rel in changed:
        print(f"wrote {rel}")
    if not changed:
        print("nothing to do: the dbt project matches wipcast/contract.py")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
