"""How numbers read on screen: money with its currency and thousands separators, percents, hours."""

from __future__ import annotations

import math

import streamlit as st

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$", "INR": "₹"}
# Streamlit's built-in number formats for the currencies it knows; others use "accounting" plus a label.
STREAMLIT_MONEY_FORMATS = {"USD": "dollar", "EUR": "euro", "JPY": "yen"}
MISSING = "—"


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def money(value, currency: str = "USD", decimals: int = 0) -> str:
    """1234567.8 -> '$1,234,568'; -2500 -> '-$2,500'; a currency without a symbol -> 'CHF 1,234'."""
    if _is_missing(value):
        return MISSING
    value = float(value)
    amount = f"{abs(value):,.{decimals}f}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    text = f"{symbol}{amount}" if symbol else f"{currency} {amount}"
    return f"-{text}" if value < 0 and float(amount.replace(",", "")) != 0 else text


def money_compact(value, currency: str = "USD") -> str:
    """For chart annotations where space is short: '$1.23M', '$456K'."""
    if _is_missing(value):
        return MISSING
    value = float(value)
    for divisor, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= divisor:
            return money(value / divisor, currency, 2 if abs(value) < 10 * divisor else 1) + suffix
    return money(value, currency)


def percent(value, decimals: int = 1) -> str:
    """0.7234 -> '72.3%'."""
    if _is_missing(value):
        return MISSING
    return f"{float(value) * 100:,.{decimals}f}%"


def hours(value) -> str:
    if _is_missing(value):
        return MISSING
    return f"{float(value):,.0f} h"


def points(value) -> str:
    """A difference of two ratios in percentage points: 0.031 -> '+3.1 pts'."""
    if _is_missing(value):
        return MISSING
    return f"{float(value) * 100:+.1f} pts"


def days(value) -> str:
    if _is_missing(value):
        return MISSING
    return f"{float(value):,.0f} days"


def money_column(label: str, currency: str, help: str | None = None):
    """A dataframe column shown as money (rounded to whole units) that still sorts as a number."""
    fmt = STREAMLIT_MONEY_FORMATS.get(currency, "accounting")
    if fmt == "accounting":
        label = f"{label} ({currency})"
    return st.column_config.NumberColumn(label, format=fmt, step=1, help=help)


def percent_column(label: str, help: str | None = None):
    return st.column_config.NumberColumn(label, format="percent", help=help)


def hours_column(label: str):
    return st.column_config.NumberColumn(f"{label} (h)", format="localized", step=1)
