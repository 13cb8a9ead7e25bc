"""Regime knobs of the demo firm: the same simulator under other dynamics, for testing a forecast
against firms that grow, shrink, plan badly, extend work, change prices or stop hiring.

Each knob maps to design values in `params` (overridden for one `generate` call and restored
afterwards) or to a value `generate` passes on. The defaults are today's demo firm exactly: with
every knob at its default nothing is overridden and the files are byte for byte the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from typing import Any

from wipcast.errors import InputError

from . import params as P

PLANS = ("overstated", "accurate", "understated")
EXTENSIONS = ("normal", "many", "few")
SEASONALITY = ("normal", "weak", "strong")
CRM = ("optimistic", "calibrated", "pessimistic")
GROWTH_RANGE = (-0.5, 1.0)
PRICE_CHANGE_RANGE = (-0.5, 1.0)


@dataclass(frozen=True)
class Regime:
    """The dynamics of one simulated firm (see `wipcast demo generate --help`).

    growth: annual headcount growth (revenue follows headcount); 0.06 today, 0 is flat, negative shrinks.
    plans: overstated (today: early plans 0-24% above final hours, delivery factors 0.75-0.99),
        accurate (early plans equal the final hours, delivery factors near 0.97) or understated
        (early plans 0-16% below final hours, people deliver the full plan).
    extensions: how often work runs past an assignment's early planned end: normal (15% of
        assignments), many (45%) or few (3%).
    seasonality: normal, weak (short summers, few off at year end) or strong (long summers, almost
        everybody off between Christmas and New Year).
    price_change: one-off change of every list price (0.15 = +15%) from January of the year holding
        the middle of the history, on top of the annual increase.
    crm: the CRM's stage probabilities against the true win rates: optimistic (today: above),
        calibrated (equal) or pessimistic (40% below).
    hiring_freeze_months: nobody is hired in the last N months of the history (attrition goes on).
    """

    growth: float = P.ANNUAL_HEADCOUNT_GROWTH
    plans: str = "overstated"
    extensions: str = "normal"
    seasonality: str = "normal"
    price_change: float = 0.0
    crm: str = "optimistic"
    hiring_freeze_months: int = 0

    def is_default(self) -> bool:
        return self == Regime()

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _number(name: str, value: object, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{name} must be a number, got {value!r}", f"pass a number from {lo} to {hi}")
    if not lo <= float(value) <= hi:
        raise InputError(f"{name} {value} is outside {lo}..{hi}", f"pass a number from {lo} to {hi}")
    return float(value)


def validate(regime: Regime, months: int) -> Regime:
    _number("growth", regime.growth, *GROWTH_RANGE)
    _number("price_change", regime.price_change, *PRICE_CHANGE_RANGE)
    for name, value, choices in (
        ("plans", regime.plans, PLANS),
        ("extensions", regime.extensions, EXTENSIONS),
        ("seasonality", regime.seasonality, SEASONALITY),
        ("crm", regime.crm, CRM),
    ):
        if value not in choices:
            raise InputError(f"unknown {name} {value!r}", f"use one of {', '.join(choices)}")
    hf = regime.hiring_freeze_months
    if isinstance(hf, bool) or not isinstance(hf, int) or not 0 <= hf <= months:
        raise InputError(
            f"hiring_freeze_months must be a whole number from 0 to the months of history ({months}), got {hf!r}",
            "pass e.g. --hiring-freeze-months 12",
        )
    return regime


def overrides(regime: Regime) -> dict[str, Any]:
    """The params values this regime replaces (empty for the default regime)."""
    o: dict[str, Any] = {}
    if regime.growth != P.ANNUAL_HEADCOUNT_GROWTH:
        o["ANNUAL_HEADCOUNT_GROWTH"] = float(regime.growth)
    if regime.plans == "accurate":
        o["PLAN_INFLATION_MEAN"] = 0.0
        o["ROLE_DELIVERY"] = tuple(0.97 for _ in P.ROLE_DELIVERY)
        o["SPECIALIST_DELIVERY"] = 0.97
    elif regime.plans == "understated":
        o["PLAN_INFLATION_MEAN"] = -0.08
        o["ROLE_DELIVERY"] = tuple(1.0 for _ in P.ROLE_DELIVERY)
        o["SPECIALIST_DELIVERY"] = 1.0
    if regime.extensions == "many":
        o["END_SHIFT_LATER_SHARE"], o["END_SHIFT_EARLIER_SHARE"] = 0.20, 0.45
    elif regime.extensions == "few":
        o["END_SHIFT_LATER_SHARE"], o["END_SHIFT_EARLIER_SHARE"] = 0.55, 0.03
    if regime.seasonality == "weak":
        o["YEAR_END_LEAVE_SHARE"] = 0.15
        o["REGION_SUMMER_DAYS"] = tuple(max(1, d // 4) for d in P.REGION_SUMMER_DAYS)
    elif regime.seasonality == "strong":
        o["YEAR_END_LEAVE_SHARE"] = 0.95
        o["REGION_SUMMER_DAYS"] = tuple(d * 2 for d in P.REGION_SUMMER_DAYS)
    if regime.crm == "calibrated":
        o["STAGE_CRM_PROBABILITY"] = tuple(
            round((a + b) / 2, 2) for a, b in zip(P.STAGE_TRUE_WIN_NEW, P.STAGE_TRUE_WIN_EXISTING, strict=True)
        )
    elif regime.crm == "pessimistic":
        o["STAGE_CRM_PROBABILITY"] = tuple(
            round(0.6 * (a + b) / 2, 2) for a, b in zip(P.STAGE_TRUE_WIN_NEW, P.STAGE_TRUE_WIN_EXISTING, strict=True)
        )
    return o


@contextmanager
def applied(values: dict[str, Any]) -> Iterator[None]:
    """Set params values for the duration of the block, then restore them (even on error)."""
    saved = {k: getattr(P, k) for k in values}
    try:
        for k, v in values.items():
            setattr(P, k, v)
        yield
    finally:
        for k, v in saved.items():
            setattr(P, k, v)
