"""Print the pack's HTML to PDF with Debian's Chromium (WIPCAST_CHROMIUM overrides the path) through Playwright:
no network (every request but data: and about: is aborted), wait until every plot is drawn, then print."""

from __future__ import annotations

import os
from pathlib import Path

from app.board_pack.context import PackContext
from app.board_pack.layout import MARGINS_MM, READY, running_footer, running_header
from wipcast.errors import WipcastError

CHROMIUM_ENV = "WIPCAST_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DRAW_TIMEOUT_MS = 60_000


def chromium_path() -> Path:
    """The Chromium to print with; a one-line error when it is not there."""
    path = Path(os.environ.get(CHROMIUM_ENV) or DEFAULT_CHROMIUM)
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise WipcastError(
            f"Chromium is not installed at {path}, so the board pack cannot be printed",
            f"run `make chromium`, or set {CHROMIUM_ENV} to a Chromium executable",
        )
    return path


def print_pdf(document: str, ctx: PackContext) -> bytes:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import Route, sync_playwright

    executable = chromium_path()

    def offline(route: Route) -> None:
        if route.request.url.startswith(("data:", "about:")):
            route.continue_()
        else:
            route.abort()

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(executable), args=ARGS)
            try:
                page = browser.new_page()
                page.route("**/*", offline)
                page.set_content(document, wait_until="load")
                page.wait_for_function(READY, timeout=DRAW_TIMEOUT_MS)
                failure = page.evaluate("window.packError")
                if failure:
                    raise WipcastError(f"a chart of the board pack could not be drawn: {failure}")
                page.emulate_media(media="print")
                return page.pdf(
                    format="A4",
                    landscape=True,
                    print_background=True,
                    display_header_footer=True,
                    header_template=running_header(ctx),
                    footer_template=running_footer(ctx),
                    margin={
                        "top": f"{MARGINS_MM['top']}mm",
                        "right": f"{MARGINS_MM['right']}mm",
                        "bottom": f"{MARGINS_MM['bottom']}mm",
                        "left": f"{MARGINS_MM['left']}mm",
                    },
                )
            finally:
                browser.close()
    except PlaywrightError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WipcastError(
            f"Chromium at {executable} failed to print the board pack: {first}",
            f"check that it starts (`{executable} --headless --version`), or set {CHROMIUM_ENV}",
        ) from None
