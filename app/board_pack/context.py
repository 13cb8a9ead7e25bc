"""What a board pack is of: the forecast run, the as-of date of the actuals, the filters and the data version
(forecast run, build stamp, publish), each input checked with a one-line error naming it."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from app import data
from app.warehouse_access import catalog
from wipcast.errors import InputError, WipcastError

FILTER_FLAGS = {"entity_id": "--entity", "region": "--region", "practice": "--practice", "customer_id": "--customer"}
WAREHOUSE_ENV = "WIPCAST_WAREHOUSE_DIR"


@dataclass(frozen=True)
class PackContext:
    filters: data.Filters  # run_id set: the run the pack shows
    run_as_of: dt.date
    as_of: dt.date  # actuals: the end of the run's as-of month, or the warehouse's as-of date when earlier
    warehouse_as_of: dt.date  # snapshots (unbilled exposure, receivables) are the warehouse's, as of this date
    currency: str
    filter_text: str  # "Practice Data; Region EMEA", or "none (whole firm)"
    version: str  # "forecast run-202610 · build fixture (...) · publish R1 (...)"

    @property
    def run_id(self) -> str:
        return str(self.filters.run_id)


@contextlib.contextmanager
def reading(folder: Path) -> Iterator[None]:
    """app.data reads the published warehouse of WIPCAST_WAREHOUSE_DIR: point it at `folder` for a while."""
    before = os.environ.get(WAREHOUSE_ENV)
    os.environ[WAREHOUSE_ENV] = str(folder)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(WAREHOUSE_ENV, None)
        else:
            os.environ[WAREHOUSE_ENV] = before


def parse_month(text: str) -> dt.date:
    if not re.fullmatch(r"\d{4}-\d{2}", text.strip()):
        raise InputError(f"--month {text!r} is not a month", "use YYYY-MM, e.g. --month 2026-10")
    try:
        return dt.date.fromisoformat(text.strip() + "-01")
    except ValueError:
        raise InputError(f"--month {text!r} is not a month", "use YYYY-MM, e.g. --month 2026-10") from None


def require_published() -> None:
    path = data.published_path()
    if not path.exists():
        raise WipcastError(
            f"no published warehouse at {path}", "build and publish it with `make build` or `wipcast run`"
        )


def pack_runs() -> pd.DataFrame:
    """Runs a pack can show (those with base forecast rows: not scenarios or backtest summaries), newest first."""
    if not data.has_table("runs"):
        raise WipcastError("the published warehouse has no forecast runs", "run `wipcast forecast`, then publish")
    runs = data.forecast_runs()
    runs = runs[runs["kind"].fillna("") != "scenario"].copy()
    runs["month"] = pd.to_datetime(runs["as_of_date"]).dt.strftime("%Y-%m")
    return runs.reset_index(drop=True)


def run_for_month(month: dt.date | None) -> str:
    """The latest run whose as-of date falls in `month` (the newest run when None)."""
    runs = pack_runs()
    if runs.empty:
        raise WipcastError("the published warehouse has no forecast runs", "run `wipcast forecast`, then publish")
    if month is None:
        return str(runs["run_id"].iloc[0])
    chosen = runs[runs["month"] == f"{month:%Y-%m}"]
    if chosen.empty:
        months = ", ".join(sorted(set(runs["month"])))
        raise InputError(f"--month {month:%Y-%m} has no forecast run", f"months with one: {months}")
    return str(chosen["run_id"].iloc[0])


def checked_filters(run_id: str, values: dict[str, tuple[str, ...]]) -> data.Filters:
    """Filters by dimension; a value the warehouse does not have stops with the flag and the values it has."""
    options = data.filter_options()
    for dim, chosen in values.items():
        known = set(options[dim]["id"]) if dim in options else set()
        for value in chosen:
            if value not in known:
                listed = sorted(str(k) for k in known)
                shown = ", ".join(listed[:12]) + (f" and {len(listed) - 12} more" if len(listed) > 12 else "")
                raise InputError(
                    f"{FILTER_FLAGS[dim]} {value!r} is not in the warehouse",
                    f"values it has: {shown}" if shown else "the warehouse has no values for it",
                )
    return data.Filters(
        run_id=run_id,
        entities=values.get("entity_id", ()),
        regions=values.get("region", ()),
        practices=values.get("practice", ()),
        customers=values.get("customer_id", ()),
    )


def filter_text(filters: data.Filters) -> str:
    parts = []
    for dim, chosen in filters.by_dimension().items():
        if chosen:
            names = data.labels(dim)
            shown = [v if names.get(v, v) == v else f"{names[v]} ({v})" for v in chosen]
            parts.append(f"{data._label(dim).capitalize()} {', '.join(shown)}")
    return "; ".join(parts) if parts else "none (whole firm)"


def data_version(run_id: str) -> str:
    """The forecast run, the latest successful build (ops.build_stamp) and publish (ops.run_log) in the file."""
    parts = [f"forecast {run_id}"]
    if ("ops", "build_stamp") in catalog():
        build = data.query(
            "select run_id, invocation_id, finished_at from ops.build_stamp where status = 'success' "
            "order by finished_at desc limit 1"
        )
        if not build.empty:
            row = build.iloc[0]
            dbt = f", dbt {row['invocation_id']}" if isinstance(row["invocation_id"], str) else ""
            parts.append(f"build {row['run_id']}{dbt} ({pd.Timestamp(row['finished_at']):%d %b %Y %H:%M})")
    if data.has_table("run_log"):
        r = data.Table("run_log")
        published = data.query(
            f"select {r.c('run_id')} as run_id, {r.c('finished_at')} as finished_at from {r.ref} "
            f"where {r.c('step')} = 'publish' and {r.c('status')} = 'success' order by 2 desc limit 1"
        )
        if not published.empty:
            row = published.iloc[0]
            parts.append(f"publish {row['run_id']} ({pd.Timestamp(row['finished_at']):%d %b %Y %H:%M})")
    return " · ".join(parts)


def month_end(day: dt.date) -> dt.date:
    return (pd.Timestamp(day) + pd.offsets.MonthEnd(0)).date()


def pack_context(run_id: str, filters: data.Filters) -> PackContext:
    """The pack of one run (already chosen) for checked filters."""
    run_as_of = data.run_as_of(run_id)
    if run_as_of is None:
        raise InputError(f"forecast run {run_id!r} is not in the published warehouse", "pick one of its runs")
    warehouse_as_of = data.actuals_as_of()
    return PackContext(
        filters=filters,
        run_as_of=run_as_of,
        as_of=min(month_end(run_as_of), warehouse_as_of),
        warehouse_as_of=warehouse_as_of,
        currency=data.reporting_currency(),
        filter_text=filter_text(filters),
        version=data_version(run_id),
    )


def for_month(month: dt.date | None, values: dict[str, tuple[str, ...]]) -> PackContext:
    """The CLI's pack: the run of `month` (newest when None) and the filters, each checked."""
    require_published()
    run_id = run_for_month(month)
    return pack_context(run_id, checked_filters(run_id, values))
