"""Publish: atomically replace the warehouse that the app and analysts read.

Only a complete, current build is published: the latest transform must have succeeded and no
data may have been loaded since it started (wipcast.build_stamp). The working database is then
checkpointed, copied to a temporary file in the same folder, stamped with the publish row of
ops.run_log, checked, fsynced and renamed over wipcast.duckdb. A
rename within one folder is atomic on POSIX: a reader sees the old file or the new one,
never a half-written one, and readers that still hold the old file keep reading it.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import duckdb

from wipcast.build_stamp import unpublishable_reason
from wipcast.errors import WipcastError
from wipcast.runlog import ensure_run_log
from wipcast.settings import Settings
from wipcast.warehouse import table_exists, work_connection

# Tables a published warehouse must hold; a build that lacks them is not published.
REQUIRED_TABLES = (("marts", "dim_project"),)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(settings: Settings, run_id: str, required: tuple[tuple[str, str], ...] = REQUIRED_TABLES) -> Path:
    """Replace settings.published_db with a consistent copy of the working database."""
    work = settings.work_db
    if not work.exists():
        raise WipcastError(f"nothing to publish: no working warehouse at {work}", "run `wipcast run` first")
    with work_connection(settings) as con:
        reason = unpublishable_reason(con)
        if reason is not None:
            raise WipcastError(
                f"not published: {reason}; the published warehouse was not changed",
                "run `wipcast transform` (or `wipcast run`) and publish after it succeeds",
            )
        con.execute("checkpoint")  # fold the WAL into the file so a plain file copy is complete
    if Path(str(work) + ".wal").exists():
        raise WipcastError(
            f"the working warehouse {work} still has a write-ahead log",
            "another process has it open; retry when it ends",
        )

    target = settings.published_db
    tmp = target.with_name(f".{target.name}.{run_id}.tmp")
    try:
        shutil.copyfile(work, tmp)
        con = duckdb.connect(str(tmp))
        try:
            missing = [f"{s}.{t}" for s, t in required if not table_exists(con, s, t)]
            if missing:
                raise WipcastError(
                    f"the build is incomplete (missing {', '.join(missing)}); the published warehouse was not changed",
                    "run `wipcast transform` and check its errors",
                )
            ensure_run_log(con)
            con.execute(
                "update ops.run_log set status = 'success', finished_at = ?, message = 'published' "
                "where run_id = ? and step = 'publish' and status = 'running'",
                [dt.datetime.now(dt.UTC), run_id],
            )
            con.execute("checkpoint")
        finally:
            con.close()
        _fsync(tmp)
        os.replace(tmp, target)
        _fsync(target.parent)
    finally:
        if tmp.exists():
            tmp.unlink()
        wal = Path(str(tmp) + ".wal")
        if wal.exists():
            wal.unlink()
    return target
