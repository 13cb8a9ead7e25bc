"""The full stack (issue 12): one demo firm as Harvest + Harvest Forecast + Salesforce + NetSuite, served on
127.0.0.1 at once and read by one `wipcast run` (`[sources] run` with the four and the files of what none
holds), against the same firm built from its canonical files. How the firm is split, and the customer named
three ways: tests/connectors/full_stack.py. The marts are equal with ids mapped back through the shapes'
_ids.csv, except the documented differences (docs/connectors/README.md, "Full stack"), each asserted here:
Harvest's own (harvest.md: milestone and retainer bill as fixed fee, a rejected timesheet is a draft, a capped
T&M project has no hours budget, an on-hold project is active), Forecast's (a past month's estimate at
completion uses today's plan), the CRM's account name in the pipeline, and the unmatched ERP customer.
Unbilled exposure is equal per project; its ageing is younger where the firm billed newer time before older.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

import simulator
from simulator.shapes.harvest import write_harvest_shape

from .full_stack import AS_OF, CRM_NAME, ERP_NAME, PSA_NAME, SEED, UNMATCHED_ID, UNMATCHED_NAME, build

pytestmark = pytest.mark.slow  # one module: `make test` runs it on one worker (--dist loadfile)

ID_COLUMNS = ("customer_id", "project_id", "invoice_id", "opportunity_id", "employee_id", "payment_id")
# a project-month's revenue differs for a Harvest reason: these projects' canonical billing type is not Harvest's
HARVEST_BILLING = "CASE WHEN billing_type IN ('milestone', 'retainer') THEN 'fixed_fee' ELSE billing_type END"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[duckdb.DuckDBPyConnection, str]]:
    root = tmp_path_factory.mktemp("full_stack")
    files_db, stack_db, acme = build(root)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"ATTACH '{files_db}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{stack_db}' AS b (READ_ONLY)")
    id_files = ", ".join(f"'{root / vendor / '_ids.csv'}'" for vendor in ("harvest", "netsuite", "salesforce"))
    con.execute(
        "CREATE TABLE idmap AS SELECT DISTINCT source_system || ':' || source_id AS vendor_id, canonical_id "
        f"FROM read_csv([{id_files}], all_varchar = true)"
    )
    assert con.execute("SELECT count(*) = count(DISTINCT vendor_id) FROM idmap").fetchone() == (True,)
    canonical = root / "canonical"
    con.execute(f"CREATE TABLE c_projects AS SELECT * FROM read_csv('{canonical / 'projects.csv'}')")
    con.execute(f"CREATE TABLE c_entries AS SELECT * FROM read_csv('{canonical / 'time_entries.csv'}')")
    # the months from which a project's figures may differ: its first rejected entry (a draft through Harvest)
    con.execute(
        "CREATE TABLE first_rejected AS SELECT project_id, CAST(date_trunc('month', min(work_date)) AS DATE) AS month "
        "FROM c_entries WHERE approval_status = 'rejected' GROUP BY ALL"
    )
    for mart in (
        "mart_receivables",
        "mart_dso_monthly",
        "mart_revenue_monthly",
        "mart_project_financials",
        "mart_unbilled_exposure",
        "mart_pipeline",
        "dim_customer",
    ):
        con.execute(f"CREATE VIEW a_{mart} AS {_rounded(con, f'a.marts.{mart}')}")
        con.execute(f"CREATE VIEW b_{mart} AS {_rounded(con, f'b.marts.{mart}', mapped=True)}")
    yield con, acme
    con.close()


def _rounded(con: duckdb.DuckDBPyConnection, relation: str, mapped: bool = False) -> str:
    """The relation with doubles rounded to 6 places (sums in another row order) and, for the full stack,
    every vendor id mapped back to the firm's."""
    select = []
    for name, kind, *_ in con.execute(f"DESCRIBE {relation}").fetchall():
        value = f"t.{name}"
        if mapped and name in ID_COLUMNS:
            value = f"coalesce((SELECT canonical_id FROM idmap WHERE vendor_id = t.{name}), t.{name})"
        if kind in ("DOUBLE", "FLOAT"):
            value = f"round({value}, 6)"
        select.append(f"{value} AS {name}")
    return f"SELECT {', '.join(select)} FROM {relation} t"


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    return con.execute(sql).fetchall()


def _differ(con: duckdb.DuckDBPyConnection, a: str, b: str) -> list[tuple[object, ...]]:
    return _rows(con, f"(({a}) EXCEPT ALL ({b})) UNION ALL (({b}) EXCEPT ALL ({a}))")


def test_every_source_was_read_once_and_nothing_is_held_twice(stack: tuple[duckdb.DuckDBPyConnection, str]) -> None:
    con, _ = stack
    sources = {
        entity: dict(_rows(con, f"SELECT source_system, count(*) FROM b.intermediate.int_{entity} GROUP BY ALL"))
        for entity in ("customers", "projects", "time_entries", "invoices", "payments", "opportunities")
    }
    assert set(sources["invoices"]) == {"netsuite"} and set(sources["payments"]) == {"netsuite"}
    assert set(sources["projects"]) == {"harvest"} and set(sources["time_entries"]) == {"harvest"}
    assert set(sources["opportunities"]) == {"salesforce"}
    assert sources["customers"]["netsuite"] == 1  # the unmatched one; no Salesforce account is a customer
    assert set(sources["customers"]) == {"harvest", "netsuite"}
    assert _rows(con, "SELECT DISTINCT source_system FROM b.intermediate.int_fx_rates") == [("netsuite",)]
    # each system's count of the firm's records is the canonical count
    for entity in ("projects", "time_entries", "invoices", "payments", "opportunities"):
        assert _rows(con, f"SELECT count(*) FROM a.intermediate.int_{entity}") == _rows(
            con, f"SELECT count(*) FROM b.intermediate.int_{entity}"
        ), entity
    assert _rows(con, "SELECT count(*) FROM b.ops.quarantine") == [(0,)]
    steps = {r[0] for r in _rows(con, "SELECT step FROM b.ops.run_log")}
    assert {"ingest harvest", "ingest harvest-forecast", "ingest netsuite", "ingest salesforce"} <= steps, steps


def test_receivables_and_dso_are_equal(stack: tuple[duckdb.DuckDBPyConnection, str]) -> None:
    con, _ = stack
    assert _rows(con, "SELECT count(*) FROM a_mart_receivables")[0][0] > 20
    assert _differ(con, "SELECT * FROM a_mart_receivables", "SELECT * FROM b_mart_receivables") == []
    assert _rows(con, "SELECT count(*) FROM a_mart_dso_monthly")[0][0] > 5
    assert _differ(con, "SELECT * FROM a_mart_dso_monthly", "SELECT * FROM b_mart_dso_monthly") == []


def test_revenue_is_equal_except_harvest_billing_types_and_rejected_time(
    stack: tuple[duckdb.DuckDBPyConnection, str],
) -> None:
    con, _ = stack
    key = "project_id, month_start"
    assert _rows(con, "SELECT count(*) FROM a_mart_revenue_monthly")[0][0] > 200
    assert _rows(con, f"SELECT {key} FROM a_mart_revenue_monthly EXCEPT SELECT {key} FROM b_mart_revenue_monthly") == []
    assert _rows(con, f"SELECT {key} FROM b_mart_revenue_monthly EXCEPT SELECT {key} FROM a_mart_revenue_monthly") == []
    # what was billed is the ERP's, in every project-month of every billing type
    billed = "project_id, month_start, billed, cumulative_billed, billed_reporting, cumulative_billed_reporting"
    assert (
        _differ(con, f"SELECT {billed} FROM a_mart_revenue_monthly", f"SELECT {billed} FROM b_mart_revenue_monthly")
        == []
    )
    # difference (harvest.md): milestone and retainer projects are fixed fee through Harvest
    billing = _rows(
        con,
        f"SELECT count(*) FILTER (billing_type IN ('milestone', 'retainer')) FROM a_mart_revenue_monthly "
        "UNION ALL SELECT count(*) FROM (SELECT project_id, month_start, "
        f"{HARVEST_BILLING} FROM a_mart_revenue_monthly "
        "EXCEPT ALL SELECT project_id, month_start, billing_type FROM b_mart_revenue_monthly)",
    )
    assert billing[0][0] > 0 and billing[1] == (0,)
    # difference (harvest_forecast.md): a past month's estimate at completion (and so its percent complete)
    # uses the plan as it was at that month's end; Forecast holds only today's plan (one snapshot per sync)
    plan = _rows(
        con,
        "SELECT count(*) FROM (SELECT project_id, month_start, estimate_at_completion FROM a_mart_revenue_monthly "
        "EXCEPT ALL SELECT project_id, month_start, estimate_at_completion FROM b_mart_revenue_monthly)",
    )
    assert plan[0][0] > 0
    # time and materials: every column but those equal, in every month before the project's first rejected
    # entry (from it, its hours, cost and what follows count a draft's: harvest.md)
    tm = "SELECT project_id FROM c_projects WHERE billing_type = 'time_and_materials'"
    plain = f"* EXCLUDE (estimate_at_completion, percent_complete) FROM {{}} WHERE project_id IN ({tm})"
    differing = _rows(
        con,
        "SELECT DISTINCT project_id, month_start FROM ("
        f"(SELECT {plain.format('a_mart_revenue_monthly')} EXCEPT ALL SELECT {plain.format('b_mart_revenue_monthly')})"
        f" UNION ALL (SELECT {plain.format('b_mart_revenue_monthly')} "
        f"EXCEPT ALL SELECT {plain.format('a_mart_revenue_monthly')}))",
    )
    first_rejected = dict(_rows(con, "SELECT project_id, month FROM first_rejected"))
    assert differing, "the rejected -> draft difference should show in this firm"
    assert [(p, m) for p, m in differing if p not in first_rejected or m < first_rejected[p]] == []
    compared = _rows(con, f"SELECT count(*) FROM a_mart_revenue_monthly WHERE project_id IN ({tm})")[0][0]
    assert compared > 2 * len(differing) > 0
    # every billing type: the hours, cost and billing (what the plan does not touch) equal in every month
    # before the first rejected entry; fixed-fee earnings follow the percent complete (not compared)
    facts = "project_id, month_start, hours_worked, approved_billable_hours, cost, cumulative_cost, billed"
    before = (
        f"SELECT {facts} FROM {{}} r WHERE NOT EXISTS (SELECT 1 FROM first_rejected f "
        "WHERE f.project_id = r.project_id AND r.month_start >= f.month)"
    )
    assert _differ(con, before.format("a_mart_revenue_monthly"), before.format("b_mart_revenue_monthly")) == []


def test_project_financials_are_equal_except_harvest_mapping(stack: tuple[duckdb.DuckDBPyConnection, str]) -> None:
    con, _ = stack
    # projects Harvest holds differently (harvest.md): milestone/retainer -> fixed fee, on hold -> active, a
    # capped T&M project without its hours budget, and any project with a rejected entry (a draft there)
    affected = (
        "SELECT project_id FROM c_projects WHERE billing_type IN ('milestone', 'retainer') OR status = 'on_hold' "
        "OR (billing_type = 'time_and_materials' AND contract_value IS NOT NULL AND budget_hours IS NOT NULL) "
        "UNION SELECT project_id FROM first_rejected"
    )
    a = f"SELECT * FROM a_mart_project_financials WHERE project_id NOT IN ({affected})"
    b = f"SELECT * FROM b_mart_project_financials WHERE project_id NOT IN ({affected})"
    assert _rows(con, f"SELECT count(*) FROM ({a})")[0][0] > 10
    assert _differ(con, a, b) == []
    # the affected ones differ only as Harvest explains, and in those columns; name, customer, currency and
    # what was billed (the ERP's) are equal for every project
    same = "project_id, project_name, customer_id, practice, project_currency, contract_value, billed_to_date"
    assert (
        _differ(con, f"SELECT {same} FROM a_mart_project_financials", f"SELECT {same} FROM b_mart_project_financials")
        == []
    )
    mapped = (
        f"SELECT project_id, {HARVEST_BILLING} AS billing_type, "
        "CASE WHEN status = 'on_hold' THEN 'active' ELSE status END AS status FROM a_mart_project_financials"
    )
    assert _differ(con, mapped, "SELECT project_id, billing_type, status FROM b_mart_project_financials") == []
    # a capped time-and-materials project keeps its money cap in Harvest, not its hours budget
    budget = (
        "SELECT project_id, CASE WHEN billing_type = 'time_and_materials' AND contract_value IS NOT NULL "
        "THEN NULL ELSE budget_hours END FROM a_mart_project_financials"
    )
    assert _differ(con, budget, "SELECT project_id, budget_hours FROM b_mart_project_financials") == []
    hours = "SELECT project_id, actual_hours FROM {} WHERE project_id NOT IN (SELECT project_id FROM first_rejected)"
    assert _differ(con, hours.format("a_mart_project_financials"), hours.format("b_mart_project_financials")) == []
    # rejected hours are worked hours through Harvest: never fewer, and more where a project had one
    more = _rows(
        con,
        "SELECT count(*) FILTER (b.actual_hours > a.actual_hours), count(*) FILTER (b.actual_hours < a.actual_hours) "
        "FROM a_mart_project_financials a JOIN b_mart_project_financials b USING (project_id)",
    )[0]
    assert more[0] > 0 and more[1] == 0


def _unbilled(side: str, affected: str) -> str:
    return f"SELECT * EXCLUDE (billing_type) FROM {side}_mart_unbilled_exposure WHERE project_id NOT IN ({affected})"


UNBILLED_AFFECTED = (
    "SELECT project_id FROM c_projects WHERE billing_type IN ('milestone', 'retainer') OR status = 'on_hold' "
    "UNION SELECT project_id FROM first_rejected"
)
UNBILLED_AMOUNTS = (
    "approved_unbilled_hours",
    "approved_unbilled_value",
    "pending_approval_value",
    "at_risk_after_close_value",
    "at_risk_missing_rate_hours",
    "over_cap_value",
    "contract_asset",
    "total_exposure_value_reporting",
)


def test_unbilled_exposure_is_equal_per_project(stack: tuple[duckdb.DuckDBPyConnection, str]) -> None:
    """NetSuite's invoices name no Harvest entry (time_entries.invoice_id is empty on the stack), yet each
    project's unbilled time is the canonical build's: its time lines settle the open time."""
    con, _ = stack
    assert _rows(con, "SELECT count(*) FILTER (invoice_id IS NOT NULL) FROM b.marts.fct_time_entries") == [(0,)]
    assert _rows(con, "SELECT count(*) FILTER (invoice_id IS NOT NULL) FROM a.marts.fct_time_entries")[0][0] > 100
    sums = ", ".join(f"round(sum({c}), 6) AS {c}" for c in UNBILLED_AMOUNTS)
    per_project = "SELECT project_id, " + sums + " FROM ({}) GROUP BY project_id"
    a, b = (per_project.format(_unbilled(side, UNBILLED_AFFECTED)) for side in ("a", "b"))
    ((projects, unbilled),) = _rows(con, f"SELECT count(*), sum(approved_unbilled_value) FROM ({a})")
    assert projects > 5 and unbilled > 0  # type: ignore[operator]
    assert _differ(con, a, b) == []


def test_unbilled_ageing_differs_only_younger(stack: tuple[duckdb.DuckDBPyConnection, str]) -> None:
    """Where the firm billed newer time and left older time open, the stack (which cannot know which
    entries an invoice billed) takes the oldest as billed: the same value, in younger buckets."""
    con, _ = stack
    rows = {
        side: _rows(
            con,
            "SELECT project_id, ageing_bucket_order, approved_unbilled_value "
            f"FROM ({_unbilled(side, UNBILLED_AFFECTED)})",
        )
        for side in ("a", "b")
    }
    differing = {r[0] for r in set(rows["a"]) ^ set(rows["b"])}
    assert 0 < len(differing) <= 3

    def weighted_age(side: str, project: str) -> float:
        return sum(float(v) * order for p, order, v in rows[side] if p == project)

    assert all(weighted_age("b", p) < weighted_age("a", p) for p in differing)


def test_pipeline_is_equal_but_the_crm_account_name(stack: tuple[duckdb.DuckDBPyConnection, str]) -> None:
    con, acme = stack
    assert _rows(con, "SELECT count(*) FROM a_mart_pipeline")[0][0] > 50
    rest = "SELECT * EXCLUDE (account_name) FROM {}"
    assert _differ(con, rest.format("a_mart_pipeline"), rest.format("b_mart_pipeline")) == []
    # difference: account_name is the CRM's name for the account (Acme's is "ACME Limited" in Salesforce)
    names = "SELECT opportunity_id, account_name FROM {}"
    differing = _differ(con, names.format("a_mart_pipeline"), names.format("b_mart_pipeline"))
    assert differing
    acme_opps = {r[0] for r in _rows(con, f"SELECT opportunity_id FROM a_mart_pipeline WHERE customer_id = '{acme}'")}
    assert {r[0] for r in differing} == acme_opps
    assert _rows(con, f"SELECT DISTINCT account_name FROM b_mart_pipeline WHERE customer_id = '{acme}'") == [
        (CRM_NAME,)
    ]


def test_one_customer_named_three_ways_is_one_customer(stack: tuple[duckdb.DuckDBPyConnection, str]) -> None:
    con, acme = stack
    # the three systems do name it three ways
    raw = {
        "harvest": _rows(con, f"SELECT name FROM b.raw_harvest.clients WHERE name = '{PSA_NAME}'"),
        "salesforce": _rows(con, f"SELECT name FROM b.raw_salesforce.accounts WHERE name = '{CRM_NAME}'"),
        "netsuite": _rows(con, f"SELECT companyname FROM b.raw_netsuite.customers WHERE companyname = '{ERP_NAME}'"),
    }
    assert all(len(v) == 1 for v in raw.values()), raw
    # one row in dim_customer, the PSA's name, the canonical attributes
    rows = _rows(con, f"SELECT * EXCLUDE (source_system) FROM b_dim_customer WHERE customer_id = '{acme}'")
    assert rows == _rows(con, f"SELECT * EXCLUDE (source_system) FROM a_dim_customer WHERE customer_id = '{acme}'")
    assert len(rows) == 1 and rows[0][1] == PSA_NAME
    assert _rows(con, "SELECT count(*) FROM b.marts.dim_customer WHERE customer_name ILIKE 'acme%'") == [(2,)]
    # its revenue counted once: the same project-months as the canonical build's, under its one id, with the
    # same billing month by month (earnings differ only as the revenue test explains)
    months = "SELECT project_id, month_start FROM {} WHERE customer_id = '" + acme + "'"
    assert _differ(con, months.format("a_mart_revenue_monthly"), months.format("b_mart_revenue_monthly")) == []
    assert _rows(con, f"SELECT count(*) FROM b.marts.mart_revenue_monthly WHERE customer_id = '{acme}'") == [(0,)]
    billed = f"SELECT month_start, sum(billed_reporting) FROM {{}} WHERE customer_id = '{acme}' GROUP BY ALL"
    assert _differ(con, billed.format("a_mart_revenue_monthly"), billed.format("b_mart_revenue_monthly")) == []
    assert _rows(con, f"SELECT sum(billed_reporting) > 0 FROM b_mart_revenue_monthly WHERE customer_id = '{acme}'") == [
        (True,)
    ]
    receivable = f"SELECT sum(invoice_amount_reporting), count(*) FROM {{}} WHERE customer_id = '{acme}'"
    assert _rows(con, receivable.format("b_mart_receivables")) == _rows(con, receivable.format("a_mart_receivables"))
    # its opportunities are the customer's, none a new customer's
    pipeline = f"SELECT count(*) FROM {{}} WHERE customer_id = '{acme}'"
    assert _rows(con, pipeline.format("b_mart_pipeline")) == _rows(con, pipeline.format("a_mart_pipeline"))


def test_the_unmatched_erp_customer_is_an_exception_and_its_own_customer(
    stack: tuple[duckdb.DuckDBPyConnection, str],
) -> None:
    con, _ = stack
    # ops.identity_exceptions lists it: the system, the resource, the entity and NetSuite's id (it names no
    # name; the name is on the customer row it still loads as, documented in netsuite.md)
    exceptions = _rows(
        con, "SELECT source_system, referenced_by, entity, source_id, rows FROM b.ops.identity_exceptions"
    )
    assert exceptions == [("netsuite", "customers", "customers", UNMATCHED_ID, 1)]
    found = _rows(
        con,
        "SELECT e.source_id, d.customer_id, d.customer_name, d.source_system FROM b.ops.identity_exceptions e "
        "JOIN b.marts.dim_customer d ON d.customer_id = e.source_system || ':' || e.source_id",
    )
    assert found == [(UNMATCHED_ID, f"netsuite:{UNMATCHED_ID}", UNMATCHED_NAME, "netsuite")]
    # difference: dim_customer is the canonical one plus that customer (no project, no revenue); and a
    # customer whose project is on hold has an active project through Harvest (harvest.md)
    on_hold = "SELECT customer_id FROM c_projects WHERE status = 'on_hold'"
    active = (
        "SELECT * EXCLUDE (source_system, has_active_project), has_active_project OR customer_id IN "
        f"({on_hold}) FROM {{}}"
    )
    assert (
        _rows(con, f"SELECT count(*) FROM a_dim_customer WHERE NOT has_active_project AND customer_id IN ({on_hold})")[
            0
        ][0]
        > 0
    )
    assert _differ(con, active.format("a_dim_customer"), active.format("b_dim_customer")) == [
        (f"netsuite:{UNMATCHED_ID}", UNMATCHED_NAME, None, "GB", "UK & Ireland", 0, False)
    ]
    assert _rows(con, "SELECT count(*) FROM a_dim_customer") == _rows(
        con, f"SELECT count(*) FROM b_dim_customer WHERE customer_id <> 'netsuite:{UNMATCHED_ID}'"
    )
    assert _rows(
        con, f"SELECT count(*) FROM b.marts.mart_revenue_monthly WHERE customer_id = 'netsuite:{UNMATCHED_ID}'"
    ) == [(0,)]


def test_harvest_shape_without_invoices_leaves_the_billing_to_the_erp(tmp_path: Path) -> None:
    """write_harvest_shape(..., invoices=False): everything else as with invoices, nothing billed in Harvest."""
    simulator.generate(tmp_path / "canonical", employees=5, months=3, as_of=AS_OF, seed=SEED, fmt="csv")
    full = write_harvest_shape(tmp_path / "canonical", tmp_path / "with", AS_OF)
    bare = write_harvest_shape(tmp_path / "canonical", tmp_path / "without", AS_OF, invoices=False)
    assert full["harvest/invoices"] > 0 and full["harvest/invoice_payments"] > 0
    assert (bare["harvest/invoices"], bare["harvest/invoice_payments"]) == (0, 0)
    assert {k: v for k, v in bare.items() if "invoice" not in k} == {
        k: v for k, v in full.items() if "invoice" not in k
    }
    entries = json.loads((tmp_path / "without" / "harvest" / "time_entries.json").read_text())["time_entries"]
    assert entries and all(e["invoice"] is None and not e["is_billed"] for e in entries)
    assert any(
        e["is_billed"]
        for e in json.loads((tmp_path / "with" / "harvest" / "time_entries.json").read_text())["time_entries"]
    )
    ids = (tmp_path / "without" / "_ids.csv").read_text()
    assert not {line.split(",")[0] for line in ids.splitlines()} & {"invoices", "invoice_lines", "payments"}
