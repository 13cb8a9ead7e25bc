"""Round trip through the marts: the demo firm built from its canonical files, and the same firm as a
Harvest + Forecast account served locally, ingested with `wipcast ingest harvest` / `harvest-forecast`
and built with `wipcast transform`, give the same marts except the documented mapping differences
(docs/connectors/harvest.md, "Round trip through the marts"). Each difference is asserted below.

What Harvest does not hold comes from files in the Harvest build, as a firm would keep it: fx rates,
holidays, revenue targets, the firm-wide rate cards and the legal entities (also declared in
`[[connectors.harvest.legal_entities]]`, so int_legal_entities must de-duplicate them).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from simulator.serve import FixtureServer
from simulator.shapes.harvest import write_harvest_shape
from simulator.shapes.harvest_api import HarvestDemoApi
from wipcast import contract as c

from .files_build import canonical_files_build
from .test_roundtrip import AS_OF

pytestmark = pytest.mark.slow

WIPCAST = str(Path(sys.executable).with_name("wipcast"))
# entities the Harvest firm still keeps in files (not in Harvest)
FILE_ENTITIES = ("legal_entities", "fx_rates", "holidays", "revenue_targets")


def _cli(args: list[str], cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WIPCAST_", "SOURCES__"))}
    for vendor in ("HARVEST", "HARVEST_FORECAST"):
        env[f"SOURCES__{vendor}__ACCESS_TOKEN"] = "demo"
        env[f"SOURCES__{vendor}__ACCOUNT_ID"] = "1"
    done = subprocess.run([WIPCAST, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, (args, done.stdout[-3000:], done.stderr[-3000:])
    return done.stdout


def _write_extras(canonical: Path, extras: Path) -> None:
    """The files a Harvest firm keeps: what Harvest lacks, firm-wide rate cards, header-only others."""
    extras.mkdir()
    for e in c.ENTITIES:
        source = canonical / f"{e.name}.csv"
        if not source.exists():
            continue
        with source.open(newline="") as fh:
            rows = list(csv.reader(fh))
        if e.name == "rate_cards":  # project cards are Harvest's project rates: they reach it as entry rates
            project = rows[0].index("project_id")
            rows = [rows[0]] + [r for r in rows[1:] if not r[project]]
        elif e.name not in FILE_ENTITIES:
            rows = rows[:1]
        with (extras / source.name).open("w", newline="") as fh:
            csv.writer(fh).writerows(rows)


def _harvest_resolves_the_rates(firm: Path, files_db: Path) -> int:
    """Harvest holds the resolved bill rate on every billable entry (project/person/task rates); the
    canonical firm leaves most to rate cards. Put the rate the files build resolved into the shape."""
    con = duckdb.connect(str(files_db), read_only=True)
    rates = dict(
        con.execute(
            "select time_entry_id, resolved_bill_rate from marts.fct_time_entries "
            "where billable and rate_source <> 'entry' and resolved_bill_rate is not null"
        ).fetchall()
    )
    con.close()
    with (firm / "_ids.csv").open() as fh:
        vendor_id = {
            r["canonical_id"]: int(r["source_id"]) for r in csv.DictReader(fh) if r["entity"] == "time_entries"
        }
    by_vendor = {vendor_id[k]: float(v) for k, v in rates.items()}
    path = firm / "harvest" / "time_entries.json"
    data = json.loads(path.read_text())
    for entry in data["time_entries"]:
        if entry["id"] in by_vendor:
            entry["billable_rate"] = by_vendor[entry["id"]]
    path.write_text(json.dumps(data))
    return len(by_vendor)


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    root = tmp_path_factory.mktemp("marts_rt")
    # A: the canonical files, built
    canonical, files = canonical_files_build(tmp_path_factory, root, employees=20, months=6, as_of=AS_OF)
    write_harvest_shape(canonical, root / "firm", AS_OF)
    assert _harvest_resolves_the_rates(root / "firm", files / "warehouse" / "work.duckdb") > 100
    # B: the same firm through Harvest + Forecast (the shape's wipcast.toml maps it), plus its other files
    firm = root / "firm"
    _write_extras(canonical, root / "extras")
    _cli(["ingest", "files", str(root / "extras")], firm)
    with FixtureServer(HarvestDemoApi.from_dir(firm, page_size=500)) as server:
        _cli(["ingest", "harvest", "--base-url", server.url + "/v2/"], firm)
        _cli(["ingest", "harvest-forecast", "--base-url", server.url + "/forecast/"], firm)
    _cli(["transform"], firm)

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"ATTACH '{files / 'warehouse' / 'work.duckdb'}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{firm / 'warehouse' / 'work.duckdb'}' AS b (READ_ONLY)")
    con.execute(f"CREATE TABLE ids AS SELECT * FROM read_csv('{firm / '_ids.csv'}', all_varchar = true)")
    con.execute(
        "CREATE TABLE idmap AS SELECT entity, source_system || ':' || source_id AS vendor_id, canonical_id FROM ids"
    )
    con.execute(f"CREATE TABLE canonical_entries AS SELECT * FROM read_csv('{canonical / 'time_entries.csv'}')")
    con.execute(f"CREATE TABLE canonical_projects AS SELECT * FROM read_csv('{canonical / 'projects.csv'}')")
    # B's marts with their ids mapped back to the firm's
    con.execute(
        "CREATE VIEW b_time AS SELECT p.canonical_id AS project_id, t.work_month, t.hours, t.billable, "
        "t.bill_value, t.rate_source, t.approval_status FROM b.marts.fct_time_entries t "
        "JOIN idmap p ON p.entity = 'projects' AND p.vendor_id = t.project_id"
    )
    con.execute(
        "CREATE VIEW b_revenue AS SELECT p.canonical_id AS project_id, r.* EXCLUDE (project_id) "
        "FROM b.marts.mart_revenue_monthly r JOIN idmap p ON p.entity = 'projects' AND p.vendor_id = r.project_id"
    )
    yield con
    con.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    return con.execute(sql).fetchall()


def test_hours_and_billable_values_by_project_month_are_equal(builds: duckdb.DuckDBPyConnection) -> None:
    con = builds
    per_month = (
        "SELECT project_id, work_month, sum(hours) AS hours, count(*) AS entries, "
        "sum(bill_value) FILTER (billable) AS billable_value FROM {} GROUP BY ALL"
    )
    a = f"({per_month.format('a.marts.fct_time_entries')})"
    b = f"({per_month.format('b_time')})"
    compared = _rows(con, f"SELECT count(*) FROM {a}")[0][0]
    assert compared > 100
    unmatched = _rows(
        con,
        f"SELECT * FROM {a} x FULL JOIN {b} y USING (project_id, work_month) "
        "WHERE x.hours IS DISTINCT FROM y.hours OR x.entries IS DISTINCT FROM y.entries "
        # the entry rate is a 4-decimal money column in the contract; the card rate was not rounded
        "OR abs(coalesce(x.billable_value, 0) - coalesce(y.billable_value, 0)) > 0.01 * x.entries",
    )
    assert unmatched == []
    # difference: every billable Harvest entry carries its rate (rate_source 'entry'), none comes from a card
    sources = dict(_rows(con, "SELECT rate_source, count(*) FROM b_time WHERE billable GROUP BY ALL"))
    assert set(sources) <= {"entry", "missing"} and sources["entry"] > 1000
    # difference: rejected entries arrive as draft (Harvest returns a rejected timesheet to unsubmitted)
    statuses = _rows(
        con,
        "SELECT (SELECT count(*) FROM a.marts.fct_time_entries WHERE approval_status = 'rejected'), "
        "(SELECT count(*) FROM b_time WHERE approval_status = 'rejected'), "
        "(SELECT count(*) FROM b_time WHERE approval_status = 'draft') - "
        "(SELECT count(*) FROM a.marts.fct_time_entries WHERE approval_status = 'draft')",
    )[0]
    assert statuses[0] > 0 and statuses[1] == 0 and statuses[2] == statuses[0]


def test_time_and_materials_revenue_is_equal_except_months_with_rejected_time(
    builds: duckdb.DuckDBPyConnection,
) -> None:
    con = builds
    columns = "hours_worked, approved_billable_hours, earned_revenue, billed, cost, cumulative_earned"
    rejected = (
        "SELECT DISTINCT project_id, CAST(date_trunc('month', work_date) AS DATE) AS month_start "
        "FROM canonical_entries WHERE approval_status = 'rejected'"
    )
    tm = "SELECT project_id FROM canonical_projects WHERE billing_type = 'time_and_materials'"
    a = f"SELECT project_id, month_start, {columns} FROM a.marts.mart_revenue_monthly WHERE project_id IN ({tm})"
    b = f"SELECT project_id, month_start, {columns} FROM b_revenue WHERE project_id IN ({tm})"
    assert _rows(con, f"SELECT count(*) FROM ({a})")[0][0] > 50
    differing = _rows(
        con,
        f"SELECT DISTINCT project_id, month_start FROM (({a}) EXCEPT ALL ({b}) UNION ALL ({b}) EXCEPT ALL ({a}))",
    )
    # difference: rejected hours are draft hours through Harvest, so they count as worked (and cost)
    # in their month and in every cumulative figure after it; nowhere else may a T&M month differ
    first_rejected = dict(_rows(con, f"SELECT project_id, min(month_start) FROM ({rejected}) GROUP BY ALL"))
    assert differing, "the rejected -> draft difference should show in this firm"
    unexplained = [(p, m) for p, m in differing if p not in first_rejected or m < first_rejected[p]]
    assert unexplained == []
    months = _rows(
        con, f"SELECT count(*) FROM ({a}) WHERE (project_id, month_start) NOT IN (SELECT * FROM ({rejected}))"
    )
    assert months[0][0] > len(differing) / 2


def test_dimensions_count_the_same(builds: duckdb.DuckDBPyConnection) -> None:
    con = builds
    employees = (
        "SELECT practice, role, entity_id, employment_type, termination_date IS NULL, count(*) "
        "FROM {}.marts.dim_employee GROUP BY ALL"
    )
    assert sorted(_rows(con, employees.format("a")), key=str) == sorted(_rows(con, employees.format("b")), key=str)
    # one row per legal entity although the files and [[connectors.harvest.legal_entities]] both declare them
    entities = "SELECT * EXCLUDE (source_system) FROM {}.marts.dim_entity"
    assert sorted(_rows(con, entities.format("a"))) == sorted(_rows(con, entities.format("b")))
    assert _rows(con, "SELECT DISTINCT source_system FROM b.intermediate.int_legal_entities") == [("canonical",)]
    assert _rows(con, "SELECT count(*) FROM b.staging.stg_harvest__legal_entities")[0][0] == 3
    # difference: milestone and retainer projects are fixed fee in Harvest
    projects = (
        "SELECT CASE WHEN billing_type IN ('milestone', 'retainer') THEN 'fixed_fee' ELSE billing_type END, "
        "count(*) FROM {}.marts.dim_project GROUP BY ALL"
    )
    assert sorted(_rows(con, projects.format("a"))) == sorted(_rows(con, projects.format("b")))
    assert _rows(con, "SELECT count(*) FROM b.marts.dim_project WHERE billing_type IN ('milestone', 'retainer')") == [
        (0,)
    ]
    customers = "SELECT count(*) FROM {}.marts.dim_customer"
    assert _rows(con, customers.format("a")) == _rows(con, customers.format("b"))
    # difference: no CRM in Harvest, so no pipeline
    assert _rows(con, "SELECT count(*) FROM a.marts.mart_pipeline")[0][0] > 0
    assert _rows(con, "SELECT count(*) FROM b.marts.mart_pipeline") == [(0,)]


def test_reconciliation_differs_only_by_the_missing_erp_view(builds: duckdb.DuckDBPyConnection) -> None:
    con = builds
    time_types = (
        "('approved_not_posted', 'posted_not_approved', 'hours_mismatch', 'duplicate_posting', "
        "'orphan_posting', 'closed_period_posting')"
    )
    # difference: the files carry the demo's ERP view (erp_time_postings with planted discrepancies); Harvest
    # has no ERP and no erp_posted_at, so its time is not reconciled at all (docs/reconciliation.md)
    count = "SELECT count(*) FROM {}.marts.fct_sync_exceptions WHERE exception_type IN " + time_types
    assert _rows(con, count.format("a"))[0][0] > 0
    assert _rows(con, count.format("b")) == [(0,)]
    assert _rows(con, "SELECT count(*) FROM b.marts.mart_unposted_approved_time") == [(0,)]
    posted = "SELECT sum(posted_hours), sum(approved_not_posted_hours) FROM {}.marts.mart_time_reconciliation_monthly"
    assert _rows(con, posted.format("b")) == [(0.0, 0.0)]
    # approved hours agree: a rejected entry arrives as draft, and neither is approved
    approved = "SELECT round(sum(approved_hours), 2) FROM {}.marts.mart_time_reconciliation_monthly"
    assert _rows(con, approved.format("a")) == _rows(con, approved.format("b"))
