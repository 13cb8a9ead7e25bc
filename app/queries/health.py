"""Pipeline runs, row counts, quarantine, freshness and the published file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TypedDict

import pandas as pd

from app.queries.tables import (
    DataUnavailable,
    Table,
    _q,
    has_table,
)
from app.warehouse_access import catalog, file_identity, query


def last_run_steps() -> pd.DataFrame:
    r = Table("run_log")
    return query(
        f"select {r.c('run_id')} as run_id, {r.c('step')} as step, {r.c('status')} as status, "
        f"{r.c('started_at')} as started_at, {r.c('finished_at')} as finished_at, "
        f"epoch({r.c('finished_at')}) - epoch({r.c('started_at')}) as seconds, {r.c('rows')} as rows, "
        f"{r.c('message')} as message from {r.ref} where {r.c('run_id')} = "
        f"(select {r.c('run_id')} from {r.ref} order by {r.c('started_at')} desc limit 1) order by started_at"
    )


def row_counts() -> pd.DataFrame:
    """Rows per table of the published schemas (names come from the file's own catalog, quoted)."""
    tables = sorted(k for k in catalog() if k[0] in ("marts", "forecast", "ops"))
    if not tables:
        raise DataUnavailable("the warehouse has no marts, forecast or ops tables")
    sql = " union all ".join(
        f"select '{s}' as schema, '{t}' as table_name, count(*) as row_count from {_q(s)}.{_q(t)}"
        for s, t in tables
        if "'" not in s + t
    )
    return query(sql + " order by 1, 2")


def quarantine_summary() -> pd.DataFrame:
    q = Table("quarantine")
    return query(
        f"select {q.c('entity')} as entity, {q.c('reason')} as reason, count(*) as rows "
        f"from {q.ref} group by 1, 2 order by 3 desc, 1, 2"
    )


def source_freshness() -> pd.DataFrame:
    """Per source entity: when it was last loaded and how many rows, from ops.load_log."""
    l = Table("load_log")  # noqa: E741
    rows, quarantined = f"sum({l.c('rows')})", f"sum({l.c('rows_quarantined')})"
    frame = query(
        f"with last as (select {l.c('entity')} as entity, max({l.c('loaded_at')}) as last_loaded_at "
        f"from {l.ref} group by 1) select last.entity, last.last_loaded_at, {rows} as rows_in_last_load, "
        f"{quarantined} as rows_quarantined from last join {l.ref} l on l.{l.c('entity')} = last.entity "
        f"and l.{l.c('loaded_at')} = last.last_loaded_at group by 1, 2 order by 1"
    )
    return frame


def latest_business_dates() -> pd.DataFrame:
    """Latest activity date in each fact the marts are built from (what the as-of date is derived from)."""
    rows = []
    if has_table("time_entries"):
        t = Table("time_entries")
        rows.append(("time entries (latest work date)", f"select max({t.c('work_date')}) from {t.ref}"))
    if has_table("revenue_monthly"):
        r = Table("revenue_monthly")
        rows.append(("revenue (latest month)", f"select max({r.c('month')}) from {r.ref}"))
    if has_table("runs"):
        r = Table("runs")
        rows.append(("forecast (latest as-of)", f"select max({r.c('as_of_date')}) from {r.ref}"))
    if not rows:
        raise DataUnavailable("the warehouse has no facts to date")
    sql = " union all ".join(f"select '{label}' as source, cast(({q}) as date) as latest" for label, q in rows)
    return query(sql)


SYNC_RUNS = ("ops", "sync_runs")


def has_sync_runs() -> bool:
    """Whether the warehouse has ops.sync_runs (written by connector syncs; absent for file-only firms and
    warehouses built before it existed)."""
    return SYNC_RUNS in catalog()


def sync_status(now: dt.datetime | None = None) -> pd.DataFrame:
    """Per connector, its last sync: status, when it finished and how long ago, rows extracted, conformed
    and quarantined, retries, shortfall (rows the API reported on a full read but the sync did not get:
    the sum of the positive shortfalls of its resources) and the error of a failed sync.

    An empty frame when the warehouse has no ops.sync_runs. Age is computed here, not in SQL: the query is
    cached per published file, the clock is not.
    """
    if not has_sync_runs():
        return pd.DataFrame(
            columns=[
                "connector",
                "run_id",
                "mode",
                "status",
                "finished_at",
                "age_hours",
                "resources",
                "rows_extracted",
                "rows_conformed",
                "rows_quarantined",
                "retries",
                "shortfall",
                "error",
            ]
        )
    frame = query(
        "with runs as (select connector, run_id, max(finished_at) as finished_at from ops.sync_runs "
        "group by connector, run_id), last as (select connector, arg_max(run_id, finished_at) as run_id "
        "from runs group by connector) "
        "select s.connector, s.run_id, any_value(s.mode) as mode, "
        "case when bool_or(s.status = 'failed') then 'failed' else 'success' end as status, "
        "max(s.finished_at) as finished_at, count(*) filter (where s.resource <> '*') as resources, "
        "sum(s.rows_extracted) as rows_extracted, sum(s.rows_conformed) as rows_conformed, "
        "sum(s.rows_quarantined) as rows_quarantined, sum(s.retries) as retries, "
        "sum(greatest(s.shortfall, 0)) filter (where s.shortfall is not null) as shortfall, min(s.error) as error "
        "from ops.sync_runs s join last on last.connector = s.connector and last.run_id = s.run_id "
        "group by s.connector, s.run_id order by s.connector"
    )
    clock = now or dt.datetime.now(dt.UTC)
    finished = pd.to_datetime(frame["finished_at"], utc=True)
    frame.insert(5, "age_hours", (pd.Timestamp(clock) - finished).dt.total_seconds() / 3600)
    return frame


class PublishedFileInfo(TypedDict):
    name: str  # the file's name only: where it lives on the server is not for the page
    size_mb: float
    modified: dt.datetime


def published_file_info() -> PublishedFileInfo:
    identity = file_identity()
    return {
        "name": Path(identity.path).name,
        "size_mb": identity.size / 1e6,
        "modified": dt.datetime.fromtimestamp(identity.mtime_ns / 1e9),
    }
