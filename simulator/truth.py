"""The true parameters behind the demo data, written to `_truth.json`.

Each behaviour is reported twice where that helps: `design` is what the simulator drew
from, `realized` is the same quantity measured on the generated files with the definition
given next to it, so a forecaster that follows the definition should land on `realized`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from . import params as P
from .calendar import Calendar
from .crm import Opportunities
from .firm import People, role_names
from .plans import Plan, plan_as_of
from .projects import Projects

HORIZONS_WEEKS = (0, 1, 2, 4, 8, 12)

DELIVERY_DEFINITION = (
    "For a snapshot date S (a Monday, assignment_snapshots.snapshot_date) and horizon k weeks, take the "
    "ISO week W that starts on S + 7k and ends on or before the as-of date. planned = for every snapshot "
    "row with a named employee, hours_per_week / 5 on each working day of W (Mon-Fri, not a public "
    "holiday of the employee's region) between the row's start_date and end_date. worked = hours of "
    "time entries (any approval_status except rejected, billable or not) of the same employee on the "
    "same project with work_date in W. Sum planned per (employee, project, W) over the snapshot's rows; "
    "keep the triples with planned > 0; factor = sum(worked) / sum(planned) over the triples of the "
    "group; role = employees.role, practice = projects.practice. Work on triples not planned in the "
    "snapshot is excluded (that is unplanned work: new assignments, extensions past the planned end), "
    "and planned assignments that were later cancelled or cut short count as planned with zero worked."
)


def _dist(values: npt.ArrayLike) -> dict[str, float]:
    x = np.asarray(values, dtype=float)
    if len(x) == 0:
        return {"n": 0}
    q = np.quantile(x, [0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99])
    return {
        "n": int(len(x)),
        "mean": round(float(x.mean()), 4),
        **{k: round(float(v), 4) for k, v in zip(("p10", "p25", "p50", "p75", "p90", "p95", "p99"), q, strict=True)},
    }


def dist_from_histogram(hist: np.ndarray) -> dict[str, float]:
    """The same summary as _dist for integer values given as counts per value."""
    n = hist.sum()
    if n == 0:
        return {"n": 0}
    values = np.arange(len(hist))
    cdf = np.cumsum(hist) / n
    out: dict[str, float] = {"n": int(n), "mean": round(float((values * hist).sum() / n), 4)}
    for name, q in zip(
        ("p10", "p25", "p50", "p75", "p90", "p95", "p99"), (0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99), strict=True
    ):
        out[name] = float(values[np.searchsorted(cdf, q)])
    return out


def delivery_factors(
    people: People,
    projects: Projects,
    plan: Plan,
    cal: Calendar,
    snap_rows: np.ndarray,
    snap_days: np.ndarray,
    worked_keys: np.ndarray,
    worked_hours: np.ndarray,
    window_start: int,
    as_of: int,
    chunk_rows: int = 400_000,
) -> dict[str, dict[str, Any]]:
    """Realised delivery factors by horizon, per the definition above. Snapshot rows come
    sorted by snapshot date and are processed in slices cut at date boundaries (a triple
    never spans two slices), which keeps memory flat at any firm size."""
    names = role_names()
    n_cells = len(names) * len(P.PRACTICES)
    planned_sum = {k: np.zeros(n_cells) for k in HORIZONS_WEEKS}
    worked_sum = {k: np.zeros(n_cells) for k in HORIZONS_WEEKS}
    n_proj = len(projects)
    cuts = [0]
    while cuts[-1] < len(snap_days):
        nxt = min(cuts[-1] + chunk_rows, len(snap_days))
        if nxt < len(snap_days):
            nxt = int(np.searchsorted(snap_days, snap_days[nxt], side="right"))
        cuts.append(nxt)
    for a, b in zip(cuts[:-1], cuts[1:], strict=True):
        emp, end_s, hours, _ = plan_as_of(plan, snap_rows[a:b], snap_days[a:b])
        named = emp >= 0
        r, S, emp, end_s, hours = snap_rows[a:b][named], snap_days[a:b][named], emp[named], end_s[named], hours[named]
        proj, start = plan.project[r], plan.start[r]
        region = people.region[emp]
        cell_of_row = people.role[emp] * len(P.PRACTICES) + projects.practice[proj]
        for k in HORIZONS_WEEKS:
            W = S + 7 * k
            ok = np.flatnonzero(as_of >= W + 6)
            wd = cal.working_days_between(region[ok], np.maximum(W, start)[ok], np.minimum(W + 6, end_s)[ok])
            planned = hours[ok] / 5.0 * wd
            pos_plan = planned > 0
            key = ((emp[ok] * n_proj + proj[ok]) * 10_000 + (W[ok] - window_start) // 7 + 100)[pos_plan]
            # One (employee, project, week) triple per snapshot, however many rows plan it.
            uk, first, inv = np.unique(key, return_index=True, return_inverse=True)
            pl = np.bincount(inv, planned[pos_plan], len(uk))
            if len(worked_keys):
                pos = np.minimum(np.searchsorted(worked_keys, uk), len(worked_keys) - 1)
                wk = np.where(worked_keys[pos] == uk, worked_hours[pos], 0.0)
            else:
                wk = np.zeros(len(uk))
            cell = cell_of_row[ok][pos_plan][first]
            planned_sum[k] += np.bincount(cell, pl, n_cells)
            worked_sum[k] += np.bincount(cell, wk, n_cells)

    def ratio(w: float, p: float) -> float | None:
        return round(float(w / p), 4) if p > 0 else None

    out: dict[str, dict[str, Any]] = {
        "overall": {},
        "by_role": {n: {} for n in names},
        "by_practice": {p: {} for p in P.PRACTICES},
        "by_role_practice": {},
    }
    for k in HORIZONS_WEEKS:
        planned_k = planned_sum[k].reshape(len(names), len(P.PRACTICES))
        worked_k = worked_sum[k].reshape(len(names), len(P.PRACTICES))
        out["overall"][str(k)] = ratio(worked_k.sum(), planned_k.sum())
        for i, n in enumerate(names):
            out["by_role"][n][str(k)] = ratio(worked_k[i].sum(), planned_k[i].sum())
        for j, n in enumerate(P.PRACTICES):
            out["by_practice"][n][str(k)] = ratio(worked_k[:, j].sum(), planned_k[:, j].sum())
        for i, n in enumerate(names):
            for j, pn in enumerate(P.PRACTICES):
                if planned_k[i, j] > 0:
                    out["by_role_practice"].setdefault(f"{n}|{pn}", {})[str(k)] = {
                        "factor": ratio(worked_k[i, j], planned_k[i, j]),
                        "planned_hours": round(float(planned_k[i, j]), 1),
                    }
    return out


def capacity_hours(people: People, cal: Calendar, window_start: int, as_of: int) -> np.ndarray:
    """weekly_capacity_hours × working days within employment and the history / 5."""
    lo = np.maximum(people.hire, window_start)
    hi = np.minimum(people.termination, as_of)
    hours: np.ndarray = people.capacity * cal.working_days_between(people.region, lo, hi) / 5.0
    return hours


def win_rates(opps: Opportunities, as_of: int) -> dict[str, Any]:
    closed = (opps.resolved <= as_of) & (opps.created <= as_of)
    by_stage: dict[str, float | None] = {}
    counts: dict[str, int] = {}
    for s, name in enumerate(P.STAGES):
        reached = closed & (opps.entry <= s) & (opps.exit >= s)
        n = int(reached.sum())
        counts[name] = n
        by_stage[name] = round(float(opps.won[reached].mean()), 4) if n else None
    overall = round(float(opps.won[closed].mean()), 4) if closed.any() else None
    return {"realized_by_stage": by_stage, "closed_opportunities_reaching_stage": counts, "realized_overall": overall}
