"""Structural problems stop the run before anything is written, naming the file and column."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from ingest_test_data import write_csv

from ingest.files import ingest_files
from wipcast.errors import InputError


def _fails(settings, folder) -> str:
    with pytest.raises(InputError) as info:
        ingest_files(settings, folder, "run-bad")
    # nothing written: not even the working database was created
    assert not settings.work_db.exists()
    return info.value.one_line()


def test_unknown_file_name_is_named_with_a_suggestion(settings, firm, make_folder):
    folder = make_folder(firm)
    write_csv(folder / "timeentries.csv", firm["time_entries"])
    message = _fails(settings, folder)
    assert "timeentries.csv: unknown file" in message
    assert "did you mean time_entries" in message


def test_hidden_and_underscore_files_are_ignored(settings, firm, make_folder, monkeypatch):
    folder = make_folder(firm)
    (folder / "_truth.json").write_text("{}")
    (folder / ".DS_Store").write_bytes(b"\0")
    (folder / "notes.txt").write_text("hello")
    message = _fails(settings, folder)  # only notes.txt is a problem
    assert "notes.txt: unknown file" in message
    assert "_truth" not in message and "DS_Store" not in message


def test_missing_required_file(settings, firm, make_folder):
    del firm["payments"]
    message = _fails(settings, make_folder(firm))
    assert "payments.csv (or .parquet): required file is missing" in message


def test_csv_and_parquet_for_one_entity(settings, firm, make_folder):
    folder = make_folder(firm)
    pq.write_table(
        pa.table({"holiday_date": ["2024-12-25"], "region": ["NA"], "name": ["X"]}), folder / "holidays.parquet"
    )
    message = _fails(settings, folder)
    assert "holidays.csv and holidays.parquet: two files for entity holidays" in message


def test_missing_required_column(settings, firm, make_folder):
    for row in firm["time_entries"]:
        del row["hours"]
    message = _fails(settings, make_folder(firm))
    assert "time_entries.csv: required column hours is missing" in message


def test_unknown_column_is_an_error_naming_it(settings, firm, make_folder):
    for row in firm["customers"]:
        row["industy"] = "Retail"  # a misspelt (opt) column must not be dropped silently
    message = _fails(settings, make_folder(firm))
    assert "customers.csv: column 'industy' is not in the contract for customers (did you mean industry?)" in message


def test_column_that_cannot_be_cast_at_all(settings, firm, make_folder):
    for i, row in enumerate(firm["time_entries"]):
        row["work_date"] = f"0{i + 1}/03/2024"
    message = _fails(settings, make_folder(firm))
    assert "time_entries.csv: column work_date: none of its 3 value(s) can be read as a date (YYYY-MM-DD)" in message
    assert "row 1: '01/03/2024'" in message


def test_unparseable_csv(settings, firm, make_folder):
    folder = make_folder(firm)
    with (folder / "holidays.csv").open("a") as fh:
        fh.write("2024-12-26,NA,Boxing Day,extra,values\n")
    message = _fails(settings, folder)
    assert "holidays.csv: cannot be read as CSV" in message


def test_empty_csv(settings, firm, make_folder):
    folder = make_folder(firm)
    (folder / "holidays.csv").write_text("")
    message = _fails(settings, folder)
    assert "holidays.csv: cannot be read as CSV (the file is empty (no header row))" in message


def test_corrupt_parquet(settings, firm, make_folder):
    folder = make_folder(firm)
    (folder / "holidays.csv").unlink()
    (folder / "holidays.parquet").write_bytes(b"PAR1 this is not parquet")
    message = _fails(settings, folder)
    assert "holidays.parquet: cannot be read as PARQUET" in message


def test_every_problem_is_listed_in_one_message(settings, firm, make_folder):
    del firm["payments"]
    for row in firm["time_entries"]:
        del row["hours"]
    message = _fails(settings, make_folder(firm))
    assert "2 problem(s)" in message
    assert "payments.csv" in message and "column hours" in message
    assert "nothing was loaded" in message


def test_folder_that_does_not_exist(settings, tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        ingest_files(settings, tmp_path / "nope", "run")


def test_parquet_column_of_the_wrong_type(settings, firm, make_folder):
    folder = make_folder(firm, fmt="parquet")
    table = pq.read_table(folder / "holidays.parquet")
    table = table.set_column(0, "holiday_date", pa.array([20241225], pa.int64()))
    pq.write_table(table, folder / "holidays.parquet")
    message = _fails(settings, folder)
    assert "holidays.parquet: column holiday_date is int64 in the file but the contract type is date" in message


def test_nested_parquet_column(settings, firm, make_folder):
    folder = make_folder(firm, fmt="parquet")
    table = pq.read_table(folder / "holidays.parquet")
    table = table.set_column(2, "name", pa.array([["Christmas", "Day"]]))
    pq.write_table(table, folder / "holidays.parquet")
    message = _fails(settings, folder)
    assert "holidays.parquet: cannot be read as PARQUET (column name is nested" in message
