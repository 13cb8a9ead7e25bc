"""Dashboard timings in a real browser: first render of each page, and a filter change once cached.

    .venv/bin/python bench/bench_app.py [--warehouse-dir DIR]

Without --warehouse-dir it builds the small hand-made fixture warehouse of tests/app. Point it at the demo
warehouse (`warehouse/`) or the 10,000-employee one for the dashboard's targets: first render < 2 s (demo) /
< 4 s (10k), filter change < 1 s once cached. Times are from navigation until the script has finished
and every visible chart has drawn.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "app"))
sys.path.insert(0, str(ROOT))

from app_live_server import PAGES, error_texts, launch_chromium, streamlit_server, wait_for_page, wait_until_idle  # noqa: E402


def _metric_value(page, label: str) -> str:
    return (
        page.locator('[data-testid="stMetric"]')
        .filter(has_text=label)
        .first.locator('[data-testid="stMetricValue"]')
        .inner_text()
    )


def _set_practice(page, practice: str | None) -> None:
    box = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Practice")
    if practice is None:
        box.get_by_role("button", name="Clear all").click()
    else:
        field = box.locator("input")
        field.click()
        field.fill(practice)
        field.press("Enter")
        page.keyboard.press("Escape")


def _wait_for_change(page, label: str, old: str, timeout_ms: int = 30_000) -> None:
    page.wait_for_function(
        """([label, old]) => { const m = [...document.querySelectorAll('[data-testid="stMetric"]')]
              .find(m => m.innerText.includes(label));
              return m && !m.innerText.includes(old); }""",
        arg=[label, old],
        timeout=timeout_ms,
    )
    wait_until_idle(page)


OPENED_BY_LINK = {"Project"}  # not in the top bar: opened from a project link (?project=ID)


def _click_nav(page, title: str) -> None:
    """Click a page in the top bar; the pages that do not fit are behind its "N more" menu."""
    shown = [link for link in page.get_by_role("link", name=title, exact=True).all() if link.is_visible()]
    if shown:
        shown[0].click()
        return
    page.locator('[data-testid="stTopNavSection"]').last.click()
    page.get_by_role("menuitem", name=title, exact=True).first.click()


def _render(page, title: str, key_text: str, timeout_ms: int = 120_000) -> bool:
    """Wait for the page's title and the end of the script run (charts drawn); say whether the key
    figure is there (a page may show an empty state, e.g. Variance without an earlier forecast)."""
    page.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=timeout_ms)
    wait_until_idle(page, timeout_ms)
    return page.get_by_text(key_text, exact=False).count() > 0


def run(warehouse_dir: Path) -> dict:
    from playwright.sync_api import sync_playwright

    results: dict = {"first_render": {}, "second_render": {}, "navigation": {}, "filter_change": []}
    with streamlit_server(warehouse_dir) as url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        for label, store in (("first", "first_render"), ("again", "second_render")):
            for path, (title, key_text) in PAGES.items():
                start = time.perf_counter()
                page.goto(f"{url}/{path}")
                shown = _render(page, title, key_text)
                results[store][title] = time.perf_counter() - start
                if not shown:
                    print(f"  - {title} ({label}) rendered an empty state (no '{key_text}')")
                errors = error_texts(page)
                if errors:
                    print(f"  ! {title} ({label}) shows errors: {errors}")
        # In-app navigation (what a user does after the app is open): click each page in the top bar.
        page.goto(url)
        wait_for_page(page, "Overview", "Revenue year to date")
        for title, key_text in list(PAGES.values())[1:] + [PAGES[""]]:
            if title in OPENED_BY_LINK:
                continue
            start = time.perf_counter()
            _click_nav(page, title)
            _render(page, title, key_text)
            results["navigation"][title] = time.perf_counter() - start
        # Filter change on the Overview: Data, clear, Data, clear... (after the first pair, all cached).
        page.goto(url)
        wait_for_page(page, "Overview", "Revenue year to date")
        for practice in ("Data", None, "Data", None, "Data", None):
            old = _metric_value(page, "Revenue year to date")
            start = time.perf_counter()
            _set_practice(page, practice)
            _wait_for_change(page, "Revenue year to date", old)
            results["filter_change"].append(time.perf_counter() - start)
        browser.close()
    return results


def server_timings(warehouse_dir: Path) -> dict[str, tuple[float, float]]:
    """Script time per page without a browser (AppTest): first run on a cold cache, then a cached rerun."""
    import os

    from streamlit.testing.v1 import AppTest

    os.environ["WIPCAST_WAREHOUSE_DIR"] = str(warehouse_dir)
    files = {path: f"app_pages/{path or 'overview'}.py" for path in PAGES}  # url path -> page file
    timings = {}
    at = AppTest.from_file(str(ROOT / "app" / "streamlit_app.py"), default_timeout=300).run()
    for path, (title, _) in PAGES.items():
        if path not in files:
            continue
        at.switch_page(files[path])
        start = time.perf_counter()
        at.run()
        cold = time.perf_counter() - start
        start = time.perf_counter()
        at.run()
        timings[title] = (cold, time.perf_counter() - start)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse-dir", type=Path, help="folder holding wipcast.duckdb")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.warehouse_dir
        if folder is None:
            from app_fixture_warehouse import build_fixture_warehouse

            folder = Path(tmp)
            build_fixture_warehouse(folder / "wipcast.duckdb")
        size_mb = (folder / "wipcast.duckdb").stat().st_size / 1e6
        print(f"warehouse {folder / 'wipcast.duckdb'} ({size_mb:,.1f} MB)")
        server = server_timings(folder)
        results = run(folder)
    print(f"{'page':<20}{'first load':>12}{'reload':>10}{'nav click':>11}{'script cold':>13}{'cached':>8}")
    for title, seconds in results["first_render"].items():
        cold, cached = server.get(title, (float("nan"), float("nan")))
        print(
            f"{title:<20}{seconds:>12.2f}{results['second_render'][title]:>10.2f}"
            f"{results['navigation'].get(title, float('nan')):>11.2f}{cold:>13.2f}{cached:>8.2f}"
        )
    print(
        "(seconds; browser columns: navigation until the script finished and every visible chart drew; "
        "script columns: AppTest, no browser)"
    )
    changes = results["filter_change"]
    print(
        f"filter change (Overview, practice): first {changes[0]:.2f}s, then cached median "
        f"{statistics.median(changes[2:]):.2f}s, max {max(changes[2:]):.2f}s"
    )


if __name__ == "__main__":
    main()
