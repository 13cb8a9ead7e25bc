"""The ERP's view of the demo firm's time, with known discrepancies planted, and the truth about them.

The PSA's time entries say what was approved and when it was exported (erp_posted_at). The ERP
holds its own rows (erp_time_postings) and closes its accounting periods (accounting_periods).
Most postings agree with the PSA; the rest are planted, in realistic proportions:

- a project that was never mapped in the ERP: none of its entries was booked (the PSA still
  shows them exported), so they are approved but not posted;
- the entries the PSA never exported (params.ERP_NEVER_POSTED_SHARE) are approved but not posted;
- one interrupted export that was re-run: a block of its postings exists twice;
- a month closed early at one legal entity while time was still being posted into it;
- a few postings whose hours differ from the entry's, a few in the wrong currency, a few for
  entries the PSA has since rejected, a few orphans (an unknown project or an unknown entry);
- one legal entity's integration does not carry the PSA entry id (matched on project, employee
  and work date), and two postings were reversed and re-posted (neither is a discrepancy).

Everything is drawn from a generator of its own (seeded from the firm's seed), so the PSA's files
are the same with or without this view. The discrepancies are found by evaluating the rules of
docs/reconciliation.md on the rows as written, chunk by chunk (all postings of an entry are made
in its work month's chunk), and listed in `_truth.json` under "reconciliation".

Values follow the warehouse's rules (int_time_entries_rated): an entry is worth its bill value when
it is billable and a bill rate resolves (the entry's rate, else the project's card, else the firm
card converted at the month's average rate), else its cost; money is converted at the average
rate of the work month.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from . import params as P
from .calendar import month_index, month_start_day
from .firm import People
from .plans import DAY_US
from .projects import NB, Projects, RateBook
from .writer import EntityStream, write_entity

HOUR_US = 3_600_000_000
POSTING_GRACE_DAYS = 10  # an approved entry is overdue this many days after its approval month ends
SOURCE_ERP = "erp"
SOURCE_PSA = "canonical"  # the PSA's rows are the canonical files
UNKNOWN_PROJECT = "ERP-ADHOC-001"

TYPES = (
    "approved_not_posted",
    "posted_not_approved",
    "hours_mismatch",
    "duplicate_posting",
    "orphan_posting",
    "currency_mismatch",
    "closed_period_posting",
)


def _normal_close_us(month: np.ndarray) -> np.ndarray:
    """Closing time of a month's period: the 10th of the next month, 18:00 UTC."""
    return (month_start_day(np.asarray(month) + 1) + 9) * DAY_US + 18 * HOUR_US


@dataclass
class MonthlyFx:
    """Average daily rate of each currency per month (as int_fx_rates_monthly); the reporting currency is 1."""

    first_month: int
    rates: dict[str, np.ndarray]

    @classmethod
    def from_daily(cls, fx: dict[str, np.ndarray], first_day: int) -> MonthlyFx:
        months: np.ndarray | None = None
        out: dict[str, np.ndarray] = {}
        for cur, series in fx.items():
            days = np.arange(first_day, first_day + len(series))
            m = month_index(days)
            months = m
            idx = m - m[0]
            out[cur] = np.bincount(idx, series) / np.bincount(idx)
        first = int(months[0]) if months is not None else 0
        return cls(first, out)

    def rate(self, currency: np.ndarray | list[str], month: np.ndarray) -> np.ndarray:
        cur = np.asarray(currency, dtype=object)
        mon = np.asarray(month, dtype=np.int64)
        out = np.ones(len(cur))
        for code, series in self.rates.items():
            sel = cur == code
            if sel.any():
                out[sel] = series[np.clip(mon[sel] - self.first_month, 0, len(series) - 1)]
        return out


@dataclass
class ErpPlan:
    """Which discrepancies go where: decided once, before any entry is generated."""

    unmapped_project: int  # project index, -1 when the firm has none to spare
    closed_entity: int  # region index of the entity whose month closed early
    closed_month: int
    closed_at_us: int
    duplicate_month: int
    hours_month: int
    rejected_month: int
    currency_month: int
    orphan_month: int
    reversed_month: int
    idless_entity: int  # region index whose postings do not carry the entry id
    rng: np.random.Generator


def plan_discrepancies(seed: int, projects: Projects, first_month: int, last_month: int, as_of: int) -> ErpPlan:
    rng = np.random.default_rng([seed, 1313])

    def month(back: int) -> int:
        return max(first_month, last_month - back)

    client = np.flatnonzero(
        (projects.customer >= 0)
        & (projects.billing != NB)
        & (projects.win_day <= as_of)
        & np.array([s == "active" for s in projects.status])
    )
    recent = client[(projects.start[client] >= as_of - 240) & (projects.start[client] <= as_of - 45)]
    pool = recent if len(recent) else client
    unmapped = int(pool[rng.integers(len(pool))]) if len(pool) else -1
    closed_entity = int(rng.integers(len(P.REGIONS)))
    closed_month = month(3)
    closed_at = int((month_start_day(np.array([closed_month + 1]))[0] + 7) * DAY_US)  # the 8th, 00:00 UTC
    return ErpPlan(
        unmapped_project=unmapped,
        closed_entity=closed_entity,
        closed_month=closed_month,
        closed_at_us=closed_at,
        duplicate_month=month(2),
        hours_month=month(5),
        rejected_month=month(4),
        currency_month=month(6),
        orphan_month=month(1),
        reversed_month=month(7),
        idless_entity=(closed_entity + 1) % len(P.REGIONS),
        rng=rng,
    )


@dataclass
class ErpView:
    """Writes erp_time_postings month by month as the PSA's entries are generated; then the periods."""

    out: Path
    fmt: str
    plan: ErpPlan
    people: People
    projects: Projects
    rates: RateBook
    fx: MonthlyFx
    as_of: int
    first_month: int
    last_month: int
    stream: EntityStream = field(init=False)
    counter: int = 0
    found: list[dict[str, Any]] = field(default_factory=list)
    orphans_done: bool = False

    def __post_init__(self) -> None:
        self.stream = EntityStream(self.out, "erp_time_postings", self.fmt)
        self.as_of_end_us = (self.as_of + 1) * DAY_US - 1

    # ------------------------------------------------------------------ values

    def _values(self, d: dict[str, Any]) -> np.ndarray:
        """Each entry's value in the project currency, by the warehouse's rule (module docstring)."""
        pr, pp = self.projects, self.people
        proj, role, day, hours = d["proj"], d["role"], d["day"], d["hours"]
        cur_idx = pr.region[proj]
        cur = np.array(P.REGION_CURRENCY, dtype=object)[cur_idx]
        work_m = month_index(day)
        entry = np.round(d["entry_rate"], 2)
        card = np.round(d["card"], 2)
        card = np.where(day >= pr.start[proj], card, np.nan)  # the card is valid from the project start
        # firm-wide card: reporting currency, one row per role and calendar year (the last open-ended)
        n_roles = len(P.ROLES)
        y = np.asarray(day).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
        yi = y - self.rates.first_year
        in_range = yi >= 0
        yi = np.clip(yi, 0, self.rates.last_year - self.rates.first_year)
        firm = np.round(self.rates.firm[0, np.minimum(role, n_roles - 1), yi], 2)
        firm = np.where((role < n_roles) & in_range, firm, np.nan)
        fx_proj = self.fx.rate(cur, work_m)
        firm_local = np.where(cur == P.REPORTING_CURRENCY, firm, firm * 1.0 / fx_proj)
        rate = np.where(~np.isnan(entry), entry, np.where(~np.isnan(card), card, firm_local))
        emp = d["emp"]
        cost_cur = np.array(P.REGION_CURRENCY, dtype=object)[pp.region[emp]]
        cost = np.round(pp.cost_rate[emp], 2)
        cost_local = np.where(cost_cur == cur, cost, cost * self.fx.rate(cost_cur, work_m) / fx_proj)
        use_bill = d["billable"] & ~np.isnan(rate)
        return np.where(use_bill, hours * np.nan_to_num(rate), hours * cost_local)

    # ------------------------------------------------------------------ postings

    def month(self, ids: pa.Array, d: dict[str, Any]) -> None:
        """Postings of one work month's entries (d: the chunk's arrays, see TimeEntryGenerator.detail)."""
        pl, pr, rng = self.plan, self.projects, self.plan.rng
        n = len(d["emp"])
        if n == 0:
            return
        work_m = int(month_index(d["day"][:1])[0])
        entry_ids = np.array(ids.to_pylist(), dtype=object)
        value = self._values(d)
        proj = d["proj"]
        posted = d["posted"].copy()
        if pl.unmapped_project >= 0:
            posted[proj == pl.unmapped_project] = -1  # the ERP refused them: no such project
        src = np.flatnonzero(posted >= 0)
        status = d["status"]
        # rows: (entry index, posted_at, hours, amount, currency, carries id, status)
        rows_e: list[int] = [int(i) for i in src]
        rows_t = list(posted[src])
        rows_h = list(d["hours"][src])
        rows_a = list(np.round(value[src], 2))
        rows_c = [P.REGION_CURRENCY[pr.region[proj[i]]] for i in src]
        rows_s = ["posted"] * len(src)
        used: set[int] = set()
        # the PSA key (project, employee, day) is unique for these entries: the id-less entity can match them
        key = (proj.astype(np.int64) * 1_000_000 + d["emp"]) * 100_000 + d["day"]
        _, inv, counts = np.unique(key, return_inverse=True, return_counts=True)
        unique_key = counts[inv] == 1
        carries = [not (pr.region[proj[i]] == pl.idless_entity and unique_key[i]) for i in src]

        def pick(k: int) -> list[int]:
            """k posting rows (positions) that carry the entry id and are not planted yet."""
            cand = [j for j in range(len(src)) if carries[j] and j not in used]
            if not cand:
                return []
            chosen = sorted(rng.choice(len(cand), size=min(k, len(cand)), replace=False).tolist())
            out = [cand[c] for c in chosen]
            used.update(out)
            return out

        if work_m == pl.duplicate_month and len(src):
            # one export run was interrupted and re-run: its first postings of the day went twice
            days = np.asarray(rows_t) // DAY_US
            busiest = int(np.bincount(days - days.min()).argmax() + days.min())
            block = [j for j in range(len(src)) if days[j] == busiest and carries[j] and j not in used]
            block = block[: int(rng.integers(6, 13))]
            used.update(block)
            for j in block:
                rows_e.append(rows_e[j])
                rows_t.append(rows_t[j] + 2 * HOUR_US)
                rows_h.append(rows_h[j])
                rows_a.append(rows_a[j])
                rows_c.append(rows_c[j])
                rows_s.append("posted")
                carries.append(True)
        if work_m == pl.hours_month:
            for j in pick(3):
                h = rows_h[j]
                new_h = h - 0.5 if h > 0.5 else h + 0.5
                rows_a[j] = round(rows_a[j] / h * new_h, 2) if h else rows_a[j]
                rows_h[j] = new_h
        if work_m == pl.currency_month:
            for j in pick(3):
                rows_c[j] = "EUR" if rows_c[j] == P.REPORTING_CURRENCY else P.REPORTING_CURRENCY
        if work_m == pl.reversed_month:
            for j in pick(2):  # reversed and posted again a day later: consistent
                rows_s[j] = "reversed"
                rows_e.append(rows_e[j])
                rows_t.append(rows_t[j] + DAY_US)
                rows_h.append(rows_h[j])
                rows_a.append(rows_a[j])
                rows_c.append(rows_c[j])
                rows_s.append("posted")
                carries.append(True)
        if work_m == pl.rejected_month:
            rejected = np.flatnonzero((status == "rejected") & (proj != pl.unmapped_project))
            for i in (
                rejected[rng.choice(len(rejected), size=min(3, len(rejected)), replace=False)] if len(rejected) else []
            ):
                t = int(d["day"][i] + 20) * DAY_US + 15 * HOUR_US  # approved, posted, then rejected in the PSA
                if t > self.as_of_end_us:
                    continue
                rows_e.append(int(i))
                rows_t.append(t)
                rows_h.append(d["hours"][i])
                rows_a.append(round(float(value[i]), 2))
                rows_c.append(P.REGION_CURRENCY[pr.region[proj[i]]])
                rows_s.append("posted")
                carries.append(True)
        self._write(d, entry_ids, value, rows_e, rows_t, rows_h, rows_a, rows_c, rows_s, carries, unique_key)
        if work_m == pl.orphan_month and not self.orphans_done:
            self._orphans(d, entry_ids)

    def _period(self, work_m: np.ndarray, posted_at: np.ndarray) -> np.ndarray:
        """The ERP books into the work month while it is open by the normal calendar (even where that
        month was closed early: the planted fault), else into the month of posting."""
        posted_m = month_index(posted_at // DAY_US)
        return np.where(posted_at <= _normal_close_us(work_m), work_m, posted_m)

    def closed_at(self, region: int, month: int) -> int:
        """Closing time (µs) of a period; -1 while open at the as-of date."""
        pl = self.plan
        t = (
            pl.closed_at_us
            if (region == pl.closed_entity and month == pl.closed_month)
            else int(_normal_close_us(np.array([month]))[0])
        )
        return t if t <= self.as_of_end_us else -1

    def _write(
        self,
        d: dict[str, Any],
        entry_ids: np.ndarray,
        value: np.ndarray,
        rows_e: list[int],
        rows_t: list[int],
        rows_h: list[float],
        rows_a: list[float],
        rows_c: list[str],
        rows_s: list[str],
        carries: list[bool],
        unique_key: np.ndarray,
    ) -> None:
        pr, pp = self.projects, self.people
        if not rows_e:
            self._truth_unposted(d, entry_ids, value, np.zeros(len(d["emp"]), dtype=bool))
            return
        e = np.asarray(rows_e, dtype=np.int64)
        t = np.asarray(rows_t, dtype=np.int64) // 1_000_000 * 1_000_000  # whole seconds, as written
        order = np.lexsort((np.arange(len(e)), t))
        e, t = e[order], t[order]
        h = np.asarray(rows_h, dtype=float)[order]
        a = np.asarray(rows_a, dtype=float)[order]
        c = np.asarray(rows_c, dtype=object)[order]
        s = np.asarray(rows_s, dtype=object)[order]
        carry = np.asarray(carries, dtype=bool)[order]
        keep = t <= self.as_of_end_us  # a re-run or re-posting after the as-of date has not happened yet
        e, t, h, a, c, s, carry = e[keep], t[keep], h[keep], a[keep], c[keep], s[keep], carry[keep]
        proj, day, emp = d["proj"][e], d["day"][e], d["emp"][e]
        region = pr.region[proj]
        work_m = month_index(day)
        period = self._period(work_m, t)
        ids = [f"TB{self.counter + k + 1:09d}" for k in range(len(e))]
        self.counter += len(e)
        self.stream.write(
            {
                "posting_id": ids,
                "time_entry_id": [entry_ids[i] if cr else None for i, cr in zip(e, carry, strict=True)],
                "project_id": [pr.ids[p] for p in proj],
                "employee_id": [pp.ids[x] for x in emp],
                "work_date": day,
                "hours": h,
                "amount": a,
                "currency": c.tolist(),
                "posted_at": t,
                "accounting_period": month_start_day(period),
                "status": s.tolist(),
                "source_system": [SOURCE_ERP] * len(e),
            }
        )
        # ---- the rules, on the rows as written (docs/reconciliation.md)
        live = s == "posted"
        fx_post = self.fx.rate(c, work_m)
        amount_rep = a * fx_post
        # the primary posting of an entry is its first live one; later live ones are duplicates
        seen: set[int] = set()
        primary = np.zeros(len(e), dtype=bool)
        for k in range(len(e)):
            if live[k]:
                if int(e[k]) in seen:
                    self._found("duplicate_posting", SOURCE_ERP, ids[k], amount_rep[k])
                else:
                    seen.add(int(e[k]))
                    primary[k] = True
        proj_cur = np.array(P.REGION_CURRENCY, dtype=object)[region]
        for k in map(int, np.flatnonzero(live)):
            i = int(e[k])
            if primary[k] and d["status"][i] != "approved":
                self._found("posted_not_approved", SOURCE_ERP, ids[k], amount_rep[k])
            if primary[k] and h[k] != d["hours"][i]:
                unit = a[k] / h[k] if h[k] else 0.0
                self._found("hours_mismatch", SOURCE_ERP, ids[k], abs(h[k] - d["hours"][i]) * unit * fx_post[k])
            if c[k] != proj_cur[k]:
                self._found("currency_mismatch", SOURCE_ERP, ids[k], amount_rep[k])
            closed = self.closed_at(int(region[k]), int(period[k]))
            if closed >= 0 and t[k] > closed:
                self._found("closed_period_posting", SOURCE_ERP, ids[k], amount_rep[k])
        has_posting = np.zeros(len(d["emp"]), dtype=bool)
        has_posting[e[live]] = True
        self._truth_unposted(d, entry_ids, value, has_posting)

    def _truth_unposted(self, d: dict[str, Any], entry_ids: np.ndarray, value: np.ndarray, has: np.ndarray) -> None:
        appr = d["approved_at"]
        appr_day = np.where(appr >= 0, appr // DAY_US, 0)
        month_end = month_start_day(month_index(appr_day) + 1) - 1
        overdue = (d["status"] == "approved") & (appr >= 0) & (self.as_of > month_end + POSTING_GRACE_DAYS)
        cur = np.array(P.REGION_CURRENCY, dtype=object)[self.projects.region[d["proj"]]]
        rep = value * self.fx.rate(cur, month_index(d["day"]))
        for i in np.flatnonzero(overdue & ~has):
            self._found("approved_not_posted", SOURCE_PSA, str(entry_ids[i]), rep[i])

    def _orphans(self, d: dict[str, Any], entry_ids: np.ndarray) -> None:
        """Two postings on a project the PSA does not know and one for an entry it does not know."""
        self.orphans_done = True
        pp, pr = self.people, self.projects
        i = int(np.flatnonzero(d["status"] == "approved")[0]) if (d["status"] == "approved").any() else 0
        day = int(d["day"][i])
        t = min((day + 3) * DAY_US + 11 * HOUR_US, self.as_of_end_us - HOUR_US) // 1_000_000 * 1_000_000
        m = int(month_index(np.array([day]))[0])
        cur = P.REGION_CURRENCY[pr.region[d["proj"][i]]]
        rows = [
            (None, UNKNOWN_PROJECT, pp.ids[d["emp"][i]], 4.0, 800.0, cur),
            (None, UNKNOWN_PROJECT, pp.ids[d["emp"][i]], 2.5, 500.0, cur),
            (f"{entry_ids[i]}X", pr.ids[d["proj"][i]], pp.ids[d["emp"][i]], 1.5, 300.0, cur),
        ]
        ids = [f"TB{self.counter + k + 1:09d}" for k in range(len(rows))]
        self.counter += len(rows)
        period = month_start_day(self._period(np.array([m]), np.array([t])))[0]
        self.stream.write(
            {
                "posting_id": ids,
                "time_entry_id": [r[0] for r in rows],
                "project_id": [r[1] for r in rows],
                "employee_id": [r[2] for r in rows],
                "work_date": np.full(len(rows), day),
                "hours": np.array([r[3] for r in rows]),
                "amount": np.array([r[4] for r in rows]),
                "currency": [r[5] for r in rows],
                "posted_at": np.full(len(rows), t),
                "accounting_period": np.full(len(rows), period),
                "status": ["posted"] * len(rows),
                "source_system": [SOURCE_ERP] * len(rows),
            }
        )
        fx = self.fx.rate([cur], np.array([m]))[0]
        for pid, r in zip(ids, rows, strict=True):
            self._found("orphan_posting", SOURCE_ERP, pid, r[4] * fx)
        # the third is on a known project: the period rule applies to it as to any posting
        closed = self.closed_at(int(pr.region[d["proj"][i]]), int(month_index(np.array([period]))[0]))
        if closed >= 0 and t > closed:
            self._found("closed_period_posting", SOURCE_ERP, ids[2], rows[2][4] * fx)

    def _found(self, type_: str, source: str, record: str, amount: float) -> None:
        self.found.append({"type": type_, "source": source, "record": record, "amount": round(float(amount), 2)})

    # ------------------------------------------------------------------ close

    def close(self) -> dict[str, int]:
        rows = {"erp_time_postings": self.stream.close()}
        ent, start, closed = [], [], []
        for r in range(len(P.REGIONS)):
            for m in range(self.first_month, self.last_month + 1):
                ent.append(P.REGION_ENTITY[r])
                start.append(int(month_start_day(np.array([m]))[0]))
                closed.append(self.closed_at(r, m))
        rows["accounting_periods"] = write_entity(
            self.out,
            "accounting_periods",
            self.fmt,
            {"entity_id": ent, "period_start": np.array(start), "closed_at": np.array(closed, dtype=np.int64)},
        )
        return rows

    def truth(self, invoice_found: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """The truth file's reconciliation section: this view's discrepancies and those planted in the
        ERP's invoices (simulator.erp_invoices), when it wrote them."""
        pl = self.plan
        found = self.found + list(invoice_found or [])
        # the invoice rules add one type of their own (currency_mismatch is already counted)
        types = TYPES if invoice_found is None else (*TYPES, "invoice_header_mismatch")
        counts = {t: sum(1 for f in found if f["type"] == t) for t in types}
        return {
            "definition": "Every discrepancy between the PSA's time entries and the ERP's view "
            "(erp_time_postings, accounting_periods and, when written, the ERP's invoices) that "
            "fct_sync_exceptions must report: type, source (source_system of the record), record (posting_id, "
            "time_entry_id or invoice_id) and amount at risk in the reporting currency (rules in "
            "docs/reconciliation.md). An approved entry is overdue for posting "
            f"{POSTING_GRACE_DAYS} days after its approval month ends.",
            "posting_grace_days": POSTING_GRACE_DAYS,
            "planted": {
                "unmapped_project": self.projects.ids[pl.unmapped_project] if pl.unmapped_project >= 0 else None,
                "closed_early": {
                    "entity_id": P.REGION_ENTITY[pl.closed_entity],
                    "period_start": str(np.datetime64(int(month_start_day(np.array([pl.closed_month]))[0]), "D")),
                    "closed_at": str(np.datetime64(pl.closed_at_us, "us")) + "Z",
                },
                "entity_without_entry_ids": P.REGION_ENTITY[pl.idless_entity],
                "unknown_project": UNKNOWN_PROJECT,
            },
            "counts": counts,
            "discrepancies": found,
        }
