"""A connector's references are checked against the canonical files and every other source's conformed
rows (framework decision 7), whichever PSA a CRM account is tied to, and never against its own."""

from __future__ import annotations

import duckdb

from ingest.connectors.conform import ConformRun
from ingest.connectors.registry import get


def test_references_resolve_against_every_other_sources_conformed_rows(tmp_path):
    db = tmp_path / "work.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema raw_canonical")
    con.execute("create table raw_canonical.customers (customer_id varchar)")
    con.execute("insert into raw_canonical.customers values ('C1')")
    for vendor, customer in (("kantata", "kantata:7"), ("harvest", "harvest:9"), ("salesforce", "salesforce:1")):
        con.execute(f"create schema conformed_{vendor}")
        con.execute(f"create table conformed_{vendor}.customers (customer_id varchar)")
        con.execute(f"insert into conformed_{vendor}.customers values ('{customer}')")
    con.execute("create schema conformedx")  # not a source's schema: the prefix needs its underscore
    con.execute("create table conformedx.customers (customer_id varchar)")
    con.execute("insert into conformedx.customers values ('stray')")
    con.close()

    run = ConformRun(get("salesforce"), db)
    try:
        keys = {row[0] for row in run.con.execute("select k from keys_customers").fetchall()}
    finally:
        run.close()
    # Salesforce declares no dependency, yet Kantata's and Harvest's customers are valid parents.
    assert keys == {"C1", "kantata:7", "harvest:9"}
