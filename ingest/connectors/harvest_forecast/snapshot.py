"""Each Forecast sync appends the plan as it stands that day to raw_harvest_forecast.assignment_snapshots.

Forecast keeps no history: yesterday's plan is gone once someone edits it, so the only way to
know what was planned on a past date is to have kept it. The snapshot is taken from the merged
raw table (the whole live plan, not only what changed), one copy per day: a second sync on the
same day replaces that day's copy. Assignments that have ended are not part of the plan any more.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ingest.connectors import rawcols
from wipcast.warehouse import table_exists

RAW_TABLES: dict[str, dict[str, str]] = {
    "assignment_snapshots": rawcols.parse(
        "snapshot_date date, id bigint, project_id bigint, person_id bigint, placeholder_id bigint, "
        "start_date date, end_date date, allocation bigint, notes text, updated_at timestamp, _dlt_load_id text, "
        "_dlt_id text, _wipcast_deleted_at timestamp"
    )
}
_COLUMNS = [
    c for c in RAW_TABLES["assignment_snapshots"] if c not in ("snapshot_date", "_dlt_id", "_wipcast_deleted_at")
]


def snapshot_plan(con: Any, raw_schema: str, load_id: str, today: dt.date) -> None:
    columns = ", ".join(
        f"{name} {rawcols.DUCKDB_TYPES[type_]}" for name, type_ in RAW_TABLES["assignment_snapshots"].items()
    )
    con.execute(f"CREATE TABLE IF NOT EXISTS {raw_schema}.assignment_snapshots ({columns})")
    if not table_exists(con, raw_schema, "assignments"):
        return
    names = ", ".join(_COLUMNS)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM {raw_schema}.assignment_snapshots WHERE snapshot_date = ?", [today])
        con.execute(
            f"INSERT INTO {raw_schema}.assignment_snapshots (snapshot_date, {names}, _dlt_id) "
            f"SELECT ?, {names}, _dlt_id FROM {raw_schema}.assignments "
            "WHERE _wipcast_deleted_at IS NULL AND end_date >= ?",
            [today, today],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
