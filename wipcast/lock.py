"""The one-writer rule: every step that writes the working warehouse holds an exclusive OS lock.

The lock is `flock` on `<warehouse>/.wipcast.lock`, held for the whole step (or the whole
`wipcast run`) and released by the kernel on any exit, including SIGKILL, so a killed writer
never leaves a lock behind. The file also records who holds it (step, pid, run, since), so a
second writer that gives up can say whom it waited for. Readers of the published file never
take it.

A process may take the lock again while it holds it (a `run` holding it calls its steps, which
take it too); only the outermost acquire recovers what a killed writer left (see recovery.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from wipcast.errors import WipcastError
from wipcast.recovery import recover
from wipcast.settings import Settings

LOCK_FILE = ".wipcast.lock"
POLL_SECONDS = 0.2


class WarehouseBusy(WipcastError):
    """Another wipcast writer holds the working warehouse."""


@dataclass(frozen=True)
class Holder:
    step: str
    pid: int
    run_id: str
    since: str

    def describe(self) -> str:
        return f"step {self.step} of run {self.run_id} (pid {self.pid}) since {self.since}"


_held: dict[Path, int] = {}  # lock file -> descriptor, for the locks this process holds


def lock_path(settings: Settings) -> Path:
    return settings.warehouse_dir / LOCK_FILE


def current_holder(settings: Settings) -> Holder | None:
    """Who holds the lock, as written by the holder; None when unknown or free."""
    try:
        text = lock_path(settings).read_text()
        data = json.loads(text) if text.strip() else None
        return Holder(**data) if isinstance(data, dict) else None
    except (OSError, ValueError, TypeError):
        return None


def holds_lock(settings: Settings) -> bool:
    return _key(settings) in _held


def _key(settings: Settings) -> Path:
    return lock_path(settings).resolve()


def _open(path: Path) -> int:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except PermissionError:
        raise WipcastError(
            f"the warehouse folder {path.parent} is not writable",
            "give this user write access to it, or pick another with --warehouse-dir",
        ) from None


def _try_lock(fd: int, wait: float) -> bool:
    deadline = time.monotonic() + max(wait, 0.0)
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_SECONDS)


@contextlib.contextmanager
def writer_lock(settings: Settings, step: str, run_id: str) -> Iterator[None]:
    """Hold the warehouse's writer lock for the block; raise WarehouseBusy after `settings.lock_wait_seconds`.

    Right after the outermost acquire, while no other writer can run, what a killed writer left is
    cleaned up (wipcast.recovery).
    """
    key = _key(settings)
    if key in _held:
        yield
        return

    path = lock_path(settings)
    fd = _open(path)
    if not _try_lock(fd, settings.lock_wait_seconds):
        os.close(fd)
        holder = current_holder(settings)
        who = holder.describe() if holder else "another wipcast step"
        waited = f" after waiting {settings.lock_wait_seconds:g} s" if settings.lock_wait_seconds else ""
        raise WarehouseBusy(
            f"the warehouse {settings.warehouse_dir} is being written by {who}; {step} did not start{waited}",
            "wait for it to finish, or pass --wait SECONDS to queue behind it",
        )
    _held[key] = fd
    try:
        since = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        record = json.dumps({"step": step, "pid": os.getpid(), "run_id": run_id, "since": since})
        os.ftruncate(fd, 0)
        os.pwrite(fd, record.encode(), 0)
        recover(settings, run_id)
        yield
    finally:
        del _held[key]
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
