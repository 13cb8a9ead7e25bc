"""Round trip through the marts, for both CRM connectors: the demo firm's CRM from its canonical files, the
same CRM as a Salesforce org and as a HubSpot portal (the salesforce and hubspot shapes, served locally,
read by the connectors) give the same pipeline marts once each vendor's opportunity ids are mapped back
(the shapes' _ids.csv).

All three land in one warehouse and one dbt run builds them side by side (`source_system` canonical,
salesforce, hubspot): mart_pipeline and the history are per opportunity, so each side's rows are what a
build of that side alone gives, at a third of the cost of three builds. The firm ties the CRMs' accounts
and companies to the customers it keeps in files with connectors.identity_map (each shape writes its part
of that map), so every vendor's opportunities point at the same customers and no account or company
becomes a second customer. The documented differences (docs/connectors/salesforce.md and hubspot.md,
"Round trip through the marts") are asserted: Salesforce's OpportunityHistory records no custom fields,
so a Salesforce history row's expected start is the opportunity's current one; HubSpot has none.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator

import duckdb
import pytest

import simulator
from ingest.connectors import run
from ingest.files import ingest_files
from simulator.serve import FixtureServer
from simulator.shapes.hubspot import write_hubspot_shape
from simulator.shapes.hubspot_api import HubSpotDemoApi
from simulator.shapes.salesforce import write_salesforce_shape
from simulator.shapes.salesforce_api import SalesforceDemoApi
from wipcast.settings import load_settings
from wipcast.transform import run_dbt

from ..test_roundtrip import AS_OF

pytestmark = pytest.mark.slow

SELECT = ["run", "--select", "+mart_pipeline +dim_customer"]  # the pipeline marts and what they read (models only)
# and the data tests of the CRM models (keys, references) on the three sources side by side
CRM_TESTS = "int_customers int_opportunities int_opportunity_history mart_pipeline dim_customer"
TESTS = ["test", "--select", CRM_TESTS, "--indirect-selection", "cautious"]
VENDORS = ("salesforce", "hubspot")


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    root = tmp_path_factory.mktemp("crm_marts_rt")
    canonical = root / "canonical"
    simulator.generate(canonical, employees=10, months=6, as_of=AS_OF, seed=3, fmt="csv")
    write_salesforce_shape(canonical, root / "salesforce", AS_OF)
    write_hubspot_shape(canonical, root / "hubspot", AS_OF)
    # the project: both vendors' settings as their shapes wrote them, one identity map for both
    project = root / "project"
    project.mkdir()
    parts = []
    with (project / "identity.csv").open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["entity", "source_system", "source_id", "canonical_id"])
        for vendor in VENDORS:
            text = (root / vendor / "wipcast.toml").read_text()
            parts.append(text[text.index(f"[connectors.{vendor}]") :])
            with (root / vendor / "mappings" / f"{vendor}_identity.csv").open(newline="") as fh:
                writer.writerows(list(csv.reader(fh))[1:])
    (project / "wipcast.toml").write_text(
        f'[wipcast]\nas_of = "{AS_OF}"\n\n[connectors]\nidentity_map = "identity.csv"\n\n' + "\n".join(parts)
    )
    with pytest.MonkeyPatch.context() as mp:
        for key in list(os.environ):
            if key.startswith("WIPCAST_"):
                mp.delenv(key)
        mp.setenv("SOURCES__SALESFORCE__CLIENT_ID", "demo")
        mp.setenv("SOURCES__SALESFORCE__CLIENT_SECRET", "demo")
        mp.setenv("SOURCES__HUBSPOT__ACCESS_TOKEN", "demo")
        mp.chdir(project)
        settings = load_settings({}, cwd=project)
        ingest_files(settings, canonical, "files")
        with FixtureServer(SalesforceDemoApi.from_dir(root / "salesforce", page_size=500)) as server:
            assert run.sync(settings, "salesforce", "sf", base_url=server.url + "/").rows_quarantined == 0
        with FixtureServer(HubSpotDemoApi.from_dir(root / "hubspot")) as server:
            assert run.sync(settings, "hubspot", "hs", base_url=server.url + "/").rows_quarantined == 0
        run_dbt(settings, SELECT)
        run_dbt(settings, TESTS)

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"ATTACH '{settings.work_db}' AS w (READ_ONLY)")
    con.execute("CREATE TABLE idmap (vendor VARCHAR, vendor_id VARCHAR, canonical_id VARCHAR)")
    for vendor in VENDORS:
        con.execute(
            f"INSERT INTO idmap SELECT '{vendor}', '{vendor}:' || source_id, canonical_id "
            f"FROM read_csv('{root / vendor / '_ids.csv'}', all_varchar = true) WHERE entity = 'opportunities'"
        )
    con.execute(f"CREATE TABLE canonical_opps AS SELECT * FROM read_csv('{canonical / 'opportunities.csv'}')")
    yield con
    con.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    return con.execute(sql).fetchall()


def _canonical(table: str) -> str:
    """The rows from the canonical files."""
    return (
        f"SELECT * FROM w.{table} WHERE opportunity_id NOT LIKE 'salesforce:%' AND opportunity_id NOT LIKE 'hubspot:%'"
    )


def _mapped(table: str, vendor: str) -> str:
    """One vendor's rows, opportunity_id mapped back to the firm's id."""
    return (
        f"SELECT m.canonical_id AS opportunity_id, t.* EXCLUDE (opportunity_id) FROM w.{table} t "
        f"JOIN idmap m ON m.vendor = '{vendor}' AND m.vendor_id = t.opportunity_id"
    )


@pytest.mark.parametrize("vendor", VENDORS)
def test_the_pipeline_mart_is_equal(builds: duckdb.DuckDBPyConnection, vendor: str) -> None:
    con = builds
    a, b = _canonical("marts.mart_pipeline"), _mapped("marts.mart_pipeline", vendor)
    total = _rows(con, f"SELECT count(*), count(*) FILTER (is_new_customer), count(*) FILTER (is_open) FROM ({a})")[0]
    assert total[0] > 50 and total[1] > 5 and total[2] > 5  # new customers and open deals are both in it
    assert _rows(con, f"SELECT count(*) FROM ({b})") == [(total[0],)]
    # every column, customer ids and project ids included: the identity map and the PSA project field
    assert _rows(con, f"({a}) EXCEPT ALL ({b}) UNION ALL (({b}) EXCEPT ALL ({a}))") == []


def test_customers_are_each_one_member(builds: duckdb.DuckDBPyConnection) -> None:
    con = builds
    # no account or company was conformed as a customer of its own: each is tied to a file customer, or a prospect
    for vendor in VENDORS:
        assert _rows(con, f"SELECT count(*) FROM w.conformed_{vendor}.customers") == [(0,)]
    assert _rows(con, "SELECT DISTINCT source_system FROM w.marts.dim_customer") == [("canonical",)]
    customers = _rows(con, "SELECT count(*) FROM w.marts.dim_customer")[0][0]
    assert customers == _rows(con, "SELECT count(*) FROM w.raw_canonical.customers")[0][0] > 5


@pytest.mark.parametrize("vendor", VENDORS)
def test_history_is_equal_but_for_salesforces_expected_start(builds: duckdb.DuckDBPyConnection, vendor: str) -> None:
    con = builds
    cols = "opportunity_id, changed_at, stage, probability, amount, close_date, status"
    if vendor == "hubspot":  # its history carries the expected start property forward like the others
        cols += ", expected_start_date"
    a = f"SELECT {cols} FROM ({_canonical('intermediate.int_opportunity_history')})"
    b = f"SELECT {cols} FROM ({_mapped('intermediate.int_opportunity_history', vendor)})"
    assert _rows(con, f"SELECT count(*) FROM ({a})")[0][0] > 200
    assert _rows(con, f"({a}) EXCEPT ALL ({b}) UNION ALL (({b}) EXCEPT ALL ({a}))") == []
    if vendor == "salesforce":
        # difference: OpportunityHistory carries no custom field, so every row has the deal's current expected start
        starts = _rows(
            con,
            "SELECT count(*) FILTER (WHERE h.expected_start_date IS DISTINCT FROM o.expected_start_date), "
            "count(*) FILTER (WHERE x.expected_start_date IS DISTINCT FROM o.expected_start_date) "
            f"FROM ({_mapped('intermediate.int_opportunity_history', vendor)}) h "
            "JOIN canonical_opps o USING (opportunity_id) "
            f"JOIN ({_canonical('intermediate.int_opportunity_history')}) x USING (opportunity_id, changed_at)",
        )[0]
        assert starts[0] == 0 and starts[1] > 0  # Salesforce: always the current one; files: it moved in some
