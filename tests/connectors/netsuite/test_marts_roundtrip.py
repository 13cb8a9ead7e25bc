"""Round trip through the marts: the demo firm from its canonical files, and the same firm with its ERP
side in NetSuite (`wipcast demo generate --shape netsuite`: SuiteQL results served locally, its PSA side
the psa/ files), ingested with `wipcast ingest netsuite` and built with `wipcast transform`, give the
same receivables, DSO, revenue and project financials. Invoices, lines and payments are NetSuite's
(netsuite:<id>, mapped back through _ids.csv); customers and projects resolve to the PSA's through
their externalid, so NetSuite adds none. Differences, each asserted: see docs/connectors/netsuite.md,
"Round trip through the marts".
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from simulator.serve import FixtureServer
from simulator.shapes.netsuite import write_netsuite_shape
from simulator.shapes.netsuite_api import NetSuiteDemoApi

from ..files_build import canonical_files_build
from ..test_roundtrip import AS_OF

pytestmark = pytest.mark.slow

WIPCAST = str(Path(sys.executable).with_name("wipcast"))
KEYS = ("ACCOUNT_ID", "CONSUMER_KEY", "CONSUMER_SECRET", "TOKEN_ID", "TOKEN_SECRET")


def _cli(args: list[str], cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WIPCAST_", "SOURCES__"))}
    env.update({f"SOURCES__NETSUITE__{key}": "demo" for key in KEYS})
    done = subprocess.run([WIPCAST, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, (args, done.stdout[-3000:], done.stderr[-3000:])
    return done.stdout


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    root = tmp_path_factory.mktemp("netsuite_rt")
    firm = root / "firm"
    canonical, files = canonical_files_build(tmp_path_factory, root, employees=20, months=6, as_of=AS_OF)  # A
    write_netsuite_shape(canonical, firm, AS_OF)
    _cli(["ingest", "files", "psa"], firm)  # B: the PSA's files, then NetSuite
    with FixtureServer(NetSuiteDemoApi.from_dir(firm)) as server:
        summary = _cli(["ingest", "netsuite", "--base-url", server.url + "/"], firm)
    assert "0 quarantined" in summary, summary
    _cli(["transform"], firm)

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"ATTACH '{files / 'warehouse' / 'work.duckdb'}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{firm / 'warehouse' / 'work.duckdb'}' AS b (READ_ONLY)")
    con.execute(
        f"CREATE TABLE idmap AS SELECT entity, 'netsuite:' || source_id AS vendor_id, canonical_id "
        f"FROM read_csv('{firm / '_ids.csv'}', all_varchar = true)"
    )
    yield con
    con.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    return con.execute(sql).fetchall()


def _rounded(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    """The relation with its doubles rounded to 9 places: averages of the same daily rates summed in
    another row order differ in the 16th digit (1.2864489032258062 and ...064), not a mapping difference."""
    columns = con.execute(f"DESCRIBE {relation}").fetchall()
    select = ", ".join(f"round({c[0]}, 9) AS {c[0]}" if c[1] in ("DOUBLE", "FLOAT") else c[0] for c in columns)
    return f"SELECT {select} FROM {relation}"


def _differ(con: duckdb.DuckDBPyConnection, a_relation: str, b_relation: str) -> list[tuple[object, ...]]:
    a, b = _rounded(con, a_relation), _rounded(con, b_relation)
    return _rows(con, f"(({a}) EXCEPT ALL ({b})) UNION ALL (({b}) EXCEPT ALL ({a}))")


def test_receivables_are_equal_invoice_by_invoice(builds: duckdb.DuckDBPyConnection) -> None:
    con = builds
    con.execute(
        "CREATE OR REPLACE VIEW b_receivables AS SELECT r.* REPLACE (m.canonical_id AS invoice_id) "
        "FROM b.marts.mart_receivables r JOIN idmap m ON m.entity = 'invoices' AND m.vendor_id = r.invoice_id"
    )
    assert _rows(con, "SELECT count(*) FROM a.marts.mart_receivables")[0][0] > 50
    assert _rows(con, "SELECT count(*) FROM b.marts.mart_receivables") == _rows(
        con, "SELECT count(*) FROM b_receivables"
    )  # every NetSuite invoice maps to a canonical one
    assert _differ(con, "a.marts.mart_receivables", "b_receivables") == []


def test_dso_revenue_and_project_financials_are_equal(builds: duckdb.DuckDBPyConnection) -> None:
    con = builds
    marts = ("mart_dso_monthly", "mart_revenue_monthly", "mart_project_financials", "mart_unbilled_exposure")
    for mart in (*marts, "mart_revenue_vs_target", "dim_project"):
        assert _rows(con, f"SELECT count(*) FROM a.marts.{mart}")[0][0] > 5, mart
        assert _differ(con, f"a.marts.{mart}", f"b.marts.{mart}") == [], mart


def test_the_erp_side_came_from_netsuite_and_adds_no_customer_or_project(builds: duckdb.DuckDBPyConnection) -> None:
    con = builds
    sources = dict(_rows(con, "SELECT source_system, count(*) FROM b.intermediate.int_invoices GROUP BY ALL"))
    assert set(sources) == {"netsuite"} and sources["netsuite"] > 50
    assert _rows(con, "SELECT DISTINCT source_system FROM b.intermediate.int_fx_rates") == [("netsuite",)]
    assert _rows(con, "SELECT count(*) FROM b.staging.stg_netsuite__legal_entities")[0][0] == 3
    # every customer and job matched the PSA's by externalid: none of NetSuite's own, no exception
    assert _rows(con, "SELECT count(*) FROM b.staging.stg_netsuite__customers") == [(0,)]
    assert _rows(con, "SELECT count(*) FROM b.staging.stg_netsuite__projects") == [(0,)]
    assert _rows(con, "SELECT count(*) FROM b.ops.identity_exceptions") == [(0,)]
    assert _differ(con, "a.marts.dim_customer", "b.marts.dim_customer") == []
    # the ERP's time postings arrive too, one per canonical posting; difference: the shape writes none for
    # a posting to a project the PSA does not know (the firm's planted orphans: no NetSuite job to hang it on)
    a_postings, orphans, b_postings = _rows(
        con,
        "SELECT (SELECT count(*) FROM a.intermediate.int_erp_time_postings), "
        "(SELECT count(*) FROM a.intermediate.int_erp_time_postings WHERE project_id NOT IN "
        "(SELECT project_id FROM a.intermediate.int_projects)), "
        "(SELECT count(*) FROM b.intermediate.int_erp_time_postings WHERE source_system = 'netsuite')",
    )[0]
    assert a_postings > 100 and 0 < orphans < 10 and b_postings == a_postings - orphans
