"""Colours of the dashboard: one per meaning, told apart by readers with a colour-vision deficiency (the
Okabe-Ito set), readable on Streamlit's light and dark backgrounds, and never the only carrier of a meaning
(patterns, labels and signs say it too). WCAG 2.x contrast is computed here so the choices are tested.
"""

from __future__ import annotations

LIGHT_BACKGROUND = "#ffffff"  # Streamlit's light theme
DARK_BACKGROUND = "#0e1117"  # Streamlit's dark theme
TEXT = {"light": "#262730", "dark": "#fafafa"}  # axis, legend and label text on each background
GRID = {"light": "#d5d7de", "dark": "#3b3f4b"}
LINE = {"light": "#1a1a1a", "dark": "#f2f2f2"}  # the p50 line and other "the figure" lines
BAND = {"light": "rgba(0,114,178,0.20)", "dark": "rgba(86,180,233,0.30)"}  # the p10-p90 range
BAND_EDGE = {"light": "#0072b2", "dark": "#56b4e9"}

# Okabe & Ito (2008), "Color Universal Design": distinguishable with protanopia, deuteranopia and tritanopia.
OKABE_ITO = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000"]

COMPONENT_COLORS = {
    "actual": "#0072b2",
    "booked_time_and_materials": "#56b4e9",
    "booked_fixed_fee": "#009e73",
    "milestone": "#cc79a7",
    "retainer": "#882255",
    "pipeline": "#e69f00",
    "unplanned": "#8c8c8c",
}
# Pipeline and unplanned are the uncertain parts: hatched, so they read as such without colour too.
COMPONENT_PATTERNS = {"pipeline": "/", "unplanned": "x"}

EXPOSURE_COLORS = {
    "approved_unbilled": "#0072b2",
    "pending_approval": "#56b4e9",
    "at_risk": "#d55e00",
    "contract_asset": "#009e73",
}
EXPOSURE_PATTERNS = {"at_risk": "x"}

# Better than planned (more revenue, a lower error) is blue; worse is vermillion; totals neutral grey.
GOOD, BAD, NEUTRAL = "#0072b2", "#d55e00", "#7f7f7f"
# The utilization heat map: below a row's target orange, at target near white, above blue.
DIVERGING = [[0.0, "#e08214"], [0.5, "#f7f7f7"], [1.0, "#4393c3"]]
HEATMAP_TEXT = "#111111"

SERIES = OKABE_ITO[:7] + ["#7f7f7f"]  # lines of a grouped chart; the last (grey) is "all other"
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot", "solid", "dot"]


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(color: str) -> float:
    """WCAG relative luminance of a '#rrggbb' colour."""
    hex_digits = color.lstrip("#")
    r, g, b = (int(hex_digits[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG contrast ratio, 1 to 21 (text needs 4.5, large text and graphics 3)."""
    lighter, darker = sorted((relative_luminance(foreground), relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def background(theme: str) -> str:
    return DARK_BACKGROUND if theme == "dark" else LIGHT_BACKGROUND
