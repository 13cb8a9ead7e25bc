"""docs/canonical-contract.md and the ingest rules cannot drift from wipcast/contract.py."""

from __future__ import annotations

from pathlib import Path

from ingest import contract_doc
from ingest.rules import ENTITY_CHECKS
from wipcast import contract as c

DOC = Path(__file__).resolve().parents[2] / "docs" / "canonical-contract.md"


def _section(text: str, entity: str) -> str:
    start = text.index(f"### {entity}\n") if f"### {entity}\n" in text else text.index(f"### {entity} (")
    end = text.find("\n### ", start + 1)
    return text[start:] if end == -1 else text[start:end]


def test_doc_lists_every_contract_column_with_its_meaning():
    text = DOC.read_text(encoding="utf-8")
    for ent in c.ENTITIES:
        section = _section(text, ent.name)
        for col in ent.columns:
            line = next((ln for ln in section.splitlines() if ln.startswith(f"| `{col.name}` |")), None)
            assert line is not None, f"{ent.name}.{col.name} missing from {DOC.name}"
            assert col.meaning in line and c.WAREHOUSE_TYPES[col.type] in line
        listed = [ln.split("`")[1] for ln in section.splitlines() if ln.startswith("| `")]
        assert listed == ent.column_names, f"{ent.name}: the doc lists {listed}"


def test_doc_is_the_current_rendering_of_the_contract():
    assert DOC.read_text(encoding="utf-8") == contract_doc.render(), (
        "docs/canonical-contract.md is stale: "
        "run `.venv/bin/python -m ingest.contract_doc > docs/canonical-contract.md`"
    )


def test_every_entity_check_named_in_the_contract_is_implemented():
    named = {check for ent in c.ENTITIES for check in ent.checks}
    assert named <= set(ENTITY_CHECKS), named - set(ENTITY_CHECKS)
    for ent in c.ENTITIES:
        for check in ent.checks:
            assert ENTITY_CHECKS[check][0] in ent.column_names, (ent.name, check)


def test_parents_load_before_children_and_references_point_at_single_keys():
    position = {name: i for i, name in enumerate(c.LOAD_ORDER)}
    for ent in c.ENTITIES:
        for col in ent.columns:
            if col.references:
                parent, key = col.references.split(".")
                assert position[parent] < position[ent.name], col.references
                assert c.entity(parent).primary_key == (key,), col.references
