"""Monthly revenue targets by practice and region (reporting currency).

Budgeting logic of a typical firm: headcount × capacity × utilization target × list price,
less a discount for realization, with lighter August and December months. Future months
use the headcount on the as-of date grown at the planned rate.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import params as P
from .calendar import month_index, month_start_day
from .firm import People
from .projects import RateBook


def revenue_targets(
    people: People, rates: RateBook, window_start: int, as_of: int, months_ahead: int = 14
) -> dict[str, Any]:
    """The revenue_targets entity's columns (month, practice, region, amount)."""
    m0 = int(month_index(np.array([window_start]))[0])
    m_asof = int(month_index(np.array([as_of]))[0])
    months = np.arange(m0, m_asof + months_ahead + 1)
    n_cells = len(P.PRACTICES) * len(P.REGIONS)
    out_m: list[int] = []
    out_p: list[str] = []
    out_r: list[str] = []
    out_a: list[float] = []
    ladder = np.minimum(people.role, len(P.ROLES) - 1)
    for m in months:
        mid = int(month_start_day(np.array([m]))[0]) + 14
        ref = min(mid, as_of)
        active = (people.hire <= ref) & (people.termination >= ref)
        usd = rates.firm_rate(np.zeros(len(people), dtype=np.int64), ladder, np.full(len(people), mid))
        value = people.capacity * 52 / 12 * people.util_target * usd * 0.85
        growth = (1 + P.ANNUAL_HEADCOUNT_GROWTH) ** (np.maximum(0, m - m_asof) / 12)
        cell = people.practice * len(P.REGIONS) + people.region
        amount = np.bincount(cell[active], value[active], n_cells) * growth
        month_of_year = int(m % 12) + 1
        amount *= {8: 0.9, 12: 0.85}.get(month_of_year, 1.0)
        for c in range(n_cells):
            out_m.append(int(month_start_day(np.array([m]))[0]))
            out_p.append(P.PRACTICES[c // len(P.REGIONS)])
            out_r.append(P.REGIONS[c % len(P.REGIONS)])
            out_a.append(round(float(amount[c]), -2))
    return {"month": np.array(out_m), "practice": out_p, "region": out_r, "amount": np.array(out_a)}
