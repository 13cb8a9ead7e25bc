"""Data health's "Sync status per source" (ops.sync_runs) and the Reconciliation page's "Open exceptions over
runs" (ops.exception_state), each on a tiny hand-made published warehouse built here.

Figures worked out by hand from the rows below.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from app_helpers import no_exception, open_page

from ingest.connectors import opslog

UTC = dt.UTC
T1 = dt.datetime(2026, 10, 1, 6, 0, tzinfo=UTC)
T2 = dt.datetime(2026, 10, 2, 6, 0, tzinfo=UTC)
T3 = dt.datetime(2026, 10, 3, 6, 0, tzinfo=UTC)
ERROR = "Salesforce refused the credentials (HTTP 401 at http://127.0.0.1/services/data/v60.0/queryAll) — check ..."


def _run(
    run_id: str,
    connector: str,
    resource: str,
    finished: dt.datetime,
    status: str = "success",
    *,
    reported: int | None = None,
    extracted: int | None = None,
    conformed: int | None = None,
    quarantined: int | None = None,
    retries: int | None = 0,
    full_read: bool = True,
    error: str | None = None,
) -> opslog.SyncRun:
    return opslog.SyncRun(
        run_id,
        connector,
        resource,
        "incremental",
        finished - dt.timedelta(minutes=5),
        finished,
        status,
        full_read,
        reported,
        extracted,
        None,
        conformed,
        quarantined,
        None,
        None,
        retries,
        error,
    )


RUNS = [
    # harvest, an older sync (superseded) and the last one: 2 resources
    _run("h1", "harvest", "time_entries", T1, reported=5, extracted=5, conformed=5, quarantined=0, retries=4),
    _run("h2", "harvest", "time_entries", T2, reported=10, extracted=8, conformed=7, quarantined=1, retries=2),
    _run("h2", "harvest", "users", T2, reported=3, extracted=3, conformed=3, quarantined=0, retries=1),
    # salesforce: its last sync failed on both resources (the one-line error on each row)
    _run("s1", "salesforce", "accounts", T1, reported=4, extracted=4, conformed=4, quarantined=0),
    _run("s2", "salesforce", "accounts", T3, "failed", retries=0, error=ERROR),
    _run("s2", "salesforce", "opportunities", T3, "failed", retries=3, error=ERROR),
]


def _warehouse(folder: Path, *, sync_runs: bool = True, state: list[tuple] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(folder / "wipcast.duckdb"))
    try:
        con.execute("create schema if not exists ops")
        if sync_runs:
            opslog.ensure(con)  # the connectors' own DDL
            opslog.record_runs(con, RUNS)
        if state is not None:
            con.execute(
                "create table ops.exception_state (exception_id varchar, entity_id varchar, practice varchar, "
                "amount_at_risk_reporting decimal(18, 2), status varchar, first_seen_at timestamptz, "
                "last_seen_at timestamptz, resolved_at timestamptz, accepted_at timestamptz)"
            )
            con.executemany("insert into ops.exception_state values (?, ?, ?, ?, ?, ?, ?, ?, ?)", state)
    finally:
        con.close()
    return folder


def _sync_table(at) -> pd.DataFrame:
    frames = [d.value for d in at.dataframe if "shortfall" in d.value.columns]
    assert len(frames) == 1, [list(d.value.columns) for d in at.dataframe]
    return frames[0].set_index("connector")


def test_the_sync_status_table_shows_each_connectors_last_sync(tmp_path: Path, use_warehouse) -> None:
    use_warehouse(_warehouse(tmp_path / "published"))
    at = open_page("Data health")
    no_exception(at)
    table = _sync_table(at)
    assert list(table.index) == ["harvest", "salesforce"]
    harvest, salesforce = table.loc["harvest"], table.loc["salesforce"]
    # harvest: its last sync h2, summed over time_entries and users
    assert (harvest["run_id"], harvest["status"], harvest["resources"]) == ("h2", "success", 2)
    assert (harvest["rows_extracted"], harvest["rows_conformed"], harvest["rows_quarantined"]) == (11, 10, 1)
    assert (harvest["retries"], harvest["shortfall"]) == (3, 2)  # 2 + 1 retries; 10 reported - 8 extracted
    assert pd.isna(harvest["error"])
    assert pd.Timestamp(harvest["finished_at"]).tz_convert("UTC") == pd.Timestamp(T2)
    assert harvest["age_hours"] > 24  # finished 2 Oct 2026, before this test runs
    # salesforce: its last sync s2 failed; nothing extracted, its error shown
    assert (salesforce["run_id"], salesforce["status"], salesforce["retries"]) == ("s2", "failed", 3)
    assert pd.isna(salesforce["rows_extracted"]) and pd.isna(salesforce["shortfall"])
    assert salesforce["error"] == ERROR
    warnings = " ".join(w.value for w in at.warning)
    assert "salesforce: last sync failed" in warnings and "harvest: 2 row(s) short" in warnings


def test_a_warehouse_without_sync_runs_shows_the_empty_state(tmp_path: Path, use_warehouse) -> None:
    use_warehouse(_warehouse(tmp_path / "published", sync_runs=False))
    at = open_page("Data health")
    no_exception(at)
    assert not [d for d in at.dataframe if "shortfall" in d.value.columns]
    assert any("no connector has synced into this warehouse" in i.value for i in at.info)


def test_the_age_is_counted_from_now(tmp_path: Path, use_warehouse) -> None:
    from app.queries import health

    use_warehouse(_warehouse(tmp_path / "published"))
    frame = health.sync_status(now=T3 + dt.timedelta(hours=6)).set_index("connector")
    assert frame.loc["harvest", "age_hours"] == pytest.approx(30.0)  # 2 Oct 06:00 -> 3 Oct 12:00
    assert frame.loc["salesforce", "age_hours"] == pytest.approx(6.0)


# Three transform runs T1 < T2 < T3 (hand-made state, as fct_sync_exceptions leaves it after T3):
#   A open throughout (100), B seen at T1 only then resolved (50), C from T2, accepted between T2 and T3 (30),
#   D new at T3 (7), E seen at T2 only then resolved (20, practice Data).
ACCEPTED = T2 + dt.timedelta(hours=3)
STATE = [
    ("A", "LE-US", "Cloud", 100, "open", T1, T3, None, None),
    ("B", "LE-US", "Cloud", 50, "resolved", T1, T1, T1, None),
    ("C", "LE-US", "Cloud", 30, "accepted", T2, T3, None, ACCEPTED),
    ("D", "LE-US", "Cloud", 7, "open", T3, T3, None, None),
    ("E", "LE-US", "Data", 20, "resolved", T2, T2, T2, None),
]


def test_open_exceptions_over_runs_counts_each_run(tmp_path: Path, use_warehouse) -> None:
    from app import reconciliation_data as recon
    from app.queries.scope import Filters

    use_warehouse(_warehouse(tmp_path / "published", sync_runs=False, state=STATE))
    frame = recon.open_exceptions_over_runs(Filters())
    got = [
        (pd.Timestamp(r["run_at"]), int(r["open_exceptions"]), float(r["amount_at_risk"]))
        for r in frame.to_dict("records")
    ]
    assert got == [
        (pd.Timestamp(T1), 2, 150.0),  # A + B
        (pd.Timestamp(T2), 3, 150.0),  # A + C (not yet accepted) + E
        (pd.Timestamp(T3), 2, 107.0),  # A + D; C accepted, B and E resolved
    ]
    data_only = recon.open_exceptions_over_runs(Filters(practices=("Data",)))
    rows = data_only.to_dict("records")
    assert [(int(r["open_exceptions"]), float(r["amount_at_risk"])) for r in rows] == [(1, 20.0)]


def test_the_trend_shows_its_empty_state_with_one_run(tmp_path: Path, use_warehouse) -> None:
    one_run = [row[:5] + (T1, T1) + row[7:] for row in STATE[:2]]
    use_warehouse(_warehouse(tmp_path / "published", sync_runs=False, state=one_run))
    at = open_page("Reconciliation")
    no_exception(at)
    assert any("a trend needs two transform runs; the exception state records 1" in i.value for i in at.info)
