"""Invoices, invoice lines and payments.

- time and materials: one invoice per project (or per customer, for customers that want a
  consolidated invoice) per monthly billing run, built in timesheets.py from approved time;
- fixed fee: equal monthly instalments over the planned duration, at each month end;
- retainer: the monthly fee, invoiced in advance on the first of the month;
- milestone: on completion, a few days after the completed date;
- a few voided duplicates; draft invoices in the last days before the as-of date;
- payments: each customer has a habit (median days to pay) with invoice-level noise, some
  partial payments and a little bad debt.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from . import params as P
from .calendar import month_index, month_start_day
from .plans import DAY_US
from .projects import FF, RT, Customers, Milestones, Projects
from .timesheets import billing_run_day, tm_invoice_label

HOUR_US = 3_600_000_000
ENTRY_LAG_SHARE = 8  # one invoice in this many is entered late


def _entry_lag_days(invoice_id: str) -> int:
    """0 for most invoices; 1-6 days for about one in ENTRY_LAG_SHARE (stable per id)."""
    h = zlib.crc32(invoice_id.encode())
    return 0 if h % ENTRY_LAG_SHARE else 1 + (h // ENTRY_LAG_SHARE) % 6


@dataclass
class Billing:
    inv_id: list[str]
    inv_customer: np.ndarray
    inv_project: np.ndarray  # -1 when the invoice spans projects
    inv_region: np.ndarray
    inv_date: np.ndarray
    inv_due: np.ndarray
    inv_amount: np.ndarray
    inv_status: list[str]
    inv_updated: np.ndarray
    inv_created: np.ndarray  # entered in the ERP: the invoice date, or a few days later for some
    line_invoice: np.ndarray  # index into invoices
    line_project: np.ndarray
    line_type: list[str]
    line_hours: np.ndarray
    line_amount: np.ndarray
    pay_invoice: np.ndarray
    pay_date: np.ndarray
    pay_amount: np.ndarray
    milestone_invoice: list[str | None]  # per milestone: invoice id or None
    days_to_pay: np.ndarray  # of fully paid invoices


def _month_end(months: npt.ArrayLike) -> np.ndarray:
    ends: np.ndarray = month_start_day(np.asarray(months) + 1) - 1
    return ends


def build_billing(
    rng: np.random.Generator,
    projects: Projects,
    customers: Customers,
    milestones: Milestones,
    tm_lines: list[dict[str, np.ndarray]],
    as_of: int,
) -> Billing:
    visible = projects.win_day <= as_of
    # ---- lines from every source: (invoice key string, project, type, hours, amount, date)
    L_inv, L_proj, L_type, L_hours, L_amount, L_date = [], [], [], [], [], []

    if tm_lines:
        key = np.concatenate([t["key"] for t in tm_lines])
        proj = np.concatenate([t["project"] for t in tm_lines])
        hrs = np.concatenate([t["hours"] for t in tm_lines])
        amt = np.concatenate([t["amount"] for t in tm_lines])
        lk = key * 1_000_000 + proj  # late approvals of an earlier month join the same line
        uk, inv = np.unique(lk, return_inverse=True)
        key, proj = uk // 1_000_000, uk % 1_000_000
        hrs = np.bincount(inv, hrs, len(uk))
        amt = np.round(np.bincount(inv, amt, len(uk)), 2)
        labels = {k: tm_invoice_label(k) for k in np.unique(key).tolist()}
        L_inv += [labels[k] for k in key.tolist()]
        L_proj.append(proj)
        L_type += ["time"] * len(proj)
        L_hours.append(hrs)
        L_amount.append(amt)
        L_date.append(billing_run_day(key // 10_000_000_000))
        # Expenses re-billed on some time invoices.
        ex = rng.random(len(proj)) < 0.2
        L_inv += [L_inv[i] for i in np.flatnonzero(ex)]
        L_proj.append(proj[ex])
        L_type += ["expense"] * int(ex.sum())
        L_hours.append(np.full(int(ex.sum()), np.nan))
        L_amount.append(np.round(amt[ex] * rng.uniform(0.02, 0.08, int(ex.sum())), 2))
        L_date.append(billing_run_day(key[ex] // 10_000_000_000))

    # Fixed fee instalments and retainer fees: one invoice per project-month.
    for btype, tag, ltype in ((FF, "F", "fixed_fee"), (RT, "R", "retainer")):
        pj = np.flatnonzero((projects.billing == btype) & visible)
        m0, m1 = month_index(projects.start[pj]), month_index(projects.end[pj])
        k = m1 - m0 + 1
        p = np.repeat(pj, k)
        j = np.arange(k.sum()) - np.repeat(np.cumsum(k) - k, k)
        months = np.repeat(m0, k) + j
        kk = np.repeat(k, k)
        each = np.round(projects.contract_value[p] / kk, 2)
        last = j == kk - 1
        each[last] = np.round(projects.contract_value[p][last] - each[last] * (kk[last] - 1), 2)
        date = _month_end(months) if btype == FF else month_start_day(months)
        ok = date <= as_of
        p, months, each, date = p[ok], months[ok], each[ok], date[ok]
        L_inv += [
            f"INV-{tag}{np.datetime64(int(mo), 'M').astype(str).replace('-', '')}-P{q:06d}"
            for mo, q in zip(months.tolist(), p.tolist(), strict=True)
        ]
        L_proj.append(p)
        L_type += [ltype] * len(p)
        L_hours.append(np.full(len(p), np.nan))
        L_amount.append(each)
        L_date.append(date)

    # Milestones: invoiced a few days after completion.
    done = milestones.completed >= 0
    inv_day = milestones.completed + rng.integers(0, 6, len(done))
    billed = done & (inv_day <= as_of)
    milestone_invoice = [f"INV-M{i + 1:06d}" if b else None for i, b in enumerate(billed.tolist())]
    mi = np.flatnonzero(billed)
    L_inv += [milestone_invoice[i] for i in mi]
    L_proj.append(milestones.project[mi])
    L_type += ["milestone"] * len(mi)
    L_hours.append(np.full(len(mi), np.nan))
    L_amount.append(milestones.amount[mi])
    L_date.append(inv_day[mi])

    line_inv = np.array(L_inv, dtype=object)
    line_proj = np.concatenate(L_proj).astype(np.int64)
    line_type = np.array(L_type, dtype=object)
    line_hours = np.concatenate(L_hours)
    line_amount = np.concatenate(L_amount)
    line_date = np.concatenate(L_date).astype(np.int64)

    # Voided duplicates of a few fixed-fee and retainer invoices (sent twice, then voided).
    dup = np.flatnonzero(
        np.isin(line_type, ["fixed_fee", "retainer"]) & (rng.random(len(line_type)) < P.INVOICE_VOID_SHARE)
    )
    if len(dup):
        line_inv = np.concatenate([line_inv, np.array([f"{x}-V" for x in line_inv[dup]], dtype=object)])
        line_proj = np.concatenate([line_proj, line_proj[dup]])
        line_type = np.concatenate([line_type, line_type[dup]])
        line_hours = np.concatenate([line_hours, line_hours[dup]])
        line_amount = np.concatenate([line_amount, line_amount[dup]])
        line_date = np.concatenate([line_date, line_date[dup]])

    # ---- invoices
    inv_ids, first, inv_of_line = np.unique(line_inv.astype(str), return_index=True, return_inverse=True)
    n_inv = len(inv_ids)
    inv_date = line_date[first]
    o = np.lexsort((inv_ids, inv_date))  # order invoices by date, then id
    rank = np.empty(n_inv, dtype=np.int64)
    rank[o] = np.arange(n_inv)
    inv_of_line = rank[inv_of_line]
    inv_ids, inv_date, first = inv_ids[o], inv_date[o], first[o]
    inv_amount = np.round(np.bincount(inv_of_line, line_amount, n_inv), 2)
    proj_first = line_proj[first]
    n_proj_per_inv = np.zeros(n_inv, dtype=np.int64)
    uq = np.unique(inv_of_line * 10_000_000 + line_proj)
    np.add.at(n_proj_per_inv, uq // 10_000_000, 1)
    inv_project = np.where(n_proj_per_inv > 1, -1, proj_first)
    inv_customer = projects.customer[proj_first]
    inv_region = projects.region[proj_first]
    terms = customers.terms[inv_customer]
    inv_due = inv_date + terms
    void = np.array([s.endswith("-V") for s in inv_ids.tolist()])

    # ---- payments
    draft = (inv_date > as_of - 3) & ~void
    payable = ~void & ~draft
    dtp = np.maximum(1, np.round(customers.pay_median[inv_customer] * rng.lognormal(0, 0.45, n_inv))).astype(np.int64)
    bad = rng.random(n_inv) < P.BAD_DEBT_SHARE
    partial = rng.random(n_inv) < P.PARTIAL_PAYMENT_SHARE
    share = np.round(rng.uniform(0.4, 0.7, n_inv), 2)
    first_day = inv_date + np.where(partial, np.maximum(1, (dtp * 0.7).astype(np.int64)), dtp)
    second_day = inv_date + (dtp * 1.3).astype(np.int64) + 1
    p1_amt = np.where(partial, np.round(inv_amount * share, 2), inv_amount)
    p2_amt = np.round(inv_amount - p1_amt, 2)
    pay1 = payable & ~bad & (first_day <= as_of) & (inv_amount > 0)
    pay2 = payable & ~bad & partial & (second_day <= as_of) & (inv_amount > 0)
    pay_invoice = np.concatenate([np.flatnonzero(pay1), np.flatnonzero(pay2)])
    pay_date = np.concatenate([first_day[pay1], second_day[pay2]])
    pay_amount = np.concatenate([p1_amt[pay1], p2_amt[pay2]])
    po = np.lexsort((pay_invoice, pay_date))
    pay_invoice, pay_date, pay_amount = pay_invoice[po], pay_date[po], pay_amount[po]
    paid_sum = np.bincount(pay_invoice, pay_amount, n_inv)
    fully = paid_sum >= inv_amount - 0.005
    status = np.where(void, "void", np.where(draft, "draft", np.where(fully & (inv_amount > 0) & pay1, "paid", "open")))
    last_pay = np.full(n_inv, -1, dtype=np.int64)
    np.maximum.at(last_pay, pay_invoice, pay_date)
    updated = np.maximum(inv_date * DAY_US + 8 * HOUR_US, np.where(last_pay >= 0, last_pay * DAY_US + 12 * HOUR_US, -1))
    updated = np.where(void, (inv_date + 2) * DAY_US + 9 * HOUR_US, updated)
    # About one invoice in eight is entered a few days after its date (back-dated to the billing
    # run), so some dated in one month reach the books after that month's close. The lag comes
    # from the invoice id, not the generator's stream, so every other value stays as it was.
    lag = np.array([_entry_lag_days(i) for i in inv_ids.tolist()], dtype=np.int64)
    created = np.minimum((inv_date + lag) * DAY_US + 9 * HOUR_US, (as_of + 1) * DAY_US - 1)
    updated = np.maximum(updated, created)
    updated = np.minimum(updated, (as_of + 1) * DAY_US - 1)
    full_day = np.where(partial, second_day, first_day)
    days_to_pay = (full_day - inv_date)[status == "paid"]

    lo = np.lexsort((line_type.astype(str), line_proj, inv_of_line))
    return Billing(
        inv_id=inv_ids.tolist(),
        inv_customer=inv_customer,
        inv_project=inv_project,
        inv_region=inv_region,
        inv_date=inv_date,
        inv_due=inv_due,
        inv_amount=inv_amount,
        inv_status=status.tolist(),
        inv_updated=updated,
        inv_created=created,
        line_invoice=inv_of_line[lo],
        line_project=line_proj[lo],
        line_type=line_type[lo].tolist(),
        line_hours=line_hours[lo],
        line_amount=line_amount[lo],
        pay_invoice=pay_invoice,
        pay_date=pay_date,
        pay_amount=pay_amount,
        milestone_invoice=milestone_invoice,
        days_to_pay=days_to_pay,
    )
