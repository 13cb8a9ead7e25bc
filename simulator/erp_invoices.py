"""The ERP's copy of the demo firm's invoices, with known discrepancies planted, and the truth about them.

A PSA that bills syncs each invoice to the ERP once it is issued (drafts stay in the PSA), so the ERP
holds a second view of it: its own id, the PSA's id as the invoice number, the same entity, dates and
lines, and the payments the ERP received (the PSA records them too). Money counts each invoice once,
from the ERP's view (int_invoice_views); the rest is reconciliation. Planted, on invoices that bill
one project:

- header not equal to its lines: a fee keyed on the ERP header after the sync, on no line;
- currency mismatch: an invoice booked in the ERP in another currency than its project's (converted
  at the month's average rate, line by line, so its header still equals its lines).

The ERP copy is drawn from a generator of its own (seeded from the firm's seed), so the PSA's files
are the same with or without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import params as P
from .billing import Billing
from .calendar import month_index
from .erp import SOURCE_ERP, MonthlyFx
from .projects import Projects

ERP_PREFIX = "ERP-"
HEADER_MISMATCHES = 3
CURRENCY_MISMATCHES = 2
TYPES = ("invoice_header_mismatch", "currency_mismatch")


@dataclass
class ErpInvoices:
    """Columns of the ERP's rows of invoices, invoice_lines and payments, and what was planted."""

    invoices: dict[str, list[Any]]
    invoice_lines: dict[str, list[Any]]
    payments: dict[str, list[Any]]
    found: list[dict[str, Any]] = field(default_factory=list)


def erp_invoice_view(
    seed: int,
    bill: Billing,
    invoices: dict[str, Any],
    lines: dict[str, Any],
    payments: dict[str, Any],
    projects: Projects,
    fx: MonthlyFx,
    as_of: int,
) -> ErpInvoices:
    """The ERP's view of the PSA's `invoices`, `lines` and `payments` (the columns as written)."""
    rng = np.random.default_rng([seed, 1717])
    n = len(bill.inv_id)
    status = np.array(bill.inv_status, dtype=object)
    synced = status != "draft"
    inv_cur = np.array(P.REGION_CURRENCY, dtype=object)[bill.inv_region]
    proj_cur = np.where(
        bill.inv_project >= 0,
        np.array(P.REGION_CURRENCY, dtype=object)[projects.region[np.maximum(bill.inv_project, 0)]],
        None,
    )
    month = month_index(bill.inv_date)
    # planted only where the rules can see them: live, dated by the as-of date, one project, money on it
    eligible = synced & (status != "void") & (bill.inv_date <= as_of) & (bill.inv_project >= 0)
    eligible &= (bill.inv_amount > 0) & (inv_cur == proj_cur)
    pool = rng.permutation(np.flatnonzero(eligible))
    header_fee = np.zeros(n)
    booked_in = inv_cur.copy()
    for i in pool[:HEADER_MISMATCHES]:
        header_fee[i] = round(float(bill.inv_amount[i]) * float(rng.uniform(0.02, 0.08)), 2)
    for i in pool[HEADER_MISMATCHES : HEADER_MISMATCHES + CURRENCY_MISMATCHES]:
        booked_in[i] = "USD" if inv_cur[i] != "USD" else "EUR"
    # what one unit of the invoice's currency is worth in the currency the ERP booked it in
    factor = fx.rate(inv_cur, month) / fx.rate(booked_in, month)
    converted = booked_in != inv_cur

    def money(amount: float, i: int) -> float:
        return round(float(amount) * float(factor[i]), 2) if converted[i] else float(amount)

    line_inv = np.asarray(bill.line_invoice)
    keep_line = synced[line_inv]
    line_amount = [money(a, int(i)) for a, i in zip(lines["amount"], line_inv, strict=True)]
    lines_total = np.bincount(line_inv[keep_line], np.array(line_amount)[keep_line], n)
    header = np.where(converted, np.round(lines_total, 2), bill.inv_amount) + header_fee

    rows = np.flatnonzero(synced)
    erp_id = [ERP_PREFIX + bill.inv_id[i] for i in range(n)]
    out_invoices = {
        key: [invoices[key][i] for i in rows]
        for key in invoices
        if key not in ("invoice_id", "amount", "currency", "invoice_number", "source_system")
    }
    out_invoices |= {
        "invoice_id": [erp_id[i] for i in rows],
        "currency": [booked_in[i] for i in rows],
        "amount": [round(float(header[i]), 2) for i in rows],
        "invoice_number": [bill.inv_id[i] for i in rows],
        "source_system": [SOURCE_ERP] * len(rows),
    }
    line_rows = np.flatnonzero(keep_line)
    out_lines = {
        "invoice_line_id": [ERP_PREFIX + lines["invoice_line_id"][k] for k in line_rows],
        "invoice_id": [erp_id[line_inv[k]] for k in line_rows],
        "project_id": [lines["project_id"][k] for k in line_rows],
        "line_type": [lines["line_type"][k] for k in line_rows],
        "hours": [lines["hours"][k] for k in line_rows],
        "amount": [line_amount[k] for k in line_rows],
        "source_system": [SOURCE_ERP] * len(line_rows),
    }
    out_payments = _payments(bill, payments, erp_id, converted, factor, header - header_fee)

    found = []
    for i in map(int, np.flatnonzero(header_fee)):
        found.append(_found("invoice_header_mismatch", erp_id[i], header_fee[i] * fx.rate([inv_cur[i]], month[[i]])[0]))
    for i in map(int, np.flatnonzero(converted)):
        found.append(_found("currency_mismatch", erp_id[i], header[i] * fx.rate([booked_in[i]], month[[i]])[0]))
    return ErpInvoices(out_invoices, out_lines, out_payments, found)


def _payments(
    bill: Billing,
    payments: dict[str, Any],
    erp_id: list[str],
    converted: np.ndarray,
    factor: np.ndarray,
    booked: np.ndarray,
) -> dict[str, list[Any]]:
    """The PSA's payments as the ERP received them, in the currency it booked the invoice in; the last
    payment of a converted invoice takes the rounding, so a paid invoice stays paid to the cent."""
    inv = np.asarray(bill.pay_invoice)
    amount = [float(a) for a in payments["amount"]]
    paid_in_erp = np.zeros(len(erp_id))
    fully_paid = {i for i, s in enumerate(bill.inv_status) if s == "paid"}
    last = {int(i): k for k, i in enumerate(inv)}  # payments are sorted by date: the last one per invoice
    out = []
    for k, i in enumerate(map(int, inv)):
        value = amount[k]
        if converted[i]:
            value = round(value * float(factor[i]), 2)
            if last[i] == k and i in fully_paid:
                value = round(float(booked[i]) - paid_in_erp[i], 2)
        paid_in_erp[i] += value
        out.append(value)
    return {
        "payment_id": [ERP_PREFIX + p for p in payments["payment_id"]],
        "invoice_id": [erp_id[i] for i in inv],
        "payment_date": list(payments["payment_date"]),
        "amount": out,
    }


def _found(type_: str, record: str, amount: float) -> dict[str, Any]:
    return {"type": type_, "source": SOURCE_ERP, "record": record, "amount": round(float(amount), 2)}
