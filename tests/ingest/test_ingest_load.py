"""Loading into raw_canonical: contract types, optional files and columns, merge semantics."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingest.files import ingest_files
from wipcast import contract as c
from wipcast.errors import InputError, WipcastError

UTC = dt.UTC


def _types(query, table):
    return {
        name: dtype
        for name, dtype in query(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw_canonical' and table_name = ?",
            [table],
        )
    }


def test_csv_folder_loads_every_entity_in_contract_types(settings, firm, make_folder, query):
    for row in firm["customers"]:
        del row["industry"]  # an (opt) column left out
    seen = []
    result = ingest_files(settings, make_folder(firm), "run-1", progress=lambda *a: seen.append(a))

    # progress: from 0 to total, never backwards, naming the load step
    assert seen[0][1] == 0 and seen[-1][1] == seen[-1][2]
    assert [done for _, done, _ in seen] == sorted(done for _, done, _ in seen)
    assert any("loading raw_canonical" in d for d, _, _ in seen)
    assert result.rows_quarantined == 0
    assert result.files["time_entries"].rows_loaded == 3
    # a contract v1 folder: the v2 optional files (the ERP view) are absent too, and it loads
    assert result.absent_optional == [
        "assignment_snapshots",
        "opportunity_history",
        "erp_time_postings",
        "accounting_periods",
    ]
    for ent in c.ENTITIES:
        types = _types(query, ent.name)
        expected = {col.name: c.WAREHOUSE_TYPES[col.type] for col in ent.columns}
        assert {k: types[k] for k in expected} == expected, ent.name
        assert {"_dlt_load_id", "_dlt_id"} <= set(types)
        want = len(firm.get(ent.name, []))
        assert query(f"select count(*) from raw_canonical.{ent.name}") == [(want,)], ent.name

    # absent (opt) column → typed nulls; absent optional files → empty tables (checked above)
    assert query("select customer_id, industry from raw_canonical.customers order by 1") == [("C1", None), ("C2", None)]
    # values: exact decimals, an offset converted to UTC, a naive timestamp read as UTC, empty → null
    assert query("select cost_rate from raw_canonical.employees where employee_id = 'EMP1'") == [(Decimal("55.1234"),)]
    rows = query(
        "select time_entry_id, work_date, hours, billable, bill_rate, updated_at, approved_at "
        "from raw_canonical.time_entries order by 1"
    )
    assert rows[0] == (
        "T1",
        dt.date(2024, 3, 4),
        8.0,
        True,
        None,
        dt.datetime(2024, 3, 8, 8, tzinfo=UTC),
        dt.datetime(2024, 3, 8, 10, tzinfo=UTC),
    )
    assert rows[1][4] == Decimal("160.5000")
    assert rows[1][5] == dt.datetime(2024, 3, 5, 18, tzinfo=UTC)
    assert rows[2][3] is False and rows[2][6] is None


def test_parquet_text_and_typed_columns_load(settings, firm, make_folder, query):
    firm["projects"].append(dict(firm["projects"][0], project_id="P3", status="done"))  # row 3: bad enum
    folder = make_folder(firm, fmt="parquet")  # every column as text
    # time_entries with native Parquet types instead
    (folder / "time_entries.parquet").unlink()
    pq.write_table(
        pa.table(
            {
                "time_entry_id": ["T1", "T2"],
                "employee_id": ["EMP1", "EMP2"],
                "project_id": ["P1", "P2"],
                "work_date": pa.array([dt.date(2024, 3, 4), dt.date(2024, 3, 5)]),
                "hours": [8.0, 2.5],
                "billable": [True, False],
                "approval_status": ["approved", "draft"],
                "approved_at": pa.array([dt.datetime(2024, 3, 8, 10), None], pa.timestamp("ms")),
                "bill_rate": pa.array([Decimal("99.99"), None], pa.decimal128(10, 2)),
                "invoice_id": pa.array([None, None], pa.string()),
                "erp_posted_at": pa.array([None, None], pa.timestamp("us", tz="UTC")),
                "updated_at": pa.array([dt.datetime(2024, 3, 8, 10, tzinfo=UTC)] * 2, pa.timestamp("us", tz="UTC")),
            }
        ),
        folder / "time_entries.parquet",
    )
    result = ingest_files(settings, folder, "run-pq")
    assert result.quarantined == {("projects", "status is not one of: planned, active, on_hold, closed"): 1}
    assert query("select source_file, row_number, raw_row->>'status' from ops.quarantine") == [
        ("projects.parquet", 3, "done")
    ]
    assert result.files["time_entries"].source_file == "time_entries.parquet"
    assert query(
        "select time_entry_id, work_date, hours, billable, approved_at, bill_rate "
        "from raw_canonical.time_entries order by 1"
    ) == [
        ("T1", dt.date(2024, 3, 4), 8.0, True, dt.datetime(2024, 3, 8, 10, tzinfo=UTC), Decimal("99.99")),
        ("T2", dt.date(2024, 3, 5), 2.5, False, None, None),
    ]
    assert query("select count(*) from raw_canonical.projects") == [(2,)]


def test_rerun_changed_rows_and_omitted_rows(settings, firm, make_folder, query):
    folder = make_folder(firm)
    ingest_files(settings, folder, "run-1")
    ingest_files(settings, folder, "run-2")  # same folder again: nothing twice
    for ent in c.ENTITIES:
        want = len(firm.get(ent.name, []))
        assert query(f"select count(*) from raw_canonical.{ent.name}") == [(want,)], ent.name

    # a later export: T2 changed, T3 no longer exported, T4 new
    firm["time_entries"][1]["hours"] = "6"
    firm["time_entries"][1]["approval_status"] = "approved"
    t4 = dict(firm["time_entries"][0], time_entry_id="T4", hours="1")
    firm["time_entries"] = [firm["time_entries"][0], firm["time_entries"][1], t4]
    ingest_files(settings, make_folder(firm), "run-3")
    assert query("select time_entry_id, hours, approval_status from raw_canonical.time_entries order by 1") == [
        ("T1", 8.0, "approved"),
        ("T2", 6.0, "approved"),  # replaced, not duplicated
        ("T3", 4.0, "draft"),  # omitted from the later folder, kept
        ("T4", 1.0, "approved"),
    ]
    log = query(
        "select run_id, rows_read, rows_loaded, rows_quarantined from ops.load_log "
        "where entity = 'time_entries' order by run_id"
    )
    assert log == [("run-1", 3, 3, 0), ("run-2", 3, 3, 0), ("run-3", 3, 3, 0)]


def test_parent_already_in_the_warehouse_satisfies_a_reference(settings, firm, make_folder, query):
    ingest_files(settings, make_folder(firm), "run-1")
    # the second export no longer lists project P2, but a new entry is logged against it
    firm["projects"] = firm["projects"][:1]
    firm["time_entries"].append(dict(firm["time_entries"][2], time_entry_id="T9"))
    result = ingest_files(settings, make_folder(firm), "run-2")
    assert result.rows_quarantined == 0
    assert query("select project_id from raw_canonical.time_entries where time_entry_id = 'T9'") == [("P2",)]


def test_structural_error_after_a_load_leaves_the_warehouse_unchanged(settings, firm, make_folder, query):
    ingest_files(settings, make_folder(firm), "run-1")
    before = query("select time_entry_id, hours, _dlt_load_id from raw_canonical.time_entries order by 1")
    loads = query("select count(*) from raw_canonical._dlt_loads")

    firm["time_entries"][0]["hours"] = "99"  # would be a change...
    for row in firm["holidays"]:
        del row["region"]  # ...but another file is structurally broken
    with pytest.raises(InputError, match="holidays.csv: required column region is missing"):
        ingest_files(settings, make_folder(firm), "run-2")

    assert query("select time_entry_id, hours, _dlt_load_id from raw_canonical.time_entries order by 1") == before
    assert query("select count(*) from raw_canonical._dlt_loads") == loads
    assert query("select distinct run_id from ops.load_log") == [("run-1",)]


def test_a_failed_dlt_load_says_the_published_warehouse_was_not_touched(
    settings, firm, make_folder, query, monkeypatch
):
    import dlt

    def broken_run(self, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(dlt.Pipeline, "run", broken_run)
    with pytest.raises(WipcastError) as info:
        ingest_files(settings, make_folder(firm), "run-1")
    message = info.value.one_line()
    assert "disk full" in message
    assert "published warehouse was not touched" in message and "rerun" in message
    assert not settings.published_db.exists()


def _hold_lock(path):
    import subprocess
    import sys

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; con = duckdb.connect({str(path)!r}); print('ready', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "ready"
    return holder


@pytest.mark.parametrize("when", ["before validation", "during the dlt load"])
def test_a_locked_warehouse_fails_cleanly_and_a_rerun_loads(settings, firm, make_folder, query, when):
    """Fault injection: another process holds the working database read-write."""
    ingest_files(settings, make_folder(firm), "run-1")
    firm["time_entries"][0]["hours"] = "5"
    changed = make_folder(firm)
    holders = []

    def lock_at_load(description, done, total):
        if description.startswith("loading raw_canonical") and not holders:
            holders.append(_hold_lock(settings.work_db))

    if when == "before validation":
        holders.append(_hold_lock(settings.work_db))
    try:
        with pytest.raises(WipcastError) as info:
            ingest_files(settings, changed, "run-2", progress=lock_at_load)
        message = info.value.one_line()
        if when == "before validation":
            assert "another program (a DuckDB shell, notebook or BI tool) has it open" in message
        else:
            assert "published warehouse was not touched" in message and "rerun" in message
    finally:
        for holder in holders:
            holder.kill()
            holder.wait()
    assert holders
    ingest_files(settings, changed, "run-3")
    assert query("select hours from raw_canonical.time_entries where time_entry_id = 'T1'") == [(5.0,)]
    assert query("select count(*) from raw_canonical.time_entries") == [(3,)]
    assert query("select distinct run_id from ops.load_log order by 1") == [("run-1",), ("run-3",)]


def test_row_numbers_count_data_rows_even_with_line_breaks_in_values(settings, firm, make_folder, query):
    firm["customers"][0]["name"] = "Acme\nHoldings, Inc."  # quoted, spans two lines
    firm["customers"].append(dict(firm["customers"][1], customer_id="C3", country=""))  # data row 3
    folder = make_folder(firm)
    (folder / "customers.csv").write_bytes(b"\xef\xbb\xbf" + (folder / "customers.csv").read_bytes())  # a BOM
    ingest_files(settings, folder, "run-1")
    assert query("select row_number, column_name from ops.quarantine") == [(3, "country")]
    assert query("select name from raw_canonical.customers where customer_id = 'C1'") == [("Acme\nHoldings, Inc.",)]


def test_a_deleted_working_database_is_rebuilt_by_the_next_ingest(settings, firm, make_folder, query):
    """dlt keeps local state under warehouse/.dlt; it must not assume the tables still exist."""
    folder = make_folder(firm)
    ingest_files(settings, folder, "run-1")
    settings.work_db.unlink()
    result = ingest_files(settings, folder, "run-2")
    assert result.rows_loaded == sum(len(rows) for rows in firm.values())
    assert query("select count(*) from raw_canonical.time_entries") == [(3,)]
    assert query("select count(*) from raw_canonical.opportunity_history") == [(0,)]


def test_a_package_left_pending_by_a_killed_run_is_never_loaded(settings, firm, make_folder, query):
    """Each run loads from its own dlt folder: a killed run's pending package is never picked up by the
    next run (dlt finishes pending packages first), and the next writer removes the folder."""
    import dlt

    from ingest import pipeline as ingest_pipeline
    from ingest.schema import arrow_schema
    from wipcast.recovery import recover

    ingest_files(settings, make_folder(firm), "run-1")
    stale = pa.Table.from_pylist(
        [{"holiday_date": dt.date(2030, 1, 1), "region": "NA", "name": "Stale", "_dlt_id": "x"}],
        schema=arrow_schema(c.entity("holidays")),
    )
    killed = ingest_pipeline.run_dlt_dir(settings, "run-killed")
    crashed = dlt.pipeline(
        pipeline_name=ingest_pipeline.PIPELINE_NAME,
        destination=dlt.destinations.duckdb(str(settings.work_db)),
        dataset_name=c.RAW_SCHEMA,
        pipelines_dir=str(killed / "pipelines"),
    )
    crashed.extract(ingest_pipeline._resources({"holidays": stale}))
    crashed.normalize()  # ...and the process died before load()
    assert crashed.has_pending_data

    firm["holidays"].append({"holiday_date": "2024-12-26", "region": "NA", "name": "Boxing Day"})
    ingest_files(settings, make_folder(firm), "run-2")
    assert query("select name from raw_canonical.holidays order by holiday_date") == [
        ("Christmas Day",),
        ("Boxing Day",),
    ]
    assert killed.exists()
    recover(settings, "run-3")  # what the next writer does once it holds the lock
    assert not killed.exists()
