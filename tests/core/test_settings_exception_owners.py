"""`[[exceptions.owners]]` in wipcast.toml: who owns each kind of reconciliation exception."""

import pytest

from wipcast.errors import InputError
from wipcast.exception_settings import exception_types
from wipcast.settings import load_settings
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


def test_sync_intervals_per_connector_and_for_any(tmp_path):
    settings = _load(tmp_path, '[exceptions.sync_expected_hours]\n"*" = 24\nnetsuite = 168\n')
    assert settings.sync_expected_hours == (("*", 24), ("netsuite", 168))
    variables = dbt_vars(settings)
    assert variables["sync_expected_interval_hours"] == 24
    assert variables["sync_expected_interval_hours_by_connector"] == {"netsuite": 168}
    only_one = dbt_vars(_load(tmp_path, "[exceptions.sync_expected_hours]\nxero = 48\n"))
    assert "sync_expected_interval_hours" not in only_one  # the model's default (36 h) stays for the rest


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ("netsuit = 168", "'netsuit' is not a connector"),
        ("harvest = 0", "harvest is 0"),
        ("harvest = 1.5", "harvest is 1.5"),
        ('harvest = "daily"', "harvest is 'daily'"),
    ],
)
def test_a_bad_sync_interval_is_named(tmp_path, line, named):
    with pytest.raises(InputError) as err:
        _load(tmp_path, f"[exceptions.sync_expected_hours]\n{line}\n")
    assert "exceptions.sync_expected_hours" in err.value.one_line() and named in err.value.one_line()


def test_an_unknown_key_of_the_exceptions_table_is_named(tmp_path):
    with pytest.raises(InputError) as err:
        _load(tmp_path, "[exceptions]\nsync_hours = 3\n")
    assert "unknown key(s): sync_hours" in err.value.one_line()
