import datetime as dt

import pytest

from wipcast.errors import InputError
from wipcast.settings import load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for key in list(__import__("os").environ):
        if key.startswith("WIPCAST_"):
            monkeypatch.delenv(key)


def test_defaults_resolve_relative_to_cwd(tmp_path):
    s = load_settings(cwd=tmp_path)
    assert s.warehouse_dir == tmp_path / "warehouse"
    assert s.work_db == tmp_path / "warehouse" / "work.duckdb"
    assert s.published_db == tmp_path / "warehouse" / "wipcast.duckdb"
    assert s.reporting_currency == "USD"
    assert s.as_of is None


def test_flag_beats_env_beats_toml(tmp_path, monkeypatch):
    (tmp_path / "wipcast.toml").write_text(
        '[wipcast]\nreporting_currency = "GBP"\nas_of = "2026-01-31"\nwarehouse_dir = "from_toml"\n'
    )
    s = load_settings(cwd=tmp_path)
    assert (s.reporting_currency, s.as_of, s.warehouse_dir) == ("GBP", dt.date(2026, 1, 31), tmp_path / "from_toml")

    monkeypatch.setenv("WIPCAST_REPORTING_CURRENCY", "eur")
    monkeypatch.setenv("WIPCAST_WAREHOUSE_DIR", str(tmp_path / "from_env"))
    s = load_settings(cwd=tmp_path)
    assert s.reporting_currency == "EUR"
    assert s.warehouse_dir == tmp_path / "from_env"
    assert s.as_of == dt.date(2026, 1, 31)  # still from the file

    s = load_settings({"reporting_currency": "CHF", "warehouse_dir": None}, cwd=tmp_path)
    assert s.reporting_currency == "CHF"
    assert s.warehouse_dir == tmp_path / "from_env"  # a flag that was not given does not override


def test_bad_env_value_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("WIPCAST_AS_OF", "31/01/2026")
    with pytest.raises(InputError) as err:
        load_settings(cwd=tmp_path)
    assert "WIPCAST_AS_OF" in err.value.one_line()
    assert "YYYY-MM-DD" in err.value.one_line()


def test_unknown_toml_key_is_named(tmp_path):
    (tmp_path / "wipcast.toml").write_text("[wipcast]\nreporting_curency = 'USD'\n")
    with pytest.raises(InputError) as err:
        load_settings(cwd=tmp_path)
    assert "reporting_curency" in err.value.one_line()


def test_bad_currency_flag_is_named(tmp_path):
    with pytest.raises(InputError) as err:
        load_settings({"reporting_currency": "dollars"}, cwd=tmp_path)
    assert "--reporting-currency" in err.value.one_line()


@pytest.mark.parametrize("with_wipcast_table", [True, False])
def test_connector_and_sources_tables_are_not_settings(tmp_path, with_wipcast_table):
    """[connectors.*] and [sources] belong to the connectors (ingest.connectors.config), beside [wipcast] or not."""
    settings = '[wipcast]\nreporting_currency = "GBP"\n' if with_wipcast_table else 'reporting_currency = "GBP"\n'
    (tmp_path / "wipcast.toml").write_text(
        settings
        + '[sources]\nrun = ["files", "harvest"]\n'
        + '[connectors]\nidentity_map = "ids.csv"\n'
        + '[connectors.harvest]\ndefault_region = "EMEA"\n'
        + '[[connectors.harvest.legal_entities]]\nentity_id = "LE-UK"\n'
    )
    assert load_settings(cwd=tmp_path).reporting_currency == "GBP"


def test_a_typo_beside_the_connector_tables_is_still_named(tmp_path):
    (tmp_path / "wipcast.toml").write_text('reporting_curency = "GBP"\n[connectors.harvest]\ndefault_region = "EMEA"\n')
    with pytest.raises(InputError) as err:
        load_settings(cwd=tmp_path)
    assert "reporting_curency" in err.value.one_line()
    assert "connectors" not in err.value.one_line().split("known settings")[0]
