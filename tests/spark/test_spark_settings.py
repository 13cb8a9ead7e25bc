"""`[warehouse] kind = "spark"`: the settings, the dbt target and vars, and the names the Spark kind writes.
No Spark session is started here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from wipcast.errors import InputError, WipcastError
from wipcast.settings import load_settings
from wipcast.transform import build_command, build_vars, dbt_target, dbt_vars
from wipcast.warehouses import spark
from wipcast.warehouses.spark_swap import build_suffix, generation_database

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in (
        "WIPCAST_WAREHOUSE_KIND",
        "WIPCAST_SPARK_MASTER",
        "WIPCAST_SPARK_DRIVER_MEMORY",
        "WIPCAST_WAREHOUSE_DIR",
    ):
        monkeypatch.delenv(name, raising=False)


def test_the_warehouse_table_selects_spark(tmp_path):
    (tmp_path / "wipcast.toml").write_text('[warehouse]\nkind = "spark"\nmaster = "local[1]"\ndriver_memory = "3G"\n')
    settings = load_settings(cwd=tmp_path)
    assert (settings.warehouse_kind, settings.spark_master, settings.spark_driver_memory) == ("spark", "local[1]", "3g")
    assert dbt_target(settings) == "spark"
    assert dbt_vars(settings)["publish_by_swap"] is True
    assert build_vars(settings, "20261201T143000-ab12cd") == {"build_suffix": "__g20261201t143000_ab12cd"}
    assert build_command(settings) == ["build", "--exclude-resource-type", "unit_test"]
    config = spark.session_config(settings)
    assert config["spark.master"] == "local[1]" and config["spark.sql.shuffle.partitions"] == "2"
    assert config["spark.sql.warehouse.dir"] == (tmp_path / "warehouse" / "spark" / "tables").as_uri()
    assert (
        str(tmp_path / "warehouse" / "spark" / "metastore_db") in config["spark.hadoop.javax.jdo.option.ConnectionURL"]
    )
    assert config["spark.driver.bindAddress"] == "127.0.0.1"  # local mode never listens beyond loopback


def test_the_duckdb_build_has_no_spark_vars_and_leaves_unit_tests_to_ci(tmp_path):
    settings = load_settings(cwd=tmp_path)
    assert build_command(settings) == ["build", "--exclude-resource-type", "unit_test"]
    assert build_vars(settings, "r") == {}


@pytest.mark.parametrize(("key", "value"), [("master", "mesos://x"), ("master", "local[two]"), ("driver_memory", "2")])
def test_bad_spark_settings_are_one_clear_line(tmp_path, key, value):
    (tmp_path / "wipcast.toml").write_text(f'[warehouse]\nkind = "spark"\n{key} = "{value}"\n')
    with pytest.raises(InputError, match=f"spark_{key}"):
        load_settings(cwd=tmp_path)


def test_shuffle_partitions_follow_the_cores():
    assert spark.shuffle_partitions("local[1]") == 2
    assert spark.shuffle_partitions("local[4]") == 8
    assert spark.shuffle_partitions("spark://cluster:7077") == 200  # a cluster keeps Spark's default


def test_only_plain_names_are_quoted():
    assert spark.table_name("marts__g1", "dim_project") == "`marts__g1`.`dim_project`"
    for bad in ("a`b", "x; drop", "", "1a"):
        with pytest.raises(WipcastError):
            spark.quote(bad)


def test_generation_databases_are_valid_spark_names():
    assert generation_database("marts", "20261201T143000-ab12cd") == "marts__g20261201t143000_ab12cd"
    assert re.fullmatch(r"[a-z0-9_]+", build_suffix("Run-1 x"))


def test_the_profile_runs_dbt_spark_in_session_mode():
    profile = yaml.safe_load((ROOT / "dbt_project" / "profiles.yml").read_text())["wipcast"]["outputs"]["spark"]
    assert profile["type"] == "spark" and profile["method"] == "session"
    macro = (ROOT / "dbt_project" / "macros" / "generate_schema_name.sql").read_text()
    assert "var('build_suffix', '__build')" in macro  # PostgreSQL keeps <name>__build
