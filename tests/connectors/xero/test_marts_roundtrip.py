"""Round trip through the marts: the demo firm built from its canonical files, and the same firm with
its books and projects in Xero (`wipcast demo generate --shape xero`, served locally, ingested with
`wipcast ingest xero`) and the rest as files, give the same receivables, DSO, billed amounts and
customers, ids mapped back through _ids.csv. A Xero organisation is one legal entity, so the files side
is the firm booked in one entity too (rewritten here, independently of the shape). Every documented
difference (docs/connectors/xero.md, "Round trip through the marts") is asserted."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

import simulator
from simulator.serve import FixtureServer
from simulator.shapes.xero import write_xero_shape
from simulator.shapes.xero_api import XeroDemoApi
from wipcast.settings import load_settings
from wipcast.transform import run_dbt

from ..test_roundtrip import AS_OF

pytestmark = pytest.mark.slow

WIPCAST = str(Path(sys.executable).with_name("wipcast"))
KEYS = ("CLIENT_ID", "CLIENT_SECRET", "REFRESH_TOKEN", "TENANT_ID")
TENANT = "LE-US"  # the entity in the reporting currency
MODELS = (
    "mart_receivables",
    "mart_dso_monthly",
    "int_finance_billing_monthly",  # the billed column of mart_revenue_monthly, without the revenue rules
    "dim_customer",
    "dim_project",
    "dim_employee",
    "int_time_entries",
)
SELECTED = " ".join(f"+{m}" for m in MODELS)


def _cli(args: list[str], cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WIPCAST_", "SOURCES__"))}
    env.update({f"SOURCES__XERO__{key}": "demo" for key in KEYS})
    done = subprocess.run([WIPCAST, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, (args, done.stdout[-3000:], done.stderr[-3000:])
    return done.stdout


def _build(folder: Path) -> None:
    """dbt build of the marts compared here and what they need, snapshots included (not the whole project
    and its tests:
    the full build is covered elsewhere; this keeps two builds of one firm affordable)."""
    command = ["build", "--select", SELECTED, "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]
    run_dbt(load_settings(cwd=folder), command)


def _one_entity(src: Path, dst: Path) -> None:
    """The canonical firm booked in one legal entity: every entity_id is TENANT, one period per month."""
    dst.mkdir()
    for path in sorted(src.glob("*.csv")):
        with path.open(newline="") as fh:
            rows = list(csv.reader(fh))
        header, body = rows[0], rows[1:]
        if "entity_id" in header:
            at = header.index("entity_id")
            if path.stem == "legal_entities":
                body = [r for r in body if r[at] == TENANT]
            for r in body:
                r[at] = TENANT if r[at] else r[at]
            if path.stem == "accounting_periods":
                body = list({(r[0], r[1]): r for r in sorted(body, key=lambda r: r[2], reverse=True)}.values())
        with (dst / path.name).open("w", newline="") as fh:
            csv.writer(fh).writerows([header, *body])


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    root = tmp_path_factory.mktemp("xero_rt")
    firm = root / "firm"
    canonical = firm / "canonical"
    simulator.generate(canonical, employees=6, months=4, as_of=AS_OF, seed=3, fmt="csv")
    write_xero_shape(canonical, firm, AS_OF)
    files = root / "files"  # A: the canonical files, in one entity
    files.mkdir()
    _one_entity(canonical, files / "one")
    (files / "wipcast.toml").write_text(f'[wipcast]\nas_of = "{AS_OF}"\n')

    def side_a() -> None:
        _cli(["ingest", "files", "one"], files)
        _build(files)

    def side_b() -> str:  # what Xero has no place for, then Xero
        _cli(["ingest", "files", "files"], firm)
        with FixtureServer(XeroDemoApi.from_dir(firm)) as server:
            summary = _cli(["ingest", "xero", "--base-url", server.url + "/"], firm)
        _build(firm)
        return summary

    with ThreadPoolExecutor(2) as pool:  # two warehouses, two processes: independent until compared
        a, b = pool.submit(side_a), pool.submit(side_b)
        a.result()
        summary = b.result()
    assert "0 quarantined" in summary, summary

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"ATTACH '{files / 'warehouse' / 'work.duckdb'}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{firm / 'warehouse' / 'work.duckdb'}' AS b (READ_ONLY)")
    con.execute(
        f"CREATE TABLE idmap AS SELECT entity, 'xero:' || source_id AS vendor_id, canonical_id "
        f"FROM read_csv('{firm / '_ids.csv'}', all_varchar = true)"
    )
    yield con
    con.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    return con.execute(sql).fetchall()


ID_COLUMNS = {
    "invoice_id": "invoices",
    "customer_id": "customers",
    "project_id": "projects",
    "employee_id": "employees",
    "project_manager_id": "employees",
}


def _mapped(con: duckdb.DuckDBPyConnection, relation: str, drop: tuple[str, ...] = ()) -> str:
    """B's relation with its Xero ids mapped back to the canonical ones (doubles rounded to 9 places)."""
    return _select(con, relation, drop, mapped=True)


def _select(con: duckdb.DuckDBPyConnection, relation: str, drop: tuple[str, ...] = (), mapped: bool = False) -> str:
    columns = [c for c in con.execute(f"DESCRIBE {relation}").fetchall() if c[0] not in drop]
    select, joins = [], []
    for n, (name, kind, *_rest) in enumerate(columns):
        if mapped and name in ID_COLUMNS:
            joins.append(f"LEFT JOIN idmap m{n} ON m{n}.entity = '{ID_COLUMNS[name]}' AND m{n}.vendor_id = r.{name}")
            select.append(f"coalesce(m{n}.canonical_id, r.{name}) AS {name}")
        else:
            select.append(f"round(r.{name}, 9) AS {name}" if kind in ("DOUBLE", "FLOAT") else f"r.{name}")
    return f"SELECT {', '.join(select)} FROM {relation} r {' '.join(joins)}"


def _differ(con: duckdb.DuckDBPyConnection, mart: str, drop: tuple[str, ...] = ()) -> list[tuple[object, ...]]:
    drop = (*drop, "source_system")  # canonical in A, xero in B: asserted on its own
    a, b = _select(con, f"a.marts.{mart}", drop), _mapped(con, f"b.marts.{mart}", drop)
    return _rows(con, f"(({a}) EXCEPT ALL ({b})) UNION ALL (({b}) EXCEPT ALL ({a}))")


def test_receivables_dso_and_customers_are_equal(builds: duckdb.DuckDBPyConnection) -> None:
    con = builds
    assert _rows(con, "SELECT count(*) FROM a.marts.mart_receivables")[0][0] > 10
    assert _differ(con, "mart_receivables") == []
    assert _rows(con, "SELECT count(*) FROM a.marts.mart_dso_monthly")[0][0] > 3
    assert _differ(con, "mart_dso_monthly") == []
    assert _differ(con, "dim_customer") == []
    assert _rows(con, "SELECT DISTINCT source_system FROM b.marts.dim_customer") == [("xero",)]
    # the supplier bills (ACCPAY) in the organisation are no receivable, no invoice at all
    assert _rows(con, "SELECT DISTINCT source_system FROM b.intermediate.int_invoices") == [("xero",)]
    assert _rows(con, "SELECT count(*) FROM b.intermediate.int_invoices") == _rows(
        con, "SELECT count(*) FROM a.intermediate.int_invoices"
    )


def test_billed_amounts_per_project_and_month_are_equal(builds: duckdb.DuckDBPyConnection) -> None:
    con = builds
    sql = "SELECT project_id, month_start, billed FROM {} ORDER BY ALL"
    a = _rows(con, sql.format("a.intermediate.int_finance_billing_monthly"))
    b = _rows(con, sql.format(f"({_mapped(con, 'b.intermediate.int_finance_billing_monthly')})"))
    assert len(a) > 5 and a == b
    # every invoice line came through a Xero project tracking option
    assert _rows(con, "SELECT count(*) FROM b.intermediate.int_invoice_lines WHERE source_system = 'xero'") == _rows(
        con, "SELECT count(*) FROM a.intermediate.int_invoice_lines"
    )


def test_time_differs_only_as_documented(builds: duckdb.DuckDBPyConnection) -> None:
    con = builds
    hours = (
        "SELECT employee_id, project_id, work_date, billable, {} AS rate, sum(hours) AS hours "
        "FROM {} {} GROUP BY ALL ORDER BY ALL"
    )
    # rejected time is not in Xero (no approval step), and a non-billable entry's own rate is dropped (a
    # non-chargeable task has none); the rest is the same hours, billable flag and rate
    rate = "CASE WHEN billable THEN bill_rate END"
    a = _rows(con, hours.format(rate, "a.intermediate.int_time_entries", "WHERE approval_status <> 'rejected'"))
    b = _rows(con, hours.format("bill_rate", f"({_mapped(con, 'b.intermediate.int_time_entries')})", ""))
    assert len(a) > 100 and a == b
    dropped = "SELECT count(*) FROM a.intermediate.int_time_entries WHERE NOT billable AND bill_rate IS NOT NULL"
    assert _rows(con, dropped)[0][0] > 0
    rejected = _rows(con, "SELECT count(*) FROM a.intermediate.int_time_entries WHERE approval_status = 'rejected'")
    assert rejected[0][0] > 0
    # every Xero entry is approved, and none names its invoice
    assert _rows(con, "SELECT DISTINCT approval_status FROM b.intermediate.int_time_entries") == [("approved",)]
    assert _rows(con, "SELECT count(*) FROM b.intermediate.int_time_entries WHERE invoice_id IS NOT NULL") == [(0,)]
    assert _rows(con, "SELECT count(*) FROM a.intermediate.int_time_entries WHERE invoice_id IS NOT NULL")[0][0] > 0


def test_projects_and_people_are_the_firms(builds: duckdb.DuckDBPyConnection) -> None:
    con = builds
    # a project's opportunity is lost (Xero has none); everything else, through projects_file, is the same
    assert _differ(con, "dim_project", drop=("opportunity_id",)) == []
    assert _rows(con, "SELECT count(*) FROM b.marts.dim_project WHERE opportunity_id IS NOT NULL") == [(0,)]
    assert _differ(con, "dim_employee") == []
    # the legal entity is the files' (the organisation's id alone in the settings): Xero adds no row
    assert _rows(con, "SELECT count(*) FROM b.staging.stg_xero__legal_entities") == [(0,)]
    assert _rows(con, "SELECT entity_id FROM b.intermediate.int_legal_entities") == [(TENANT,)]


def test_files_beside_xero_hold_only_what_they_can_load(builds: duckdb.DuckDBPyConnection) -> None:
    con = builds
    # nothing of files/ nor of Xero was quarantined: rows of files that name a Xero-held project, person or
    # customer (project rate cards, the plan, milestones, opportunities of customers) were left out instead
    assert _rows(con, "SELECT count(*) FROM b.ops.quarantine") == [(0,)]
    plan = (
        "SELECT (SELECT count(*) FROM {0}.raw_canonical.assignments), "
        "(SELECT count(*) FROM {0}.raw_canonical.milestones)"
    )
    assert _rows(con, plan.format("b")) == [(0, 0)] and 0 not in _rows(con, plan.format("a"))[0]
    cards = "SELECT count(*) FILTER (project_id IS NULL), count(project_id) FROM {}.raw_canonical.rate_cards"
    (a_firm, a_project), (b_firm, b_project) = _rows(con, cards.format("a"))[0], _rows(con, cards.format("b"))[0]
    assert a_project > 0 and b_project == 0 and a_firm == b_firm
