"""Orchestration of the demo firm: draw the firm, write every contract entity, write the truth."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from wipcast.contract import ENTITIES
from wipcast.errors import InputError

from . import params as P
from . import regimes as R
from .billing import Billing, build_billing
from .calendar import (
    FX_BACKFILL_DAYS,
    Calendar,
    build_calendar,
    day_number,
    fx_backfill,
    fx_rates,
    month_index,
    month_start_day,
)
from .crm import Opportunities, build_opportunities
from .erp import ErpView, MonthlyFx, plan_discrepancies
from .erp_invoices import erp_invoice_view
from .firm import NO_DATE, People, build_people, role_names
from .plans import DAY_US, Plan, build_plan, build_stints, monday_on_or_before, plan_as_of, snapshot_rows
from .projects import (
    BILLING_ORDER,
    FF,
    Milestones,
    Projects,
    RateBook,
    build_customers,
    build_milestones,
    build_projects,
    year_of,
)
from .targets import revenue_targets
from .timesheets import TimeAccumulators, TimeEntryGenerator, build_segments
from .truth import (
    DELIVERY_DEFINITION,
    HORIZONS_WEEKS,
    _dist,
    capacity_hours,
    delivery_factors,
    dist_from_histogram,
    win_rates,
)
from .writer import EntityStream, write_entity

FORMATS = ("parquet", "csv")
MAX_EMPLOYEES = 100_000
MAX_MONTHS = 120

Progress = Callable[[str, float, float], None]  # (step, done, total)


@dataclass(frozen=True)
class GenerateSummary:
    """What `generate` wrote: the folder and file format, rows per entity and in all, the wall time
    in seconds, the first day of the history, the as-of date and the seed."""

    out_dir: Path
    fmt: str
    rows: dict[str, int]
    total_rows: int
    seconds: float
    window_start: dt.date
    as_of: dt.date
    seed: int


def _validate(
    out_dir: str | Path, employees: object, months: object, as_of: object, seed: object, fmt: str
) -> tuple[Path, dt.date]:
    """The output folder (created) and the as-of date, after checking every argument (callers may pass
    anything: values from the command line, a notebook or a test)."""
    if isinstance(employees, bool) or not isinstance(employees, (int, np.integer)):
        raise InputError(f"employees must be a whole number, got {employees!r}", "pass e.g. --employees 150")
    if not 5 <= employees <= MAX_EMPLOYEES:
        raise InputError(
            f"employees must be between 5 and {MAX_EMPLOYEES:,}, got {employees}",
            "a firm needs at least 5 people to show its dynamics; pass e.g. --employees 150",
        )
    if isinstance(months, bool) or not isinstance(months, (int, np.integer)):
        raise InputError(f"months must be a whole number, got {months!r}", "pass e.g. --months 30")
    if not 3 <= months <= MAX_MONTHS:
        raise InputError(
            f"months must be between 3 and {MAX_MONTHS}, got {months}",
            "the history needs at least 3 months; pass e.g. --months 30",
        )
    if isinstance(as_of, str):
        try:
            as_of = dt.date.fromisoformat(as_of)
        except ValueError:
            raise InputError(
                f"as-of date {as_of!r} is not an ISO date", "use YYYY-MM-DD, e.g. --as-of 2026-10-31"
            ) from None
    if isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    if not isinstance(as_of, dt.date):
        raise InputError(f"as-of date must be a date, got {as_of!r}", "use YYYY-MM-DD, e.g. --as-of 2026-10-31")
    if not dt.date(2000, 1, 1) <= as_of <= dt.date(2090, 12, 31):
        raise InputError(f"as-of date {as_of} is outside 2000-01-01..2090-12-31", "pick a date in that range")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed must be a non-negative whole number, got {seed!r}", "pass e.g. --seed 7")
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}", "use --format parquet or --format csv")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"output path {out} exists and is not a folder", "pass a folder for --out")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create output folder {out}: {exc.strerror}", "pass a writable folder for --out"
        ) from None
    return out, as_of


def _appended(columns: dict[str, Any], more: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Each column of `columns` followed by the same column of `more`."""
    return {key: list(values) + list(more[key]) for key, values in columns.items()}


def _ids(prefix: str, n: int, width: int) -> list[str]:
    return [f"{prefix}{i + 1:0{width}d}" for i in range(n)]


def generate(
    out_dir: str | Path,
    employees: int = 150,
    months: int = 30,
    as_of: dt.date | str = dt.date(2026, 10, 31),
    seed: int = 7,
    fmt: str = "parquet",
    progress: Progress | None = None,
    replace: bool = False,
    *,
    growth: float = R.Regime.growth,
    plans: str = R.Regime.plans,
    extensions: str = R.Regime.extensions,
    seasonality: str = R.Regime.seasonality,
    price_change: float = R.Regime.price_change,
    crm: str = R.Regime.crm,
    hiring_freeze_months: int = R.Regime.hiring_freeze_months,
    erp_invoices: bool = False,
) -> GenerateSummary:
    """Write the demo firm into out_dir; return a summary (rows per entity, elapsed seconds).

    Files of the other format already in the folder are a user's data as far as we know: they are
    replaced only with `replace=True`, else nothing is written and the error names them.

    The keyword-only knobs choose the firm's regime (growth, plan quality, extensions, seasonality,
    a mid-history price change, CRM calibration, a hiring freeze; see `simulator.regimes.Regime`).
    Their defaults are today's demo firm, byte for byte. `erp_invoices` adds the ERP's copy of every
    issued invoice, its lines and payments, with header and currency discrepancies planted
    (simulator.erp_invoices); the PSA's rows are the same either way."""
    out, as_of_date = _validate(out_dir, employees, months, as_of, seed, fmt)
    regime = R.Regime(growth, plans, extensions, seasonality, price_change, crm, hiring_freeze_months)
    R.validate(regime, int(months))
    with R.applied(R.overrides(regime)):
        return _generate(out, as_of_date, employees, months, seed, fmt, progress, replace, regime, erp_invoices)


def _generate(
    out: Path,
    as_of_date: dt.date,
    employees: int,
    months: int,
    seed: int,
    fmt: str,
    progress: Progress | None,
    replace: bool,
    regime: R.Regime,
    erp_invoices: bool = False,
) -> GenerateSummary:
    other = sorted(p.name for e in ENTITIES for f in FORMATS if f != fmt and (p := out / f"{e.name}.{f}").exists())
    if other and not replace:
        shown = ", ".join(other[:3]) + (f" and {len(other) - 3} more" if len(other) > 3 else "")
        raise InputError(
            f"{out} already holds contract files in another format ({shown}); nothing was written",
            "pass --replace to replace them, or choose another --out folder",
        )
    t0 = time.perf_counter()
    steps = 10.0

    def tick(desc: str, done: float) -> None:
        if progress is not None:
            progress(desc, float(done), steps)

    # The folder must hold one consistent set: the other format's files go (allowed above).
    for e in ENTITIES:
        for f in FORMATS:
            p = out / f"{e.name}.{f}"
            if p.exists():
                p.unlink()

    rng = np.random.default_rng(seed)
    as_of_day = day_number(as_of_date)
    last_m = int(month_index(np.array([as_of_day]))[0])
    window_start = int(month_start_day(np.array([last_m - months + 1]))[0])
    plan_end = as_of_day + P.PLAN_HORIZON_DAYS
    y_start, y_asof, y_end = int(year_of(window_start)), int(year_of(as_of_day)), int(year_of(plan_end))
    cal = build_calendar(window_start - 500, plan_end + 200, range(y_start - 1, max(y_asof + 3, y_end + 1) + 1))
    rows: dict[str, int] = {}
    as_of_end_us = (as_of_day + 1) * DAY_US - 1

    tick("firm", 0)
    freeze_from = (
        int(month_start_day(np.array([last_m - regime.hiring_freeze_months + 1]))[0])
        if regime.hiring_freeze_months
        else None
    )
    people = build_people(rng, int(employees), window_start, as_of_day, plan_end, freeze_from)
    customers = build_customers(rng, len(people))
    mid_year = int(year_of(window_start + (as_of_day - window_start) // 2))
    rates = RateBook(y_start - 2, y_end + 1, y_asof, regime.price_change, mid_year)
    stints = build_stints(rng, people, window_start, plan_end)
    projects, project_of_group = build_projects(rng, people, customers, stints, rates, window_start, as_of_day)
    tick("pipeline", 1)
    opps = build_opportunities(rng, projects, customers, window_start, as_of_day)
    won_p = opps.project[opps.won]
    projects.win_day[won_p] = opps.resolved[opps.won]
    plan = build_plan(rng, people, stints, project_of_group, projects.win_day, projects.start, projects.end)
    milestones = build_milestones(rng, projects, as_of_day)
    visible = projects.win_day <= as_of_day
    proj_ids = np.array(projects.ids, dtype=object)

    # ---- reference entities
    rows["legal_entities"] = write_entity(
        out,
        "legal_entities",
        fmt,
        {
            "entity_id": list(P.REGION_ENTITY),
            "name": list(P.ENTITY_NAMES),
            "country": list(P.REGION_COUNTRY),
            "currency": list(P.REGION_CURRENCY),
        },
    )
    rows["customers"] = write_entity(
        out,
        "customers",
        fmt,
        {
            "customer_id": customers.ids,
            "name": customers.names,
            "industry": customers.industry,
            "country": customers.country,
            "region": [P.REGIONS[r] for r in customers.region],
        },
    )
    names = role_names()
    term_visible = people.visible_termination(as_of_day)
    rows["employees"] = write_entity(
        out,
        "employees",
        fmt,
        {
            "employee_id": people.ids,
            "name": people.names,
            "email": people.emails,
            "role": [names[r] for r in people.role],
            "practice": [P.PRACTICES[p] for p in people.practice],
            "region": [P.REGIONS[r] for r in people.region],
            "entity_id": [P.REGION_ENTITY[r] for r in people.region],
            "employment_type": ["contractor" if c else "employee" for c in people.contractor],
            "hire_date": people.hire,
            "termination_date": np.where(term_visible < NO_DATE, term_visible, -1),
            "weekly_capacity_hours": people.capacity,
            "cost_rate": people.cost_rate,
            "utilization_target": people.util_target,
        },
    )
    holidays = [(d, r, n) for d, r, n in cal.holidays]
    rows["holidays"] = write_entity(
        out,
        "holidays",
        fmt,
        {
            "holiday_date": np.array([h[0] for h in holidays]),
            "region": [P.REGIONS[h[1]] for h in holidays],
            "name": [h[2] for h in holidays],
        },
    )
    fx_first = window_start - 31
    fx = fx_backfill(seed, fx_rates(rng, fx_first, as_of_day))
    fx_days = np.arange(fx_first - FX_BACKFILL_DAYS, as_of_day + 1)
    curs = list(fx)
    rows["fx_rates"] = write_entity(
        out,
        "fx_rates",
        fmt,
        {
            "rate_date": np.repeat(fx_days, len(curs)),
            "currency": curs * len(fx_days),
            "rate_to_reporting": np.stack([fx[c] for c in curs], axis=1).ravel(),
        },
    )
    tg = revenue_targets(people, rates, window_start, as_of_day)
    rows["revenue_targets"] = write_entity(out, "revenue_targets", fmt, tg)

    # ---- projects, rate cards, milestones
    tick("projects", 2)
    vis = np.flatnonzero(visible)
    opp_order = np.lexsort((np.arange(len(opps.won)), opps.created))
    opp_rank = np.empty(len(opps.won), dtype=np.int64)
    opp_rank[opp_order] = np.arange(len(opps.won))
    opp_ids = np.array(_ids("OPP", len(opps.won), 6), dtype=object)[opp_rank]
    opp_of_project = np.full(len(projects), None, dtype=object)
    won_visible = opps.won & (opps.resolved <= as_of_day) & (opps.created <= as_of_day)
    opp_of_project[opps.project[won_visible]] = opp_ids[won_visible]
    big = np.iinfo(np.int64).max // 8
    rows["projects"] = write_entity(
        out,
        "projects",
        fmt,
        {
            "project_id": proj_ids[vis].tolist(),
            "name": [projects.names[i] for i in vis],
            "customer_id": [customers.ids[c] if c >= 0 else None for c in projects.customer[vis]],
            "entity_id": [P.REGION_ENTITY[r] for r in projects.region[vis]],
            "practice": [P.PRACTICES[p] for p in projects.practice[vis]],
            "billing_type": [BILLING_ORDER[b] for b in projects.billing[vis]],
            "currency": [P.REGION_CURRENCY[r] for r in projects.region[vis]],
            "contract_value": projects.contract_value[vis],
            "budget_hours": projects.budget_hours[vis],
            "start_date": projects.start[vis],
            "end_date": np.where(projects.end[vis] < big, projects.end[vis], -1),
            "status": [projects.status[i] for i in vis],
            "opportunity_id": opp_of_project[vis].tolist(),
            "project_manager_id": [people.ids[m] if m >= 0 else None for m in projects.manager[vis]],
        },
    )

    rc_proj: list[str | None] = []
    rc_role: list[str] = []
    rc_rate: list[float] = []
    rc_cur: list[str] = []
    rc_from: list[int] = []
    rc_to: list[int] = []
    # One firm-wide card, in the reporting currency; other currencies price through project cards.
    for c, currency in enumerate(P.REGION_CURRENCY[:1]):
        for r, role in enumerate(P.ROLES):
            for yi, y in enumerate(range(rates.first_year, rates.last_year + 1)):
                rc_proj.append(None)
                rc_role.append(role)
                rc_rate.append(rates.firm[c, r, yi])
                rc_cur.append(currency)
                rc_from.append(day_number(dt.date(y, 1, 1)))
                rc_to.append(day_number(dt.date(y, 12, 31)) if y < rates.last_year else -1)
    carded = vis[~np.isnan(projects.card_discount[vis])]
    for p in carded:
        for r, role in enumerate(P.ROLES):
            rate = rates.firm_rate(projects.region[p : p + 1], np.array([r]), projects.start[p : p + 1])[0]
            rc_proj.append(projects.ids[p])
            rc_role.append(role)
            rc_rate.append(round(rate * (1 - projects.card_discount[p]), 2))
            rc_cur.append(P.REGION_CURRENCY[projects.region[p]])
            rc_from.append(int(projects.start[p]))
            rc_to.append(-1)
    rows["rate_cards"] = write_entity(
        out,
        "rate_cards",
        fmt,
        {
            "rate_card_id": _ids("RC", len(rc_role), 7),
            "project_id": rc_proj,
            "role": rc_role,
            "bill_rate": np.array(rc_rate),
            "currency": rc_cur,
            "valid_from": np.array(rc_from),
            "valid_to": np.array(rc_to),
        },
    )

    # ---- opportunities and history
    tick("opportunities", 3)
    ev_keep = (opps.ev_ts <= as_of_end_us) & (opps.created[opps.ev_opp] <= as_of_day)
    eo = opps.ev_opp[ev_keep]
    h_order = np.lexsort((opps.ev_ts[ev_keep], opp_rank[eo]))
    hidx = np.flatnonzero(ev_keep)[h_order]
    rows["opportunity_history"] = write_entity(
        out,
        "opportunity_history",
        fmt,
        {
            "opportunity_id": opp_ids[opps.ev_opp[hidx]].tolist(),
            "changed_at": opps.ev_ts[hidx],
            "stage": opps.ev_stage[hidx].tolist(),
            "probability": opps.ev_prob[hidx],
            "amount": opps.ev_amount[hidx],
            "close_date": opps.ev_close[hidx],
            "expected_start_date": opps.ev_start[hidx],
            "status": opps.ev_status[hidx].tolist(),
        },
    )
    # current state = last kept event of each opportunity
    h_opp = opps.ev_opp[hidx]
    last = np.r_[h_opp[1:] != h_opp[:-1], True] if len(h_opp) else np.array([], bool)
    li = hidx[last]
    lo = opps.ev_opp[li]
    o2 = np.argsort(opp_rank[lo], kind="stable")
    li, lo = li[o2], lo[o2]
    proj_of_opp = np.where(won_visible[lo] & (opps.project[lo] >= 0), opps.project[lo], -1)
    rows["opportunities"] = write_entity(
        out,
        "opportunities",
        fmt,
        {
            "opportunity_id": opp_ids[lo].tolist(),
            "customer_id": [customers.ids[c] if c >= 0 else None for c in opps.customer[lo]],
            "account_name": [opps.account[i] for i in lo],
            "name": [f"{opps.account[i].split(' ')[0]} {P.PRACTICES[opps.practice[i]]} opportunity" for i in lo],
            "practice": [P.PRACTICES[p] for p in opps.practice[lo]],
            "region": [P.REGIONS[r] for r in opps.region[lo]],
            "currency": [P.REGION_CURRENCY[r] for r in opps.region[lo]],
            "amount": opps.ev_amount[li],
            "stage": opps.ev_stage[li].tolist(),
            "probability": opps.ev_prob[li],
            "created_date": opps.created[lo],
            "close_date": opps.ev_close[li],
            "expected_start_date": opps.ev_start[li],
            "expected_duration_weeks": opps.duration_weeks[lo],
            "status": opps.ev_status[li].tolist(),
            "project_id": [projects.ids[p] if p >= 0 else None for p in proj_of_opp],
            "updated_at": opps.ev_ts[li],
        },
    )

    # ---- assignments (current) and weekly snapshots
    tick("plans", 4)
    a_order = np.lexsort((plan.emp, plan.project, plan.start))
    a_rank = np.empty(len(a_order), dtype=np.int64)
    a_rank[a_order] = np.arange(len(a_order))
    asg_ids = pa.array(_ids("ASG", len(a_order), 7), pa.string())
    cur = np.flatnonzero((plan.created <= as_of_day) & (plan.cancelled > as_of_day))
    cur = cur[np.argsort(a_rank[cur])]
    c_emp, c_end, c_hours, c_upd = plan_as_of(plan, cur, np.full(len(cur), as_of_day))
    emp_arr = pa.array(people.ids, pa.string())
    proj_arr = pa.array(projects.ids, pa.string())

    def emp_col(emp: np.ndarray) -> pa.Array:
        return emp_arr.take(pa.array(np.maximum(emp, 0), mask=emp < 0))

    rows["assignments"] = write_entity(
        out,
        "assignments",
        fmt,
        {
            "assignment_id": asg_ids.take(pa.array(a_rank[cur])),
            "project_id": proj_arr.take(pa.array(plan.project[cur])),
            "employee_id": emp_col(c_emp),
            "role": pa.array(names, pa.string()).take(pa.array(plan.role[cur])),
            "start_date": plan.start[cur],
            "end_date": c_end,
            "hours_per_week": c_hours,
            "updated_at": c_upd,
        },
    )
    last_snap = int(monday_on_or_before(np.array([as_of_day]))[0])
    snap_r, snap_d = snapshot_rows(plan, window_start, last_snap)
    so = np.lexsort((a_rank[snap_r], snap_d))
    snap_r, snap_d = snap_r[so], snap_d[so]
    stream = EntityStream(out, "assignment_snapshots", fmt)
    for i in range(0, len(snap_r), 1_000_000):
        s_rows, s_days = snap_r[i : i + 1_000_000], snap_d[i : i + 1_000_000]
        s_emp, s_end, s_hours, s_upd = plan_as_of(plan, s_rows, s_days)
        stream.write(
            {
                "snapshot_date": s_days,
                "assignment_id": asg_ids.take(pa.array(a_rank[s_rows])),
                "project_id": proj_arr.take(pa.array(plan.project[s_rows])),
                "employee_id": emp_col(s_emp),
                "role": pa.array(names, pa.string()).take(pa.array(plan.role[s_rows])),
                "start_date": plan.start[s_rows],
                "end_date": s_end,
                "hours_per_week": s_hours,
                "updated_at": s_upd,
            }
        )
    rows["assignment_snapshots"] = stream.close()

    # ---- time entries, one month per chunk
    segments = build_segments(rng, people, projects, plan, window_start, as_of_day)
    gen = TimeEntryGenerator(rng, seed, people, projects, segments, cal, rates, customers, window_start, as_of_day)
    stream = EntityStream(out, "time_entries", fmt)
    months_list = gen.months()
    erp = ErpView(
        out,
        fmt,
        plan_discrepancies(seed, projects, int(months_list[0]), last_m, as_of_day),
        people,
        projects,
        rates,
        MonthlyFx.from_daily(fx, int(fx_days[0])),
        as_of_day,
        int(months_list[0]),
        last_m,
    )
    for i, m in enumerate(months_list):
        chunk = gen.month(int(m))
        if chunk is not None:
            stream.write(chunk)
            erp.month(gen.detail["ids"], gen.detail)
        if progress is not None:
            progress("time entries", 5 + 3 * (i + 1) / len(months_list), steps)
    rows["time_entries"] = stream.close()
    rows.update(erp.close())
    acc = gen.acc

    # ---- billing
    tick("billing", 8)
    bill = build_billing(rng, projects, customers, milestones, acc.tm_lines, as_of_day)
    rows["milestones"] = write_entity(
        out,
        "milestones",
        fmt,
        {
            "milestone_id": _ids("MS", len(milestones.project), 6),
            "project_id": proj_ids[milestones.project].tolist(),
            "name": milestones.name,
            "amount": milestones.amount,
            "due_date": milestones.due,
            "completed_date": milestones.completed,
            "invoice_id": bill.milestone_invoice,
        },
    )
    invoice_cols: dict[str, Any] = {
        "invoice_id": bill.inv_id,
        "customer_id": [customers.ids[c] for c in bill.inv_customer],
        "project_id": [projects.ids[p] if p >= 0 else None for p in bill.inv_project],
        "entity_id": [P.REGION_ENTITY[r] for r in bill.inv_region],
        "invoice_date": bill.inv_date,
        "due_date": bill.inv_due,
        "currency": [P.REGION_CURRENCY[r] for r in bill.inv_region],
        "amount": bill.inv_amount,
        "status": bill.inv_status,
        "updated_at": bill.inv_updated,
        "created_at": bill.inv_created,
        "invoice_number": [None] * len(bill.inv_id),
        "source_system": [None] * len(bill.inv_id),
    }
    line_cols: dict[str, Any] = {
        "invoice_line_id": _ids("IL", len(bill.line_invoice), 9),
        "invoice_id": [bill.inv_id[i] for i in bill.line_invoice],
        "project_id": [projects.ids[p] for p in bill.line_project],
        "line_type": bill.line_type,
        "hours": bill.line_hours,
        "amount": bill.line_amount,
        "source_system": [None] * len(bill.line_invoice),
    }
    payment_cols: dict[str, Any] = {
        "payment_id": _ids("PAY", len(bill.pay_invoice), 8),
        "invoice_id": [bill.inv_id[i] for i in bill.pay_invoice],
        "payment_date": bill.pay_date,
        "amount": bill.pay_amount,
    }
    erp_found: list[dict[str, Any]] = []
    if erp_invoices:
        view = erp_invoice_view(seed, bill, invoice_cols, line_cols, payment_cols, projects, erp.fx, as_of_day)
        invoice_cols = _appended(invoice_cols, view.invoices)
        line_cols = _appended(line_cols, view.invoice_lines)
        payment_cols = _appended(payment_cols, view.payments)
        erp_found = view.found
    rows["invoices"] = write_entity(out, "invoices", fmt, invoice_cols)
    rows["invoice_lines"] = write_entity(out, "invoice_lines", fmt, line_cols)
    rows["payments"] = write_entity(out, "payments", fmt, payment_cols)

    # ---- truth
    tick("truth", 9)
    worked_keys = np.concatenate(acc.worked_keys) if acc.worked_keys else np.array([], np.int64)
    worked_hours = np.concatenate(acc.worked_hours) if acc.worked_hours else np.array([])
    uk, inv = np.unique(worked_keys, return_inverse=True)
    worked_hours = np.bincount(inv, worked_hours, len(uk))
    truth = _truth(
        people,
        projects,
        plan,
        cal,
        opps,
        milestones,
        bill,
        acc,
        snap_r,
        snap_d,
        uk,
        worked_hours,
        fx,
        window_start,
        as_of_day,
        seed,
        employees,
        months,
        vis,
        won_visible,
    )
    truth["reconciliation"] = erp.truth(erp_found if erp_invoices else None)
    if not regime.is_default():
        truth["generator"]["regime"] = regime.as_dict()
    (out / "_truth.json").write_text(json.dumps(truth, indent=2, sort_keys=False) + "\n")

    elapsed = time.perf_counter() - t0
    tick("done", steps)
    return GenerateSummary(
        out_dir=out,
        fmt=fmt,
        rows=rows,
        total_rows=int(sum(rows.values())),
        seconds=round(elapsed, 2),
        window_start=dt.date(1970, 1, 1) + dt.timedelta(days=window_start),
        as_of=as_of_date,
        seed=seed,
    )


def _truth(
    people: People,
    projects: Projects,
    plan: Plan,
    cal: Calendar,
    opps: Opportunities,
    milestones: Milestones,
    bill: Billing,
    acc: TimeAccumulators,
    snap_r: np.ndarray,
    snap_d: np.ndarray,
    worked_keys: np.ndarray,
    worked_hours: np.ndarray,
    fx: dict[str, np.ndarray],
    window_start: int,
    as_of: int,
    seed: int,
    employees: int,
    months: int,
    vis: np.ndarray,
    won_visible: np.ndarray,
) -> dict[str, Any]:
    names = role_names()
    df = delivery_factors(people, projects, plan, cal, snap_r, snap_d, worked_keys, worked_hours, window_start, as_of)
    design_role = {n: (P.ROLE_DELIVERY[i] if i < len(P.ROLES) else P.SPECIALIST_DELIVERY) for i, n in enumerate(names)}
    cap = capacity_hours(people, cal, window_start, as_of)
    util_role = {}
    for i, n in enumerate(names):
        m = people.role == i
        util_role[n] = round(float(acc.billable_by_emp[m].sum() / cap[m].sum()), 4) if cap[m].sum() > 0 else None
    closed_opp = (opps.resolved <= as_of) & (opps.created <= as_of)
    wr = win_rates(opps, as_of)
    ff = vis[(projects.billing[vis] == FF) & np.array([projects.status[i] == "closed" for i in vis])]
    ff = ff[(projects.budget_hours[ff] > 0) & (projects.start[ff] >= window_start)]
    ff_ratio = acc.hours_by_project[ff] / projects.budget_hours[ff]
    won_with_project = won_visible & (opps.project >= 0)
    start_slip = projects.start[opps.project[won_with_project]] - opps.expected_start_final[won_with_project]
    done = milestones.completed >= 0
    return {
        "about": "True parameters of the demo firm. 'design' = what the simulator drew from; 'realized' = the same "
        "quantity measured on the generated files with the stated definition. Days are calendar days.",
        "generator": {
            "seed": int(seed),
            "employees": int(employees),
            "months": int(months),
            "as_of": (dt.date(1970, 1, 1) + dt.timedelta(days=as_of)).isoformat(),
            "history_start": (dt.date(1970, 1, 1) + dt.timedelta(days=window_start)).isoformat(),
            "reporting_currency": P.REPORTING_CURRENCY,
        },
        "delivery_factor": {
            "definition": DELIVERY_DEFINITION,
            "horizons_weeks": list(HORIZONS_WEEKS),
            "realized": df,
            "design": {
                "definition": "Expected hours worked per planned hour on an available day, before leave, "
                "absence and plan revisions: role factor × practice multiplier (capped at 0.99). "
                "Hours in a snapshot made L weeks before an assignment starts are the final "
                "hours × (1 + u × min(L, 12) / 12), u ~ Uniform(0, 2 × plan_inflation_mean).",
                "by_role": design_role,
                "practice_multiplier": dict(zip(P.PRACTICES, P.PRACTICE_DELIVERY_MULT, strict=True)),
                "plan_inflation_mean": P.PLAN_INFLATION_MEAN,
                "cancelled_assignment_share": P.CANCELLED_ASSIGNMENT_SHARE,
                "end_date_revision": f"until 14-63 days before its real end, an assignment's planned end is "
                f"1-6 weeks later ({P.END_SHIFT_LATER_SHARE:.0%} of assignments), 1-3 weeks "
                f"earlier ({P.END_SHIFT_EARLIER_SHARE:.0%}) or right (the rest)",
                "placeholder_share": P.PLACEHOLDER_SHARE,
            },
        },
        "win_rates": {
            "definition": "realized_by_stage[s] = share won among opportunities closed (won or lost) on or before "
            "the as-of date whose history reached stage s; realized_overall = share won among all "
            "opportunities closed by the as-of date.",
            **wr,
            "crm_probability_by_stage": dict(zip(P.STAGES, P.STAGE_CRM_PROBABILITY, strict=True)),
            "design_win_rate_from_stage_new_customer": dict(zip(P.STAGES, P.STAGE_TRUE_WIN_NEW, strict=True)),
            "design_win_rate_from_stage_existing_customer": dict(zip(P.STAGES, P.STAGE_TRUE_WIN_EXISTING, strict=True)),
            "rep_probability_bias": "70% of reps enter the stage default, 20% add 0.05, 10% add 0.10 (capped at 0.99)",
            "closed_stage_names": {"won": P.CLOSED_WON, "lost": P.CLOSED_LOST},
        },
        "close_date_slip_days": {
            "definition": "For opportunities closed by the as-of date: actual close day (close_date of the won/lost "
            "history row) minus the close_date entered when the opportunity was created (first "
            "history row). Reps push the close date by 14-45 days each time it lapses.",
            "realized": _dist((opps.resolved - opps.first_close)[closed_opp]),
            "realized_won_only": _dist((opps.resolved - opps.first_close)[closed_opp & opps.won]),
            "design_close_estimate_optimism": P.CLOSE_ESTIMATE_OPTIMISM,
        },
        "start_date_slip_days": {
            "definition": "For won opportunities with a project: projects.start_date minus the opportunity's "
            "expected_start_date at the time it was won (its final value).",
            "realized": _dist(start_slip),
            "design": "25% start on time, 10% start 1-10 days early, 65% late by lognormal(median 18 days, sigma 0.7)",
        },
        "approval_lag_days": {
            "definition": "approved_at (date, UTC) minus work_date, for approved time entries.",
            "realized": dist_from_histogram(acc.approval_lag_hist),
            "design": {
                "submit": "60% on the Friday of the work week, 30% 1-4 days later, 10% 4-20 days later",
                "approval_after_submit_median_days": P.APPROVAL_LAG_MEDIAN_DAYS,
                "approval_lognormal_sigma": P.APPROVAL_LAG_SIGMA,
                "stuck_share": P.APPROVAL_STUCK_SHARE,
                "stuck_extra_days": "15-60",
            },
        },
        "days_to_pay": {
            "definition": "For invoices with status paid: last payment_date minus invoice_date.",
            "realized": _dist(bill.days_to_pay),
            "design": {
                "customer_median_days": P.DAYS_TO_PAY_MEDIAN,
                "customer_spread_lognormal_sigma": 0.35,
                "invoice_spread_lognormal_sigma": 0.45,
                "bad_debt_share": P.BAD_DEBT_SHARE,
                "partial_payment_share": P.PARTIAL_PAYMENT_SHARE,
            },
        },
        "fixed_fee_overrun_factor": {
            "definition": "For closed fixed_fee projects that started within the history: hours logged "
            "(not rejected) / projects.budget_hours.",
            "realized": _dist(ff_ratio),
            "design_mean": P.FIXED_FEE_OVERRUN_MEAN,
        },
        "milestone_slip_days": {
            "definition": "For completed milestones: completed_date minus due_date.",
            "realized": _dist((milestones.completed - milestones.due)[done]),
            "design": "55% within +/-5 days, 45% late by lognormal(median 20 days, sigma 0.6); "
            "never before project start",
        },
        "utilization": {
            "definition": "billable hours (not rejected) / capacity hours, capacity = weekly_capacity_hours × working "
            "days (Mon-Fri, not a holiday of the person's region) within employment and the history / 5.",
            "realized_overall": round(float(acc.billable_by_emp.sum() / cap.sum()), 4),
            "realized_by_role": util_role,
        },
        "timesheets": {
            "entries": acc.entries,
            "rejected_share": round(acc.rejected / max(acc.entries, 1), 4),
            "entries_without_resolvable_rate": acc.no_rate_entries,
            "entries_after_closed_project_end": acc.after_end_entries,
            "approved_never_posted_to_erp": acc.never_posted,
            "approved_billable_tm_entries": acc.approved_billable_tm,
            "approved_billable_tm_entries_unbilled": acc.unbilled_approved_tm,
            "design_tm_never_billed_share": P.TM_UNBILLED_SHARE,
            "design_tm_billed_late_share": P.TM_LATE_BILLING_SHARE,
        },
        "fx": {c: {"first": float(v[0]), "last": float(v[-1]), "daily_log_vol": P.FX_DAILY_VOL} for c, v in fx.items()},
    }
