"""The connector commands as a user runs them (subprocesses): one line per failure, secrets.toml, demo."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

from simulator.serve import FixtureServer

from .conftest import ACCOUNT, TOKEN, harvest_url

WIPCAST = str(Path(sys.executable).with_name("wipcast"))


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WIPCAST_", "SOURCES__"))}
    env.update(extra)
    return env


def _cli(args: list[str], cwd: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([WIPCAST, *args], cwd=cwd, env=_env(**extra), capture_output=True, text=True, timeout=180)


def _one_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


def test_failures_are_one_line(workdir: Path) -> None:
    done = _cli(["ingest", "harvest"], workdir)
    assert done.returncode == 1
    line = _one_line(done)
    assert "SOURCES__HARVEST__ACCESS_TOKEN" in line and "SOURCES__HARVEST__ACCOUNT_ID" in line
    assert "[sources.harvest]" in line  # printed as text, not swallowed as console markup
    line = _one_line(_cli(["ingest", "harvest", "--since", "2026-01-01", "--full-refresh"], workdir))
    assert "--since and --full-refresh" in line
    line = _one_line(_cli(["connectors", "reconform", "workday"], workdir))
    assert "unknown connector" in line and "harvest-forecast" in line
    line = _one_line(_cli(["connectors", "reconform", "harvest"], workdir))
    assert "nothing to reconform" in line and "wipcast ingest harvest" in line
    assert "--since" in _cli(["ingest", "harvest", "--since", "yesterday"], workdir).stderr


def test_credentials_from_dlt_secrets_toml(workdir: Path, server: FixtureServer) -> None:
    (workdir / ".dlt").mkdir()
    (workdir / ".dlt" / "secrets.toml").write_text(
        f'[sources.harvest]\naccess_token = "{TOKEN}"\naccount_id = "{ACCOUNT}"\n'
    )
    done = _cli(["connectors", "check", "harvest", "--base-url", harvest_url(server)], workdir)
    assert done.returncode == 0, done.stderr
    assert "accepted the credentials" in done.stdout and TOKEN not in done.stdout + done.stderr
    listed = _cli(["connectors", "list"], workdir)
    assert "harvest: credentials configured; never synced" in listed.stdout
    assert "harvest-forecast: credentials missing" in listed.stdout


def test_demo_generate_shape_and_serve(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    done = _cli(
        ["demo", "generate", "--shape", "harvest", "--out", str(out), "--employees", "5", "--months", "3"], tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert (out / "canonical" / "time_entries.parquet").exists()
    users = json.loads((out / "harvest" / "users.json").read_text())["users"]
    assert users and {"id", "weekly_capacity", "roles", "is_contractor"} <= set(users[0])
    assert (out / "harvest_forecast" / "assignments.json").exists() and (out / "wipcast.toml").exists()

    proc = subprocess.Popen(
        [WIPCAST, "demo", "serve", "harvest", str(out), "--port", "0", "--page-size", "2"],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("Harvest API:"), line + (proc.stderr.read() if proc.poll() is not None else "")
        base = line.split()[-1]
        request = urllib.request.Request(base + "users", headers={"Authorization": "Bearer any"})
        with urllib.request.urlopen(request, timeout=10) as response:
            page = json.loads(response.read())
        assert len(page["users"]) == 2 and page["links"]["next"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
