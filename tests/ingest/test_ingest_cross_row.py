"""Rules that only rows together can break: no one works over 24 hours on one day, counting the
entries already in the warehouse. Every entry of such a person-day in the file is set aside."""

from __future__ import annotations

from ingest.files import ingest_files
from ingest.rules import DAY_OVER_24_REASON


def _entry(base: dict[str, str], entry_id: str, hours: str) -> dict[str, str]:
    return dict(base, time_entry_id=entry_id, hours=hours, invoice_id="")


def test_two_13_hour_entries_on_one_day_are_quarantined(settings, firm, make_folder, query):
    base = firm["time_entries"][0]  # EMP1 on 2024-03-04, 8 h
    firm["time_entries"] += [_entry(base, "T13a", "13"), _entry(base, "T13b", "13")]
    result = ingest_files(settings, make_folder(firm), "run-1")
    # 8 + 13 + 13 = 34 h on one day: all three of that person-day go aside, the rest load.
    assert result.quarantined[("time_entries", DAY_OVER_24_REASON)] == 3
    assert (
        query(
            "select time_entry_id from raw_canonical.time_entries where employee_id = 'EMP1' "
            "and work_date = '2024-03-04'"
        )
        == []
    )
    assert query("select count(*) from ops.quarantine where column_name = 'hours'") == [(3,)]


def test_exactly_24_hours_is_allowed(settings, firm, make_folder, query):
    base = firm["time_entries"][0]
    firm["time_entries"] += [_entry(base, "T16", "16")]
    result = ingest_files(settings, make_folder(firm), "run-1")
    assert ("time_entries", DAY_OVER_24_REASON) not in result.quarantined
    assert query(
        "select sum(hours) from raw_canonical.time_entries where employee_id = 'EMP1' and work_date = '2024-03-04'"
    ) == [(24.0,)]


def test_the_entries_already_loaded_count_and_a_replaced_entry_does_not(settings, firm, make_folder, query):
    base = firm["time_entries"][0]
    ingest_files(settings, make_folder(firm), "run-1")  # 8 h loaded for EMP1 that day
    later = {name: rows for name, rows in firm.items()}
    later["time_entries"] = [_entry(base, "T20", "20")]
    result = ingest_files(settings, make_folder(later), "run-2")  # 8 already there + 20 = 28
    assert result.quarantined == {("time_entries", DAY_OVER_24_REASON): 1}

    # The same file with T1 itself corrected to 4 h: 4 + 20 = 24, both load.
    later["time_entries"] = [dict(base, hours="4"), _entry(base, "T20", "20")]
    result = ingest_files(settings, make_folder(later), "run-3")
    assert result.rows_quarantined == 0
    assert query(
        "select sum(hours) from raw_canonical.time_entries where employee_id = 'EMP1' and work_date = '2024-03-04'"
    ) == [(24.0,)]
