"""The exceptions wipcast's own logs hold, end to end: a row the file ingest set aside and a connector
whose last successful sync is overdue (by its interval in wipcast.toml) reach fct_sync_exceptions through
the real ingest and ops log."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest
from recon_build import build, query

from ingest.connectors.opslog import SyncRecord, record_sync
from ingest.files import ingest_files
from simulator import generate
from wipcast.settings import load_settings
from wipcast.transform import dbt_vars

pytestmark = pytest.mark.slow

SEEN = "2026-11-01 06:00:00+00:00"
FIRM = dict(employees=12, months=6, as_of=dt.date(2026, 10, 31), fmt="parquet", seed=29, erp_invoices=True)


def _sync(con: duckdb.DuckDBPyConnection, connector: str, finished_at: str) -> None:
    record_sync(con, SyncRecord(f"run-{connector}", connector, "incremental", None, None, {}, {}, {}, {}, 0, 0))
    con.execute("update ops.connector_syncs set finished_at = ? where connector = ?", [finished_at, connector])


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("ops-exceptions")
    folder = root / "firm"
    generate(folder, **FIRM)
    entries = folder / "time_entries.parquet"
    con = duckdb.connect()
    try:
        bad = con.execute(f"select min(time_entry_id) from read_parquet('{entries}')").fetchone()
        assert bad and bad[0]
        con.execute(
            f"copy (select * replace (case when time_entry_id = '{bad[0]}' then -3 else hours end as hours) "
            f"from read_parquet('{entries}')) to '{root / 'bad.parquet'}' (format parquet)"
        )
    finally:
        con.close()
    (root / "bad.parquet").replace(entries)
    settings = load_settings({"warehouse_dir": str(root / "warehouse")}, cwd=root)
    result = ingest_files(settings, folder, "run-files")
    assert sum(result.quarantined.values()) == 1, result.quarantined
    con = duckdb.connect(str(settings.work_db))
    try:
        _sync(con, "harvest", "2026-10-29 06:00:00+00")  # 72 h before the build: overdue (36 h by default)
        _sync(con, "kantata", "2026-10-31 20:00:00+00")  # 10 h before: on time
        _sync(con, "netsuite", "2026-10-31 20:00:00+00")  # 10 h before, but expected every 6 h: overdue
        _sync(con, "xero", "2026-10-30 04:00:00+00")  # 50 h before, expected weekly: on time
    finally:
        con.close()
    (root / "wipcast.toml").write_text("[exceptions.sync_expected_hours]\nnetsuite = 6\nxero = 168\n")
    variables = dbt_vars(load_settings(cwd=root))
    (root / "dbt").mkdir()
    build(settings.work_db, root / "dbt", SEEN, variables=variables)
    return settings.work_db, bad[0]


def test_a_quarantined_row_is_an_exception_named_by_file_and_row(warehouse) -> None:
    db, bad_entry = warehouse
    (quarantined,) = query(db, "select entity, source_file, row_number, raw_row, reason from ops.quarantine")
    assert json.loads(quarantined[3])["time_entry_id"] == bad_entry
    rows = query(
        db,
        "select source_system, record_id, detail, amount_at_risk_reporting, owner, status "
        "from marts.fct_sync_exceptions where exception_type = 'ingest_quarantine'",
    )
    entity, source_file, row_number, _, reason = quarantined
    # no money at risk (the row never loaded); routed to the seed's owner of quarantined rows
    assert rows == [("files", f"{entity}:{source_file}:{row_number}", reason, 0, "data-steward", "open")]


def test_only_the_overdue_connectors_are_stale_syncs_each_by_its_interval(warehouse) -> None:
    db, _ = warehouse
    rows = query(
        db,
        "select source_system, record_id, event_date, status from marts.fct_sync_exceptions "
        "where exception_type = 'stale_sync'",
    )
    assert sorted(rows) == [
        ("harvest", "harvest", dt.date(2026, 10, 29), "open"),
        ("netsuite", "netsuite", dt.date(2026, 10, 31), "open"),
    ]
