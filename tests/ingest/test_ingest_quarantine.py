"""Row-level problems go to ops.quarantine with row number, column, reason and the raw row; the rest loads."""

from __future__ import annotations

import copy
import json

import duckdb
import pytest
from ingest_test_data import VALID_FIRM, write_csv

from ingest.files import ingest_files
from wipcast.settings import Settings


def _te(base: dict, **changes) -> dict:
    return {**base, **changes}


def _bad_firm():
    firm = copy.deepcopy(VALID_FIRM)
    emp = firm["employees"][0]
    firm["employees"] += [
        dict(emp, employee_id="EMP3", name=""),  # row 3
        dict(emp, employee_id="EMP4", utilization_target="1.5"),  # row 4
        dict(emp, employee_id="EMP5", termination_date="2022-01-01"),  # row 5
        dict(emp, employee_id="EMP6", employment_type="intern"),  # row 6
        dict(emp, employee_id="EMP7", entity_id="E9"),  # row 7
    ]
    firm["projects"].append(dict(firm["projects"][0], project_id="P3", end_date="2023-12-31"))  # row 3
    t = firm["time_entries"][0]
    firm["time_entries"] += [
        _te(t, time_entry_id=""),  # row 4
        _te(t, time_entry_id="T5", work_date="2024-02-30"),  # row 5
        _te(t, time_entry_id="T6", updated_at="yesterday"),  # row 6
        _te(t, time_entry_id="T7", hours="eight", invoice_id=""),  # row 7
        _te(t, time_entry_id="T8", billable="maybe"),  # row 8
        _te(t, time_entry_id="T9", bill_rate="12,50"),  # row 9
        _te(t, time_entry_id="T10", hours="-1"),  # row 10
        _te(t, time_entry_id="T11", hours="25"),  # row 11
        _te(t, time_entry_id="T12", approval_status="APPROVED"),  # row 12
        _te(t, time_entry_id="T13", project_id="P404"),  # row 13
        _te(t, time_entry_id="T14", project_id="P3"),  # row 14: parent quarantined
        _te(t, time_entry_id="T15", employee_id="EMP5"),  # row 15: parent quarantined
        _te(t, hours="2"),  # row 16: T1 again, the last one wins
        _te(t, time_entry_id="T17", hours="nan"),  # row 17
        _te(t, time_entry_id="T18", hours=""),  # row 18
    ]
    inv = firm["invoices"][0]
    firm["invoices"] += [
        dict(inv, invoice_id="I2", currency="usd"),  # row 2
        dict(inv, invoice_id="I3", due_date="2024-03-01"),  # row 3
    ]
    firm["revenue_targets"].append(dict(firm["revenue_targets"][0], month="2024-03-15", region="EU"))  # row 2
    firm["fx_rates"].append({"rate_date": "2024-03-02", "currency": "GBP", "rate_to_reporting": "0"})  # row 3
    return firm


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One ingest of the bad folder, shared by the tests of this module (each dlt load costs seconds)."""
    root = tmp_path_factory.mktemp("quarantine")
    folder = root / "input"
    folder.mkdir()
    for entity, rows in _bad_firm().items():
        write_csv(folder / f"{entity}.csv", rows)
    settings = Settings(warehouse_dir=root / "warehouse")
    result = ingest_files(settings, folder, "run-q")

    def query(sql, params=None):
        con = duckdb.connect(str(settings.work_db), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    return result, query


EXPECTED = [
    ("employees", 3, "name", "name is empty (required)"),
    ("employees", 4, "utilization_target", "utilization_target is outside 0 to 1"),
    ("employees", 5, "termination_date", "termination_date is before hire_date"),
    ("employees", 6, "employment_type", "employment_type is not one of: employee, contractor"),
    ("employees", 7, "entity_id", "entity_id refers to a missing legal_entities.entity_id"),
    ("projects", 3, "end_date", "end_date is before start_date"),
    (
        "time_entries",
        1,
        "time_entry_id",
        "duplicate time_entry_id (the file's last row with this key is the one loaded)",
    ),
    ("time_entries", 4, "time_entry_id", "time_entry_id is empty (primary key)"),
    ("time_entries", 5, "work_date", "work_date is not a valid date (YYYY-MM-DD)"),
    ("time_entries", 6, "updated_at", "updated_at is not a valid timestamp (ISO 8601)"),
    ("time_entries", 7, "hours", "hours is not a valid number"),
    ("time_entries", 8, "billable", "billable is not a valid boolean (true or false)"),
    ("time_entries", 9, "bill_rate", "bill_rate is not a valid decimal number"),
    ("time_entries", 10, "hours", "hours is outside 0 to 24"),
    ("time_entries", 11, "hours", "hours is outside 0 to 24"),
    ("time_entries", 12, "approval_status", "approval_status is not one of: draft, submitted, approved, rejected"),
    ("time_entries", 13, "project_id", "project_id refers to a missing projects.project_id"),
    ("time_entries", 14, "project_id", "project_id refers to a missing projects.project_id"),
    ("time_entries", 15, "employee_id", "employee_id refers to a missing employees.employee_id"),
    ("time_entries", 17, "hours", "hours is not a valid number"),
    ("time_entries", 18, "hours", "hours is empty (required)"),
    ("invoices", 2, "currency", "currency is not an ISO 4217 code (three capital letters)"),
    ("invoices", 3, "due_date", "due_date is before invoice_date"),
    ("fx_rates", 3, "rate_to_reporting", "rate_to_reporting is not positive"),
    ("revenue_targets", 2, "month", "month is not the first day of a month"),
]


def test_each_bad_row_is_quarantined_with_row_number_column_and_reason(run):
    result, query = run
    got = query(
        "select entity, row_number, column_name, reason from ops.quarantine where run_id = 'run-q' "
        "order by entity, row_number"
    )
    assert sorted(got) == sorted(EXPECTED)
    assert result.quarantined[("time_entries", "hours is outside 0 to 24")] == 2
    assert sum(result.quarantined.values()) == len(EXPECTED)


def test_raw_row_is_kept_as_json_exactly_as_read(run):
    _, query = run
    ((raw, source),) = query(
        "select raw_row, source_file from ops.quarantine where entity = 'time_entries' and row_number = 7"
    )
    assert source == "time_entries.csv"
    row = json.loads(raw)
    assert row["time_entry_id"] == "T7" and row["hours"] == "eight"
    assert row["invoice_id"] is None  # empty means null
    assert row["updated_at"] == "2024-03-08T10:00:00+02:00"  # the text as written, not converted
    assert len(row) == 12


def test_valid_rows_load_and_the_last_duplicate_wins(run):
    _, query = run
    assert query("select time_entry_id, hours from raw_canonical.time_entries order by 1") == [
        ("T1", 2.0),
        ("T2", 7.5),
        ("T3", 4.0),
    ]
    assert query("select employee_id from raw_canonical.employees order by 1") == [("EMP1",), ("EMP2",)]
    assert query("select project_id from raw_canonical.projects order by 1") == [("P1",), ("P2",)]


def test_counts_reconcile_for_every_file(run):
    result, query = run
    log = query("select entity, source_file, rows_read, rows_loaded, rows_quarantined from ops.load_log")
    assert len(log) == 15  # every required file; the two optional files were absent
    quarantined = dict(query("select entity, count(*) from ops.quarantine group by entity"))
    for entity, source_file, read, loaded, bad in log:
        assert read == loaded + bad, entity
        assert bad == quarantined.get(entity, 0), entity
        assert query(f"select count(*) from raw_canonical.{entity}") == [(loaded,)], entity
        assert source_file == f"{entity}.csv"
    te = result.files["time_entries"]
    assert (te.rows_read, te.rows_loaded, te.rows_quarantined) == (18, 3, 15)
    assert result.rows_read == result.rows_loaded + result.rows_quarantined


def test_summary_lines_count_quarantined_rows_per_entity_and_reason(run):
    result, _ = run
    lines = result.summary_lines()
    assert lines[0].startswith("read 49 rows from 15 files: 24 loaded, 25 quarantined")
    assert "  time_entries: 2 × hours is outside 0 to 24" in lines
    assert any("run_id = 'run-q'" in line for line in lines)
