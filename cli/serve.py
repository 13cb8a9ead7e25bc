"""`wipcast app`: serve the dashboard on the published warehouse.

Loopback by default: the dashboard has no login of its own, so it is reachable only from this
machine unless `--host` says otherwise (logged as a warning). It is read-only unless
`--allow-scenarios` is given; the app reads that choice from WIPCAST_APP_ALLOW_SCENARIOS.
Streamlit runs as a child that dies with this process (SIGTERM is passed on; the kernel kills
it if this process is killed outright).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType

import typer

from cli.console import console, out, settings
from wipcast.processes import die_with_parent

APP_ENTRY = Path(__file__).resolve().parent.parent / "app" / "streamlit_app.py"


def app_cmd(
    port: int = typer.Option(8501, "--port", min=1, max=65535, help="Port to serve the dashboard on."),
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to listen on (default loopback: only this machine can connect)."
    ),
    allow_scenarios: bool = typer.Option(
        False, "--allow-scenarios", help="Let the Scenarios page run scenarios (it writes the warehouse)."
    ),
) -> None:
    """Serve the dashboard (reads the published warehouse only)."""
    from app.access import ALLOW_SCENARIOS_ENV, is_loopback  # the app's own rule, so the two never disagree

    config = settings()
    if not is_loopback(host):
        console.print(
            f"[yellow]warning[/yellow]: the dashboard listens on {host}, not loopback: anyone who can reach this "
            "machine can read it. Put it behind a login (see docs/operations.md).",
            soft_wrap=True,
        )
    env = dict(os.environ, WIPCAST_WAREHOUSE_DIR=str(config.warehouse_dir))
    env[ALLOW_SCENARIOS_ENV] = "true" if allow_scenarios else "false"
    if not config.published_db.exists():
        console.print(
            f"[yellow]note[/yellow]: no published warehouse at {config.published_db} yet; "
            "the dashboard will say how to build it."
        )
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(APP_ENTRY),
        "--server.address", host, "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal",
    ]  # fmt: skip
    out.print(f"dashboard on http://{host}:{port}" + ("" if allow_scenarios else " (read-only)"))
    child = subprocess.Popen(cmd, env=env, preexec_fn=die_with_parent)

    def forward(signum: int, _frame: FrameType | None) -> None:
        child.send_signal(signum)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, forward)
    raise typer.Exit(child.wait())
