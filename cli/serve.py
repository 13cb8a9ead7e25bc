"""`wipcast app`: serve the dashboard on the published warehouse."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer

from cli.console import console, out, settings

APP_ENTRY = Path(__file__).resolve().parent.parent / "app" / "streamlit_app.py"


def app_cmd(port: int = typer.Option(8501, "--port", min=1, max=65535, help="Port to serve the dashboard on.")) -> None:
    """Serve the dashboard (reads the published warehouse only)."""
    config = settings()
    env = dict(os.environ, WIPCAST_WAREHOUSE_DIR=str(config.warehouse_dir))
    if not config.published_db.exists():
        console.print(
            f"[yellow]note[/yellow]: no published warehouse at {config.published_db} yet; "
            "the dashboard will say how to build it."
        )
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(APP_ENTRY), "--server.port", str(port),
        "--server.headless", "true", "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal",
    ]  # fmt: skip
    out.print(f"dashboard on http://localhost:{port}")
    raise typer.Exit(subprocess.call(cmd, env=env))
