"""Time entries, generated one calendar month at a time from arrays (no loop per entry).

Work comes from "segments": the billable stints of the plan (hours = planned hours × the
person's true delivery factor × daily noise), the internal remainder of senior people's
weeks, bench time between stints, and a few entries logged after a closed project's end.
A day produces an entry when the person is employed, it is a working day of their region,
and they are not on leave (summer block, year end) or absent. Each entry then goes through
the timesheet workflow (submission, approval with a long tail, rejection), ERP posting and,
on time-and-materials projects, monthly invoicing in arrears.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import params as P
from .calendar import Calendar, month_index, month_start_day, weekday
from .firm import People, on_leave
from .plans import DAY_US, Plan, monday_on_or_before
from .projects import NB, TM, Customers, Projects, RateBook, project_card_rate

HOUR_US = 3_600_000_000


def hash_uniform(keys: np.ndarray, salt: int) -> np.ndarray:
    """Deterministic uniform [0, 1) per integer key (splitmix64), so that a person-week gets
    the same draw whichever monthly chunk its days fall in."""
    with np.errstate(over="ignore"):
        x = keys.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(salt & 0xFFFFFFFFFFFF)
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return (x >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def billing_run_day(months: np.ndarray) -> np.ndarray:
    """Day of the monthly T&M billing run of a month: the 5th, or the Monday after."""
    d = month_start_day(months) + 4
    wd = weekday(d)
    return d + np.where(wd == 5, 2, np.where(wd == 6, 1, 0))


def tm_invoice_label(key: int) -> str | None:
    """Invoice id of a T&M billing key (run month * 1e10 + project, or 1e9 + customer for
    customers invoiced on one consolidated invoice)."""
    if key < 0:
        return None
    mo, num = divmod(int(key), 10_000_000_000)
    ym = np.datetime64(int(mo), "M").astype(str).replace("-", "")
    return f"INV-T{ym}-C{num - 1_000_000_000 + 1:05d}" if num >= 1_000_000_000 else f"INV-T{ym}-P{num:06d}"


@dataclass
class Segments:
    emp: np.ndarray
    project: np.ndarray
    start: np.ndarray
    end: np.ndarray
    mean_hours: np.ndarray  # expected hours on an available day


def build_segments(
    rng: np.random.Generator, people: People, projects: Projects, plan: Plan, window_start: int, as_of: int
) -> Segments:
    stint = np.flatnonzero(plan.is_stint & (plan.start <= as_of))
    emp, proj = plan.emp[stint], plan.project[stint]
    s, e, h = plan.start[stint], plan.end[stint], plan.hours[stint]
    parts: list[tuple[np.ndarray, ...]] = [(emp, proj, s, e, h / 5.0 * people.delivery[emp])]

    # Senior people spend the unplanned rest of their week on business development.
    rest = (~people.contractor[emp]) & (people.allocation[emp] < 1)
    parts.append(
        (
            emp[rest],
            projects.bd_project[people.region[emp[rest]]],
            s[rest],
            e[rest],
            people.capacity[emp[rest]] * (1 - people.allocation[emp[rest]]) / 5.0 * 0.7,
        )
    )

    # Bench: employees (not contractors) between stints book internal practice work.
    all_stints = np.flatnonzero(plan.is_stint)
    o = np.lexsort((plan.start[all_stints], plan.emp[all_stints]))
    se, ss, sn = plan.emp[all_stints][o], plan.start[all_stints][o], plan.end[all_stints][o]
    lo = np.maximum(people.hire, window_start)
    hi = np.minimum(people.termination, as_of)
    # gap before each stint: from the previous stint's end (or employment start) to its start
    prev_end = np.where(np.r_[True, se[1:] != se[:-1]], lo[se] - 1, np.r_[0, sn[:-1]])
    g_emp, g_s, g_e = se, prev_end + 1, ss - 1
    # tail after the last stint, and people with no stint at all
    last = np.r_[se[1:] != se[:-1], True]
    t_emp, t_s, t_e = se[last], sn[last] + 1, hi[se[last]]
    none = np.setdiff1d(np.arange(len(people)), se)
    b_emp = np.concatenate([g_emp, t_emp, none])
    b_s = np.concatenate([g_s, t_s, lo[none]])
    b_e = np.concatenate([g_e, t_e, hi[none]])
    ok = (b_e >= b_s) & ~people.contractor[b_emp] & (b_e >= window_start) & (b_s <= as_of)
    b_emp, b_s, b_e = b_emp[ok], b_s[ok], b_e[ok]
    parts.append(
        (
            b_emp,
            projects.bench_project[people.practice[b_emp], people.region[b_emp]],
            b_s,
            b_e,
            people.capacity[b_emp] / 5.0 * P.BENCH_INTERNAL_SHARE,
        )
    )

    # Stragglers: a quarter of the closed client projects get a few days of time after their end.
    closed = np.array([st == "closed" for st in projects.status]) & (projects.win_day <= as_of)
    closed &= np.arange(len(projects)) >= projects.n_internal
    cl = np.flatnonzero(closed & (rng.random(len(projects)) < P.LATE_ENTRIES_PROJECT_SHARE))
    if len(cl):
        # the person on the project's last stint
        ps = np.lexsort((plan.end[stint], plan.project[stint]))
        pj = plan.project[stint][ps]
        last_of = np.r_[pj[1:] != pj[:-1], True]
        who = dict(zip(pj[last_of].tolist(), plan.emp[stint][ps][last_of].tolist(), strict=True))
        cl = np.array([p for p in cl if p in who], dtype=np.int64)
        k = 4
        l_proj = np.repeat(cl, k)
        l_emp = np.array([who[p] for p in l_proj.tolist()], dtype=np.int64)
        l_day = projects.end[l_proj] + rng.integers(1, 22, len(l_proj))
        keep = l_day <= as_of
        parts.append((l_emp[keep], l_proj[keep], l_day[keep], l_day[keep], rng.uniform(1.0, 4.0, int(keep.sum()))))

    def cat(i: int) -> np.ndarray:
        return np.concatenate([p[i] for p in parts])

    return Segments(cat(0).astype(np.int64), cat(1).astype(np.int64), cat(2), cat(3), cat(4))


@dataclass
class TimeAccumulators:
    """What later steps need from the entries, kept small (aggregates, not rows)."""

    worked_keys: list[np.ndarray] = field(default_factory=list)  # (emp*n_proj + project)*10000 + week+100
    worked_hours: list[np.ndarray] = field(default_factory=list)  # of the worked_keys, non-rejected entries
    billable_by_emp: np.ndarray = field(default_factory=lambda: np.zeros(0))
    hours_by_project: np.ndarray = field(default_factory=lambda: np.zeros(0))  # all non-rejected hours
    tm_lines: list[dict[str, np.ndarray]] = field(default_factory=list)  # key, project, hours, amount per chunk
    approval_lag_hist: np.ndarray = field(default_factory=lambda: np.zeros(2000))  # entries by lag in days
    rejected: int = 0
    entries: int = 0
    approved_billable_tm: int = 0
    unbilled_approved_tm: int = 0
    no_rate_entries: int = 0
    after_end_entries: int = 0
    never_posted: int = 0


class TimeEntryGenerator:
    def __init__(
        self,
        rng: np.random.Generator,
        seed: int,
        people: People,
        projects: Projects,
        segments: Segments,
        cal: Calendar,
        rates: RateBook,
        customers: Customers,
        window_start: int,
        as_of: int,
    ) -> None:
        self.rng, self.seed = rng, seed
        self.people, self.projects, self.seg, self.cal, self.rates = people, projects, segments, cal, rates
        self.customers = customers
        self.window_start, self.as_of = window_start, as_of
        self.as_of_end_us = (as_of + 1) * DAY_US - 1
        self.counter = 0
        n_proj = len(projects)
        self.acc = TimeAccumulators(billable_by_emp=np.zeros(len(people)), hours_by_project=np.zeros(n_proj))
        self.cap_running = np.zeros(n_proj)
        self.emp_ids = pa.array(people.ids, pa.string())
        self.proj_ids = pa.array(projects.ids, pa.string())
        years = np.arange(people.first_year, people.first_year + people.summer_start.shape[1])
        self.dec24 = np.array([(np.datetime64(f"{y}-12-24") - np.datetime64("1970-01-01")).astype(int) for y in years])
        self.proj_closed = np.array([s == "closed" for s in projects.status])
        price = np.array([P.CURRENCY_PRICE_LEVEL[c] for c in P.REGION_CURRENCY])
        self.price_level = price
        self.detail: dict[str, Any] = {}  # the last chunk's arrays, for the ERP view

    def months(self) -> np.ndarray:
        return np.arange(
            int(month_index(np.array([self.window_start]))[0]), int(month_index(np.array([self.as_of]))[0]) + 1
        )

    def month(self, m: int) -> dict[str, Any] | None:
        rng, pp, pr, seg = self.rng, self.people, self.projects, self.seg
        ms = int(month_start_day(np.array([m]))[0])
        me = int(month_start_day(np.array([m + 1]))[0]) - 1
        days = np.arange(max(ms, self.window_start), min(me, self.as_of) + 1)
        if len(days) == 0:
            return None
        didx = self.cal.idx(days)
        employed = (pp.hire[:, None] <= days[None, :]) & (pp.termination[:, None] >= days[None, :])
        working = self.cal.is_working[pp.region][:, didx]
        leave = on_leave(pp, np.arange(len(pp)), days, self.dec24)
        absent = rng.random((len(pp), len(days))) < P.RANDOM_ABSENCE
        avail = employed & working & ~leave & ~absent

        sel = np.flatnonzero((seg.start <= days[-1]) & (seg.end >= days[0]))
        s_emp = seg.emp[sel]
        in_range = (days[None, :] >= seg.start[sel][:, None]) & (days[None, :] <= seg.end[sel][:, None])
        mask = in_range & avail[s_emp]
        si, di = np.nonzero(mask)
        hours = seg.mean_hours[sel][si] * rng.lognormal(-0.02, 0.2, len(si))
        emp = s_emp[si]
        proj = seg.project[sel][si]
        day = days[di]

        # Firm administration: short entries on a few days.
        adm = avail & ~pp.contractor[:, None] & (rng.random(avail.shape) < 0.08)
        ae, ad = np.nonzero(adm)
        emp = np.concatenate([emp, ae])
        proj = np.concatenate([proj, pr.admin_project[pp.region[ae]]])
        day = np.concatenate([day, days[ad]])
        hours = np.concatenate([hours, rng.choice([0.5, 1.0, 1.5], len(ae))])

        hours = np.minimum(np.round(hours * 4) / 4, 12.0)
        keep = hours > 0
        emp, proj, day, hours = emp[keep], proj[keep], day[keep], hours[keep]
        order = np.lexsort((proj, emp, day))
        emp, proj, day, hours = emp[order], proj[order], day[order], hours[order]
        n = len(emp)
        if n == 0:
            return None

        billing = pr.billing[proj]
        billable = (billing != NB) & (rng.random(n) >= P.NON_BILLABLE_ON_CLIENT_SHARE)

        # Workflow: a person submits a week's timesheet together; the approver acts later.
        week = monday_on_or_before(day)
        key = emp.astype(np.int64) * 100_000 + (week - self.window_start + 10_000)
        u1 = hash_uniform(key, self.seed * 7 + 1)
        u2 = hash_uniform(key, self.seed * 7 + 2)
        u3 = hash_uniform(key, self.seed * 7 + 3)
        u4 = hash_uniform(key, self.seed * 7 + 4)
        submit_lag = np.where(u1 < 0.6, 0.70 + 0.05 * u2, np.where(u1 < 0.9, 1 + 3 * u2, 4 + 16 * u2))
        submit = week + 4 + submit_lag  # fractional days, Friday 17:00 at the earliest
        z = np.sqrt(-2 * np.log(np.maximum(u3, 1e-12))) * np.cos(2 * np.pi * u4)
        lag = P.APPROVAL_LAG_MEDIAN_DAYS * np.exp(P.APPROVAL_LAG_SIGMA * z)
        stuck = hash_uniform(key, self.seed * 7 + 5) < P.APPROVAL_STUCK_SHARE
        lag = lag + np.where(stuck, 15 + 45 * hash_uniform(key, self.seed * 7 + 6), 0)
        decided = submit + lag
        submit_us = (submit * DAY_US).astype(np.int64)
        decided_us = (decided * DAY_US).astype(np.int64)
        rejected = rng.random(n) < P.REJECTED_SHARE
        end_us = self.as_of_end_us
        status = np.where(
            submit_us > end_us,
            "draft",
            np.where(decided_us > end_us, "submitted", np.where(rejected, "rejected", "approved")),
        )
        approved = status == "approved"
        approved_at = np.where(approved, decided_us, -1)

        # ERP posting: at the close of the approval month, a few days into the next month.
        appr_day = decided_us // DAY_US
        close = month_start_day(month_index(appr_day) + 1) + rng.integers(2, 9, n)
        never = rng.random(n) < P.ERP_NEVER_POSTED_SHARE
        posted = close * DAY_US + 15 * HOUR_US + rng.integers(0, 3600, n) * 1_000_000
        posted = np.where(approved & ~never & (posted <= end_us), posted, -1)

        # Bill rates: specialists with their own negotiated rate put it on the entry.
        role = pp.role[emp]
        cur = pr.region[proj]
        own = pp.own_rate_usd[emp]
        entry_rate = np.where((billing != NB) & ~np.isnan(own), np.round(own * self.price_level[cur] / 5) * 5, np.nan)
        card = project_card_rate(pr, self.rates, proj, role)
        firm = self.rates.firm_rate(cur, role, day)
        rate = np.where(~np.isnan(entry_rate), entry_rate, np.where(~np.isnan(card), card, firm))

        # T&M invoicing, monthly in arrears.
        after_end = self.proj_closed[proj] & (day > pr.end[proj])
        tm = (billing == TM) & billable & approved
        forgotten = rng.random(n) < P.TM_UNBILLED_SHARE
        eligible = tm & ~np.isnan(rate) & ~after_end & ~forgotten
        value = np.where(eligible, hours * np.nan_to_num(rate), 0.0)
        cap = pr.contract_value[proj]
        capped = eligible & ~np.isnan(cap)
        if capped.any():
            idx = np.flatnonzero(capped)
            o = np.lexsort((day[idx], proj[idx]))
            ii = idx[o]
            pj = proj[ii]
            cum = np.cumsum(value[ii])
            grp_start = np.r_[True, pj[1:] != pj[:-1]]
            base = np.maximum.accumulate(np.where(grp_start, np.r_[0.0, cum[:-1]], 0.0))
            within = cum - base
            total = self.cap_running[pj] + within
            over = total > cap[ii] + 1e-6
            eligible[ii[over]] = False
            np.add.at(self.cap_running, pj, value[ii])
        work_m = month_index(day)
        run_m = month_index(appr_day)
        run_m = np.where(appr_day > billing_run_day(run_m), run_m + 1, run_m)
        run_m = np.maximum(run_m, work_m + 1)
        late = hash_uniform(proj.astype(np.int64) * 10_000 + work_m, self.seed * 7 + 8)
        run_m = run_m + np.where(late < P.TM_LATE_BILLING_SHARE / 2, 2, np.where(late < P.TM_LATE_BILLING_SHARE, 1, 0))
        run_day = billing_run_day(run_m)
        invoiced = eligible & (run_day <= self.as_of)
        cust = pr.customer[proj]
        consolidated = np.where(cust >= 0, self.customers.consolidated[np.maximum(cust, 0)], False)
        inv_num = np.where(consolidated, 1_000_000_000 + cust, proj)
        inv_key = np.where(invoiced, run_m * 10_000_000_000 + inv_num, -1)
        uniq, inv_pos = np.unique(inv_key, return_inverse=True)
        labels = [tm_invoice_label(k) for k in uniq.tolist()]
        invoice_id = pa.array(labels, pa.string()).take(pa.array(inv_pos.astype(np.int64)))

        created_us = day * DAY_US + 18 * HOUR_US
        updated = np.maximum.reduce(
            [
                created_us,
                np.where(status != "draft", submit_us, -1),
                np.where((status == "approved") | (status == "rejected"), decided_us, -1),
                np.where(invoiced, run_day * DAY_US + 8 * HOUR_US, -1),
            ]
        )
        updated = np.minimum(updated, end_us)

        # Accumulate what billing and the truth file need.
        a = self.acc
        live = status != "rejected"
        a.entries += n
        a.rejected += int((~live).sum())
        wk = (emp[live] * len(pr) + proj[live]) * 10_000 + (week[live] - self.window_start) // 7 + 100
        uk, inv = np.unique(wk, return_inverse=True)
        a.worked_keys.append(uk)
        a.worked_hours.append(np.bincount(inv, hours[live], len(uk)))
        np.add.at(a.billable_by_emp, emp[live & billable], hours[live & billable])
        np.add.at(a.hours_by_project, proj[live], hours[live])
        a.approval_lag_hist += np.bincount(np.minimum(appr_day - day, 1999)[approved], minlength=2000)
        a.approved_billable_tm += int(tm.sum())
        a.unbilled_approved_tm += int((tm & ~invoiced).sum())
        a.no_rate_entries += int(((billing != NB) & np.isnan(rate)).sum())
        a.after_end_entries += int(after_end.sum())
        a.never_posted += int((approved & never).sum())
        if invoiced.any():
            iv = np.flatnonzero(invoiced)
            lk = inv_key[iv] * 1_000_000 + proj[iv]  # one line per invoice and project
            uk, inv = np.unique(lk, return_inverse=True)
            a.tm_lines.append(
                dict(
                    key=uk // 1_000_000,
                    project=uk % 1_000_000,
                    hours=np.bincount(inv, hours[iv], len(uk)),
                    amount=np.bincount(inv, hours[iv] * rate[iv], len(uk)),
                )
            )

        ids = pc.utf8_lpad(pc.cast(pa.array(np.arange(self.counter + 1, self.counter + n + 1)), pa.string()), 10, "0")
        ids = pc.binary_join_element_wise("TE", ids, "")
        self.counter += n
        # what the ERP view (simulator/erp.py) needs of this chunk beyond the written columns
        self.detail = dict(
            ids=ids,
            emp=emp,
            proj=proj,
            day=day,
            hours=hours,
            billable=billable,
            status=status,
            approved_at=approved_at,
            posted=posted,
            entry_rate=entry_rate,
            card=card,
            role=role,
        )
        return {
            "time_entry_id": ids,
            "employee_id": self.emp_ids.take(pa.array(emp)),
            "project_id": self.proj_ids.take(pa.array(proj)),
            "work_date": day,
            "hours": hours,
            "billable": billable,
            "approval_status": pa.array(status.astype(object), pa.string()),
            "approved_at": approved_at,
            "bill_rate": entry_rate,
            "invoice_id": invoice_id,
            "erp_posted_at": posted,
            "updated_at": updated,
        }
