"""Start the dashboard as a real `streamlit run` process on a free localhost port, and drive it with Chromium.

Shared by tests/app/test_browser.py and bench/bench_app.py.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
APP_SCRIPT = PROJECT_ROOT / "app" / "streamlit_app.py"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAGES = {  # url path -> (title shown, a text that proves the key figures rendered)
    "": ("Overview", "Revenue year to date"),
    "forecast": ("Forecast", "Booked work"),
    "variance": ("Variance", "Actual earned revenue"),
    "unbilled": ("Unbilled exposure", "Approved, unbilled"),
    "utilization": ("Utilization", "Billable utilization, last 4 weeks"),
    "accuracy": ("Forecast accuracy", "WAPE, horizons 1-3 months"),
    "data_health": ("Data health", "Last pipeline run"),
    "reconciliation": ("Reconciliation", "Approved time not posted (overdue)"),
    "project": ("Project", "Contract value"),
}
if (APP_SCRIPT.parent / "app_pages" / "scenarios.py").exists():  # the Scenarios page is listed only when present
    PAGES["scenarios"] = ("Scenarios", "Build or upload a scenario")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(warehouse_dir: Path, timeout: float = 60) -> Iterator[str]:
    """Yield the base URL of a running app reading `warehouse_dir`; stop that process (only it) afterwards."""
    port = free_port()
    env = {**os.environ, "WIPCAST_WAREHOUSE_DIR": str(warehouse_dir), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP_SCRIPT),
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
    ]
    # The server's output goes to a temporary file (never into the warehouse folder), named on failure.
    log = tempfile.NamedTemporaryFile("w", prefix=f"wipcast-app-{port}-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    keep_log = True  # kept when the server fails to start or a test fails while it runs
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start: see {log.name}")
            time.sleep(0.2)
        yield url
        keep_log = False
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        if not keep_log:
            os.unlink(log.name)


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def wait_for_page(page, title: str, key_text: str, timeout_ms: int = 30_000) -> None:
    """Wait until the page shows its title and a key figure, and Streamlit has finished running the script."""
    page.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=timeout_ms)
    page.get_by_text(key_text, exact=False).first.wait_for(timeout=timeout_ms)
    wait_until_idle(page, timeout_ms)


def wait_until_idle(page, timeout_ms: int = 30_000) -> None:
    """Wait until the script run has finished and every visible chart has drawn."""
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
            if (document.querySelector('[data-testid="stSkeleton"]')) return false;
            const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                .filter(el => el.offsetParent !== null);
            return charts.every(el => el.querySelector('.main-svg'));
        }""",
        timeout=timeout_ms,
    )


def error_texts(page) -> list[str]:
    """Texts of exception elements and error alerts on the page (should be none)."""
    texts = [el.inner_text() for el in page.locator('[data-testid="stException"]').all()]
    for alert in page.locator('[data-testid="stAlert"]').all():
        if alert.locator('[data-testid="stAlertContentError"]').count():
            texts.append(alert.inner_text())
    return texts
