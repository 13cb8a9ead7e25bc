"""What a killed writer leaves behind, cleaned up by the next writer as soon as it holds the lock.

Safe only under the writer lock: then no other writer can be using what is removed here.
- publish's temporary copies (`.wipcast.duckdb.<run>.tmp` and their WAL): never renamed, so garbage;
- dlt's per-run working folders: a run's pending packages are never resumed by another run (each run
  re-extracts what it loads), so they are garbage too;
- ops.run_log rows still `running`: their process is gone (it would hold the lock), so they are
  marked `abandoned` with the time they were found.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil

from wipcast.settings import Settings
from wipcast.warehouse import table_exists, work_connection

ABANDONED_MESSAGE = "the process ended before the step finished (killed or crashed); found by run "


def stale_publish_files(settings: Settings) -> list[str]:
    prefix = f".{settings.published_db.name}."
    return sorted(p.name for p in settings.warehouse_dir.glob(prefix + "*.tmp*"))


def recover(settings: Settings, run_id: str = "") -> None:
    for name in stale_publish_files(settings):
        with contextlib.suppress(FileNotFoundError):
            (settings.warehouse_dir / name).unlink()
    if settings.dlt_runs_dir.exists():
        for folder in settings.dlt_runs_dir.iterdir():
            shutil.rmtree(folder, ignore_errors=True)
    if settings.work_db.exists():
        with work_connection(settings) as con:
            if table_exists(con, "ops", "run_log"):
                con.execute(
                    "update ops.run_log set status = 'abandoned', finished_at = ?, message = ? "
                    "where status = 'running'",
                    [dt.datetime.now(dt.UTC), ABANDONED_MESSAGE + (run_id or "a later writer")],
                )
