"""`[[exceptions.owners]]` in wipcast.toml: who owns each kind of reconciliation exception."""

import pytest

from wipcast.errors import InputError
from wipcast.settings import exception_types, load_settings
from wipcast.transform import dbt_vars


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for key in list(__import__("os").environ):
        if key.startswith("WIPCAST_"):
            monkeypatch.delenv(key)


def _load(tmp_path, text):
    (tmp_path / "wipcast.toml").write_text(text)
    return load_settings(cwd=tmp_path)


def test_rules_keep_their_order_and_default_to_every_practice(tmp_path):
    settings = _load(
        tmp_path,
        '[wipcast]\nreporting_currency = "GBP"\n'
        '[[exceptions.owners]]\ntype = "duplicate_posting"\nowner = "erp-ops"\n'
        '[[exceptions.owners]]\npractice = "Data"\nowner = "O\'Brien"\n',
    )
    assert settings.reporting_currency == "GBP"
    assert settings.exception_owners == (("duplicate_posting", "*", "erp-ops"), ("*", "Data", "O'Brien"))
    assert dbt_vars(settings)["exception_owners"] == [
        {"exception_type": "duplicate_posting", "practice": "*", "owner": "erp-ops"},
        {"exception_type": "*", "practice": "Data", "owner": "O'Brien"},
    ]


def test_no_rules_pass_no_var(tmp_path):
    # without rules dbt keeps the var's default (no rule), so the parse cache key is the same as before
    assert "exception_owners" not in dbt_vars(_load(tmp_path, 'reporting_currency = "USD"\n'))


def test_the_rule_types_are_the_types_the_mart_raises():
    assert {"duplicate_posting", "stale_sync", "ingest_quarantine", "approved_not_posted"} <= set(exception_types())
    assert "*" not in exception_types()


@pytest.mark.parametrize(
    ("rule", "named"),
    [
        ('type = "duplicate_postings"\nowner = "x"', "type 'duplicate_postings' is not an exception type"),
        ('type = "stale_sync"', "rule 2 names no owner"),
        ('owner = ""', "owner is ''"),
        ('owner = "x"\nteam = "y"', "unknown key(s): team"),
        ("owner = 3", "owner is 3"),
    ],
)
def test_a_bad_rule_is_named_by_its_number(tmp_path, rule, named):
    with pytest.raises(InputError) as err:
        _load(tmp_path, f'[[exceptions.owners]]\nowner = "ok"\n[[exceptions.owners]]\n{rule}\n')
    assert "exceptions.owners rule 2" in err.value.one_line()
    assert named in err.value.one_line()


def test_owners_that_are_not_a_list_are_named(tmp_path):
    with pytest.raises(InputError) as err:
        _load(tmp_path, '[exceptions]\nowners = "finance"\n')
    assert "exceptions.owners is not a list" in err.value.one_line()
