"""The connectors' conformed schemas reach dbt: a generated source and staging model per (vendor, entity),
and a branch in int_<entity>.sql (fast: no dbt run; the builds are in test_marts_roundtrip.py and
tests/dbt/test_contract_codegen_dbt.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from ingest.connectors import registry
from wipcast import contract_codegen
from wipcast.contract import ENTITIES

PROJECT = contract_codegen.DBT_PROJECT_DIR


def test_the_codegen_lists_what_each_connector_conforms() -> None:
    declared = {v.vendor: set(v.entities) for v in contract_codegen.VENDOR_SOURCES}
    conformed = {c.vendor: {s.entity for s in c.conform_steps} for c in registry.CONNECTORS.values()}
    assert declared == conformed


def test_every_conformed_table_has_a_source_a_staging_model_and_a_union_branch() -> None:
    assert contract_codegen.check() == []
    for vendor in contract_codegen.VENDOR_SOURCES:
        folder = PROJECT / vendor.folder
        source = yaml.safe_load((folder / f"_{vendor.vendor}__sources.yml").read_text())["sources"][0]
        assert (source["name"], source["schema"]) == (vendor.schema, vendor.schema)
        tables = {t["name"]: [col["name"] for col in t["columns"]] for t in source["tables"]}
        assert set(tables) == set(vendor.entities)
        for entity in vendor.entities:
            contract_columns = next(e for e in ENTITIES if e.name == entity).column_names
            # exactly the conformed table's columns (docs/connectors/README.md, Tables)
            # (source_system only once: contract v2 already has it on invoices and invoice lines)
            load_columns = [
                c for c in ("_dlt_load_id", "_dlt_id", "deleted_at", "source_system") if c not in contract_columns
            ]
            assert tables[entity] == [*contract_columns, *load_columns]
            staged = (folder / f"{vendor.staging_model(entity)}.sql").read_text()
            assert f"{{{{ stage_entity('{vendor.schema}', '{entity}') }}}}" in staged
            union = (PROJECT / "models" / "intermediate" / "core" / f"int_{entity}.sql").read_text()
            assert f"['{vendor.vendor}', ref('{vendor.staging_model(entity)}')]" in union, entity
    assert "deduplicate_on='entity_id'" in (PROJECT / "models/intermediate/core/int_legal_entities.sql").read_text()


def test_a_vendor_staging_model_of_an_entity_no_longer_conformed_is_stale(tmp_path: Path) -> None:
    project = tmp_path / "dbt_project"
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns("target", "logs", "lint"))
    (project / "models/staging/harvest/stg_harvest__rate_cards.sql").write_text("select 1\n")
    assert contract_codegen.check(project) == [
        "models/staging/harvest/stg_harvest__rate_cards.sql: no such entity in the contract"
    ]
    contract_codegen.write(project)
    assert not (project / "models/staging/harvest/stg_harvest__rate_cards.sql").exists()
