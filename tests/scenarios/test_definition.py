"""Scenario YAML: valid files load; every invalid one names the field and the allowed values."""

from __future__ import annotations

from pathlib import Path

import pytest

from forecasting.scenarios.definition import from_yaml_text, load
from wipcast.errors import InputError

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples" / "scenarios").glob("*.yaml"))


def error_of(text: str) -> str:
    with pytest.raises(InputError) as caught:
        from_yaml_text(text)
    return caught.value.one_line()


def test_examples_load():
    assert EXAMPLES, "examples/scenarios/*.yaml should exist"
    for path in EXAMPLES:
        assert load(path).name


def test_neutral_scenario_has_no_adjustments():
    s = from_yaml_text("name: neutral")
    assert s.is_neutral
    assert not from_yaml_text("name: x\nattrition: [{percent_per_year: 10}]").is_neutral


def test_unknown_field_lists_allowed_fields():
    message = error_of(
        "name: x\nhiring:\n  - role: A\n    practice: B\n    count: 1\n    start_month: 2026-01-01\n    salary: 3"
    )
    assert "hiring[0].salary" in message and "unknown field" in message
    assert "role, practice, region, count, start_month, ramp_up_weeks, demand_limited" in message


def test_unknown_top_level_field():
    message = error_of("name: x\nwin_probabilty: []")
    assert "win_probabilty: unknown field" in message and "win_probability" in message


def test_wrong_type_names_field():
    message = error_of("name: x\nhiring: [{role: A, practice: B, count: ten, start_month: 2026-01-01}]")
    assert "hiring[0].count" in message and "valid integer" in message and "1 to 10000" in message


def test_out_of_range_names_range():
    message = error_of("name: x\nwin_probability: [{multiplier: 12}]")
    assert "win_probability[0].multiplier" in message and "allowed range: 0 to 10" in message
    message = error_of("name: x\nattrition: [{percent_per_year: 120}]")
    assert "attrition[0].percent_per_year" in message and "allowed range: 0 to 100" in message


def test_bad_enum_lists_allowed_values():
    message = error_of("name: x\nprojects: [{project_id: P1, action: pause}]")
    assert "projects[0].action" in message and "'pause'" in message and "'delay' or 'cancel'" in message


def test_rules_between_fields():
    assert "exactly one of multiplier or shift" in error_of("name: x\nwin_probability: [{multiplier: 0.5, shift: 0.1}]")
    assert "weeks between 1 and 104" in error_of("name: x\nprojects: [{project_id: P1, action: delay}]")
    assert "reserved" in error_of("name: base")
    assert "lowercase letters" in error_of("name: Big Plan")


def test_not_yaml_or_not_mapping():
    assert "not valid YAML" in error_of("name: [unclosed")
    assert "must be a YAML mapping" in error_of("- a\n- b")


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load(tmp_path / "nope.yaml")


def test_yaml_round_trip():
    s = from_yaml_text("name: x\nbill_rates: [{percent: 5, from_date: 2026-04-01, role: Consultant}]\nseed: 3")
    again = from_yaml_text(s.to_yaml())
    assert again == s and again.definition_hash() == s.definition_hash()
