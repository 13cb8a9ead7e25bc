"""Money, percent and CSV formatting, checked against hand-written expectations."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from app import data, formatting, ui


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        (1234567.8, "USD", "$1,234,568"),
        (-2500, "USD", "-$2,500"),
        (0.4, "USD", "$0"),
        (-0.4, "USD", "$0"),
        (98765.4321, "EUR", "€98,765"),
        (1234.5, "CHF", "CHF 1,234"),  # 1234.5 rounds half to even
        (None, "USD", "—"),
        (math.nan, "USD", "—"),
    ],
)
def test_money(value, currency, expected):
    assert formatting.money(value, currency) == expected


def test_money_with_cents_and_compact():
    assert formatting.money(1234.567, "GBP", 2) == "£1,234.57"
    assert formatting.money_compact(1_234_567, "USD") == "$1.23M"
    assert formatting.money_compact(45_600, "USD") == "$45.6K"


def test_percent_points_hours_days():
    assert formatting.percent(0.7234) == "72.3%"
    assert formatting.points(-0.045) == "-4.5 pts"
    assert formatting.hours(1165.4) == "1,165 h"
    assert formatting.days(52.6) == "53 days"
    assert formatting.percent(None) == "—"


def test_csv_neutralises_formulas_but_keeps_numbers():
    frame = pd.DataFrame(
        {
            "name": ['=HYPERLINK("http://x")', "+1", "@SUM(A1)", "-2", "Acme", "\tTab"],
            "amount": [-5.0, 1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    lines = ui.csv_bytes(frame).decode().splitlines()
    assert lines[0] == "name,amount"
    assert lines[1] == '"\'=HYPERLINK(""http://x"")",-5.0'
    assert lines[2] == "'+1,1.0"
    assert lines[3] == "'@SUM(A1),2.0"
    assert lines[4] == "'-2,3.0"
    assert lines[5] == "Acme,4.0"
    assert lines[6] == "'\tTab,5.0"


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (dt.date(2026, 10, 31), dt.date(2026, 10, 1)),  # a month end: October is closed
        (dt.date(2026, 10, 30), dt.date(2026, 9, 1)),  # mid-month: the last closed month is September
        (dt.date(2026, 3, 1), dt.date(2026, 2, 1)),
    ],
)
def test_last_closed_month(as_of, expected):
    assert data.last_closed_month(as_of) == expected


@pytest.mark.parametrize(
    ("as_of", "first_monday", "last_monday"),
    [
        (dt.date(2026, 10, 31), dt.date(2026, 9, 28), dt.date(2026, 10, 19)),  # Saturday: its week is not complete
        (dt.date(2026, 11, 1), dt.date(2026, 10, 5), dt.date(2026, 10, 26)),  # Sunday: its week is complete
        (dt.date(2026, 11, 2), dt.date(2026, 10, 5), dt.date(2026, 10, 26)),  # Monday
    ],
)
def test_last_complete_weeks(as_of, first_monday, last_monday):
    assert data.last_complete_weeks(as_of, 4) == (first_monday, last_monday)


def test_variance_window_covers_closed_months_after_the_earlier_forecast():
    assert data.variance_window(dt.date(2026, 7, 31), dt.date(2026, 10, 31)) == (
        dt.date(2026, 8, 1),
        dt.date(2026, 10, 1),
    )
    assert data.variance_window(dt.date(2026, 7, 31), dt.date(2026, 8, 15)) is None


@pytest.mark.parametrize(
    ("as_of", "fraction"),
    [
        (dt.date(2026, 10, 31), 1.0),
        (dt.date(2026, 10, 15), 15 / 31),
        (dt.date(2028, 2, 14), 14 / 29),  # leap year
        (dt.date(2026, 4, 1), 1 / 30),
    ],
)
def test_the_as_of_months_target_is_prorated_by_the_days_elapsed(as_of, fraction):
    assert data.month_elapsed_fraction(as_of) == pytest.approx(fraction)
