"""The Xero commands as a user runs them (subprocesses): `connectors check` answers one line for good
and for bad credentials, and the demo shape is written and served."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

from simulator.serve import FixtureServer

from .conftest import SECRETS, url

WIPCAST = str(Path(sys.executable).with_name("wipcast"))


def _cli(args: list[str], cwd: Path, **secrets: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WIPCAST_", "SOURCES__"))}
    env.update({f"SOURCES__XERO__{k}": v for k, v in secrets.items()})
    return subprocess.run([WIPCAST, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180)


def _one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in text, text
    return lines[0]


def test_check_with_good_and_bad_credentials(workdir: Path, server: FixtureServer) -> None:
    done = _cli(["connectors", "check", "xero", "--base-url", url(server)], workdir, **SECRETS)
    assert done.returncode == 0, done.stderr
    line = _one_line(done.stdout)
    assert (
        line == f"ok: Xero accepted the credentials at {url(server)} (GET api.xro/2.0/Organisation answered HTTP 200)"
    )
    assert SECRETS["CLIENT_SECRET"] not in done.stdout + done.stderr
    assert (workdir / ".dlt" / "xero_refresh_token.json").exists()  # a check refreshes too: the new token is kept

    wrong = {**SECRETS, "CLIENT_SECRET": "not-the-secret"}
    done = _cli(["connectors", "check", "xero", "--base-url", url(server)], workdir, **wrong)
    assert done.returncode != 0
    line = _one_line(done.stderr)
    assert "Xero refused the refresh token at its token endpoint (HTTP 400, invalid_client)" in line
    assert "SOURCES__XERO__CLIENT_SECRET" in line and "not-the-secret" not in line

    missing = {k: v for k, v in SECRETS.items() if k != "TENANT_ID"}
    line = _one_line(_cli(["connectors", "check", "xero", "--base-url", url(server)], workdir, **missing).stderr)
    assert "Xero credentials are not configured (SOURCES__XERO__TENANT_ID not set)" in line


def test_demo_generate_shape_and_serve(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    args = ["demo", "generate", "--shape", "xero", "--out", str(out), "--employees", "5", "--months", "3"]
    done = _cli(args, tmp_path)
    assert done.returncode == 0, done.stderr
    invoices = json.loads((out / "xero" / "Invoices.json").read_text())["Invoices"]
    assert (
        invoices and invoices[0]["Date"].startswith("/Date(") and {i["Type"] for i in invoices} == {"ACCREC", "ACCPAY"}
    )
    assert (out / "files" / "legal_entities.parquet").exists() and (out / "wipcast.toml").exists()
    proc = subprocess.Popen(
        [WIPCAST, "demo", "serve", "xero", str(out), "--port", "0", "--page-size", "2"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("Accounting:   http://"), line + (proc.stderr.read() if proc.poll() is not None else "")
        base = line.split()[-1].removesuffix("api.xro/2.0/")
        form = b"grant_type=refresh_token&refresh_token=anything"
        with urllib.request.urlopen(urllib.request.Request(base + "connect/token", data=form), timeout=10) as r:
            token = json.loads(r.read())
        assert token["refresh_token"] and token["access_token"]
        request = urllib.request.Request(
            base + "api.xro/2.0/Invoices?page=1", headers={"Authorization": f"Bearer {token['access_token']}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            page = json.loads(response.read())
        assert len(page["Invoices"]) == 2 and page["pagination"]["pageCount"] > 1
    finally:
        proc.terminate()
        proc.wait(timeout=10)
