"""How values read on screen: money with its currency and thousands separators, percents, hours; and text
from the data made inert (plain, chart_text) before it reaches Markdown or a Plotly label.
"""

from __future__ import annotations

import html
import math
import re
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

# Every ASCII punctuation character: CommonMark lets any of them be backslash-escaped, and an escaped one is
# always literal text (no link, image, emphasis, code, heading, list, table, HTML, entity, directive or LaTeX).
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
# GFM turns a bare URL, www. name or e-mail address in text into a link even when its punctuation is escaped;
# an invisible word joiner before the ":" of a scheme, the "." after www and the "@" keeps it text.
_AUTOLINK_STARTS = re.compile(r"(?i)(?<=https)(?=\\:)|(?<=http)(?=\\:)|(?<=www)(?=\\\.)|(?=\\@)")
WORD_JOINER = "\u2060"


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return str(value)


def plain(value: object) -> str:
    """A value from the data (a name, an id, an error message) as literal text inside Markdown.

    For everything Streamlit renders as Markdown: st.markdown / caption / write / title / header / subheader,
    alerts (info, warning, error, success), toasts, status and progress texts, widget and metric labels, help
    tooltips, radio / segmented-control / pills options. `![x](http://host/beacon.png)` then shows as those
    characters instead of fetching the URL; `<b>` shows as `<b>`. Line breaks become spaces, so a value can
    never start a block of its own, and a bare URL or e-mail address is not made a link. Not for code spans
    (backslashes would show there), selectbox / multiselect options or dataframe cells, which are not Markdown.
    """
    escaped = _MARKDOWN_PUNCTUATION.sub(r"\\\1", _LINE_BREAKS.sub(" ", _text(value)))
    return _AUTOLINK_STARTS.sub(WORD_JOINER, escaped)


def chart_text(value: object) -> str:
    """A value from the data as literal text inside a Plotly figure.

    Plotly reads a subset of HTML (<b>, <i>, <br>, <a href>, <span style>, <sup>, ...) in titles, axis and
    tick labels (category values included), legend (trace) names, hover text and text labels. Escaping &, <
    and > leaves the characters on screen as they are and no tag.
    """
    return html.escape(_text(value), quote=False)


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


def error_ratio_change(ours: Number, best: Number) -> str | None:
    """Our error against the best baseline's as a signed change: 0.057 vs 0.100 -> '-43% error vs best baseline
    (0.57×)'. Shown with inverse delta colours, a smaller error (good) is green with a downward arrow."""
    mine, theirs = _number(ours), _number(best)
    if mine is None or not theirs:
        return None
    ratio = mine / theirs
    return f"{ratio - 1:+.0%} error vs best baseline ({ratio:.2f}×)"


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
