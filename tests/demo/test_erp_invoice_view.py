"""The ERP's copy of the demo firm's invoices (simulator.erp_invoices): beside the PSA's rows, not
instead of them, and with its planted discrepancies where the truth file says."""

import datetime as dt
import json

import pandas as pd
import pytest

from simulator import generate

FIRM = dict(employees=20, months=8, as_of=dt.date(2026, 10, 31), fmt="parquet", seed=5)


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    plain, with_erp = tmp_path_factory.mktemp("plain"), tmp_path_factory.mktemp("erp")
    generate(plain, **FIRM)
    generate(with_erp, erp_invoices=True, **FIRM)
    return plain, with_erp


@pytest.mark.parametrize("entity", ["invoices", "invoice_lines", "payments", "time_entries"])
def test_the_psa_rows_are_the_same_with_or_without_the_erp_view(folders, entity):
    plain, with_erp = (pd.read_parquet(f / f"{entity}.parquet") for f in folders)
    psa = with_erp[~with_erp[with_erp.columns[0]].str.startswith("ERP-")].reset_index(drop=True)
    pd.testing.assert_frame_equal(psa, plain)


def test_every_issued_invoice_has_one_erp_copy_with_its_lines_and_payments(folders):
    _, folder = folders
    invoices = pd.read_parquet(folder / "invoices.parquet")
    psa, erp = invoices[invoices.source_system.isna()], invoices[invoices.source_system == "erp"]
    issued = psa[psa.status != "draft"]
    assert sorted(erp.invoice_number) == sorted(issued.invoice_id)
    assert (erp.invoice_id == "ERP-" + erp.invoice_number).all()
    pairs = erp.merge(psa, left_on="invoice_number", right_on="invoice_id", suffixes=("_erp", "_psa"))
    assert (pairs.entity_id_erp == pairs.entity_id_psa).all() and (pairs.status_erp == pairs.status_psa).all()
    lines = pd.read_parquet(folder / "invoice_lines.parquet")
    assert (lines.source_system == "erp").sum() == lines.invoice_id.isin(issued.invoice_id).sum()
    payments = pd.read_parquet(folder / "payments.parquet")
    erp_paid = payments[payments.invoice_id.str.startswith("ERP-")]
    assert len(erp_paid) == len(payments) - len(erp_paid) > 0  # each payment recorded by both systems


def test_the_planted_invoice_discrepancies_are_what_the_rows_show(folders):
    _, folder = folders
    truth = json.loads((folder / "_truth.json").read_text())["reconciliation"]
    planted = {d["record"]: d["type"] for d in truth["discrepancies"] if d["record"].startswith("ERP-")}
    assert sorted(planted.values()) == ["currency_mismatch"] * 2 + ["invoice_header_mismatch"] * 3
    invoices = pd.read_parquet(folder / "invoices.parquet").set_index("invoice_id")
    lines = pd.read_parquet(folder / "invoice_lines.parquet")
    sums = lines.groupby("invoice_id").amount.sum().round(2)
    erp = invoices[invoices.source_system == "erp"]
    off = erp.index[(erp.amount.astype(float) - sums.reindex(erp.index).fillna(0).astype(float)).abs() > 0.001]
    assert sorted(off) == sorted(r for r, t in planted.items() if t == "invoice_header_mismatch")
    moved = erp.index[erp.currency != invoices.loc[erp.invoice_number, "currency"].to_numpy()]
    assert sorted(moved) == sorted(r for r, t in planted.items() if t == "currency_mismatch")
