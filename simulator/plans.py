"""Resource plans: who works where, when, and how the plan looked on each weekly snapshot.

Each person has a chain of billable stints (a few weeks to half a year, with short bench
gaps). Stints of the same practice and region that start close together are grouped into a
team: that team is a client project. The stints become the assignments; the plan as it stood
on each Monday is written to assignment_snapshots, with hours that were higher the further
ahead they were planned, end dates that moved, placeholders named late, and assignments that
were planned and then cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import params as P
from .calendar import weekday
from .firm import People

DAY_US = 86_400_000_000


def monday_on_or_before(days: np.ndarray) -> np.ndarray:
    mondays: np.ndarray = days - weekday(days)
    return mondays


@dataclass
class Stints:
    emp: np.ndarray
    start: np.ndarray
    end: np.ndarray
    practice: np.ndarray
    region: np.ndarray  # region of the project (the person may be cross-staffed)
    hours: np.ndarray  # final planned hours per week
    group: np.ndarray  # client project index (0-based, client projects only)


def build_stints(rng: np.random.Generator, people: People, window_start: int, plan_end: int) -> Stints:
    n = len(people)
    initial = people.hire < window_start
    cursor = np.where(initial, window_start - rng.integers(0, 140, n), people.hire + rng.integers(3, 25, n))
    cursor = monday_on_or_before(cursor + 6)  # first Monday on or after: nobody is staffed before joining
    stop = np.minimum(people.termination, plan_end)
    out = []
    active = cursor <= stop
    first = True
    while active.any():
        idx = np.flatnonzero(active)
        k = len(idx)
        gap = np.where(rng.random(k) < 0.6, 0, rng.integers(1, 4, k))
        if first:
            gap[:] = 0
        # Managed services runs long engagements; the other practices weeks to months.
        long_run = people.practice[idx] == P.PRACTICES.index("Managed Services")
        length = np.where(long_run, rng.integers(12, 53, k), rng.integers(4, 27, k))
        start = cursor[idx] + 7 * gap
        end = np.minimum(start + 7 * length - 3, stop[idx])
        ok = start <= stop[idx]
        out.append((idx[ok], start[ok], end[ok]))
        cursor[idx] = start + 7 * length
        active = cursor <= stop
        first = False
    emp = np.concatenate([o[0] for o in out])
    start = np.concatenate([o[1] for o in out])
    end = np.concatenate([o[2] for o in out])
    keep = end >= start
    emp, start, end = emp[keep], start[keep], end[keep]
    m = len(emp)
    cross = rng.random(m) < 0.15
    region = np.where(cross, rng.integers(0, len(P.REGIONS), m), people.region[emp])
    practice = np.where(rng.random(m) < 0.05, rng.integers(0, len(P.PRACTICES), m), people.practice[emp])
    jitter = np.where(rng.random(m) < 0.15, rng.choice([0.5, 0.8], m), 1.0)
    hours = np.round(people.capacity[emp] * people.allocation[emp] * jitter * 2) / 2

    # Teams: sort stints by cell and start; a new project begins at random (mean team of
    # four), whenever the cell changes, or when starts drift more than four weeks apart.
    cell = practice * len(P.REGIONS) + region
    order = np.lexsort((rng.random(m), start, cell))
    emp, start, end, practice, region, hours, cell = (
        a[order] for a in (emp, start, end, practice, region, hours, cell)
    )
    brk = rng.random(m) < 1 / 4
    brk[0] = True
    brk[1:] |= (cell[1:] != cell[:-1]) | (start[1:] - start[:-1] > 28)
    group = np.cumsum(brk) - 1
    return Stints(emp, start, end, practice, region, hours, group)


@dataclass
class Plan:
    """Assignments (one row per stint plus cancelled ones) and their snapshot history."""

    project: np.ndarray  # project index (into the full project table)
    emp: np.ndarray
    role: np.ndarray
    start: np.ndarray
    end: np.ndarray
    hours: np.ndarray  # final hours per week
    created: np.ndarray  # day the assignment entered the plan
    cancelled: np.ndarray  # day it left the plan (cancelled ones), else NO
    inflation: np.ndarray  # early-plan optimism of this assignment
    end_shift: np.ndarray  # days the early plan's end differed from the final end
    end_fix_lead: np.ndarray  # days before the final end on which the plan's end was corrected
    placeholder: np.ndarray  # bool: unnamed until three weeks before start
    is_stint: np.ndarray  # bool: worked (not a cancelled plan)


NO = np.iinfo(np.int64).max // 4


def build_plan(
    rng: np.random.Generator,
    people: People,
    stints: Stints,
    project_of_group: np.ndarray,
    win_day: np.ndarray,
    project_start: np.ndarray,
    project_end: np.ndarray,
) -> Plan:
    m = len(stints.emp)
    project = project_of_group[stints.group]
    lead = rng.integers(7, 57, m)
    created = np.maximum(win_day[project], stints.start - lead)
    created = np.minimum(created, stints.start)
    # (scaled after the draw, so a negative mean, plans below the final hours, is allowed)
    inflation = 2 * P.PLAN_INFLATION_MEAN * rng.uniform(0, 1, m)
    u = rng.random(m)
    end_shift = np.where(
        u < P.END_SHIFT_LATER_SHARE,
        7 * rng.integers(1, 7, m),
        np.where(u < P.END_SHIFT_LATER_SHARE + P.END_SHIFT_EARLIER_SHARE, -7 * rng.integers(1, 4, m), 0),
    )
    fix_lead = rng.integers(14, 64, m)
    placeholder = (stints.start - created > 21) & (rng.random(m) < P.PLACEHOLDER_SHARE)

    # Cancelled plans: a copy of a real assignment for somebody else in the practice,
    # dropped before (or just after) it would have started.
    g = int(round(m * P.CANCELLED_ASSIGNMENT_SHARE))
    src = rng.choice(m, g, replace=False) if g else np.array([], dtype=np.int64)
    src = np.sort(src)
    other = rng.integers(0, len(people), (g, 6))
    valid = (
        (people.practice[other] == stints.practice[src][:, None])
        & (people.hire[other] <= created[src][:, None])
        & (people.termination[other] >= stints.start[src][:, None])
    )
    pick = np.where(valid.any(axis=1), other[np.arange(g), valid.argmax(axis=1)], stints.emp[src])
    g_created = np.maximum(created[src] - rng.integers(0, 15, g), win_day[project[src]])
    g_cancel = stints.start[src] - rng.integers(-7, 29, g)
    g_cancel = np.maximum(g_cancel, g_created + 1)

    cat = np.concatenate
    return Plan(
        project=cat([project, project[src]]),
        emp=cat([stints.emp, pick]),
        role=cat([people.role[stints.emp], people.role[pick]]),
        start=cat([stints.start, stints.start[src]]),
        end=cat([stints.end, stints.end[src]]),
        hours=cat([stints.hours, stints.hours[src]]),
        created=cat([created, g_created]),
        cancelled=cat([np.full(m, NO), g_cancel]),
        inflation=cat([inflation, inflation[src]]),
        end_shift=cat([end_shift, end_shift[src]]),
        end_fix_lead=cat([fix_lead, fix_lead[src]]),
        placeholder=cat([placeholder, np.zeros(g, bool)]),
        is_stint=cat([np.ones(m, bool), np.zeros(g, bool)]),
    )


def plan_as_of(plan: Plan, rows: np.ndarray, when: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """State of assignment rows on day(s) `when`: (employee or -1, end, hours, updated_at µs)."""
    start, end = plan.start[rows], plan.end[rows]
    lead_weeks = np.clip((start - when) / 7.0, 0, 12)
    hours = np.round(plan.hours[rows] * (1 + plan.inflation[rows] * lead_weeks / 12.0) * 2) / 2
    hours = np.minimum(hours, 80.0)
    fix_day = end - plan.end_fix_lead[rows]
    early = when < fix_day
    end_s = np.where(early, np.maximum(end + plan.end_shift[rows], start), end)
    named_day = start - 21
    unnamed = plan.placeholder[rows] & (when < named_day)
    emp = np.where(unnamed, -1, plan.emp[rows])
    # Last change on or before `when`: creation, a weekly Friday revision while the start
    # approaches, the day a placeholder was named, the day the end date was corrected.
    created = plan.created[rows]
    rev = np.minimum(when - 3, start - 3)
    rev = np.where((rev >= created) & (rev >= start - 87) & (plan.inflation[rows] > 0.005), rev, created)
    named = np.where(plan.placeholder[rows] & (named_day <= when), named_day, created)
    fixed = np.where((plan.end_shift[rows] != 0) & (fix_day <= when), np.maximum(fix_day, created), created)
    last = np.minimum(np.maximum.reduce([created, rev, named, fixed]), when)
    updated = last * DAY_US + 10 * 3_600_000_000 + (rows % 3600) * 1_000_000
    return emp, end_s, hours, updated


def snapshot_rows(plan: Plan, first_snap: int, last_snap: int) -> tuple[np.ndarray, np.ndarray]:
    """(row index into plan, snapshot day) for every Monday on which the assignment was in
    the plan and had not yet ended."""
    first_snap = int(monday_on_or_before(np.array([first_snap + 6]))[0])  # first Monday in the history
    lo = np.maximum(plan.created, first_snap)
    lo = lo + (7 - (lo - first_snap) % 7) % 7  # next Monday on or after
    hi = np.minimum.reduce([plan.end, plan.cancelled - 1, np.full(len(plan.end), last_snap)])
    count = np.where(hi >= lo, (hi - lo) // 7 + 1, 0)
    rows = np.repeat(np.arange(len(lo)), count)
    offs = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    return rows, lo[rows] + 7 * offs
