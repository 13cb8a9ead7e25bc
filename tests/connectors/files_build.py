"""The simulated firm's canonical files and their build (`wipcast ingest files` + `wipcast transform`), the
"A" side of the connector round trips: built once per test run for each firm size, whichever worker asks
first, and copied for each caller, so that modules comparing one firm through different vendors (Harvest
and NetSuite use the same 20-person firm) do not each generate and build it again."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import simulator

WIPCAST = str(Path(sys.executable).with_name("wipcast"))


def _cli(args: list[str], cwd: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WIPCAST_", "SOURCES__"))}
    done = subprocess.run([WIPCAST, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, (args, done.stdout[-3000:], done.stderr[-3000:])


def _shared_dir(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A folder of this test run that every xdist worker sees (a lone run: its own base temp)."""
    base = tmp_path_factory.getbasetemp()
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / name


def canonical_files_build(
    tmp_path_factory: pytest.TempPathFactory,
    root: Path,
    *,
    employees: int,
    months: int,
    as_of: dt.date,
    seed: int = 3,
) -> tuple[Path, Path]:
    """root/firm/canonical (the firm's canonical CSV files) and root/files (a folder whose warehouse holds
    them ingested and transformed, as of `as_of`), both fresh copies the caller may write to."""
    shared = _shared_dir(tmp_path_factory, f"files-build-{employees}x{months}-seed{seed}-{as_of:%Y%m%d}")
    with open(str(shared) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another worker asking for the same firm waits while this one builds
        if not (shared / "built").exists():
            shutil.rmtree(shared, ignore_errors=True)
            simulator.generate(
                shared / "canonical", employees=employees, months=months, as_of=as_of, seed=seed, fmt="csv"
            )
            files = shared / "files"
            files.mkdir()
            (files / "wipcast.toml").write_text(f'[wipcast]\nas_of = "{as_of}"\n')
            _cli(["ingest", "files", str(shared / "canonical")], files)
            _cli(["transform"], files)
            (shared / "built").write_text("")
    shutil.copytree(shared / "canonical", root / "firm" / "canonical")
    shutil.copytree(shared / "files", root / "files")
    return root / "firm" / "canonical", root / "files"
