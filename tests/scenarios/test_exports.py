"""Exports read back (polars, openpyxl, pyarrow) equal the warehouse; formula injection is neutralised;
the CLI commands work and an invalid scenario file writes nothing."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import openpyxl
import polars as pl
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from forecasting.exports import export_run, neutralise, write_export

INJECTIONS = ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "\ncmd"]


@pytest.fixture(scope="module")
def practice_export(warehouse):
    con = duckdb.connect(str(warehouse.work_db), read_only=True)
    try:
        return export_run(con, "fewer-wins", "practice", "USD")
    finally:
        con.close()


def expected_totals(sql, run_id: str) -> dict:
    """(month, practice) -> mean of the draw totals + actual: computed independently from the draws table."""
    rows = sql(
        """
        with d as (select month, practice, avg(v) as m from (select month, practice, draw, sum(value) as v
                   from forecast.revenue_forecast_draws where run_id = ? group by all) group by all),
             a as (select month, practice, sum(mean) as m from forecast.revenue_forecast
                   where run_id = ? and component = 'actual' group by all)
        select coalesce(d.month, a.month), coalesce(d.practice, a.practice), coalesce(d.m, 0) + coalesce(a.m, 0)
        from d full join a on d.month = a.month and d.practice is not distinct from a.practice""",
        [run_id, run_id],
    )
    return {(m, p): v for m, p, v in rows}


def expected_components(sql, run_id: str) -> dict:
    rows = sql(
        "select month, practice, component, sum(mean) from forecast.revenue_forecast where run_id = ? group by all",
        [run_id],
    )
    return {(m, p, c): v for m, p, c, v in rows}


def check_numbers(frame: pl.DataFrame, sql) -> None:
    totals, components = expected_totals(sql, "fewer-1"), expected_components(sql, "fewer-1")
    got_total = frame.filter(pl.col("component") == "total")
    got_comp = frame.filter(pl.col("component") != "total")
    assert got_total.height == len(totals) and got_comp.height == len(components)
    for month, practice, mean in got_total.select("month", "practice", "mean_usd").iter_rows():
        assert mean == pytest.approx(totals[(month, practice)], rel=1e-9, abs=1e-6)
    for month, practice, component, mean in got_comp.select("month", "practice", "component", "mean_usd").iter_rows():
        assert mean == pytest.approx(components[(month, practice, component)], rel=1e-9, abs=1e-6)


def test_export_frame_shape_and_basis(practice_export):
    frame, meta = practice_export
    assert frame.columns == [
        "scenario_id",
        "run_id",
        "as_of_date",
        "month",
        "practice",
        "component",
        "mean_usd",
        "p10_usd",
        "p50_usd",
        "p90_usd",
        "quantile_basis",
    ]
    assert set(frame["component"]) >= {"actual", "booked_time_and_materials", "pipeline", "scenario_capacity", "total"}
    totals = frame.filter(pl.col("component") == "total")
    assert set(totals["quantile_basis"]) == {"draws"}
    assert (totals["p10_usd"] <= totals["p50_usd"]).all() and (totals["p50_usd"] <= totals["p90_usd"]).all()
    assert meta["run_id"] == "fewer-1" and meta["as_of_date"] == "2025-12-31" and meta["reporting_currency"] == "USD"
    assert "multiplier: 0.5" in meta["scenario_definition"] and meta["generated_at"]


def test_csv_round_trip_and_sidecar(practice_export, sql, tmp_path):
    frame, meta = practice_export
    out = tmp_path / "fewer.csv"
    write_export(frame, meta, "csv", out)
    back = pl.read_csv(out, try_parse_dates=True)
    check_numbers(back.with_columns(pl.col("month").cast(pl.Date)), sql)
    sidecar = json.loads((tmp_path / "fewer.csv.json").read_text())
    assert (
        sidecar["run_id"] == "fewer-1" and sidecar["scenario_id"] == "fewer-wins" and "warehouse_last_load" in sidecar
    )


def test_xlsx_round_trip_and_about_sheet(practice_export, sql, tmp_path):
    frame, meta = practice_export
    out = tmp_path / "fewer.xlsx"
    write_export(frame, meta, "xlsx", out)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["forecast", "about"]
    rows = list(book["forecast"].iter_rows(values_only=True))
    back = pl.DataFrame([dict(zip(rows[0], r, strict=True)) for r in rows[1:]], infer_schema_length=None).with_columns(
        pl.col("month").cast(pl.Date), pl.col("mean_usd").cast(pl.Float64)
    )
    check_numbers(back, sql)
    about = {k: v for k, v in book["about"].iter_rows(min_row=2, values_only=True)}
    assert about["run_id"] == "fewer-1" and about["as_of_date"] == "2025-12-31" and about["scenario_id"] == "fewer-wins"


def test_parquet_round_trip_and_metadata(practice_export, sql, tmp_path):
    frame, meta = practice_export
    out = tmp_path / "fewer.parquet"
    write_export(frame, meta, "parquet", out)
    check_numbers(pl.read_parquet(out), sql)
    kv = pq.read_schema(out).metadata
    assert kv[b"wipcast.run_id"] == b"fewer-1" and kv[b"wipcast.as_of_date"] == b"2025-12-31"
    assert json.loads(kv[b"wipcast.provenance"])["reporting_currency"] == "USD"


def test_project_grain_has_per_series_quantiles_and_no_fake_totals(warehouse):
    con = duckdb.connect(str(warehouse.work_db), read_only=True)
    try:
        frame, _ = export_run(con, "fewer-wins", "project", "USD")
        single = con.execute("""select month, project_id, p50 from forecast.revenue_forecast
                                where run_id = 'fewer-1' and component = 'booked_time_and_materials'
                                  and project_id = 'P18'""").fetchall()
    finally:
        con.close()
    totals = frame.filter(pl.col("component") == "total")
    assert totals["p50_usd"].null_count() == totals.height and set(totals["quantile_basis"]) == {"none"}
    p18 = frame.filter((pl.col("project_id") == "P18") & (pl.col("component") == "booked_time_and_materials"))
    assert dict(p18.select("month", "p50_usd").iter_rows()) == {m: p for m, _, p in single}
    assert set(p18["quantile_basis"]) == {"series"}


def test_neutralise_rule():
    assert [neutralise(v) for v in INJECTIONS] == ["'" + v for v in INJECTIONS]
    assert neutralise("Alpha") == "Alpha" and neutralise(-5.0) == -5.0 and neutralise(None) is None


def test_formula_injection_is_neutralised_in_csv_and_xlsx(tmp_path):
    frame = pl.DataFrame(
        {
            "scenario_id": INJECTIONS,
            "month": [dt.date(2026, 1, 1)] * len(INJECTIONS),
            "mean_usd": [-5.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        }
    )
    meta = {"scenario_definition": "=cmd|' /C calc'!A0", "run_id": "r"}
    write_export(frame, meta, "csv", tmp_path / "x.csv")
    back = pl.read_csv(tmp_path / "x.csv")
    assert back["scenario_id"].to_list() == ["'" + v for v in INJECTIONS]
    assert back["mean_usd"].to_list() == [-5.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]  # numbers stay numbers
    write_export(frame, meta, "xlsx", tmp_path / "x.xlsx")
    book = openpyxl.load_workbook(tmp_path / "x.xlsx")
    cells = [row[0] for row in book["forecast"].iter_rows(min_row=2)]
    # (XLSX stores a carriage return inside text as the escape _x000D_, which openpyxl does not decode)
    assert [c.value.replace("_x000D_", "\r") for c in cells] == ["'" + v for v in INJECTIONS]
    assert all(c.data_type == "s" for c in cells)
    numbers = [row[2] for row in book["forecast"].iter_rows(min_row=2)]
    assert numbers[0].value == -5.0 and numbers[0].data_type == "n"
    about = {k: v for k, v in book["about"].iter_rows(min_row=2, values_only=True)}
    assert about["scenario_definition"].startswith("'=")
    # no cell anywhere is a formula or a hyperlink
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f" and cell.hyperlink is None


def test_unknown_format_and_grain_name_allowed_values(practice_export, tmp_path, warehouse):
    from wipcast.errors import InputError

    frame, meta = practice_export
    with pytest.raises(InputError) as caught:
        write_export(frame, meta, "xls", tmp_path / "x.xls")
    assert "allowed formats: csv, xlsx, parquet" in caught.value.one_line()
    con = duckdb.connect(str(warehouse.work_db), read_only=True)
    try:
        with pytest.raises(InputError) as caught:
            export_run(con, "fewer-wins", "team", "USD")
        assert "allowed grains: firm, practice, region, customer, project" in caught.value.one_line()
    finally:
        con.close()


# ---------------------------------------------------------------- CLI


@pytest.fixture(scope="module")
def cli_app():
    from cli.main import app

    return app


def test_cli_list_compare_export(cli_app, warehouse, tmp_path):
    runner = CliRunner()
    base = ["--warehouse-dir", str(warehouse.warehouse_dir)]
    listed = runner.invoke(cli_app, [*base, "scenario", "list"])
    assert listed.exit_code == 0, listed.output
    assert "fewer-wins" in listed.output and "neutral" in listed.output
    compared = runner.invoke(
        cli_app, [*base, "scenario", "compare", "base", "fewer-wins", "--out", str(tmp_path / "cmp.csv")]
    )
    assert compared.exit_code == 0, compared.output
    assert "Alpha" in compared.output and (tmp_path / "cmp.csv").exists()
    out = tmp_path / "firm.parquet"
    exported = runner.invoke(
        cli_app,
        [*base, "export", "--scenario", "fewer-wins", "--format", "parquet", "--grain", "firm", "--out", str(out)],
    )
    assert exported.exit_code == 0, exported.output
    firm = pl.read_parquet(out)
    assert firm.columns[:5] == ["scenario_id", "run_id", "as_of_date", "month", "component"]
    bad = runner.invoke(
        cli_app,
        [*base, "export", "--scenario", "fewer-wins", "--format", "xls", "--out", str(out)],
        env={"COLUMNS": "250"},
    )
    assert bad.exit_code != 0 and "csv, xlsx, parquet" in bad.output


def test_cli_invalid_scenario_file_writes_nothing(cli_app, tmp_path):
    runner = CliRunner()
    folder = tmp_path / "empty-warehouse"
    folder.mkdir()
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nhiring: [{role: A, practice: B, count: -1, start_month: 2026-01-01}]\n")
    result = runner.invoke(cli_app, ["--warehouse-dir", str(folder), "scenario", "run", str(bad), "--no-publish"])
    assert result.exit_code != 0
    assert "hiring[0].count" in result.exception.one_line() and "1 to 10000" in result.exception.one_line()
    assert list(folder.iterdir()) == []  # not even a database file was created
