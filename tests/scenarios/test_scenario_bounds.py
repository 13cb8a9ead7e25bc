"""Bounded scenario input: size, adjustment count, name and description length, real dates, seed;
a scenario as-of date outside the data; `wipcast export --out` naming a folder. Each refusal is one
line that names the field (or flag) and the limit, and nothing is written."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl
import pytest
import synth
from typer.testing import CliRunner

from forecasting.scenarios.definition import (
    MAX_ADJUSTMENTS,
    MAX_DESCRIPTION_CHARS,
    MAX_NAME_CHARS,
    MAX_YAML_BYTES,
    from_yaml_text,
    load,
)
from wipcast.errors import InputError
from wipcast.settings import Settings


def error_of(text: str) -> str:
    with pytest.raises(InputError) as caught:
        from_yaml_text(text)
    line = caught.value.one_line()
    assert "\n" not in line
    return line


def _attrition(n: int) -> str:
    return "name: x\nattrition:\n" + "".join("  - percent_per_year: 1\n" for _ in range(n))


def test_yaml_larger_than_the_limit_is_refused_before_parsing(tmp_path):
    text = "name: x\ndescription: hi\n" + "#" * MAX_YAML_BYTES
    message = error_of(text)
    assert "256 KB" in message and f"{len(text.encode()):,} bytes" in message
    path = tmp_path / "big.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=f"scenario file {path} is .* more than the limit of 256 KB"):
        load(path)
    assert from_yaml_text("name: x\n" + "#" * (MAX_YAML_BYTES - 20)).name == "x"


def test_more_than_500_adjustments_in_total_is_refused():
    assert len(from_yaml_text(_attrition(MAX_ADJUSTMENTS)).attrition) == MAX_ADJUSTMENTS
    message = error_of(_attrition(MAX_ADJUSTMENTS - 1) + "win_probability: [{multiplier: 0.5}, {shift: 0.1}]\n")
    assert "adjustments" in message and "501 in total" in message and "limit of 500" in message
    # Also for a definition built in code (the app's form).
    from pydantic import ValidationError

    from forecasting.scenarios.definition import Attrition, Scenario

    with pytest.raises(ValidationError, match="limit of 500"):
        Scenario(name="x", attrition=[Attrition(percent_per_year=1)] * (MAX_ADJUSTMENTS + 1))


def test_long_name_and_description_are_refused_naming_field_and_limit():
    assert from_yaml_text("name: " + "a" * MAX_NAME_CHARS).name == "a" * MAX_NAME_CHARS
    message = error_of("name: " + "a" * (MAX_NAME_CHARS + 1))
    assert message.startswith("scenario is invalid: name: 101 characters, more than the limit of 100")
    assert from_yaml_text(f"name: x\ndescription: {'d' * MAX_DESCRIPTION_CHARS}").description
    message = error_of(f"name: x\ndescription: {'d' * 5000}")
    assert "description: 5,000 characters, more than the limit of 2000" in message
    assert "ddddd" not in message  # the value itself is not echoed


@pytest.mark.parametrize(
    "field, text",
    [
        ("as_of", "as_of: 2027-02-30"),
        ("as_of", "as_of: 2026-13-45"),
        ("as_of", "as_of: '2026-02-29'"),
        ("hiring[0].start_month", "hiring: [{role: A, practice: B, count: 1, start_month: 2026-02-31}]"),
        ("bill_rates[0].from_date", "bill_rates: [{percent: 5, from_date: 2026-00-10}]"),
    ],
)
def test_impossible_dates_name_the_field(field, text):
    message = error_of(f"name: x\n{text}")
    assert f"{field}: " in message and "is not a date" in message and "YYYY-MM-DD" in message


def test_dates_still_load_as_dates():
    s = from_yaml_text(
        "name: x\nas_of: 2026-02-28\nhiring: [{role: A, practice: B, count: 1, start_month: 2026-03-01}]"
    )
    assert s.as_of == dt.date(2026, 2, 28) and s.hiring[0].start_month == dt.date(2026, 3, 1)
    assert from_yaml_text("name: x\ndescription: 2026-01-01").description == "2026-01-01"


def test_negative_seed_and_bad_tags_are_clear_errors():
    message = error_of("name: x\nseed: -1")
    assert "seed: " in message and "0 to 9223372036854775807" in message
    assert "not valid YAML" in error_of("name: x\nhorizon: !!int twelve")
    assert "not valid YAML" in error_of("name: x\nhorizon: " + "[" * 3000 + "]" * 3000)


def test_many_errors_are_cut_short():
    text = "name: x\nattrition:\n" + "".join("  - percent_per_year: -1\n" for _ in range(40))
    message = error_of(text)
    assert message.count("percent_per_year") == 5 and "and 35 more error(s)" in message


# ---------------------------------------------------------------- scenario as_of outside the data


@pytest.fixture()
def raw_only_warehouse(tmp_path) -> Settings:
    settings = Settings(warehouse_dir=tmp_path / "wh")
    settings.warehouse_dir.mkdir()
    synth.write_raw(settings.work_db, synth.build())
    return settings


@pytest.mark.parametrize("as_of", ["2099-01-01", "1990-06-30"])
def test_scenario_as_of_outside_the_data_is_refused_and_writes_nothing(raw_only_warehouse, as_of):
    from forecasting.scenarios import run_scenario

    with pytest.raises(InputError) as caught:
        run_scenario(raw_only_warehouse, from_yaml_text(f"name: far\nas_of: {as_of}"), "far-1")
    line = caught.value.one_line()
    assert f"as-of date {as_of} (the scenario's as_of)" in line
    assert "from 2024-01-01 to 2026-06-30" in line and "--allow-as-of-outside-data" in line
    con = duckdb.connect(str(raw_only_warehouse.work_db), read_only=True)
    try:
        tables = con.execute("select table_name from duckdb_tables() where schema_name = 'forecast'").fetchall()
    finally:
        con.close()
    assert tables == []  # no forecast rows, no scenario definition, no failed scenario run


def test_cli_scenario_run_outside_the_data_names_the_flag(raw_only_warehouse, tmp_path):
    from cli.main import app

    path = tmp_path / "far.yaml"
    path.write_text("name: far\nas_of: 2099-01-01\n")
    result = CliRunner().invoke(
        app, ["--warehouse-dir", str(raw_only_warehouse.warehouse_dir), "scenario", "run", str(path), "--no-publish"]
    )
    assert isinstance(result.exception, InputError), result.output
    assert "--allow-as-of-outside-data" in result.exception.one_line()


# ---------------------------------------------------------------- export --out


def test_export_out_an_existing_folder_is_one_line_naming_out(warehouse, tmp_path):
    from cli.main import app
    from forecasting.exports import write_export

    folder = tmp_path / "reports"
    folder.mkdir()
    result = CliRunner().invoke(
        app, ["--warehouse-dir", str(warehouse.warehouse_dir), "export", "--format", "csv", "--out", str(folder)]
    )
    assert isinstance(result.exception, InputError), result.output
    line = result.exception.one_line()
    assert "\n" not in line and f"--out {folder} is an existing folder" in line and "forecast.csv" in line
    assert list(folder.iterdir()) == []
    with pytest.raises(InputError, match="--out .* is an existing folder"):
        write_export(pl.DataFrame({"a": [1]}), {}, "parquet", folder)
    # A CSV export also writes <out>.json: that must not be a folder either.
    (tmp_path / "x.csv.json").mkdir()
    with pytest.raises(InputError, match=r"x\.csv\.json is an existing folder"):
        write_export(pl.DataFrame({"a": [1]}), {}, "csv", tmp_path / "x.csv")
