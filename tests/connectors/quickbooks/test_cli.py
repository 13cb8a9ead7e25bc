"""`wipcast connectors check quickbooks` as a user runs it: one line for good credentials, one line
for refused ones, for missing ones, and for a realm id that is not one; no secret printed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from simulator.serve import FixtureServer
from simulator.shapes.quickbooks_api import QuickBooksDemoApi

from .conftest import SECRETS, url

WIPCAST = str(Path(sys.executable).with_name("wipcast"))


def _check(cwd: Path, server: FixtureServer, **secrets: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WIPCAST_", "SOURCES__"))}
    env.update({f"SOURCES__QUICKBOOKS__{k}": v for k, v in secrets.items()})
    return subprocess.run(
        [WIPCAST, "connectors", "check", "quickbooks", "--base-url", url(server)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in text, text
    return lines[0]


def test_check_answers_in_one_line(workdir: Path, server: FixtureServer, api: QuickBooksDemoApi) -> None:
    good = _check(workdir, server, **SECRETS)
    assert good.returncode == 0, good.stderr
    assert _one_line(good.stdout) == (
        f"ok: QuickBooks accepted the credentials at {url(server)}v3/company/{SECRETS['REALM_ID']}/ "
        "(GET query?query=select%20*%20from%20CompanyInfo&minorversion=75 answered HTTP 200)"
    )
    assert api.queries == ["select * from CompanyInfo"]

    wrong = _check(workdir, server, **{**SECRETS, "CLIENT_SECRET": "not-the-secret"})
    assert wrong.returncode != 0
    line = _one_line(wrong.stderr)
    assert "QuickBooks refused the refresh token at its token endpoint (HTTP 401, invalid_client)" in line
    assert "SOURCES__QUICKBOOKS__CLIENT_ID" in line and "not-the-secret" not in line

    realm = _check(workdir, server, **{**SECRETS, "REALM_ID": "../other"})
    assert "SOURCES__QUICKBOOKS__REALM_ID is not a QuickBooks company id" in _one_line(realm.stderr)
    for done in (good, wrong, realm):
        assert not any(s in done.stdout + done.stderr for s in (SECRETS["CLIENT_SECRET"], SECRETS["REFRESH_TOKEN"]))
