"""`wipcast demo generate --shape kantata` and `wipcast demo serve kantata` through the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

WIPCAST = str(Path(sys.executable).with_name("wipcast"))


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("WIPCAST_", "SOURCES__"))}


def test_demo_generate_shape_and_serve(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    args = ["demo", "generate", "--shape", "kantata", "--out", str(out), "--employees", "5", "--months", "3"]
    done = subprocess.run([WIPCAST, *args], cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Kantata shape written" in done.stdout
    entries = json.loads((out / "kantata" / "time_entries.json").read_text())["time_entries"]
    assert entries and {"id", "time_in_minutes", "rate_in_cents", "approved", "date_performed"} <= set(entries[0])
    assert entries[0]["updated_at"][-6:] in ("-07:00", "-08:00")  # the account's offset, not UTC
    assert (out / "wipcast.toml").exists() and (out / "mappings" / "kantata_users.csv").exists()

    proc = subprocess.Popen(
        [WIPCAST, "demo", "serve", "kantata", str(out), "--port", "0", "--page-size", "2"],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("Kantata API:"), line + (proc.stderr.read() if proc.poll() is not None else "")
        base = line.split()[-1]
        request = urllib.request.Request(base + "time_entries.json?page=2", headers={"Authorization": "Bearer any"})
        with urllib.request.urlopen(request, timeout=10) as response:
            page = json.loads(response.read())
        assert len(page["results"]) == 2 and page["count"] == len(entries)
        assert page["meta"]["page_number"] == 2 and page["meta"]["page_count"] == -(-len(entries) // 2)
        assert set(page["time_entries"]) == {r["id"] for r in page["results"]}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
