"""Fixtures: two generated firms (the demo seed 7 and seed 11, small) with the ERP view and their
planted discrepancies, each built once per session into a warehouse holding the reconciliation marts."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from recon_build import FIRM, FIRST_SEEN, SEEDS, Built, build, load_raw  # noqa: E402

from simulator import generate  # noqa: E402
from wipcast.exceptions import record_state  # noqa: E402


def _build(root: Path, seed: int, work: Path) -> Built:
    folder = root / "firm"
    started = time.perf_counter()
    generate(folder, seed=seed, **FIRM)
    print(f"seed {seed}: generated in {time.perf_counter() - started:.1f}s")  # shown with pytest -s
    db = root / "work.duckdb"
    load_raw(db, folder)
    started = time.perf_counter()
    build(db, work, FIRST_SEEN)
    print(f"seed {seed}: built in {time.perf_counter() - started:.1f}s")
    con = duckdb.connect(str(db))
    try:
        record_state(con)  # what the transform step does after a successful build
    finally:
        con.close()
    truth = json.loads((folder / "_truth.json").read_text())["reconciliation"]
    return Built(folder, db, work, truth)


@pytest.fixture(scope="session")
def dbt_work(tmp_path_factory) -> Path:
    """One dbt target folder for the session: builds with the same vars re-use its parse."""
    return tmp_path_factory.mktemp("recon-dbt")


@pytest.fixture(scope="session")
def firms(tmp_path_factory, dbt_work) -> dict[int, Built]:
    return {seed: _build(tmp_path_factory.mktemp(f"recon-{seed}"), seed, dbt_work) for seed in SEEDS}


@pytest.fixture(scope="session")
def v1_firm(firms, tmp_path_factory, dbt_work) -> Built:
    """Seed 7 as a contract v1 warehouse: no erp_time_postings or accounting_periods tables at all (a
    warehouse loaded before v2; ingest of a v1 folder leaves them empty instead), the invoices' new
    columns empty. Only what reads them is rebuilt (the rest is the same as seed 7's)."""
    seven = firms[7]
    root = tmp_path_factory.mktemp("recon-v1")
    db = seven.copy(root)
    con = duckdb.connect(str(db))
    try:
        con.execute("drop table raw_canonical.erp_time_postings")
        con.execute("drop table raw_canonical.accounting_periods")
        con.execute("drop table if exists ops.exception_state")
        # v1 had no second view of an invoice: the ERP's rows go, and the columns that tell views apart
        con.execute(
            "delete from raw_canonical.payments where invoice_id in "
            "(select invoice_id from raw_canonical.invoices where source_system = 'erp')"
        )
        con.execute("delete from raw_canonical.invoice_lines where source_system = 'erp'")
        con.execute("delete from raw_canonical.invoices where source_system = 'erp'")
        con.execute("update raw_canonical.invoices set invoice_number = null, source_system = null")
        con.execute("update raw_canonical.invoice_lines set source_system = null")
    finally:
        con.close()
    build(db, dbt_work, FIRST_SEEN)  # every model the reconciliation marts read, invoices included
    return Built(seven.folder, db, dbt_work, seven.truth)
