"""How numbers read on screen: money with its currency and thousands separators, percents, hours."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, SupportsFloat

import streamlit as st

if TYPE_CHECKING:
    from streamlit.elements.lib.column_types import ColumnConfig

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$", "INR": "₹"}
# Streamlit's built-in number formats for the currencies it knows; others use "accounting" plus a label.
STREAMLIT_MONEY_FORMATS = {"USD": "dollar", "EUR": "euro", "JPY": "yen"}
MISSING = "—"

# What the formatters take: a number (numpy and Decimal included), or None / NaN for a missing value.
Number = SupportsFloat | None


def _number(value: Number) -> float | None:
    """The value as a float, or None when it is missing (None or a float NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def money(value: Number, currency: str = "USD", decimals: int = 0) -> str:
    """1234567.8 -> '$1,234,568'; -2500 -> '-$2,500'; a currency without a symbol -> 'CHF 1,234'."""
    number = _number(value)
    if number is None:
        return MISSING
    amount = f"{abs(number):,.{decimals}f}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    text = f"{symbol}{amount}" if symbol else f"{currency} {amount}"
    return f"-{text}" if number < 0 and float(amount.replace(",", "")) != 0 else text


def money_compact(value: Number, currency: str = "USD") -> str:
    """For chart annotations where space is short: '$1.23M', '$456K'."""
    number = _number(value)
    if number is None:
        return MISSING
    for divisor, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(number) >= divisor:
            return money(number / divisor, currency, 2 if abs(number) < 10 * divisor else 1) + suffix
    return money(number, currency)


def percent(value: Number, decimals: int = 1) -> str:
    """0.7234 -> '72.3%'."""
    number = _number(value)
    return MISSING if number is None else f"{number * 100:,.{decimals}f}%"


def hours(value: Number) -> str:
    number = _number(value)
    return MISSING if number is None else f"{number:,.0f} h"


def points(value: Number) -> str:
    """A difference of two ratios in percentage points: 0.031 -> '+3.1 pts'."""
    number = _number(value)
    return MISSING if number is None else f"{number * 100:+.1f} pts"


def days(value: Number) -> str:
    number = _number(value)
    return MISSING if number is None else f"{number:,.0f} days"


def money_column(label: str, currency: str, help: str | None = None) -> ColumnConfig:
    """A dataframe column shown as money (rounded to whole units) that still sorts as a number."""
    fmt = STREAMLIT_MONEY_FORMATS.get(currency, "accounting")
    if fmt == "accounting":
        label = f"{label} ({currency})"
    return st.column_config.NumberColumn(label, format=fmt, step=1, help=help)


def percent_column(label: str, help: str | None = None) -> ColumnConfig:
    return st.column_config.NumberColumn(label, format="percent", help=help)


def hours_column(label: str) -> ColumnConfig:
    return st.column_config.NumberColumn(f"{label} (h)", format="localized", step=1)
