"""Names from the data are shown as text, never rendered as Markdown or HTML: the helpers (formatting.plain for
Markdown, formatting.chart_text for Plotly) and every page on a warehouse whose names are Markdown and HTML.

The real browser check (no request reaches a beacon, no <b>/<img> from the data in the DOM) is in
test_browser_hostile.py.
"""

from __future__ import annotations

import html
import json
import re

import pytest
from app_fixture_warehouse import build_fixture_warehouse
from app_helpers import (
    APP_SCRIPT,
    HOSTILE_MARK,
    HOSTILE_PROJECT_ID,
    MARKUP_SIGNS,
    PAGE_FILES,
    hostile_names,
    no_exception,
)
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from app import charts
from app.formatting import WORD_JOINER, chart_text, plain

BEACON = "http://127.0.0.1:9/beacon"
HOSTILE = hostile_names(BEACON)
SAMPLES = [
    *HOSTILE.values(),
    "a_b_c *star* **strong** `code` ~~gone~~ <script>alert(1)</script> &amp; &lt;b&gt;",
    "# heading",
    "- item",
    "1. item",
    "> quote",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "line one\n\n![x](http://127.0.0.1:9/two.png)",
    "[ref]: http://127.0.0.1:9/ref.png\n![x][ref]",
    "<http://127.0.0.1:9/autolink> https://evil.example www.evil.example me@evil.example",
    ":red[coloured] :smile: :material/home: $x^2$ \\*not emphasis\\*",
    "trailing backslash \\",
]


def rendered_text(markdown: str) -> str:
    """CommonMark with GFM tables and strikethrough, as HTML."""
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)


@pytest.mark.parametrize("value", SAMPLES)
def test_plain_renders_as_exactly_the_value_in_one_paragraph(value):
    out = rendered_text(plain(value)).replace(WORD_JOINER, "")
    one_line = re.sub(r"\n+", " ", value)
    expected = html.escape(one_line, quote=False).replace('"', "&quot;")
    assert out == f"<p>{expected}</p>\n"


def test_plain_of_missing_values_and_numbers():
    assert plain(None) == "—"
    assert plain(float("nan")) == "—"
    assert plain(12) == "12"
    assert plain("Cloud") == "Cloud"


@pytest.mark.parametrize("value", SAMPLES)
def test_chart_text_leaves_no_tag_and_reads_back_as_the_value(value):
    out = chart_text(value)
    assert "<" not in out and ">" not in out
    assert html.unescape(out) == value


def test_chart_figures_escape_names_and_categories_but_the_table_keeps_them():
    import pandas as pd

    frame = pd.DataFrame(
        {"label": [HOSTILE["customer"], "Plain plc"], "approved_unbilled": [1.0, 2.0], "at_risk": [0.5, 0.0]}
    )
    figure = charts.stacked_bars(frame, "label", {"approved_unbilled": "A", "at_risk": "R"}, {}, "USD", True)
    assert list(figure.data[0].y) == [chart_text(HOSTILE["customer"]), "Plain plc"]
    assert frame["label"].iloc[0] == HOSTILE["customer"]
    lines = charts.grouped_lines(
        pd.DataFrame({"m": [1, 2], "v": [1.0, 2.0], "g": [HOSTILE["practice"]] * 2}), "m", "v", "g", None
    )
    assert lines.data[0].name == chart_text(HOSTILE["practice"])


def test_the_helpers_in_a_running_script():
    """AppTest: what the elements carry is the escaped text (the browser then shows it literally)."""

    def script():
        import streamlit as st

        from app.formatting import plain

        name = "![x](http://127.0.0.1:9/b.png) <b>bold</b>"
        st.caption(f"Project {plain(name)}")
        st.metric(f"Revenue of {plain(name)}", "1", help=f"about {plain(name)}")

    at = AppTest.from_function(script).run()
    no_exception(at)
    assert at.caption[0].value == "Project " + plain("![x](http://127.0.0.1:9/b.png) <b>bold</b>")
    assert not any(sign in at.metric[0].label for sign in MARKUP_SIGNS)
    assert not any(sign in at.metric[0].proto.help for sign in MARKUP_SIGNS)


# ---------------------------------------------------------------- every page, on a warehouse of hostile names


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    build_fixture_warehouse(folder / "wipcast.duckdb", renames=HOSTILE)
    return folder


def live_markup(text: str) -> list[str]:
    """The markup signs in a Markdown text that Markdown would act on: a sign whose first character is
    backslash-escaped (`\\<img`, as formatting.plain writes it) renders as those characters."""
    return [sign for sign in MARKUP_SIGNS if re.search(r"(?<!\\)" + re.escape(sign), text)]


def markdown_texts(at) -> list[str]:
    """Every text of the run that Streamlit renders as Markdown."""
    texts = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "info", "warning", "error", "success", "toast"):
        texts += [str(element.value) for element in getattr(at, kind)]
    for m in at.metric:
        texts += [str(m.label), str(m.value), str(m.delta or ""), m.proto.help]
    return texts


def strings_in(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in strings_in(value)]
    if isinstance(node, list):
        return [s for value in node for s in strings_in(value)]
    return []


def chart_strings(at) -> list[str]:
    return [s for chart in at.get("plotly_chart") for s in strings_in(json.loads(chart.proto.spec))]


def open_hostile(page_file: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=60)
    at.query_params.update(query or {})
    at.run()
    if page_file != "app_pages/overview.py":
        at.switch_page(page_file).run()
    return at


PAGES = [*PAGE_FILES.values()]
if (APP_SCRIPT.parent / "app_pages" / "scenarios.py").exists():
    PAGES.append("app_pages/scenarios.py")


@pytest.mark.parametrize("page_file", PAGES)
def test_no_page_puts_markdown_or_html_from_the_data_into_a_rendered_text(page_file, hostile_dir, use_warehouse):
    use_warehouse(hostile_dir)
    at = open_hostile(page_file)
    no_exception(at)
    for text in markdown_texts(at):
        assert not live_markup(text), (page_file, text)
    for text in chart_strings(at):
        assert "<b>" not in text and "<img" not in text and "<a" not in text, (page_file, text)


def test_the_hostile_names_are_shown_as_their_literal_text(hostile_dir, use_warehouse):
    use_warehouse(hostile_dir)
    forecast = open_hostile("app_pages/forecast.py", {"project": HOSTILE_PROJECT_ID})
    no_exception(forecast)
    captions = [c.value for c in forecast.caption]
    assert any(plain(HOSTILE["project"]) in c and plain(HOSTILE["practice"]) in c for c in captions), captions
    assert chart_text(HOSTILE["practice"]) in chart_strings(forecast)  # a legend entry of the by-practice lines
    unbilled = open_hostile("app_pages/unbilled.py")
    assert chart_text(HOSTILE["customer"]) in chart_strings(unbilled)  # a category of the by-customer bars
    utilization = open_hostile("app_pages/utilization.py")
    assert chart_text(HOSTILE["practice"]) in chart_strings(utilization)  # a heat-map row and a bench bar
    assert HOSTILE_MARK in " ".join(chart_strings(utilization))
