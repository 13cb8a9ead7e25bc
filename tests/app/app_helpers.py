"""Helpers for the dashboard tests: open a page with AppTest, read its metrics."""

from __future__ import annotations

import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
APP_SCRIPT = HERE.parents[1] / "app" / "streamlit_app.py"
PAGE_FILES = {
    "Overview": "app_pages/overview.py",
    "Forecast": "app_pages/forecast.py",
    "Variance": "app_pages/variance.py",
    "Unbilled exposure": "app_pages/unbilled.py",
    "Project": "app_pages/project.py",
    "Utilization": "app_pages/utilization.py",
    "Forecast accuracy": "app_pages/accuracy.py",
    "Data health": "app_pages/data_health.py",
    "Reconciliation": "app_pages/reconciliation.py",
}


def open_page(page_title: str, timeout: float = 60):
    """Run the router, switch to a page, run again; return the AppTest."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=timeout).run()
    if page_title != "Overview":
        at.switch_page(PAGE_FILES[page_title]).run()
    return at


def metric(at, label_start: str):
    matches = [m for m in at.metric if m.label.startswith(label_start)]
    assert matches, f"no metric starting {label_start!r}; have {[m.label for m in at.metric]}"
    return matches[0]


def money_value(text: str) -> float:
    """'$12,888,362' -> 12888362.0; '-$2,500' -> -2500.0."""
    negative = text.strip().startswith("-")
    number = float(re.sub(r"[^0-9.]", "", text))
    return -number if negative else number


def percent_value(text: str) -> float:
    return float(text.rstrip("%").replace(",", "")) / 100


def no_exception(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


HOSTILE_MARK = "HOSTILE"
HOSTILE_PROJECT_ID = "P001"  # the project, customer, entity and practice that get the names below come first
MARKUP_SIGNS = ("![", "](", "<b>", "</b>", "<img", "javascript:")


def hostile_names(beacon: str) -> dict[str, str]:
    """Names that are Markdown or HTML: an image fetching `beacon`, bold tags, an <img> with onerror, a js link."""
    return {
        "project": f"![{HOSTILE_MARK}-image]({beacon}/project.png) <b>{HOSTILE_MARK}-bold</b> "
        f"[{HOSTILE_MARK}-link](javascript:alert(1))",
        "customer": f"<b>{HOSTILE_MARK}-bold</b> <img src=x onerror=alert(1)> <img src={beacon}/customer.png> "
        f"![c]({beacon}/customer-md.png)",
        "practice": f"<b>{HOSTILE_MARK}-bold</b> ![p]({beacon}/practice.png) <img src=x onerror=alert(1)> "
        "[l](javascript:alert(1))",
        "entity": f"<img src={beacon}/entity.png> <b>{HOSTILE_MARK}-bold</b>",
    }
