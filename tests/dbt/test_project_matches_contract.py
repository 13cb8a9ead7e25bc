"""The dbt project follows wipcast/contract.py: every entity has a documented source table, a
staging model that stages it through the contract (stage_canonical) and an int_ union model that
takes its columns from the contract (union_entity); no model lists an entity's columns by hand
(fast: no dbt run). tests/core/test_contract_codegen.py checks the generated files for drift and
test_dbt_build.py the columns and types of the built views."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from wipcast.contract import ENTITIES

PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"
STAGING = PROJECT / "models" / "staging" / "canonical"
INTERMEDIATE = PROJECT / "models" / "intermediate" / "core"
SPEC = PROJECT / "macros" / "contract" / "canonical_contract.sql"


def test_every_contract_entity_is_a_documented_source():
    source = yaml.safe_load((STAGING / "_canonical__sources.yml").read_text())["sources"][0]
    assert source["schema"] == "raw_canonical"
    tables = {t["name"]: t for t in source["tables"]}
    assert set(tables) == {e.name for e in ENTITIES}
    for e in ENTITIES:
        documented = {c["name"] for c in tables[e.name]["columns"] if c.get("description")}
        assert set(e.column_names) <= documented, e.name
    for fresh in ("time_entries", "invoices"):
        assert "_dlt_load_id" in tables[fresh]["loaded_at_field"]
        assert tables[fresh]["config"]["freshness"]["error_after"]


def test_the_spec_macro_lists_every_contract_column_with_its_type():
    spec: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in SPEC.read_text().splitlines():
        if m := re.fullmatch(r"\s*'(\w+)': \[", line):
            current = spec.setdefault(m.group(1), [])
        elif (m := re.fullmatch(r"\s*\['(\w+)', '(\w+)'\],", line)) and current is not None:
            current.append((m.group(1), m.group(2)))
    assert spec == {e.name: [(c.name, c.type) for c in e.columns] for e in ENTITIES}


def test_staging_and_union_models_take_their_columns_from_the_contract():
    hand_listed = re.compile(r"^\s{4}\w+,?$", flags=re.M)
    for e in ENTITIES:
        staged = (STAGING / f"stg_canonical__{e.name}.sql").read_text()
        assert f"{{{{ stage_canonical('{e.name}') }}}}" in staged
        assert "cast(" not in staged
        unioned = (INTERMEDIATE / f"int_{e.name}.sql").read_text()
        assert f"union_entity('{e.name}', [" in unioned
        assert f"['canonical', ref('stg_canonical__{e.name}')]" in unioned
        assert not hand_listed.search(unioned), f"int_{e.name} lists columns by hand"
