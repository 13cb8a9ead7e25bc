"""Hostile names in a real Chromium: a project, a customer, a practice and a legal entity whose names are Markdown
images pointing at a beacon on 127.0.0.1, <b> and <img onerror> tags and javascript: links. On every page no
request reaches the beacon, no <b>, <img> or link made from those names is in the DOM (Plotly's SVG included),
and the names show as their literal text.

Needs /usr/bin/chromium, like test_browser.py.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from app_fixture_warehouse import build_fixture_warehouse
from app_helpers import HOSTILE_MARK, HOSTILE_PROJECT_ID, hostile_names
from app_live_server import CHROMIUM, PAGES, error_texts, launch_chromium, streamlit_server, wait_for_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("app-browser"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing: apt-get install -y chromium"),
]

# 1x1 transparent GIF: what a beacon answers, so a fetched image would load without an error.
PIXEL = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")

# Elements the names would have produced, had any of them been rendered as Markdown or HTML.
FIND_RENDERED_MARKUP = """([mark, beacon]) => {
    const found = [];
    const note = (el) => found.push(el.outerHTML.slice(0, 200));
    document.querySelectorAll('img').forEach(el => {
        const src = el.getAttribute('src') || '';
        if (src.startsWith(beacon) || src === 'x' || el.hasAttribute('onerror')) note(el);
    });
    document.querySelectorAll('[onerror]').forEach(note);
    document.querySelectorAll('a').forEach(el => {
        const href = (el.getAttribute('href') || '').toLowerCase();
        if (href.startsWith('javascript:') || href.startsWith(beacon) || el.textContent.includes(mark)) note(el);
    });
    document.querySelectorAll('b, strong, em, i').forEach(el => { if (el.textContent.includes(mark)) note(el); });
    document.querySelectorAll('svg [style*="font-weight:bold"], svg [style*="font-weight: bold"], svg a')
        .forEach(el => { if (el.textContent.includes(mark)) note(el); });
    return found;
}"""
SVG_TEXT = "() => [...document.querySelectorAll('.main-svg')].map(svg => svg.textContent).join('\\n')"


@pytest.fixture(scope="module")
def beacon():
    """A tiny HTTP server on 127.0.0.1 that records every request it gets."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/gif")
            self.send_header("Content-Length", str(len(PIXEL)))
            self.end_headers()
            self.wfile.write(PIXEL)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory, beacon):
    url, _ = beacon
    folder = tmp_path_factory.mktemp("hostile-browser")
    names = hostile_names(url)
    build_fixture_warehouse(folder / "wipcast.duckdb", renames=names)
    with streamlit_server(folder) as app_url:
        yield app_url, names


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 2400})
    tab = context.new_page()
    yield tab
    context.close()


def test_no_page_renders_markdown_or_html_from_the_data(hostile_app, beacon, page):
    app_url, names = hostile_app
    beacon_url, hits = beacon
    # The browser can reach the beacon: an image rendered from a name would be counted.
    page.set_content(f'<img src="{beacon_url}/reachable.png">')
    page.wait_for_function("() => document.images[0].complete && document.images[0].naturalWidth === 1")
    assert hits == ["/reachable.png"]
    hits.clear()

    visits = [(path, title, key_text) for path, (title, key_text) in PAGES.items()]
    visits.append((f"forecast?project={HOSTILE_PROJECT_ID}", "Forecast", "A project's forecast and its inputs"))
    visits.append((f"project?project={HOSTILE_PROJECT_ID}", "Project", "Contract value"))
    for path, title, key_text in visits:
        page.goto(f"{app_url}/{path}")
        wait_for_page(page, title, key_text)
        assert error_texts(page) == [], f"{title}: {error_texts(page)}"
        assert page.evaluate(FIND_RENDERED_MARKUP, [HOSTILE_MARK, beacon_url]) == [], path
    time.sleep(1)  # a late image load would still arrive
    assert hits == [], f"the beacon was fetched: {hits}"


def test_the_names_show_as_their_literal_text(hostile_app, beacon, page):
    app_url, names = hostile_app
    _, hits = beacon

    page.goto(f"{app_url}/forecast?project={HOSTILE_PROJECT_ID}")
    wait_for_page(page, "Forecast", "A project's forecast and its inputs")
    caption = page.locator('[data-testid="stCaptionContainer"]').filter(has_text=f"![{HOSTILE_MARK}-image](").first
    text = caption.inner_text()
    assert f"<b>{HOSTILE_MARK}-bold</b>" in text and "[HOSTILE-link](javascript:alert(1))" in text
    assert f"<b>{HOSTILE_MARK}-bold</b> ![p](" in text  # the practice, in the same caption
    assert f"<b>{HOSTILE_MARK}-bold</b> ![p](" in page.evaluate(SVG_TEXT)  # the practice's legend entry

    page.goto(f"{app_url}/unbilled")
    wait_for_page(page, *PAGES["unbilled"])
    assert f"<b>{HOSTILE_MARK}-bold</b> <img src=x onerror=alert(1)>" in page.evaluate(SVG_TEXT)  # customer axis

    page.goto(f"{app_url}/utilization")
    wait_for_page(page, *PAGES["utilization"])
    assert f"<b>{HOSTILE_MARK}-bold</b> ![p](" in page.evaluate(SVG_TEXT)  # the practice's heat-map row
    assert hits == []
