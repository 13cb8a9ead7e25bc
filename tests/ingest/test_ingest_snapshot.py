"""Snapshot ingests: a folder declared a complete export marks the rows it no longer holds as
deleted (kept in raw for audit), per entity, and undeletes a row that comes back."""

from __future__ import annotations

import pytest

from ingest.files import ingest_files
from wipcast.errors import InputError


def _state(query, table: str, key: str):
    return query(f"select {key}, deleted_at is not null from raw_canonical.{table} order by 1")


def test_rows_absent_from_a_snapshot_are_marked_deleted(settings, firm, make_folder, query):
    ingest_files(settings, make_folder(firm), "run-1")
    assert _state(query, "time_entries", "time_entry_id") == [("T1", False), ("T2", False), ("T3", False)]

    firm["time_entries"] = [row for row in firm["time_entries"] if row["time_entry_id"] != "T2"]
    result = ingest_files(settings, make_folder(firm), "run-2", snapshot=["time_entries"])

    assert _state(query, "time_entries", "time_entry_id") == [("T1", False), ("T2", True), ("T3", False)]
    assert result.files["time_entries"].rows_deleted == 1
    assert result.files["customers"].rows_deleted is None  # not part of the snapshot
    assert "  time_entries: snapshot, 1 row(s) absent from the file marked deleted" in result.summary_lines()
    assert query(
        "select entity, rows_deleted from ops.load_log where run_id = 'run-2' and rows_deleted is not null"
    ) == [("time_entries", 1)]


def test_a_plain_ingest_never_deletes_and_a_returning_row_is_undeleted(settings, firm, make_folder, query):
    ingest_files(settings, make_folder(firm), "run-1")
    everything = {name: list(rows) for name, rows in firm.items()}
    firm["time_entries"] = firm["time_entries"][:1]
    ingest_files(settings, make_folder(firm), "run-2")  # not a snapshot: the others stay
    assert _state(query, "time_entries", "time_entry_id") == [("T1", False), ("T2", False), ("T3", False)]

    ingest_files(settings, make_folder(firm), "run-3", snapshot=["all"])
    assert _state(query, "time_entries", "time_entry_id") == [("T1", False), ("T2", True), ("T3", True)]

    ingest_files(settings, make_folder(everything), "run-4", snapshot=["all"])
    assert _state(query, "time_entries", "time_entry_id") == [("T1", False), ("T2", False), ("T3", False)]


def test_a_row_in_the_snapshot_that_is_quarantined_is_not_deleted(settings, firm, make_folder, query):
    ingest_files(settings, make_folder(firm), "run-1")
    firm["time_entries"][1]["hours"] = "lots"  # T2 now bad: set aside, but the export still holds it
    ingest_files(settings, make_folder(firm), "run-2", snapshot=["time_entries"])
    assert _state(query, "time_entries", "time_entry_id") == [("T1", False), ("T2", False), ("T3", False)]


def test_a_snapshot_of_an_absent_or_unknown_entity_is_refused(settings, firm, make_folder):
    folder = make_folder(firm)  # the firm has no opportunity_history file (it is optional)
    with pytest.raises(InputError, match="--snapshot names opportunity_history but the folder has no file"):
        ingest_files(settings, folder, "run-1", snapshot=["opportunity_history"])
    with pytest.raises(InputError, match="unknown entity: time_entry"):
        ingest_files(settings, folder, "run-1", snapshot=["time_entry"])
    assert not settings.work_db.exists()
