"""The dbt project's contract-shaped files are the current rendering of wipcast/contract.py, and a
column added to the contract reaches the dbt sources, staging and the forecasting inputs with no
other edit (fast: no dbt run; tests/dbt/test_contract_codegen_dbt.py runs dbt on such a copy)."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from wipcast import contract, contract_codegen
from wipcast.contract import ENTITIES, Column, Entity

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "dbt_project"
STALE = f"run `.venv/bin/{contract_codegen.COMMAND}`"

EXTRA = Column("billing_code", contract.STRING, "Code of the customer's billing arrangement.", nullable=True)


def contract_with_extra_column(entity: str = "time_entries", column: Column = EXTRA) -> tuple[Entity, ...]:
    """A copy of the contract's entities with one more column on `entity`."""
    return tuple(dataclasses.replace(e, columns=(*e.columns, column)) if e.name == entity else e for e in ENTITIES)


def copy_project(tmp_path: Path) -> Path:
    target = tmp_path / "dbt_project"
    shutil.copytree(PROJECT, target, ignore=shutil.ignore_patterns("target", "logs", "__pycache__"))
    return target


def test_the_dbt_project_is_the_current_rendering_of_the_contract():
    assert contract_codegen.check() == [], f"the dbt project is stale against wipcast/contract.py: {STALE}"


def test_check_mode_exits_1_on_drift_and_0_when_up_to_date(tmp_path):
    project = copy_project(tmp_path)
    assert contract_codegen.main(["--check", "--project-dir", str(project)]) == 0
    sources = project / contract_codegen.SOURCES_YAML
    sources.write_text(sources.read_text().replace("Hours worked, 0 to 24.", "Hours."))
    (project / contract_codegen.STAGING_DIR / "stg_canonical__retired.sql").write_text("select 1\n")
    assert contract_codegen.check(project) == [
        f"{contract_codegen.SOURCES_YAML}: differs from the contract",
        f"{contract_codegen.STAGING_DIR}/stg_canonical__retired.sql: no such entity in the contract",
    ]
    assert contract_codegen.main(["--check", "--project-dir", str(project)]) == 1
    assert contract_codegen.main(["--project-dir", str(project)]) == 0
    assert contract_codegen.check(project) == []


def test_every_column_is_described_with_its_contract_meaning_and_type():
    source = yaml.safe_load((PROJECT / contract_codegen.SOURCES_YAML).read_text())["sources"][0]
    tables = {t["name"]: t for t in source["tables"]}
    docs = (PROJECT / contract_codegen.DOCS_MD).read_text()
    for ent in ENTITIES:
        columns = {c["name"]: c for c in tables[ent.name]["columns"]}
        assert list(columns)[: len(ent.columns)] == ent.column_names
        for col in ent.columns:
            assert columns[col.name]["description"] == col.meaning
            assert columns[col.name]["data_type"] == contract.WAREHOUSE_TYPES[col.type].lower()
            block = f"{{% docs {contract_codegen.doc_name(ent.name, col.name)} %}}\n{col.meaning}\n{{% enddocs %}}"
            assert block in docs


def test_a_column_added_to_a_copy_of_the_contract_reaches_sources_staging_and_unions(tmp_path):
    entities = contract_with_extra_column()
    files = contract_codegen.render(entities)

    sources = yaml.safe_load(files[contract_codegen.SOURCES_YAML])["sources"][0]
    time_entries = next(t for t in sources["tables"] if t["name"] == "time_entries")
    assert {"name": "billing_code", "description": EXTRA.meaning, "data_type": "varchar"} in time_entries["columns"]

    # staging casts every column of the spec macro: the new column is in it, typed
    spec = files[contract_codegen.SPEC_MACRO]
    start = spec.index("        'time_entries': [\n")
    block = spec[start : spec.index("\n        ],\n", start)]
    assert block.splitlines()[-1].strip() == "['billing_code', 'string'],"
    staging_model = files[f"{contract_codegen.STAGING_DIR}/stg_canonical__time_entries.sql"]
    assert staging_model == contract_codegen.render()[f"{contract_codegen.STAGING_DIR}/stg_canonical__time_entries.sql"]

    unions = yaml.safe_load(files[contract_codegen.UNION_YAML])["models"]
    union = next(m for m in unions if m["name"] == "int_time_entries")
    assert [c["name"] for c in union["columns"]][-2:] == ["billing_code", "source_system"]
    assert "canonical__time_entries__billing_code" in files[contract_codegen.DOCS_MD]

    # writing the copy touches exactly the generated files that mention the entity's columns
    project = copy_project(tmp_path)
    changed = contract_codegen.write(project, entities)
    assert sorted(changed) == sorted(
        [
            contract_codegen.SPEC_MACRO,
            contract_codegen.SOURCES_YAML,
            contract_codegen.STAGING_YAML,
            contract_codegen.UNION_YAML,
            contract_codegen.DOCS_MD,
            # each connector producing time_entries (Harvest, Kantata, Xero): its conformed source and staging
            # descriptions list the columns
            *(
                f"models/staging/{vendor}/_{vendor}__{kind}.yml"
                for vendor in ("harvest", "kantata", "xero")
                for kind in ("sources", "models")
            ),
        ]
    )
    assert contract_codegen.check(project, entities) == []


def test_a_new_entity_gets_a_source_a_staging_model_and_a_union_model(tmp_path):
    new = Entity(
        "expenses",
        "Expenses booked against projects.",
        (
            Column("expense_id", contract.STRING, "Identifier of the expense."),
            Column("project_id", contract.STRING, "Project charged.", references="projects.project_id"),
            Column("amount", contract.MONEY, "Amount in the project currency."),
        ),
        ("expense_id",),
    )
    project = copy_project(tmp_path)
    contract_codegen.write(project, (*ENTITIES, new))
    staging = (project / contract_codegen.STAGING_DIR / "stg_canonical__expenses.sql").read_text()
    assert "{{ stage_canonical('expenses') }}" in staging
    union = (project / contract_codegen.UNION_DIR / "int_expenses.sql").read_text()
    assert "union_entity('expenses'" in union and "ref('stg_canonical__expenses')" in union
    models = {m["name"]: m for m in yaml.safe_load((project / contract_codegen.UNION_YAML).read_text())["models"]}
    project_id = next(c for c in models["int_expenses"]["columns"] if c["name"] == "project_id")
    assert project_id["data_tests"][0] == "not_null"
    relationship = project_id["data_tests"][1]["relationships"]["arguments"]
    assert relationship == {"to": "ref('int_projects')", "field": "project_id"}
    # a hand-edited union model is never overwritten
    (project / contract_codegen.UNION_DIR / "int_expenses.sql").write_text("-- edited\n")
    contract_codegen.write(project, (*ENTITIES, new))
    assert (project / contract_codegen.UNION_DIR / "int_expenses.sql").read_text() == "-- edited\n"


def test_the_union_tests_follow_the_contract_keys_references_and_enumerations():
    models = {m["name"]: m for m in yaml.safe_load((PROJECT / contract_codegen.UNION_YAML).read_text())["models"]}
    for ent in ENTITIES:
        model = models[f"int_{ent.name}"]
        tests = {c["name"]: c.get("data_tests", []) for c in model["columns"]}
        for key in ent.primary_key:
            assert "not_null" in tests[key], (ent.name, key)
        if len(ent.primary_key) == 1:
            assert "unique" in tests[ent.primary_key[0]]
        else:
            combination = model["data_tests"][0]["unique_combination_of_columns"]["arguments"]
            assert combination["combination_of_columns"] == list(ent.primary_key)
        for col in ent.columns:
            kinds = {next(iter(t)) if isinstance(t, dict) else t for t in tests[col.name]}
            assert ("relationships" in kinds) == bool(col.references), (ent.name, col.name)
            assert ("accepted_values" in kinds) == bool(col.enum), (ent.name, col.name)


def test_every_contract_type_has_a_dbt_and_a_polars_type():
    types_sql = (PROJECT / "macros" / "types.sql").read_text()
    macro = types_sql[types_sql.index("{% macro contract_warehouse_type") :]
    named = set(re.findall(r"'(\w+)'", macro.split("{%- else -%}")[0]))
    assert set(contract.WAREHOUSE_TYPES) <= named

    from forecasting import inputs

    assert set(contract.WAREHOUSE_TYPES) <= set(inputs.POLARS_TYPES)


def test_forecasting_reads_contract_columns_in_their_contract_types():
    from forecasting import inputs

    for name, unused in inputs.UNUSED_COLUMNS.items():
        ent = contract.entity(name)
        assert unused <= set(ent.column_names), f"forecasting.inputs leaves out {unused - set(ent.column_names)}"
        assert inputs.COLUMNS[name] == [c for c in ent.column_names if c not in unused]
        for col in inputs.COLUMNS[name]:
            assert inputs.DTYPES[name][col] == inputs.POLARS_TYPES[ent.column(col).type]


# Runs in its own interpreter: it swaps the contract module's entities before forecasting imports them.
_FORECASTING_WITH_EXTRA_COLUMN = """
import dataclasses, json, sys
import polars as pl
from wipcast import contract
extra = contract.Column("billing_code", contract.STRING, "Code of the customer's billing arrangement.", nullable=True)
contract.ENTITIES = tuple(
    dataclasses.replace(e, columns=(*e.columns, extra)) if e.name == "time_entries" else e for e in contract.ENTITIES
)
contract.ENTITIES_BY_NAME = {e.name: e for e in contract.ENTITIES}
from forecasting import inputs
raw = inputs.from_frames({"time_entries": pl.DataFrame({"time_entry_id": ["T1"], "billing_code": ["B7"]})})
print(json.dumps({
    "columns": inputs.COLUMNS["time_entries"],
    "dtype": str(inputs.DTYPES["time_entries"]["billing_code"]),
    "read": raw.time_entries.select("time_entry_id", "billing_code").rows(),
}))
"""


def test_a_column_added_to_a_copy_of_the_contract_reaches_the_forecasting_inputs():
    result = subprocess.run(
        [sys.executable, "-c", _FORECASTING_WITH_EXTRA_COLUMN], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["columns"][-1] == "billing_code"
    assert out["dtype"] == "String"
    assert out["read"] == [["T1", "B7"]]
