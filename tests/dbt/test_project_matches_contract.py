"""The dbt project follows wipcast/contract.py: every entity has a documented source table,
a staging model and an int_ union model carrying every contract column (fast: no dbt run)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from wipcast.contract import ENTITIES

PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"
STAGING = PROJECT / "models" / "staging" / "canonical"
INTERMEDIATE = PROJECT / "models" / "intermediate" / "core"


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


def test_staging_and_union_models_carry_every_contract_column():
    for e in ENTITIES:
        staged = (STAGING / f"stg_canonical__{e.name}.sql").read_text()
        for column in e.column_names:
            assert re.search(rf"\bas {column},?\s*$", staged, flags=re.M), f"stg_canonical__{e.name} lacks {column}"
        assert "loaded_at" in staged
        unioned = (INTERMEDIATE / f"int_{e.name}.sql").read_text()
        listed = re.findall(r"^\s{4}(\w+),?$", unioned, flags=re.M)
        assert listed == e.column_names, f"int_{e.name} columns differ from the contract"
        assert "as source_system" in unioned
