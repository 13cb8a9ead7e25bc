"""Calendar of the demo firm: public holidays per region, working days, daily fx rates.

Days are handled as integers (days since 1970-01-01) so that every later step can do
date arithmetic on numpy arrays; the writer turns them into ISO dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from . import params as P

EPOCH = dt.date(1970, 1, 1)


def day_number(d: dt.date) -> int:
    return (d - EPOCH).days


def to_date(n: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(n))


def weekday(days: np.ndarray) -> np.ndarray:
    """ISO weekday 0=Monday .. 6=Sunday (1970-01-01 was a Thursday)."""
    return (np.asarray(days) + 3) % 7


def month_index(days: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of each day."""
    return np.asarray(days).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def month_start_day(months: np.ndarray) -> np.ndarray:
    return np.asarray(months).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def _easter(year: int) -> dt.date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month = (h + l_ - 7 * m + 114) // 31
    day = ((h + l_ - 7 * m + 114) % 31) + 1
    return dt.date(year, month, day)


def _nth_weekday(year: int, month: int, wd: int, n: int) -> dt.date:
    """n-th (1-based; -1 = last) weekday wd (0=Mon) of a month."""
    if n > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(wd - first.weekday()) % 7 + 7 * (n - 1))
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    last = nxt - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - wd) % 7)


def _us_observed(d: dt.date) -> dt.date:
    if d.weekday() == 5:
        return d - dt.timedelta(days=1)
    if d.weekday() == 6:
        return d + dt.timedelta(days=1)
    return d


def _holidays_of_year(region: str, y: int) -> list[tuple[dt.date, str]]:
    easter = _easter(y)
    if region == "North America":
        thanksgiving = _nth_weekday(y, 11, 3, 4)
        return [
            (_us_observed(dt.date(y, 1, 1)), "New Year's Day"),
            (_nth_weekday(y, 1, 0, 3), "Martin Luther King Jr. Day"),
            (_nth_weekday(y, 2, 0, 3), "Presidents' Day"),
            (_nth_weekday(y, 5, 0, -1), "Memorial Day"),
            (_us_observed(dt.date(y, 6, 19)), "Juneteenth"),
            (_us_observed(dt.date(y, 7, 4)), "Independence Day"),
            (_nth_weekday(y, 9, 0, 1), "Labor Day"),
            (thanksgiving, "Thanksgiving Day"),
            (thanksgiving + dt.timedelta(days=1), "Day after Thanksgiving"),
            (_us_observed(dt.date(y, 12, 25)), "Christmas Day"),
        ]
    if region == "Europe":
        return [
            (dt.date(y, 1, 1), "Neujahr"),
            (easter - dt.timedelta(days=2), "Karfreitag"),
            (easter + dt.timedelta(days=1), "Ostermontag"),
            (dt.date(y, 5, 1), "Tag der Arbeit"),
            (easter + dt.timedelta(days=39), "Christi Himmelfahrt"),
            (easter + dt.timedelta(days=50), "Pfingstmontag"),
            (dt.date(y, 10, 3), "Tag der Deutschen Einheit"),
            (dt.date(y, 12, 24), "Heiligabend"),
            (dt.date(y, 12, 25), "1. Weihnachtstag"),
            (dt.date(y, 12, 26), "2. Weihnachtstag"),
        ]
    # UK & Ireland: a holiday on a weekend moves to the next free weekday (substitute day).
    fixed = [
        (dt.date(y, 1, 1), "New Year's Day"),
        (easter - dt.timedelta(days=2), "Good Friday"),
        (easter + dt.timedelta(days=1), "Easter Monday"),
        (_nth_weekday(y, 5, 0, 1), "Early May Bank Holiday"),
        (_nth_weekday(y, 5, 0, -1), "Spring Bank Holiday"),
        (_nth_weekday(y, 8, 0, -1), "Summer Bank Holiday"),
        (dt.date(y, 12, 25), "Christmas Day"),
        (dt.date(y, 12, 26), "Boxing Day"),
    ]
    taken: set[dt.date] = set()
    out = []
    for d, name in fixed:
        while d.weekday() >= 5 or d in taken:
            d += dt.timedelta(days=1)
        taken.add(d)
        out.append((d, name))
    return out


@dataclass
class Calendar:
    """Working-day lookups for [first_day, last_day] by region."""

    first_day: int
    last_day: int
    is_working: np.ndarray  # bool [region, day - first_day]
    cum_working: np.ndarray  # int [region, day - first_day + 1]: working days before the day
    holidays: list[tuple[int, int, str]]  # (day, region index, name)

    def idx(self, days: npt.ArrayLike) -> np.ndarray:
        positions: np.ndarray = np.clip(np.asarray(days) - self.first_day, 0, self.last_day - self.first_day)
        return positions

    def working_days_between(self, region: np.ndarray | int, start: npt.ArrayLike, end: npt.ArrayLike) -> np.ndarray:
        """Working days in [start, end] inclusive (0 when end < start), vectorised."""
        start = np.asarray(start)
        end = np.asarray(end)
        s = np.clip(start - self.first_day, 0, self.last_day - self.first_day + 1)
        e = np.clip(end - self.first_day + 1, 0, self.last_day - self.first_day + 1)
        n = self.cum_working[region, e] - self.cum_working[region, s]
        return np.where(end >= start, np.maximum(n, 0), 0)


def build_calendar(first_day: int, last_day: int, holiday_years: range) -> Calendar:
    n = last_day - first_day + 1
    days = np.arange(first_day, last_day + 1)
    weekday_ok = weekday(days) < 5
    is_working = np.repeat(weekday_ok[None, :], len(P.REGIONS), axis=0)
    holidays = []
    for r, region in enumerate(P.REGIONS):
        for y in holiday_years:
            for d, name in _holidays_of_year(region, y):
                dn = day_number(d)
                holidays.append((dn, r, name))
                if first_day <= dn <= last_day:
                    is_working[r, dn - first_day] = False
    holidays.sort()
    cum = np.zeros((len(P.REGIONS), n + 1), dtype=np.int64)
    cum[:, 1:] = np.cumsum(is_working, axis=1)
    return Calendar(first_day, last_day, is_working, cum, holidays)


def fx_rates(rng: np.random.Generator, first_day: int, last_day: int) -> dict[str, np.ndarray]:
    """Daily rate_to_reporting for each non-reporting currency: a log random walk with a
    gentle pull back toward its start so that long histories stay plausible."""
    n = last_day - first_day + 1
    out = {}
    for cur, start in P.FX_START.items():
        shocks = rng.normal(0.0, P.FX_DAILY_VOL, n)
        level = np.empty(n)
        x = 0.0
        # A scalar loop over days (about 1,000 steps) is cheap; mean reversion needs the recursion.
        for i in range(n):
            x = 0.998 * x + shocks[i]
            level[i] = x
        out[cur] = np.round(start * np.exp(level), 6)
    return out


FX_BACKFILL_DAYS = 400  # projects begun before the history earn in months before it; they need rates too


def fx_backfill(seed: int, rates: dict[str, np.ndarray], days: int = FX_BACKFILL_DAYS) -> dict[str, np.ndarray]:
    """Extend each rate series `days` into the past with a random walk of the same volatility.

    It draws from a generator of its own, so the firm drawn from the main generator is unchanged."""
    rng = np.random.default_rng([seed, 4242])
    out = {}
    for cur, series in rates.items():
        steps = rng.normal(0.0, P.FX_DAILY_VOL, days)
        back = series[0] * np.exp(-np.cumsum(steps))[::-1]  # back[-1] is one step before series[0]
        out[cur] = np.concatenate([np.round(back, 6), series])
    return out
