"""Round trip through the marts: the demo firm from its canonical files, and the same firm with its US
books in QuickBooks Online (`wipcast demo generate --shape quickbooks`: the LE-US company's invoices,
lines and payments served locally; everything else the psa/ files), ingested with the QuickBooks
connector and built with dbt, give the same receivables, DSO, billed amounts, revenue and project
financials. Invoices, lines and payments are QuickBooks' (quickbooks:<id>, mapped back through
_ids.csv); customers and projects resolve to the PSA's through the identity map, so QuickBooks adds
none. The differences, each asserted: see docs/connectors/quickbooks.md, "Round trip through the marts".

Kept cheap: the smallest firm that has every mapping (8 people, 4 months), everything but dbt in this
process, dbt building only the models the comparison reads (their data tests run with the full
builds elsewhere), and the files' build running while the QuickBooks side is ingested.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import duckdb
import pytest

import simulator
from ingest.connectors import run
from ingest.files import ingest_files
from simulator.serve import FixtureServer
from simulator.shapes.quickbooks import REALM, write_quickbooks_shape
from simulator.shapes.quickbooks_api import QuickBooksDemoApi
from wipcast.settings import Settings, load_settings
from wipcast.transform import run_dbt

from ..test_roundtrip import AS_OF

pytestmark = pytest.mark.slow

SECRETS = {"CLIENT_ID": "demo", "CLIENT_SECRET": "demo", "REFRESH_TOKEN": "demo", "REALM_ID": REALM}
MARTS = (
    "mart_receivables",
    "mart_dso_monthly",
    "mart_revenue_monthly",
    "mart_project_financials",
    "mart_unbilled_exposure",
    "dim_project",
    "dim_customer",
    "dim_entity",
)


def _build(settings: Settings) -> str:
    """The compared marts and everything upstream of them (snapshots included), without data tests."""
    select = " ".join(f"+{mart}" for mart in MARTS)
    return run_dbt(
        settings,
        ["build", "--select", select, "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"],
    )


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    root = tmp_path_factory.mktemp("quickbooks_rt")
    firm, files = root / "firm", root / "files"
    canonical = firm / "canonical"
    simulator.generate(canonical, employees=8, months=4, as_of=AS_OF, seed=3, fmt="csv")
    write_quickbooks_shape(canonical, firm, AS_OF)
    files.mkdir()
    (files / "wipcast.toml").write_text(f'[wipcast]\nas_of = "{AS_OF}"\n')
    with pytest.MonkeyPatch.context() as mp:
        for key in [k for k in os.environ if k.startswith(("WIPCAST_", "SOURCES__"))]:
            mp.delenv(key)
        for key, value in SECRETS.items():
            mp.setenv(f"SOURCES__QUICKBOOKS__{key}", value)
        a = load_settings({"warehouse_dir": str(files / "warehouse")}, cwd=files)  # A: the canonical files
        ingest_files(a, canonical, "a-ingest")
        pool = ThreadPoolExecutor(max_workers=1)
        a_build = pool.submit(_build, a)  # dbt is a subprocess: it builds A while B is ingested
        mp.chdir(firm)  # B: the psa/ files, then QuickBooks (its settings are the firm folder's wipcast.toml)
        b = load_settings({"warehouse_dir": str(firm / "warehouse")}, cwd=firm)
        ingest_files(b, firm / "psa", "b-ingest")
        with FixtureServer(QuickBooksDemoApi.from_dir(firm)) as server:
            toml = firm / "wipcast.toml"
            toml.write_text(toml.read_text().replace("http://127.0.0.1:8765", server.url))
            result = run.sync(b, "quickbooks", "b-sync")
        assert result.rows_quarantined == 0, result.summary_lines()
        _build(b)
        a_build.result()
        pool.shutdown()

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"ATTACH '{files / 'warehouse' / 'work.duckdb'}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{firm / 'warehouse' / 'work.duckdb'}' AS b (READ_ONLY)")
    con.execute(
        f"CREATE TABLE idmap AS SELECT entity, 'quickbooks:' || source_id AS vendor_id, canonical_id "
        f"FROM read_csv('{firm / '_ids.csv'}', all_varchar = true)"
    )
    yield con
    con.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    return con.execute(sql).fetchall()


def _rounded(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    """Doubles rounded to 9 places: the same daily rates averaged in another row order differ in the
    16th digit, not a mapping difference."""
    columns = con.execute(f"DESCRIBE {relation}").fetchall()
    select = ", ".join(f"round({c[0]}, 9) AS {c[0]}" if c[1] in ("DOUBLE", "FLOAT") else c[0] for c in columns)
    return f"SELECT {select} FROM {relation}"


def _differ(con: duckdb.DuckDBPyConnection, a_relation: str, b_relation: str) -> list[tuple[object, ...]]:
    a, b = _rounded(con, a_relation), _rounded(con, b_relation)
    return _rows(con, f"(({a}) EXCEPT ALL ({b})) UNION ALL (({b}) EXCEPT ALL ({a}))")


def _mapped(entity: str, relation: str, column: str) -> str:
    """`relation` with QuickBooks ids in `column` turned back into the canonical ones (others kept)."""
    return (
        f"SELECT r.* REPLACE (coalesce(m.canonical_id, r.{column}) AS {column}) FROM {relation} r "
        f"LEFT JOIN idmap m ON m.entity = '{entity}' AND m.vendor_id = r.{column}"
    )


def test_receivables_are_equal_invoice_by_invoice(builds: duckdb.DuckDBPyConnection) -> None:
    con = builds
    con.execute(
        f"CREATE OR REPLACE VIEW b_receivables AS {_mapped('invoices', 'b.marts.mart_receivables', 'invoice_id')}"
    )
    quickbooks = _rows(con, "SELECT count(*) FROM b.marts.mart_receivables WHERE invoice_id LIKE 'quickbooks:%'")[0][0]
    assert quickbooks >= 10  # the US company's issued invoices came from QuickBooks
    assert _rows(con, "SELECT count(*) FROM b_receivables WHERE invoice_id LIKE 'quickbooks:%'") == [(0,)]
    assert _differ(con, "a.marts.mart_receivables", "b_receivables") == []


def test_dso_billed_revenue_and_project_financials_are_equal(builds: duckdb.DuckDBPyConnection) -> None:
    con = builds
    marts = ("mart_dso_monthly", "mart_revenue_monthly", "mart_project_financials", "mart_unbilled_exposure")
    for mart in (*marts, "dim_project", "dim_customer", "dim_entity"):
        assert _rows(con, f"SELECT count(*) FROM a.marts.{mart}")[0][0] > 2, mart
        assert _differ(con, f"a.marts.{mart}", f"b.marts.{mart}") == [], mart
    # billed amounts of the US projects came from QuickBooks lines (the subtotal lines not counted twice)
    billed = _rows(
        con,
        "SELECT sum(billed) FROM b.marts.mart_revenue_monthly r JOIN b.marts.dim_project p USING (project_id) "
        "WHERE p.entity_id = 'LE-US'",
    )[0][0]
    from_lines = _rows(
        con,
        "SELECT sum(l.amount) FROM b.intermediate.int_invoice_lines l JOIN b.intermediate.int_invoices i "
        "USING (invoice_id) WHERE i.entity_id = 'LE-US' AND i.status <> 'void'",
    )[0][0]
    assert billed > 0 and billed == from_lines


def test_the_us_books_came_from_quickbooks_with_the_documented_differences(builds: duckdb.DuckDBPyConnection) -> None:
    con = builds
    sources = dict(_rows(con, "SELECT source_system, count(*) FROM b.intermediate.int_invoices GROUP BY ALL"))
    us_issued = _rows(
        con, "SELECT count(*) FROM a.intermediate.int_invoices WHERE entity_id = 'LE-US' AND status <> 'draft'"
    )[0][0]
    assert sources["quickbooks"] == us_issued
    # drafts stay in the PSA's files: QuickBooks has no draft invoices
    assert _rows(
        con, "SELECT count(*) FROM b.intermediate.int_invoices WHERE source_system = 'quickbooks' AND status = 'draft'"
    ) == [(0,)]
    # every customer and project matched the PSA's through the identity map: none of QuickBooks' own
    for entity in ("customers", "projects", "legal_entities"):
        assert _rows(con, f"SELECT count(*) FROM b.staging.stg_quickbooks__{entity}") == [(0,)], entity
    assert _rows(con, "SELECT count(*) FROM b.ops.identity_exceptions") == [(0,)]
    # invoice by invoice, column by column, the differences are exactly these: the invoice number is
    # QuickBooks' DocNumber (the shape writes the firm's invoice id there; the demo's files leave it
    # empty), and the row names its system
    a_invoices = (
        "SELECT * REPLACE (invoice_id AS invoice_number, 'quickbooks' AS source_system) "
        "FROM a.intermediate.int_invoices WHERE entity_id = 'LE-US' AND status <> 'draft'"
    )
    b_invoices = (
        _mapped("invoices", "b.intermediate.int_invoices", "invoice_id") + " WHERE source_system = 'quickbooks'"
    )
    con.execute(f"CREATE OR REPLACE VIEW b_invoices AS {b_invoices}")
    assert _differ(con, f"({a_invoices})", "b_invoices") == []
    a_lines = (
        "SELECT l.* REPLACE ('quickbooks' AS source_system) FROM a.intermediate.int_invoice_lines l "
        "JOIN a.intermediate.int_invoices i USING (invoice_id) WHERE i.entity_id = 'LE-US' AND i.status <> 'draft'"
    )
    b_lines = (
        "SELECT l.* REPLACE (coalesce(m.canonical_id, l.invoice_line_id) AS invoice_line_id, "
        "coalesce(n.canonical_id, l.invoice_id) AS invoice_id) FROM b.intermediate.int_invoice_lines l "
        "LEFT JOIN idmap m ON m.entity = 'invoice_lines' AND m.vendor_id = l.invoice_line_id "
        "LEFT JOIN idmap n ON n.entity = 'invoices' AND n.vendor_id = l.invoice_id WHERE l.source_system = 'quickbooks'"
    )
    assert _differ(con, f"({a_lines})", f"({b_lines})") == []
    # payments: QuickBooks' (a customer's payments of one day are one QuickBooks payment, split back per
    # invoice; this firm pays each invoice on its own day), the row naming its system
    b_payments = (
        "SELECT p.* REPLACE (m.canonical_id AS payment_id, n.canonical_id AS invoice_id) "
        "FROM b.intermediate.int_payments p JOIN idmap m ON m.entity = 'payments' AND m.vendor_id = p.payment_id "
        "JOIN idmap n ON n.entity = 'invoices' AND n.vendor_id = p.invoice_id"
    )
    a_payments = (
        "SELECT p.* REPLACE ('quickbooks' AS source_system) FROM a.intermediate.int_payments p "
        "JOIN a.intermediate.int_invoices i USING (invoice_id) WHERE i.entity_id = 'LE-US' AND i.status <> 'draft'"
    )
    assert _rows(con, f"SELECT count(*) FROM ({b_payments})")[0][0] >= 5
    assert _differ(con, f"({a_payments})", f"({b_payments})") == []
