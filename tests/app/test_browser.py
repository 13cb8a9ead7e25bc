"""The dashboard in a real Chromium: every page loads with its title and key figures and no error element,
a filter change updates the figures, and a publish underneath the running app shows up without a restart.

Needs /usr/bin/chromium (Debian package `chromium`; `make test` installs it). Screenshots of every page go
to tests/artifacts/ (git-ignored), in the light and the dark theme.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from app_fixture_warehouse import build_fixture_warehouse
from app_helpers import money_value
from app_live_server import (
    CHROMIUM,
    PAGES,
    error_texts,
    launch_chromium,
    streamlit_server,
    wait_for_page,
    wait_until_idle,
)

from wipcast.publish import publish
from wipcast.settings import load_settings

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("app-browser"),  # one worker: the module shares one server and one Chromium
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing: apt-get install -y chromium"),
]

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
YTD_SQL = """select sum(r.earned_revenue_reporting) from marts.mart_revenue_monthly r join marts.dim_project p
             using (project_id) where r.month_start between date '2026-01-01' and date '2026-10-01'
             and list_contains(?, p.practice)"""


def ytd_from_sql(folder: Path, practices: list[str]) -> float:
    con = duckdb.connect(str(folder / "wipcast.duckdb"), read_only=True)
    try:
        return con.execute(YTD_SQL, [practices]).fetchone()[0]
    finally:
        con.close()


def metric_text(page, label: str) -> str:
    tile = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return tile.locator('[data-testid="stMetricValue"]').inner_text()


@pytest.fixture(scope="module")
def live_app(tmp_path_factory, warehouse_dir):
    """A running `streamlit run app/streamlit_app.py` on its own copy of the published warehouse."""
    folder = tmp_path_factory.mktemp("browser-warehouse")
    shutil.copyfile(warehouse_dir / "wipcast.duckdb", folder / "wipcast.duckdb")
    with streamlit_server(folder) as url:
        yield url, folder


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 2400})  # tall: whole pages in shots
    tab = context.new_page()
    yield tab
    context.close()


def _background_luminance(tab) -> float:
    """Relative luminance (WCAG) of the app's background colour."""
    rgb = tab.locator('[data-testid="stApp"]').evaluate("el => getComputedStyle(el).backgroundColor")
    channels = [int(v) / 255 for v in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_page_loads_with_title_key_figures_and_no_error(live_app, browser, theme):
    """Every page in the browser's light and dark colour scheme (Streamlit follows it), with a screenshot of
    each in tests/artifacts/page-<page>-<theme>.png."""
    url, _ = live_app
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1440, "height": 2400}, color_scheme=theme)
    tab = context.new_page()
    try:
        for path, (title, key_text) in PAGES.items():
            tab.goto(f"{url}/{path}")
            wait_for_page(tab, title, key_text)
            assert error_texts(tab) == [], f"{title}: {error_texts(tab)}"
            if path != "scenarios":  # the Scenarios page has key figures only once a scenario has run
                assert tab.locator('[data-testid="stMetricValue"]').count() >= 1, f"{title} shows no key figure"
            luminance = _background_luminance(tab)
            assert (luminance < 0.1) if theme == "dark" else (luminance > 0.8), (title, theme, luminance)
            tab.screenshot(path=str(ARTIFACTS / f"page-{path or 'overview'}-{theme}.png"), full_page=True)
    finally:
        context.close()


def test_a_filter_change_updates_the_headline(live_app, page):
    url, folder = live_app
    page.goto(url)
    wait_for_page(page, "Overview", "Revenue year to date")
    assert money_value(metric_text(page, "Revenue year to date")) == pytest.approx(
        ytd_from_sql(folder, ["Cloud", "Data", "Strategy"]), abs=0.5
    )
    practice = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Practice").locator("input")
    practice.click()
    practice.fill("Data")
    practice.press("Enter")
    page.keyboard.press("Escape")
    expected = ytd_from_sql(folder, ["Data"])
    page.wait_for_function(
        """([label, text]) => [...document.querySelectorAll('[data-testid="stMetric"]')]
            .some(m => m.innerText.includes(label) && m.innerText.includes(text))""",
        arg=["Revenue year to date", f"${expected:,.0f}"],
        timeout=20_000,
    )
    wait_until_idle(page)
    assert error_texts(page) == []
    assert "practice=Data" in page.url  # the view is in the address bar


def test_a_contradictory_filter_combination_says_no_data(live_app, page):
    url, _ = live_app
    # The fixture's legal entity E1 has no project and no person in region NA.
    page.goto(f"{url}/?region=NA&entity=E1")
    page.get_by_text("No data for this combination of filters", exact=False).first.wait_for(timeout=30_000)
    wait_until_idle(page)
    assert page.locator('[data-testid="stMetric"]').count() == 0
    assert "$0" not in page.locator('[data-testid="stMain"]').inner_text()


def test_a_link_restores_its_filters_a_tile_opens_its_rows_and_the_new_link_reopens_them(live_app, page):
    url, folder = live_app
    page.goto(f"{url}/?practice=Cloud")
    wait_for_page(page, "Overview", "Revenue year to date")
    assert money_value(metric_text(page, "Revenue year to date")) == pytest.approx(
        ytd_from_sql(folder, ["Cloud"]), abs=0.5
    )
    assert "Cloud" in page.locator('[data-testid="stMultiSelect"]').filter(has_text="Practice").inner_text()
    tile = metric_text(page, "Receivables > 90 days")
    page.get_by_role("button", name="Show the invoices").click()
    detail = page.locator(".st-key-detail-receivables-over-90-days")
    detail.wait_for(timeout=20_000)
    wait_until_idle(page)
    assert f"total {tile}" in detail.inner_text(), (tile, detail.inner_text())
    assert "drill=receivables_over_90" in page.url and "practice=Cloud" in page.url
    # The address bar now names the view: opened afresh, it shows the same rows under the same filter.
    copied = page.url
    page.goto("about:blank")
    page.goto(copied)
    page.locator(".st-key-detail-receivables-over-90-days").wait_for(timeout=30_000)
    assert f"total {tile}" in page.locator(".st-key-detail-receivables-over-90-days").inner_text()


def test_each_money_tile_opens_rows_that_sum_to_it(live_app, page):
    """Click each money tile's "Show the ..." button in the browser, one after the other (each replaces the
    open detail): the detail opens in the same tab under the filters, and the total it states is the tile's."""
    url, _ = live_app
    page.goto(f"{url}/?practice=Data")
    wait_for_page(page, "Overview", "Revenue year to date")
    for drill, tile in (
        ("revenue_ytd", "Revenue year to date"),
        ("revenue_ytd_margin", "Margin year to date"),
        ("revenue_qtd", "Revenue quarter to date"),
        ("unbilled", "Unbilled exposure"),
    ):
        figure = money_value(metric_text(page, tile))
        page.locator(f".st-key-drill-{drill} button").click()
        page.wait_for_function(
            "name => location.search.includes('drill=' + name + '&') || location.search.endsWith('drill=' + name)",
            arg=drill,
            timeout=30_000,
        )
        wait_until_idle(page)
        detail = page.locator('[class*="st-key-detail-"]').filter(has_text=" rows · total ").first
        detail.wait_for(timeout=30_000)
        stated = detail.inner_text().split(" rows · total ")[1].split()[0]
        assert money_value(stated) == pytest.approx(figure, abs=1), (tile, stated, figure)
        assert "practice=Data" in page.url
        assert error_texts(page) == []


def test_clicking_a_bar_opens_the_rows_behind_it(live_app, page):
    url, _ = live_app
    page.goto(f"{url}/unbilled")
    wait_for_page(page, "Unbilled exposure", "Approved, unbilled")
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    # The last trace's last point: the contract-asset segment of the "over 90" bar. Plotly's drag layer takes
    # the pointer, so click where the segment is drawn.
    box = chart.locator("g.point path").last.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    detail = page.locator(".st-key-detail-projects-behind-the-exposure-aged-over-90-days")
    detail.wait_for(timeout=20_000)
    wait_until_idle(page)
    assert " rows · total $" in detail.inner_text()
    assert error_texts(page) == []


def test_in_dark_mode_the_p50_line_and_the_band_take_the_dark_colours(live_app, browser):
    from app import palette

    url, _ = live_app
    context = browser.new_context(viewport={"width": 1440, "height": 2400}, color_scheme="dark")
    tab = context.new_page()
    try:
        tab.goto(f"{url}/forecast")
        wait_for_page(tab, "Forecast", "Booked work")
        chart = tab.locator('[data-testid="stPlotlyChart"]').first
        light_line = "rgb(26, 26, 26)"  # palette.LINE["light"]: would vanish on the dark background
        dark_line = "rgb({}, {}, {})".format(*(int(palette.LINE["dark"][i : i + 2], 16) for i in (1, 3, 5)))
        strokes = chart.locator("g.scatterlayer path.js-line").evaluate_all(
            "paths => paths.map(p => getComputedStyle(p).stroke)"
        )
        assert dark_line in strokes and light_line not in strokes, strokes
        tab.screenshot(path=str(ARTIFACTS / "page-forecast-dark.png"), full_page=True)
    finally:
        context.close()


def test_a_publish_underneath_the_running_app_shows_up_without_a_restart(live_app, page):
    url, folder = live_app
    page.goto(url)
    wait_for_page(page, "Overview", "Revenue year to date")
    before = money_value(metric_text(page, "Revenue year to date"))

    # What `wipcast run` does last: build in the working database, then publish (copy + atomic os.replace).
    build_fixture_warehouse(folder / "work.duckdb", bump=2.0)
    publish(load_settings({"warehouse_dir": str(folder)}), "test-publish")
    expected = ytd_from_sql(folder, ["Cloud", "Data", "Strategy"])
    assert expected == pytest.approx(2 * before, rel=0.001)

    # No click, no reload: the app's publish watcher notices the new file and redraws.
    page.wait_for_function(
        """([label, text]) => [...document.querySelectorAll('[data-testid="stMetric"]')]
            .some(m => m.innerText.includes(label) && m.innerText.includes(text))""",
        arg=["Revenue year to date", f"${expected:,.0f}"],
        timeout=40_000,
    )
    wait_until_idle(page)
    assert error_texts(page) == []
    # And other pages work on the new file too (every page was checked on the old one above).
    for path in ("unbilled", "forecast"):
        title, key_text = PAGES[path]
        page.goto(f"{url}/{path}")
        wait_for_page(page, title, key_text)
        assert error_texts(page) == [], f"{title}: {error_texts(page)}"


def test_reconciliation_page_shows_the_hand_made_exceptions(live_app, page):
    """The fixture's reconciliation marts (tests/app/app_fixture_warehouse.py, _reconciliation): 2 open
    exceptions, 1 of them older than 30 days, and 1,200.00 + 450.25 = 1,650.25 of overdue unposted time."""
    url, _ = live_app
    page.goto(f"{url}/reconciliation")
    wait_for_page(page, "Reconciliation", "Approved time not posted (overdue)")
    assert error_texts(page) == []
    assert money_value(metric_text(page, "Approved time not posted (overdue)")) == pytest.approx(1650, abs=0.5)
    assert metric_text(page, "All open exceptions") == "2"
    assert metric_text(page, "Open exceptions over 30 days") == "1"
    # the accepted and the resolved exception are not in the open rows; the open ones are, largest first
    body = page.locator("body").inner_text()
    assert "2 open exception(s), largest first." in body
