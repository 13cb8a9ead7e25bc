"""Fault injection: SIGKILL a `wipcast run` at random moments. The published file stays byte for byte
what it was, no child process keeps writing, and the next run succeeds with no manual clean-up."""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

WIPCAST = str(Path(sys.executable).with_name("wipcast"))
KILL_SEEDS = (11, 12, 13)


def _env(warehouse: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIPCAST_")}
    env["WIPCAST_WAREHOUSE_DIR"] = str(warehouse)
    return env


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    todo = [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
def test_sigkill_at_random_moments_never_corrupts_or_blocks(tmp_path):
    import simulator

    firm = tmp_path / "firm"
    simulator.generate(firm, employees=6, months=4, as_of=dt.date(2026, 10, 31), seed=5)
    warehouse = tmp_path / "wh"
    run = [WIPCAST, "run", "--input", str(firm), "--draws", "200"]
    first = subprocess.run(run, env=_env(warehouse), capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    published = warehouse / "wipcast.duckdb"
    before = published.read_bytes()

    for seed in KILL_SEEDS:
        delay = random.Random(seed).uniform(0.5, 25.0)
        proc = subprocess.Popen(run, env=_env(warehouse), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + delay
        children: set[int] = set()
        while time.monotonic() < deadline and proc.poll() is None:
            children |= _descendants(proc.pid)
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        time.sleep(1.0)
        survivors = [pid for pid in children if _alive(pid)]
        assert survivors == [], f"seed {seed}: children still running after the kill at {delay:.1f} s"
        assert published.read_bytes() == before, f"seed {seed}: the published file changed"

    last = subprocess.run(run, env=_env(warehouse), capture_output=True, text=True, timeout=600)
    assert last.returncode == 0, last.stderr
    leftovers = [p.name for p in warehouse.iterdir() if p.name.endswith(".tmp") or ".tmp." in p.name]
    assert leftovers == []
    con = duckdb.connect(str(published), read_only=True)
    try:
        running = con.execute("select count(*) from ops.run_log where status = 'running'").fetchone()[0]
    finally:
        con.close()
    assert running == 0
