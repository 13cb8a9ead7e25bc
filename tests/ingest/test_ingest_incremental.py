"""Re-ingests do only what changed: an unchanged file is skipped (but logged), a changed file merges
only its new and changed rows, and anything that could change a file's result gets it checked again."""

from __future__ import annotations

import pyarrow as pa

from ingest import fingerprints
from ingest import pipeline as ingest_pipeline
from ingest.files import ingest_files
from ingest.schema import arrow_schema
from wipcast import contract as c


def _log(query, run_id: str):
    return {
        entity: (read, loaded, bad, merged, unchanged, load_id)
        for entity, read, loaded, bad, merged, unchanged, load_id in query(
            "select entity, rows_read, rows_loaded, rows_quarantined, rows_merged, file_unchanged, dlt_load_id "
            "from ops.load_log where run_id = ?",
            [run_id],
        )
    }


def _entries(query):
    return query("select time_entry_id, hours, _dlt_id, _dlt_load_id from raw_canonical.time_entries order by 1")


def test_an_unchanged_file_is_skipped_but_still_logged(settings, firm, make_folder, query):
    firm["time_entries"].append(dict(firm["time_entries"][0], time_entry_id="T9", hours="lots"))
    first = ingest_files(settings, make_folder(firm), "run-1")
    before, loads = _entries(query), query("select count(*) from raw_canonical._dlt_loads")

    again = ingest_files(settings, make_folder(firm), "run-2")  # a new folder, the same bytes
    assert all(f.unchanged for f in again.files.values() if f.source_file)
    assert again.rows_merged == 0
    te = again.files["time_entries"]
    assert (te.rows_read, te.rows_loaded, te.rows_quarantined) == (4, 3, 1)
    assert again.quarantined == first.quarantined == {("time_entries", "hours is not a valid number"): 1}
    assert any("unchanged since the last ingest" in line for line in again.summary_lines())

    # logged like any run: every file, counts reconciled, its quarantined rows again under this run
    log = _log(query, "run-2")
    assert set(log) == set(_log(query, "run-1"))
    assert all(unchanged and merged == 0 and load_id is None for *_, merged, unchanged, load_id in log.values())
    assert all(read == loaded + bad for read, loaded, bad, *_ in log.values())
    quarantine = "select row_number, column_name, reason, raw_row from ops.quarantine where run_id = ? order by 1"
    assert query(quarantine, ["run-2"]) == query(quarantine, ["run-1"]) != []
    # and nothing written: no dlt load, every raw row as it was
    assert _entries(query) == before
    assert query("select count(*) from raw_canonical._dlt_loads") == loads


def test_a_changed_file_merges_only_its_new_and_changed_rows(settings, firm, make_folder, query):
    ingest_files(settings, make_folder(firm), "run-1")
    before = {row[0]: row for row in _entries(query)}

    firm["time_entries"][1]["hours"] = "6"  # T2 changed
    firm["time_entries"].append(dict(firm["time_entries"][0], time_entry_id="T4", work_date="2024-03-06"))
    result = ingest_files(settings, make_folder(firm), "run-2")
    te = result.files["time_entries"]
    assert (te.rows_read, te.rows_loaded, te.rows_merged, te.unchanged) == (4, 4, 2, False)
    assert all(f.unchanged for name, f in result.files.items() if f.source_file and name != "time_entries")

    log = _log(query, "run-2")
    load_id = log["time_entries"][5]
    assert log["time_entries"][:5] == (4, 4, 0, 2, False) and load_id is not None
    after = {row[0]: row for row in _entries(query)}
    assert after["T1"] == before["T1"] and after["T3"] == before["T3"]  # untouched: same row id and load
    assert after["T2"][1] == 6.0 and after["T2"][3] == load_id and after["T2"][2] != before["T2"][2]
    assert after["T4"][3] == load_id


def test_a_file_changed_back_is_picked_up(settings, firm, make_folder, query):
    ingest_files(settings, make_folder(firm), "run-1")
    original = dict(firm["time_entries"][0])
    firm["time_entries"][0]["hours"] = "5"
    ingest_files(settings, make_folder(firm), "run-2")
    assert query("select hours from raw_canonical.time_entries where time_entry_id = 'T1'") == [(5.0,)]

    firm["time_entries"][0] = original  # the very file of run-1 again
    result = ingest_files(settings, make_folder(firm), "run-3")
    assert not result.files["time_entries"].unchanged
    assert result.files["time_entries"].rows_merged == 1
    assert query("select hours from raw_canonical.time_entries where time_entry_id = 'T1'") == [(8.0,)]


def test_a_changed_parent_gets_its_unchanged_children_checked_again(settings, firm, make_folder, query):
    firm["time_entries"].append(dict(firm["time_entries"][2], time_entry_id="T9", project_id="P9"))
    first = ingest_files(settings, make_folder(firm), "run-1")
    assert first.quarantined == {("time_entries", "project_id refers to a missing projects.project_id"): 1}

    firm["projects"].append(dict(firm["projects"][1], project_id="P9"))  # the parent arrives
    result = ingest_files(settings, make_folder(firm), "run-2")  # time_entries.csv itself is unchanged
    te = result.files["time_entries"]
    assert not te.unchanged and te.rows_quarantined == 0 and te.rows_merged == 1
    assert query("select project_id from raw_canonical.time_entries where time_entry_id = 'T9'") == [("P9",)]
    # files that do not depend on projects are still skipped
    assert result.files["customers"].unchanged and result.files["holidays"].unchanged
    assert not result.files["invoice_lines"].unchanged  # a child of projects: checked again


def test_a_load_the_fingerprints_do_not_know_gets_every_file_checked(settings, firm, make_folder, query):
    folder = make_folder(firm)
    ingest_files(settings, folder, "run-1")
    # another writer (or a run killed between its load and its logs) changes a raw row
    stray = query("select holiday_date, region, name, _dlt_id from raw_canonical.holidays")[0]
    table = pa.Table.from_pylist(
        [{"holiday_date": stray[0], "region": stray[1], "name": "Stray", "_dlt_id": stray[3]}],
        schema=arrow_schema(c.entity("holidays")),
    )
    ingest_pipeline.load_tables(settings, {"holidays": table}, "stray")

    result = ingest_files(settings, folder, "run-2")
    assert not any(f.unchanged for f in result.files.values())
    assert result.files["holidays"].rows_merged == 1 and result.rows_merged == 1
    assert query("select name from raw_canonical.holidays") == [(firm["holidays"][0]["name"],)]


def test_other_rules_get_an_unchanged_file_checked_again(settings, firm, make_folder, query, monkeypatch):
    folder = make_folder(firm)
    ingest_files(settings, folder, "run-1")
    monkeypatch.setattr(fingerprints, "RULES_VERSION", fingerprints.RULES_VERSION + "-next")
    result = ingest_files(settings, folder, "run-2")
    assert not any(f.unchanged for f in result.files.values()) and result.rows_merged == 0


def test_repeated_keys_are_found_when_merging_into_loaded_rows(settings, firm, make_folder, query):
    ingest_files(settings, make_folder(firm), "run-1")
    t1, t3 = firm["time_entries"][0], firm["time_entries"][2]
    firm["time_entries"] += [
        dict(t1, hours="3"),  # row 4: T1 again (row 1 is the loaded, unchanged T1): the last one wins
        dict(t3, time_entry_id="T5", hours="1"),  # rows 5 and 6: a new key twice
        dict(t3, time_entry_id="T5", hours="2"),
    ]
    result = ingest_files(settings, make_folder(firm), "run-2")
    reason = "duplicate time_entry_id (the file's last row with this key is the one loaded)"
    assert result.quarantined == {("time_entries", reason): 2}
    assert query("select row_number from ops.quarantine where run_id = 'run-2' order by 1") == [(1,), (5,)]
    assert query("select time_entry_id, hours from raw_canonical.time_entries order by 1") == [
        ("T1", 3.0),
        ("T2", 7.5),
        ("T3", 4.0),
        ("T5", 2.0),
    ]
