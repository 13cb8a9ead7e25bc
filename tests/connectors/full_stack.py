"""The full stack of tests/connectors/test_full_stack.py: one demo firm split across Harvest (the PSA: clients,
people, projects, time), Harvest Forecast (the plan), Salesforce (the CRM) and NetSuite (the ERP: invoices,
lines, payments, fx rates, time postings), served locally at once and read by one `wipcast run`; and the same
firm built from its canonical files.

The split, with nothing held twice:
- Harvest writes no invoice or payment (`write_harvest_shape(..., invoices=False)`: the firm bills in NetSuite);
- NetSuite's customers and jobs carry the Harvest ids as their externalid (what a Harvest -> NetSuite
  integration writes), so they resolve to Harvest's and add none; its employees and the Salesforce accounts
  are tied to Harvest's users and clients by `[connectors] identity_map`; the Salesforce opportunities name
  the Harvest project in their PSA project field;
- files hold only what none of the four systems does: legal entities (also declared in
  `[[connectors.harvest.legal_entities]]` and mapped from NetSuite's subsidiaries), holidays, revenue targets
  and the firm-wide rate cards.

Identity (issue 12): one customer is renamed three ways ("Acme Ltd" in the PSA, "ACME Limited" in the CRM,
"Acme (UK) Ltd" in the ERP), tied only by the identity map and the externalid; one NetSuite customer no other
system knows ("Acme Holdings plc", no transactions) is the unmatched one.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import duckdb
import pytest

import simulator
from simulator.serve import FixtureServer
from simulator.shapes.harvest import write_harvest_shape
from simulator.shapes.harvest_api import HarvestDemoApi
from simulator.shapes.netsuite import write_netsuite_shape
from simulator.shapes.netsuite_api import NetSuiteDemoApi
from simulator.shapes.salesforce import FIELDS, write_salesforce_shape
from simulator.shapes.salesforce_api import SalesforceDemoApi
from wipcast import contract as c
from wipcast.settings import load_settings
from wipcast.transform import run_dbt

AS_OF = dt.date(2026, 10, 31)
EMPLOYEES, MONTHS, SEED = 12, 6, 3
SOURCES = ("files", "harvest", "harvest_forecast", "netsuite", "salesforce")
FILE_ENTITIES = ("legal_entities", "holidays", "revenue_targets")  # and the firm-wide rate cards
PSA_NAME, CRM_NAME, ERP_NAME = "Acme Ltd", "ACME Limited", "Acme (UK) Ltd"
UNMATCHED_NAME, UNMATCHED_ID = "Acme Holdings plc", "1999"
WIPCAST = str(Path(sys.executable).with_name("wipcast"))
MODELS_ONLY = ("--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")  # A: no data tests
ENV = {
    "SOURCES__HARVEST__ACCESS_TOKEN": "demo",
    "SOURCES__HARVEST__ACCOUNT_ID": "1",
    "SOURCES__HARVEST_FORECAST__ACCESS_TOKEN": "demo",
    "SOURCES__HARVEST_FORECAST__ACCOUNT_ID": "1",
    "SOURCES__SALESFORCE__CLIENT_ID": "demo",
    "SOURCES__SALESFORCE__CLIENT_SECRET": "demo",
    **{f"SOURCES__NETSUITE__{k}": "demo" for k in ("ACCOUNT_ID", "CONSUMER_KEY", "CONSUMER_SECRET", "TOKEN_ID")},
    "SOURCES__NETSUITE__TOKEN_SECRET": "demo",
}


def cli(args: list[str], cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WIPCAST_", "SOURCES__"))}
    env.update(ENV)
    done = subprocess.run([WIPCAST, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, (args, done.stdout[-3000:], done.stderr[-3000:])
    return done.stdout


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def _write_rows(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def _json(path: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def acme_customer(canonical: Path) -> str:
    """The customer the identity test renames: the one billed most (it has invoices, projects, opportunities)."""
    con = duckdb.connect()
    found = con.execute(
        f"SELECT i.customer_id FROM read_csv('{canonical}/invoices.csv') i "
        f"WHERE i.customer_id IN (SELECT customer_id FROM read_csv('{canonical}/opportunities.csv')) "
        "GROUP BY ALL ORDER BY sum(i.amount) DESC, 1 LIMIT 1"
    ).fetchone()
    con.close()
    assert found is not None
    return str(found[0])


def _rename_in_canonical(canonical: Path, customer: str) -> None:
    path = canonical / "customers.csv"
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    at, name = rows[0].index("customer_id"), rows[0].index("name")
    for row in rows[1:]:
        if row[at] == customer:
            row[name] = PSA_NAME
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)


def _write_files(canonical: Path, files: Path) -> None:
    """What no system of the four holds; every other entity header-only."""
    files.mkdir()
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
        with (files / source.name).open("w", newline="") as fh:
            csv.writer(fh).writerows(rows)


def resolved_rates(files_db: Path) -> dict[str, float]:
    """The bill rate the canonical build resolved for each billable entry a rate card prices."""
    con = duckdb.connect(str(files_db), read_only=True)
    rates = dict(
        con.execute(
            "select time_entry_id, resolved_bill_rate from intermediate.int_time_entries_rated "
            "where billable and rate_source <> 'entry' and resolved_bill_rate is not null"
        ).fetchall()
    )
    con.close()
    return {k: float(v) for k, v in rates.items()}


def _harvest_resolves_the_rates(harvest: Path, rates: dict[str, float]) -> int:
    """As in test_marts_roundtrip: Harvest holds each billable entry's resolved rate (its project, person and
    task rates), where the canonical firm leaves most to rate cards."""
    vendor = {
        r["canonical_id"]: int(r["source_id"]) for r in _read_csv(harvest / "_ids.csv") if r["entity"] == "time_entries"
    }
    by_vendor = {vendor[k]: v for k, v in rates.items()}
    path = harvest / "harvest" / "time_entries.json"
    data = _json(path)
    for entry in data["time_entries"]:
        if entry["id"] in by_vendor:
            entry["billable_rate"] = by_vendor[entry["id"]]
    path.write_text(json.dumps(data))
    return len(by_vendor)


def _tie_to_harvest(root: Path, acme: str) -> Path:
    """Point NetSuite's and Salesforce's references at Harvest's records; rename Acme in each system; add
    the unmatched NetSuite customer. Returns the combined identity map."""
    harvest_id = {(r["entity"], r["canonical_id"]): r["source_id"] for r in _read_csv(root / "harvest" / "_ids.csv")}
    # NetSuite: externalid = the Harvest id (the connector matches harvest:<externalid>)
    ns = root / "netsuite" / "netsuite"
    for name, entity in (("customer", "customers"), ("job", "projects"), ("timebill", "time_entries")):
        data = _json(ns / f"{name}.json")
        for item in data["items"]:
            if "externalid" in item:  # a posting of no PSA entry (the demo's planted orphans) keeps its own
                item["externalid"] = harvest_id.get((entity, item["externalid"]), item["externalid"])
            if name == "customer" and harvest_id[("customers", acme)] == item.get("externalid"):
                item["companyname"] = ERP_NAME
                item["entityid"] = f"CUST-{item['id']} {ERP_NAME}"
        if name == "customer":
            data["items"].append(
                {**data["items"][0], "id": UNMATCHED_ID, "companyname": UNMATCHED_NAME, "externalid": "CRM-ONLY-7"}
                | {"entityid": f"CUST-{UNMATCHED_ID} {UNMATCHED_NAME}"}
            )
        (ns / f"{name}.json").write_text(json.dumps(data))
    # Salesforce: the PSA project field names Harvest's project; Acme's account is "ACME Limited"
    sf = root / "salesforce" / "salesforce"
    sf_ids = {(r["entity"], r["canonical_id"]): r["source_id"] for r in _read_csv(root / "salesforce" / "_ids.csv")}
    acme_account = sf_ids[("customers", acme)]
    for obj in ("Account", "Opportunity"):
        data = _json(sf / f"{obj}.json")
        for record in data["records"]:
            if obj == "Account" and record["Id"] == acme_account:
                record["Name"] = CRM_NAME
            if obj == "Opportunity":
                if record.get(FIELDS["project_id"]):
                    record[FIELDS["project_id"]] = "harvest:" + harvest_id[("projects", record[FIELDS["project_id"]])]
                if isinstance(record.get("Account"), dict) and record.get("AccountId") == acme_account:
                    record["Account"]["Name"] = CRM_NAME
        (sf / f"{obj}.json").write_text(json.dumps(data))
    # one identity map: NetSuite employees and Salesforce accounts -> Harvest's users and clients
    rows = []
    for vendor, entity in (("netsuite", "employees"), ("salesforce", "customers")):
        for r in _read_csv(root / vendor / "mappings" / f"{vendor}_identity.csv"):
            assert r["entity"] == entity
            rows.append([entity, vendor, r["source_id"], "harvest:" + harvest_id[(entity, r["canonical_id"])]])
    identity = root / "project" / "identity.csv"
    _write_rows(identity, ["entity", "source_system", "source_id", "canonical_id"], rows)
    return identity


def _settings(root: Path, urls: dict[str, str], identity: Path) -> str:
    def section(vendor: str, header: str) -> str:
        text = (root / vendor / "wipcast.toml").read_text()
        text = text[text.index(f"[connectors.{header}]") :]
        return text.replace('"mappings/', f'"{root / vendor}/mappings/')

    harvest = section("harvest", "harvest")
    harvest = harvest.replace("[connectors.harvest]\n", f'[connectors.harvest]\nbase_url = "{urls["harvest"]}"\n', 1)
    harvest = harvest.replace(
        "[connectors.harvest_forecast]\n", f'[connectors.harvest_forecast]\nbase_url = "{urls["forecast"]}"\n', 1
    )
    netsuite = section("netsuite", "netsuite").replace(
        "[connectors.netsuite]\n",
        f'[connectors.netsuite]\nbase_url = "{urls["netsuite"]}"\n'
        # for customers only NetSuite holds (the unmatched one): it has no address book field for them
        'default_country = "GB"\ndefault_region = "UK & Ireland"\n',
        1,
    )
    salesforce = section("salesforce", "salesforce").replace(
        "[connectors.salesforce]\n", f'[connectors.salesforce]\nbase_url = "{urls["salesforce"]}"\n', 1
    )
    return (
        f'[wipcast]\nas_of = "{AS_OF}"\ninput_dir = "{root / "files"}"\nreporting_currency = "USD"\n\n'
        f"[sources]\nrun = {json.dumps(list(SOURCES))}\n\n"
        f'[connectors]\nidentity_map = "{identity}"\n\n' + "\n".join((harvest, netsuite, salesforce))
    )


def build(root: Path) -> tuple[Path, Path, str]:
    """Build both: returns (canonical warehouse, full-stack warehouse, Acme's canonical customer id).

    The canonical build (A) is models only (`dbt run`; its data tests are the end-to-end build's): the part
    the Harvest shape needs first (the rates it resolves), then the rest while the full stack runs."""
    canonical = root / "canonical"
    simulator.generate(canonical, employees=EMPLOYEES, months=MONTHS, as_of=AS_OF, seed=SEED, fmt="csv")
    acme = acme_customer(canonical)
    _rename_in_canonical(canonical, acme)  # the firm's own name for it, as its PSA holds it
    a = root / "a"
    a.mkdir()
    (a / "wipcast.toml").write_text(f'[wipcast]\nas_of = "{AS_OF}"\n')
    cli(["ingest", "files", str(canonical)], a)
    with pytest.MonkeyPatch.context() as mp:
        for key in [k for k in os.environ if k.startswith("WIPCAST_")]:
            mp.delenv(key)
        settings = load_settings({}, cwd=a)
        rated = "+int_time_entries_rated"
        run_dbt(settings, ["run", "--select", rated])
        rates = resolved_rates(settings.work_db)
        with ThreadPoolExecutor(1) as pool:
            rest = pool.submit(run_dbt, settings, ["build", "--exclude", rated, *MODELS_ONLY])
            stack_db = build_full_stack(root, rates, acme)
            rest.result()
    return settings.work_db, stack_db, acme


def build_full_stack(root: Path, rates: dict[str, float], acme: str) -> Path:
    """B: the four systems served at once, one `wipcast run`; returns its warehouse."""
    canonical = root / "canonical"
    write_harvest_shape(canonical, root / "harvest", AS_OF, invoices=False)
    write_netsuite_shape(canonical, root / "netsuite", AS_OF)
    write_salesforce_shape(canonical, root / "salesforce", AS_OF)
    assert _harvest_resolves_the_rates(root / "harvest", rates) > 100
    (root / "project").mkdir()
    identity = _tie_to_harvest(root, acme)
    _write_files(canonical, root / "files")
    with ExitStack() as stack:
        harvest = stack.enter_context(FixtureServer(HarvestDemoApi.from_dir(root / "harvest", page_size=500)))
        netsuite = stack.enter_context(FixtureServer(NetSuiteDemoApi.from_dir(root / "netsuite")))
        salesforce = stack.enter_context(FixtureServer(SalesforceDemoApi.from_dir(root / "salesforce", page_size=500)))
        urls = {
            "harvest": harvest.url + "/v2/",
            "forecast": harvest.url + "/forecast/",
            "netsuite": netsuite.url + "/",
            "salesforce": salesforce.url + "/",
        }
        (root / "project" / "wipcast.toml").write_text(_settings(root, urls, identity))
        out = cli(["run", "--draws", "200"], root / "project")
        assert harvest.requests and netsuite.requests and salesforce.requests
    (root / "project" / "run.log").write_text(out)
    return root / "project" / "warehouse" / "work.duckdb"


if __name__ == "__main__":  # exploring: python -m tests.connectors.full_stack DIR [--again]
    import shutil
    import time

    started, where = time.monotonic(), Path(sys.argv[1])
    if sys.argv[2:] == ["--again"]:  # B only, on the canonical build already in DIR
        for name in ("harvest", "netsuite", "salesforce", "project", "files"):
            shutil.rmtree(where / name, ignore_errors=True)
        rates = resolved_rates(where / "a" / "warehouse" / "work.duckdb")
        print(build_full_stack(where, rates, acme_customer(where / "canonical")))
    else:
        print(build(where))
    print(f"{time.monotonic() - started:.0f} s")
