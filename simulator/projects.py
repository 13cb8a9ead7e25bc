"""Customers, projects, rate cards and milestones of the demo firm.

Client projects are the teams formed in plans.py; this module gives each one a customer,
a billing type, a contract value consistent with its planned hours, a status on the as-of
date and (for a quarter of them) a negotiated project rate card. Internal non-billable
projects (bench and practice development, firm administration, business development) carry
no customer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from . import params as P
from .calendar import month_index
from .firm import People
from .plans import Stints

CUSTOMER_PREFIX = (
    "Northwind",
    "Bluewater",
    "Ironbridge",
    "Silverline",
    "Redwood",
    "Brightpath",
    "Kestrel",
    "Harbor",
    "Summit",
    "Granite",
    "Alder",
    "Meridian",
    "Falcon",
    "Cobalt",
    "Orchid",
    "Atlas",
    "Beacon",
    "Cedar",
    "Evergreen",
    "Lumen",
    "Nimbus",
    "Quarry",
    "Sterling",
    "Vantage",
)
CUSTOMER_NOUN = (
    "Logistics",
    "Health",
    "Bank",
    "Retail",
    "Energy",
    "Insurance",
    "Foods",
    "Motors",
    "Telecom",
    "Pharma",
    "Media",
    "Capital",
    "Systems",
    "Airlines",
    "Chemicals",
    "Partners",
)
REGION_COUNTRIES = (("US", "US", "US", "CA"), ("DE", "DE", "FR", "NL", "AT", "CH"), ("GB", "GB", "GB", "IE"))
REGION_SUFFIX = (("Inc.", "Corp.", "LLC"), ("GmbH", "AG", "SA", "BV"), ("Ltd", "plc"))
CURRENCIES = tuple(P.REGION_CURRENCY)  # region index == currency index == entity index


def year_of(days: npt.ArrayLike) -> np.ndarray:
    years: np.ndarray = np.asarray(days).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    return years


@dataclass
class Customers:
    region: np.ndarray
    country: list[str]
    industry: list[str]
    names: list[str]
    ids: list[str]
    consolidated: np.ndarray  # bool: time is invoiced on one invoice per month across projects
    pay_median: np.ndarray  # days to pay, customer habit
    terms: np.ndarray  # payment terms in days


def build_customers(rng: np.random.Generator, n_people: int) -> Customers:
    n = max(15, n_people // 4)
    region = rng.choice(len(P.REGIONS), n, p=np.array(P.REGION_WEIGHTS))
    names: list[str] = []
    countries: list[str] = []
    for i in range(n):
        r = int(region[i])
        a = CUSTOMER_PREFIX[int(rng.integers(len(CUSTOMER_PREFIX)))]
        b = CUSTOMER_NOUN[int(rng.integers(len(CUSTOMER_NOUN)))]
        s = REGION_SUFFIX[r][int(rng.integers(len(REGION_SUFFIX[r])))]
        names.append(f"{a} {b} {s}")
        countries.append(REGION_COUNTRIES[r][int(rng.integers(len(REGION_COUNTRIES[r])))])
    industry = [P.INDUSTRIES[int(k)] for k in rng.integers(0, len(P.INDUSTRIES), n)]
    ids = [f"CUS{i + 1:05d}" for i in range(n)]
    consolidated = rng.random(n) < 0.15
    pay_median = P.DAYS_TO_PAY_MEDIAN * rng.lognormal(0, 0.35, n)
    terms = rng.choice([30, 45, 60], n, p=[0.7, 0.2, 0.1])
    return Customers(region, countries, industry, names, ids, consolidated, pay_median, terms)


class RateBook:
    """Firm-wide list prices by role, currency and calendar year, and project cards."""

    def __init__(
        self, first_year: int, last_year: int, base_year: int, step: float = 0.0, step_year: int | None = None
    ):
        """step: a one-off relative change of every list price from January of step_year on (a regime knob)."""
        self.first_year, self.last_year = first_year, last_year
        years = np.arange(first_year, last_year + 1)
        growth = (1 + P.ANNUAL_RATE_INCREASE) ** (years - base_year)
        if step and step_year is not None:
            # Prices are quoted relative to the as-of year: the step moves the years on the other side of it.
            growth = (
                growth * np.where(years >= step_year, 1.0 + step, 1.0) / (1.0 + step if base_year >= step_year else 1.0)
            )
        level = np.array([P.CURRENCY_PRICE_LEVEL[c] for c in CURRENCIES])
        # [currency, role, year]
        self.firm = (
            np.round(level[:, None, None] * np.array(P.ROLE_BILL_USD)[None, :, None] * growth[None, None, :] / 5) * 5
        )

    def firm_rate(self, currency: np.ndarray, role: np.ndarray, days: npt.ArrayLike) -> np.ndarray:
        """Firm card rate; nan for roles without a card (the Specialist)."""
        y = np.clip(year_of(days) - self.first_year, 0, self.last_year - self.first_year)
        r = np.minimum(role, len(P.ROLES) - 1)
        rate = self.firm[currency, r, y]
        return np.where(np.asarray(role) < len(P.ROLES), rate, np.nan)


@dataclass
class Projects:
    """All projects: internal ones first, then client projects ordered by start."""

    ids: list[str]
    names: list[str]
    customer: np.ndarray  # customer index, -1 for internal
    region: np.ndarray  # == entity == currency index
    practice: np.ndarray
    billing: np.ndarray  # index into contract BILLING_TYPES order (4 = non_billable)
    start: np.ndarray
    end: np.ndarray
    status: list[str]
    contract_value: np.ndarray  # nan when none
    budget_hours: np.ndarray
    manager: np.ndarray  # employee index, -1 when none
    card_discount: np.ndarray  # nan when no project card
    win_day: np.ndarray  # day the work was booked (project visible from then)
    opp_backed: np.ndarray  # bool: won from a CRM opportunity
    new_customer: np.ndarray  # bool: first project for the customer
    planned_hours: np.ndarray  # sum of final planned hours of its stints
    planned_value: np.ndarray  # planned hours at firm rates, project currency
    n_internal: int
    bench_project: np.ndarray  # [practice, region] -> project index
    admin_project: np.ndarray  # [region] -> project index
    bd_project: np.ndarray  # [region] -> project index

    def __len__(self) -> int:
        return len(self.ids)


BILLING_ORDER = ("time_and_materials", "fixed_fee", "milestone", "retainer", "non_billable")
TM, FF, MS, RT, NB = range(5)


def build_projects(
    rng: np.random.Generator,
    people: People,
    customers: Customers,
    stints: Stints,
    rates: RateBook,
    window_start: int,
    as_of: int,
) -> tuple[Projects, np.ndarray]:
    """Returns the projects and, for each stint group, its project index."""
    n_groups = int(stints.group.max()) + 1
    g_start = np.full(n_groups, np.iinfo(np.int64).max)
    np.minimum.at(g_start, stints.group, stints.start)
    g_end = np.zeros(n_groups, dtype=np.int64)
    np.maximum.at(g_end, stints.group, stints.end)
    g_practice = np.zeros(n_groups, dtype=np.int64)
    g_practice[stints.group] = stints.practice
    g_region = np.zeros(n_groups, dtype=np.int64)
    g_region[stints.group] = stints.region

    # Planned hours and value per group at list prices (specialists priced like seniors).
    weeks = (stints.end - stints.start + 3) / 7.0
    hrs = stints.hours * weeks
    role = people.role[stints.emp]
    price_role = np.where(role < len(P.ROLES), role, 2)
    rate = rates.firm_rate(stints.region, price_role, stints.start)
    g_hours = np.bincount(stints.group, hrs, n_groups)
    g_value = np.bincount(stints.group, hrs * rate, n_groups)
    g_delivery = np.bincount(stints.group, hrs * people.delivery[stints.emp], n_groups) / np.maximum(g_hours, 1e-9)

    order = np.lexsort((np.arange(n_groups), g_start))
    n_int_bench = len(P.PRACTICES) * len(P.REGIONS)
    n_int = n_int_bench + 2 * len(P.REGIONS)
    project_of_group = np.empty(n_groups, dtype=np.int64)
    project_of_group[order] = n_int + np.arange(n_groups)

    c_start, c_end = g_start[order], g_end[order]
    c_practice, c_region = g_practice[order], g_region[order]
    c_hours, c_value, c_delivery = g_hours[order], g_value[order], g_delivery[order]
    n = n_groups

    duration_w = (c_end - c_start) / 7.0
    billing = rng.choice(4, n, p=np.array(P.BILLING_TYPE_WEIGHTS))
    billing = np.where((billing == RT) & (duration_w < 12), TM, billing)

    # Customers: projects of a region go to that region's customers, a few big accounts
    # getting most of the work (Zipf weights), so repeat business is common.
    customer = np.empty(n, dtype=np.int64)
    for r in range(len(P.REGIONS)):
        pool = np.flatnonzero(customers.region == r)
        sel = np.flatnonzero(c_region == r)
        if len(pool) == 0:
            pool = np.arange(len(customers.region))
        w = 1.0 / np.arange(1, len(pool) + 1) ** 0.8
        customer[sel] = pool[rng.choice(len(pool), len(sel), p=w / w.sum())]

    legacy = c_start < window_start + 60
    direct = (~legacy) & (rng.random(n) < P.DIRECT_PROJECT_SHARE)
    opp_backed = ~legacy & ~direct
    # A customer's first project is a new-customer deal unless it already had legacy work.
    first_seen = np.zeros(n, dtype=bool)
    _, first_idx = np.unique(customer, return_index=True)  # projects are in start order
    first_seen[first_idx] = True
    has_legacy = np.zeros(len(customers.region), dtype=bool)
    has_legacy[customer[legacy]] = True
    new_customer = first_seen & ~has_legacy[customer]

    win_day = np.where(legacy, c_start - rng.integers(14, 60, n), c_start - rng.integers(1, 11, n))

    # Contract values. Fixed fee and milestone budgets assume the plan will be delivered
    # with fewer hours than planned, then overrun that budget by a drawn factor.
    overrun = P.FIXED_FEE_OVERRUN_MEAN * rng.lognormal(0, 0.10, n) / np.exp(0.10**2 / 2)
    delivered_hours = c_hours * c_delivery * 0.93  # leave and absence take the rest
    blended = c_value / np.maximum(c_hours, 1e-9)
    ff_budget = np.round(delivered_hours / overrun)
    contract = np.full(n, np.nan)
    budget = np.round(c_hours)
    capped = (billing == TM) & (rng.random(n) < P.TM_CAPPED_SHARE)
    contract = np.where(capped, np.round(c_value * c_delivery * rng.uniform(0.75, 1.2, n), -2), contract)
    fixed_like = (billing == FF) | (billing == MS)
    contract = np.where(fixed_like, np.round(ff_budget * blended * rng.uniform(1.0, 1.15, n), -2), contract)
    budget = np.where(fixed_like, ff_budget, budget)
    months = month_index(c_end) - month_index(c_start) + 1
    retainer_fee = np.round(c_value * c_delivery * 0.93 / np.maximum(months, 1), -2)
    contract = np.where(billing == RT, retainer_fee * months, contract)
    contract = np.where(np.isnan(contract) | (contract > 0), contract, 100.0)

    status = np.where(c_start > as_of, "planned", np.where(c_end < as_of - 14, "closed", "active"))
    on_hold = (status == "active") & (rng.random(n) < 0.03)
    status = np.where(on_hold, "on_hold", status)

    managers = np.flatnonzero((people.role >= 3) & (people.role < len(P.ROLES)) & ~people.contractor)
    if len(managers) == 0:
        managers = np.arange(len(people))
    # A manager of the same practice employed at the start, when one exists.
    cand = managers[rng.integers(0, len(managers), (n, 8))]
    ok = (
        (people.practice[cand] == c_practice[:, None])
        & (people.hire[cand] <= c_start[:, None])
        & (people.termination[cand] >= c_start[:, None])
    )
    manager = np.where(ok.any(axis=1), cand[np.arange(n), ok.argmax(axis=1)], cand[:, 0])

    # Contracts outside the home market are priced on a local card; home-market (USD)
    # contracts use the firm-wide card unless a discount was negotiated.
    card = (billing != RT) & ((c_region != 0) | (rng.random(n) < P.PROJECT_CARD_SHARE))
    card_discount = np.where(card, np.round(rng.uniform(0.05, 0.15, n), 3), np.nan)

    # Internal projects.
    i_prac: list[int] = []
    i_reg: list[int] = []
    i_names: list[str] = []
    for p in range(len(P.PRACTICES)):
        for r in range(len(P.REGIONS)):
            i_prac.append(p)
            i_reg.append(r)
            i_names.append(f"Bench & Practice Development - {P.PRACTICES[p]} {P.REGIONS[r]}")
    for r in range(len(P.REGIONS)):
        i_prac.append(0)
        i_reg.append(r)
        i_names.append(f"Firm Administration - {P.REGIONS[r]}")
    for r in range(len(P.REGIONS)):
        i_prac.append(0)
        i_reg.append(r)
        i_names.append(f"Business Development - {P.REGIONS[r]}")
    i_start = np.full(n_int, window_start - 365)

    kinds = np.array(
        [
            "Transformation",
            "Implementation",
            "Assessment",
            "Migration",
            "Roadmap",
            "Support",
            "Platform Build",
            "Analytics Programme",
        ]
    )
    kind = kinds[rng.integers(0, len(kinds), n)]
    c_names = [
        f"{customers.names[c].split(' ')[0]} {P.PRACTICES[p]} {k}"
        for c, p, k in zip(customer, c_practice, kind, strict=True)
    ]
    ids = [f"PRJ-INT-{i + 1:03d}" for i in range(n_int)] + [f"PRJ{i + 1:06d}" for i in range(n)]

    cat = np.concatenate
    projects = Projects(
        ids=ids,
        names=i_names + c_names,
        customer=cat([np.full(n_int, -1), customer]),
        region=cat([np.array(i_reg), c_region]),
        practice=cat([np.array(i_prac), c_practice]),
        billing=cat([np.full(n_int, NB), billing]),
        start=cat([i_start, c_start]),
        end=cat([np.full(n_int, np.iinfo(np.int64).max // 4), c_end]),
        status=["active"] * n_int + list(status),
        contract_value=cat([np.full(n_int, np.nan), contract]),
        budget_hours=cat([np.full(n_int, np.nan), budget]),
        manager=cat([np.full(n_int, -1), manager]),
        card_discount=cat([np.full(n_int, np.nan), card_discount]),
        win_day=cat([i_start, win_day]),
        opp_backed=cat([np.zeros(n_int, bool), opp_backed]),
        new_customer=cat([np.zeros(n_int, bool), new_customer]),
        planned_hours=cat([np.zeros(n_int), c_hours]),
        planned_value=cat([np.zeros(n_int), c_value]),
        n_internal=n_int,
        bench_project=np.arange(n_int_bench).reshape(len(P.PRACTICES), len(P.REGIONS)),
        admin_project=n_int_bench + np.arange(len(P.REGIONS)),
        bd_project=n_int_bench + len(P.REGIONS) + np.arange(len(P.REGIONS)),
    )
    return projects, project_of_group


def project_card_rate(projects: Projects, rates: RateBook, project: np.ndarray, role: np.ndarray) -> np.ndarray:
    """Project card rate (list price in the project's start year less its discount); nan
    where the project has no card or the role has none."""
    base = rates.firm_rate(projects.region[project], role, projects.start[project])
    card: np.ndarray = np.round(base * (1 - projects.card_discount[project]), 2)
    return card


@dataclass
class Milestones:
    project: np.ndarray
    name: list[str]
    amount: np.ndarray
    due: np.ndarray
    completed: np.ndarray  # day or -1


def build_milestones(rng: np.random.Generator, projects: Projects, as_of: int) -> Milestones:
    ms_proj = np.flatnonzero((projects.billing == MS) & (projects.win_day <= as_of))
    k = rng.integers(2, 6, len(ms_proj))
    proj = np.repeat(ms_proj, k)
    j = np.arange(k.sum()) - np.repeat(np.cumsum(k) - k, k)
    kk = np.repeat(k, k)
    start, end = projects.start[proj], projects.end[proj]
    due = start + np.round((end - start) * (j + 1) / kk).astype(np.int64)
    weights = rng.uniform(0.7, 1.3, len(proj))
    wsum = np.bincount(np.repeat(np.arange(len(ms_proj)), k), weights)
    cv = projects.contract_value[proj]
    amount = np.round(cv * weights / np.repeat(wsum, k), 2)
    # The last milestone absorbs the rounding so the amounts add up to the contract value.
    last = j == kk - 1
    tot = np.bincount(np.repeat(np.arange(len(ms_proj)), k), amount)
    amount[last] += np.round(projects.contract_value[ms_proj] - tot, 2)
    slip = np.where(
        rng.random(len(proj)) < 0.55,
        rng.integers(-5, 6, len(proj)),
        np.round(rng.lognormal(np.log(20), 0.6, len(proj))).astype(np.int64),
    )
    completed = np.maximum(due + slip, start)
    completed = np.where(completed <= as_of, completed, -1)
    labels = ("Discovery sign-off", "Design approved", "Build complete", "User acceptance", "Go-live", "Hypercare exit")
    names = [f"M{int(a) + 1} {labels[min(int(a), len(labels) - 1)]}" for a in j]
    return Milestones(proj, names, np.round(amount, 2), due, completed)
