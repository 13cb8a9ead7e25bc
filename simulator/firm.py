"""People of the demo firm: legal entities, the role ladder, hiring and attrition, leave.

Headcount follows a gentle growth path that ends at the requested size on the as-of date.
Each month the simulator hires whoever is needed to get back onto that path after the
leavers it drew, so attrition and growth are both visible in hire and termination dates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import params as P
from .calendar import month_index, month_start_day

FIRST_NAMES = (
    "Alex",
    "Maria",
    "James",
    "Sofia",
    "Liam",
    "Emma",
    "Noah",
    "Olivia",
    "Lukas",
    "Hannah",
    "Oliver",
    "Amelia",
    "Elias",
    "Mia",
    "Ethan",
    "Ava",
    "Felix",
    "Isla",
    "Jonas",
    "Grace",
    "Mateo",
    "Chloe",
    "Leon",
    "Zoe",
    "Ben",
    "Lea",
    "Samuel",
    "Nora",
    "David",
    "Anna",
    "Raj",
    "Priya",
    "Wei",
    "Mei",
    "Kofi",
    "Amara",
    "Yusuf",
    "Leila",
    "Ivan",
    "Elena",
)
LAST_NAMES = (
    "Smith",
    "Muller",
    "Jones",
    "Schmidt",
    "Brown",
    "Schneider",
    "Taylor",
    "Fischer",
    "Wilson",
    "Weber",
    "Davies",
    "Meyer",
    "Evans",
    "Wagner",
    "Thomas",
    "Becker",
    "Johnson",
    "Hoffmann",
    "Roberts",
    "Koch",
    "Walker",
    "Richter",
    "Wright",
    "Klein",
    "Patel",
    "Wolf",
    "Garcia",
    "Schroeder",
    "Chen",
    "Neumann",
    "Kim",
    "Schwarz",
    "Okafor",
    "Braun",
    "Silva",
    "Hofmann",
    "Nguyen",
    "Lange",
    "Kowalski",
    "Novak",
)

NO_DATE = np.iinfo(np.int64).max // 4  # "never" (no termination) in day arithmetic


@dataclass
class People:
    role: np.ndarray  # index into ROLES, or len(ROLES) for the Specialist role
    practice: np.ndarray
    region: np.ndarray  # also the legal entity and its currency
    contractor: np.ndarray  # bool
    hire: np.ndarray  # day
    termination: np.ndarray  # day, NO_DATE when none was drawn
    capacity: np.ndarray  # weekly hours
    cost_rate: np.ndarray  # entity currency
    util_target: np.ndarray
    own_rate_usd: np.ndarray  # entry-level USD list rate for specialists who carry one; nan otherwise
    delivery: np.ndarray  # design delivery factor of the person's role × practice
    allocation: np.ndarray  # billable share of a full week planned on a stint
    summer_start: np.ndarray  # [person, year] first day of the summer leave block
    summer_end: np.ndarray  # [person, year] last day
    year_end_off: np.ndarray  # [person, year] bool: off from 24 Dec to 1 Jan
    first_year: int
    ids: list[str]
    names: list[str]
    emails: list[str]

    def __len__(self) -> int:
        return len(self.role)

    def visible_termination(self, as_of: int) -> np.ndarray:
        """Termination days known on the as-of date (NO_DATE when still employed then)."""
        return np.where(self.termination <= as_of, self.termination, NO_DATE)


def role_names() -> list[str]:
    return list(P.ROLES) + [P.SPECIALIST_ROLE]


def _draw_people(
    rng: np.random.Generator, n: int, junior_bias: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Role, practice, region and contractor flag of n people. New hires are more often
    contractors than the standing firm because contractors turn over much faster; that keeps
    their share of the active headcount near CONTRACTOR_SHARE."""
    role_w = np.array(P.ROLE_WEIGHTS)
    if junior_bias:  # new hires skew toward the bottom of the ladder
        role_w = role_w * np.array([1.6, 1.4, 1.0, 0.8, 0.6, 0.4, 0.25])
    role_w = role_w / role_w.sum()
    role = rng.choice(len(P.ROLES), n, p=role_w)
    practice = rng.choice(len(P.PRACTICES), n, p=np.array(P.PRACTICE_WEIGHTS))
    region = rng.choice(len(P.REGIONS), n, p=np.array(P.REGION_WEIGHTS))
    contractor = rng.random(n) < (P.CONTRACTOR_SHARE_OF_HIRES if junior_bias else P.CONTRACTOR_SHARE)
    specialist = contractor & (rng.random(n) < P.SPECIALIST_SHARE_OF_CONTRACTORS)
    role = np.where(specialist, len(P.ROLES), role)
    # Contractors sit in the delivery roles, not in the partnership.
    role = np.where(contractor & (role >= 4) & (role < len(P.ROLES)), 2, role)
    return role, practice, region, contractor


def _termination_after(rng: np.random.Generator, start: np.ndarray, contractor: np.ndarray) -> np.ndarray:
    annual = np.where(contractor, P.ANNUAL_CONTRACTOR_TURNOVER, P.ANNUAL_ATTRITION)
    hazard_per_day = -np.log(1 - annual) / 365.25
    days: np.ndarray = start + np.ceil(rng.exponential(1.0 / hazard_per_day)).astype(np.int64)
    return days


def build_people(
    rng: np.random.Generator,
    n_target: int,
    window_start: int,
    as_of: int,
    plan_end: int,
    freeze_from: int | None = None,
) -> People:
    """The people of the firm; nobody is hired on or after `freeze_from` (a hiring freeze), when given."""
    first_m = int(month_index(np.array([window_start]))[0])
    last_m = int(month_index(np.array([as_of]))[0])
    months = np.arange(first_m, last_m + 1)
    growth = (1 + P.ANNUAL_HEADCOUNT_GROWTH) ** ((months - last_m) / 12.0)
    target = np.maximum(5, np.round(n_target * growth)).astype(np.int64)

    # Initial cohort: employed on the first day of the history.
    n0 = int(target[0])
    role, practice, region, contractor = _draw_people(rng, n0, junior_bias=False)
    # The whole ladder is staffed from day one, however small the firm.
    k = min(n0, len(P.ROLES))
    role[:k], contractor[:k] = np.arange(k), False
    tenure = np.where(contractor, rng.exponential(250, n0), rng.exponential(1400, n0))
    hire = window_start - 1 - np.minimum(tenure, 15 * 365).astype(np.int64)
    term = _termination_after(rng, np.full(n0, window_start), contractor)
    parts = [(role, practice, region, contractor, hire, term)]

    hires_all, terms_all = hire, term
    for i, m in enumerate(months):
        ms = int(month_start_day(np.array([m]))[0])
        me = int(month_start_day(np.array([m + 1]))[0]) - 1
        active = int(np.sum((hires_all <= ms) & (terms_all >= ms)))
        leavers_this_month = int(np.sum((terms_all >= ms) & (terms_all <= me)))
        need = int(target[min(i + 1, len(target) - 1)]) - active + leavers_this_month
        k = max(0, need + int(rng.integers(-1, 2)))
        if k == 0 or ms > as_of or (freeze_from is not None and ms >= freeze_from):
            continue
        r, p, g, c = _draw_people(rng, k, junior_bias=True)
        h = rng.integers(ms, min(me, as_of) + 1, k)
        t = _termination_after(rng, h + 30, c)  # nobody leaves in their first month
        parts.append((r, p, g, c, h, t))
        hires_all = np.concatenate([hires_all, h])
        terms_all = np.concatenate([terms_all, t])

    role, practice, region, contractor, hire, term = (np.concatenate(x) for x in zip(*parts, strict=True))
    n = len(role)
    # Sort by hire day so ids read chronologically.
    order = np.lexsort((rng.random(n), hire))
    role, practice, region, contractor, hire, term = (
        a[order] for a in (role, practice, region, contractor, hire, term)
    )

    spec_has_rate = rng.random(n) < P.SPECIALIST_WITH_OWN_RATE
    # Every firm shows both kinds of specialist, even a tiny one: one who puts an own rate on
    # the entries and one whose time has no resolvable rate, both working through the history.
    through = (hire <= window_start) & (term > window_start + 90)
    for has_rate in (False, True):
        if not ((role == len(P.ROLES)) & (spec_has_rate == has_rate) & through).any():
            cand = np.flatnonzero((role < 4) & through & ~(role == len(P.ROLES)))
            if len(cand):
                k = cand[int(rng.integers(len(cand)))]
                role[k], contractor[k], spec_has_rate[k] = len(P.ROLES), True, has_rate
    is_spec = role == len(P.ROLES)
    ladder = np.minimum(role, len(P.ROLES) - 1)
    price = np.array([P.CURRENCY_PRICE_LEVEL[P.REGION_CURRENCY[r]] for r in range(len(P.REGIONS))])[region]
    base_cost = np.where(is_spec, P.SPECIALIST_COST_USD, np.array(P.ROLE_COST_USD)[ladder])
    base_cost = np.where(contractor & ~is_spec, np.array(P.ROLE_BILL_USD)[ladder] * 0.7, base_cost)
    cost_rate = np.round(base_cost * price * rng.lognormal(0, 0.07, n), 2)
    capacity = np.array(P.REGION_CAPACITY)[region]
    part_time = (~contractor) & (rng.random(n) < 0.06)
    capacity = np.where(part_time, capacity * np.where(rng.random(n) < 0.5, 0.6, 0.8), capacity)
    util_target = np.where(contractor, 0.90, np.array(P.ROLE_UTIL_TARGET)[ladder])
    own_rate = np.where(is_spec & spec_has_rate, np.round(rng.uniform(210, 260, n) / 5) * 5, np.nan)
    delivery = np.where(is_spec, P.SPECIALIST_DELIVERY, np.array(P.ROLE_DELIVERY)[ladder])
    delivery = np.minimum(0.99, delivery * np.array(P.PRACTICE_DELIVERY_MULT)[practice])
    allocation = np.where(contractor, 1.0, np.array(P.ROLE_ALLOCATION)[ladder])

    # Leave: a summer block per year (length by region) and, for most, the days between
    # Christmas and New Year. Years cover the history and the plan horizon.
    y0 = int(np.datetime64(int(window_start), "D").astype("datetime64[Y]").astype(int) + 1970) - 1
    y1 = int(np.datetime64(int(plan_end), "D").astype("datetime64[Y]").astype(int) + 1970) + 1
    years = np.arange(y0, y1 + 1)
    jun15 = np.array([(np.datetime64(f"{y}-06-15") - np.datetime64("1970-01-01")).astype(int) for y in years])
    summer_len = (np.array(P.REGION_SUMMER_DAYS)[region] * 7 // 5)[:, None] + rng.integers(-2, 3, (n, len(years)))
    summer_start = jun15[None, :] + rng.integers(0, 70, (n, len(years)))
    summer_end = summer_start + np.maximum(summer_len, 3) - 1
    year_end_off = rng.random((n, len(years))) < P.YEAR_END_LEAVE_SHARE
    # Contractors bill through the summer; their leave is short.
    summer_end = np.where(contractor[:, None], summer_start + 4, summer_end)

    ids = [f"EMP{i + 1:06d}" for i in range(n)]
    fi = rng.integers(0, len(FIRST_NAMES), n)
    li = rng.integers(0, len(LAST_NAMES), n)
    names = [f"{FIRST_NAMES[a]} {LAST_NAMES[b]}" for a, b in zip(fi, li, strict=True)]
    emails = [
        f"{FIRST_NAMES[a].lower()}.{LAST_NAMES[b].lower()}.{i + 1}@demo-firm.example"
        for i, (a, b) in enumerate(zip(fi, li, strict=True))
    ]
    return People(
        role,
        practice,
        region,
        contractor,
        hire,
        term,
        capacity,
        cost_rate,
        util_target,
        own_rate,
        delivery,
        allocation,
        summer_start,
        summer_end,
        year_end_off,
        int(y0),
        ids,
        names,
        emails,
    )


def on_leave(people: People, emp: np.ndarray, days: np.ndarray, dec24_by_year: np.ndarray) -> np.ndarray:
    """bool matrix [len(emp), len(days)]: the person is on planned leave that day."""
    years = (days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970) - people.first_year
    years = np.clip(years, 0, people.summer_start.shape[1] - 1)
    s = people.summer_start[emp][:, years]
    e = people.summer_end[emp][:, years]
    leave = (days[None, :] >= s) & (days[None, :] <= e)
    # Year-end block: 24-31 Dec of the day's year, and 1 Jan counted with the previous year.
    doy_dec = days - dec24_by_year[years]
    in_dec_block = (doy_dec >= 0) & (doy_dec <= 7)
    prev = np.clip(years - 1, 0, people.summer_start.shape[1] - 1)
    jan1 = (days - dec24_by_year[prev]) == 8
    off_dec = people.year_end_off[emp][:, years] & in_dec_block[None, :]
    off_jan = people.year_end_off[emp][:, prev] & jan1[None, :]
    off: np.ndarray = leave | off_dec | off_jan
    return off
