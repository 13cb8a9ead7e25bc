"""Every read the forecasting engine makes, and the as-of filter applied to it.

All warehouse access of the forecasting package happens here, so that the no-leak
guarantee has one place to live: `as_of_view(raw, as_of)` returns only what was known at
the end of the as-of day. Everything downstream takes the resulting `Inputs` (polars frames)
and never sees later data.

Reading prefers the dbt intermediate models (`intermediate.int_<entity>`, the union point
of all sources) and falls back to `raw_canonical.<entity>`; both carry the canonical
column names of `wipcast.contract`. `from_frames` builds the same `RawData` from polars
frames (tests, the demo simulator's parquet files).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, replace
from pathlib import Path

import duckdb
import polars as pl

from forecasting import history
from forecasting.calendar import first_date, last_date
from forecasting.frames import from_arrow_table
from wipcast import contract
from wipcast.contract import RAW_SCHEMA, entity
from wipcast.errors import WipcastError

# The canonical entities the engine reads, each with the contract columns it has no use for
# (descriptive text and ERP bookkeeping: they would only widen the frames and collide in joins).
# Every other column of wipcast.contract is read, in contract order and in the polars type of its
# contract type, so a column added to the contract reaches the engine with no edit here.
UNUSED_COLUMNS: dict[str, frozenset[str]] = {
    "legal_entities": frozenset({"name", "country"}),
    "customers": frozenset({"name", "industry", "country"}),
    "employees": frozenset({"name", "email", "employment_type", "weekly_capacity_hours", "utilization_target"}),
    "projects": frozenset({"name", "project_manager_id"}),
    "rate_cards": frozenset(),
    "time_entries": frozenset({"invoice_id", "erp_posted_at"}),
    "assignments": frozenset(),
    "assignment_snapshots": frozenset({"updated_at"}),
    "milestones": frozenset({"name", "invoice_id"}),
    "opportunities": frozenset({"account_name", "name"}),
    "opportunity_history": frozenset(),
    "fx_rates": frozenset(),
    "holidays": frozenset({"name"}),
}
COLUMNS: dict[str, list[str]] = {
    name: [c for c in entity(name).column_names if c not in unused] for name, unused in UNUSED_COLUMNS.items()
}
# Polars type of each logical type of the contract (money and numbers are floats in the engine).
POLARS_TYPES: dict[str, pl.DataType] = {
    contract.STRING: pl.String(),
    contract.CURRENCY: pl.String(),
    contract.DATE: pl.Date(),
    contract.TIMESTAMP: pl.Datetime("us", "UTC"),
    contract.MONEY: pl.Float64(),
    contract.NUMBER: pl.Float64(),
    contract.INTEGER: pl.Int64(),
    contract.BOOLEAN: pl.Boolean(),
}
DTYPES: dict[str, dict[str, pl.DataType]] = {
    name: {c: POLARS_TYPES[entity(name).column(c).type] for c in cols} for name, cols in COLUMNS.items()
}

REQUIRED = ("projects", "time_entries", "employees", "fx_rates")
# Activity dates besides work dates (the dbt as_of_date rule's): entity and date column.
BILLING_DATES = (("invoices", "invoice_date"), ("payments", "payment_date"))
ACTIVITY_DATES = (("time_entries", "work_date"), *BILLING_DATES)


@dataclass(frozen=True)
class RawData:
    """Canonical entities as read, before any as-of filtering. `assignment_versions` has
    plan_date + assignment columns (snapshots, plus current assignments dated `current_plan_date`)."""

    legal_entities: pl.DataFrame
    customers: pl.DataFrame
    employees: pl.DataFrame
    projects: pl.DataFrame
    rate_cards: pl.DataFrame
    time_entries: pl.DataFrame
    assignment_versions: pl.DataFrame
    milestones: pl.DataFrame
    opportunities: pl.DataFrame
    opportunity_history: pl.DataFrame
    fx_rates: pl.DataFrame
    holidays: pl.DataFrame
    reporting_currency: str = "USD"
    warehouse_as_of: dt.date | None = None  # intermediate.int_as_of (the marts' as-of date), when built
    # First and last invoice or payment date (read_warehouse; from_frames when given those entities).
    billing_dates: tuple[dt.date, dt.date] | None = None
    # Earned revenue, cost and fixed-fee cost to date per as-of date, project and month, as the
    # marts computed them (forecasting.history: read_warehouse reads the restated mart at
    # warehouse_as_of; run.attach_history adds the "as reported at close" dates a run needs). None
    # for frames that never went through dbt.
    revenue_history: pl.DataFrame | None = None

    def row_counts(self) -> dict[str, int]:
        return {
            f.name: getattr(self, f.name).height
            for f in fields(self)
            if isinstance(getattr(self, f.name), pl.DataFrame)
        }

    def latest_activity_date(self) -> dt.date:
        """Default as-of date: the latest work date in the data (the dbt as_of_date rule uses
        work, invoice and payment dates; time is the one the forecast depends on)."""
        latest = last_date(self.time_entries["work_date"])
        if latest is None:
            raise WipcastError("there are no time entries to forecast from", "load data with `wipcast ingest` first")
        return latest

    def activity_range(self) -> tuple[dt.date, dt.date]:
        """First and latest activity date: the work, invoice and payment dates the dbt as_of_date rule
        uses. An as-of date outside it has nothing to learn from or nothing to forecast from."""
        latest = self.latest_activity_date()  # raises when there is no time at all
        first = first_date(self.time_entries["work_date"])
        assert first is not None  # there is a latest work date
        if self.billing_dates is not None:
            first, latest = min(first, self.billing_dates[0]), max(latest, self.billing_dates[1])
        return first, latest


@dataclass(frozen=True)
class Inputs:
    """What was known at the end of `as_of` (see `as_of_view`)."""

    as_of: dt.date
    reporting_currency: str
    legal_entities: pl.DataFrame
    customers: pl.DataFrame
    employees: pl.DataFrame
    projects: pl.DataFrame  # known by as_of, with `closed` and `recognition_closed` (bool) as of as_of
    rate_cards: pl.DataFrame
    time_entries: pl.DataFrame  # approved by as_of, worked on or before as_of
    plan_versions: pl.DataFrame  # every plan version dated on or before as_of
    plan: pl.DataFrame  # the latest of them: the plan as it stood at as_of
    milestones: pl.DataFrame  # completed_date null unless completed by as_of
    opportunities: pl.DataFrame  # created by as_of, state as of as_of, with won_date / lost_date
    opportunity_states: pl.DataFrame  # every known state (history) up to as_of, for training
    fx_rates: pl.DataFrame  # rate_date <= as_of
    holidays: pl.DataFrame
    plan_source: str = "snapshots"
    # Draft or submitted time worked by as_of whose state was already that at as_of (not changed
    # since): it is cost (the marts' fixed-fee cost counts every entry that is not rejected), never revenue.
    pending_time: pl.DataFrame | None = None
    # The marts' revenue history at as_of (RawData.revenue_history), when dbt built that date.
    revenue_history: pl.DataFrame | None = None


# --------------------------------------------------------------------------- reading


def _normalise(name: str, df: pl.DataFrame) -> pl.DataFrame:
    """Select the engine's columns with stable dtypes (absent optional columns become nulls)."""
    cols = COLUMNS[name]
    exprs = []
    for c in cols:
        dtype = DTYPES[name][c]
        if c in df.columns:
            e = pl.col(c)
            if dtype == pl.Datetime("us", "UTC"):
                src = df.schema[c]
                if isinstance(src, pl.Datetime) and src.time_zone is None or isinstance(src, pl.Date):
                    e = e.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
                else:
                    e = e.cast(pl.Datetime("us", "UTC"))
            elif dtype == pl.Date and df.schema[c] == pl.String:
                e = e.str.to_date()
            else:
                e = e.cast(dtype)
            exprs.append(e.alias(c))
        else:
            exprs.append(pl.lit(None, dtype=dtype).alias(c))
    return df.select(exprs)


def _plan_versions(
    assignments: pl.DataFrame, snapshots: pl.DataFrame, current_plan_date: dt.date | None
) -> pl.DataFrame:
    cols = [
        "plan_date",
        "assignment_id",
        "project_id",
        "employee_id",
        "role",
        "start_date",
        "end_date",
        "hours_per_week",
    ]
    parts = []
    if snapshots.height:
        parts.append(snapshots.rename({"snapshot_date": "plan_date"}).select(cols))
    if assignments.height and current_plan_date is not None:
        parts.append(assignments.with_columns(pl.lit(current_plan_date).alias("plan_date")).select(cols))
    if not parts:
        return pl.DataFrame(
            schema={
                c: (pl.Date if c.endswith("date") else pl.Float64 if c == "hours_per_week" else pl.String) for c in cols
            }
        )
    return pl.concat(parts).unique(["plan_date", "assignment_id"], keep="last").sort(["plan_date", "assignment_id"])


def from_frames(
    frames: dict[str, pl.DataFrame], reporting_currency: str = "USD", plan_versions: pl.DataFrame | None = None
) -> RawData:
    """Build RawData from canonical frames (entity name -> frame). Missing optional entities are empty."""
    norm: dict[str, pl.DataFrame] = {}
    for name in COLUMNS:
        df = frames.get(name)
        if df is None:
            df = pl.DataFrame()
        norm[name] = _normalise(name, df)
    latest_work = last_date(norm["time_entries"]["work_date"])
    billed: list[dt.date] = []
    for name, column in BILLING_DATES:
        frame = frames.get(name)
        if frame is not None and column in frame.columns:
            dates = frame[column]
            dates = dates.str.to_date(strict=False) if dates.dtype == pl.String else dates.cast(pl.Date, strict=False)
            billed += [d for d in (first_date(dates), last_date(dates)) if d is not None]
    if plan_versions is None:
        plan_versions = _plan_versions(norm["assignments"], norm["assignment_snapshots"], latest_work)
    return RawData(
        legal_entities=norm["legal_entities"],
        customers=norm["customers"],
        employees=norm["employees"],
        projects=norm["projects"],
        rate_cards=norm["rate_cards"],
        time_entries=norm["time_entries"],
        assignment_versions=plan_versions,
        milestones=norm["milestones"],
        opportunities=norm["opportunities"],
        opportunity_history=norm["opportunity_history"],
        fx_rates=norm["fx_rates"],
        holidays=norm["holidays"],
        reporting_currency=reporting_currency,
        billing_dates=(min(billed), max(billed)) if billed else None,
    )


def from_parquet_dir(folder: Path, reporting_currency: str = "USD") -> RawData:
    """Thin adapter for the demo simulator's canonical files (<entity>.parquet or .csv)."""
    frames = {}
    for name in COLUMNS:
        for ext, reader in ((".parquet", pl.read_parquet), (".csv", lambda p: pl.read_csv(p, try_parse_dates=True))):
            path = Path(folder) / f"{name}{ext}"
            if path.exists():
                frames[name] = reader(path)
                break
    return from_frames(frames, reporting_currency)


def _relation(con: duckdb.DuckDBPyConnection, entity: str, raw_only: bool = False) -> tuple[str, str] | None:
    candidates = [(RAW_SCHEMA, entity)] if raw_only else [("intermediate", f"int_{entity}"), (RAW_SCHEMA, entity)]
    for schema, table in candidates:
        if _table(con, schema, table):
            return schema, table
    return None


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()
    }


def date_bounds(
    con: duckdb.DuckDBPyConnection, dates: tuple[tuple[str, str], ...] = ACTIVITY_DATES, raw_only: bool = False
) -> tuple[dt.date, dt.date] | None:
    """First and last of the given (entity, date column)s in the warehouse (None when there are none).
    `raw_only` reads raw_canonical even when the intermediate models exist (right after an ingest,
    before the transform that refreshes them); rows a snapshot ingest marked deleted do not count."""
    found: list[dt.date] = []
    for name, column in dates:
        rel = _relation(con, name, raw_only)
        if rel is None:
            continue
        schema, table = rel
        available = _columns(con, schema, table)
        if column not in available:
            continue
        live = " where deleted_at is null" if schema == RAW_SCHEMA and "deleted_at" in available else ""
        rows = con.sql(
            f'select cast(min("{column}") as date), cast(max("{column}") as date) from "{schema}"."{table}"{live}'
        ).fetchall()
        found += [d for d in (rows[0] if rows else ()) if d is not None]
    return (min(found), max(found)) if found else None


def read_warehouse(con: duckdb.DuckDBPyConnection, reporting_currency: str) -> RawData:
    """Read the canonical entities from the working warehouse into polars."""
    frames: dict[str, pl.DataFrame] = {}
    for name in COLUMNS:
        rel = _relation(con, name)
        if rel is None:
            if name in REQUIRED:
                raise WipcastError(
                    f"the warehouse has no {name} table", "run `wipcast ingest` and `wipcast transform` first"
                )
            continue
        schema, table = rel
        available = _columns(con, schema, table)
        wanted = [c for c in COLUMNS[name] if c in available]
        frames[name] = from_arrow_table(
            con.sql(f'select {", ".join(wanted)} from "{schema}"."{table}"').to_arrow_table()
        )
    # The plan as known at each plan date, from dbt when it exists (snapshots + dbt snapshot history + current).
    versions = None
    if _table(con, "intermediate", "int_assignment_plan_versions"):
        versions = from_arrow_table(
            con.sql(
                "select plan_date, assignment_id, project_id, employee_id, role, start_date, end_date, hours_per_week "
                "from intermediate.int_assignment_plan_versions"
            ).to_arrow_table()
        )
        versions = versions.with_columns(
            pl.col("plan_date").cast(pl.Date),
            pl.col("start_date").cast(pl.Date),
            pl.col("end_date").cast(pl.Date),
            pl.col("hours_per_week").cast(pl.Float64),
        )
    raw = replace(from_frames(frames, reporting_currency, versions), billing_dates=date_bounds(con, BILLING_DATES))
    if _table(con, "intermediate", "int_as_of"):
        rows = con.sql("select cast(max(as_of_date) as date) from intermediate.int_as_of").fetchall()
        if rows and rows[0][0] is not None:
            raw = replace(raw, warehouse_as_of=rows[0][0])
    return replace(raw, revenue_history=history.read(con))


def _table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
    ).fetchall()
    return bool(row and row[0][0])


# --------------------------------------------------------------------------- as-of filter


def _end_of_day(d: dt.date) -> dt.datetime:
    return dt.datetime.combine(d + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)


def opportunity_state_as_of(opps: pl.DataFrame, history: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """Each opportunity created by `as_of`, with stage, probability, amount, dates and status as
    they stood at the end of `as_of`, plus won_date / lost_date when it closed by then."""
    cutoff = _end_of_day(as_of)
    base = opps.filter(pl.col("created_date") <= as_of)
    hist = history.filter(pl.col("changed_at") < cutoff).sort("changed_at")
    state_cols = ["stage", "probability", "amount", "close_date", "expected_start_date", "status"]
    if hist.height:
        last = hist.group_by("opportunity_id").agg([pl.col(c).last() for c in state_cols])
        # When the current stage was entered (time in stage is a strong staleness signal).
        since = (
            hist.join(last.select("opportunity_id", pl.col("stage").alias("_cur")), on="opportunity_id")
            .filter(pl.col("stage") == pl.col("_cur"))
            .group_by("opportunity_id")
            .agg(pl.col("changed_at").min().dt.date().alias("stage_since"))
        )
        closed = (
            hist.filter(pl.col("status").is_in(["won", "lost"]))
            .group_by("opportunity_id")
            .agg(pl.col("changed_at").first().dt.date().alias("_closed_on"))
        )
        base = (
            base.join(last, on="opportunity_id", how="left", suffix="_h")
            .with_columns([pl.coalesce(pl.col(f"{c}_h"), pl.col(c)).alias(c) for c in state_cols])
            .drop([f"{c}_h" for c in state_cols])
            .join(closed, on="opportunity_id", how="left", maintain_order="left")
            .join(since, on="opportunity_id", how="left", maintain_order="left")
        )
        has_hist = pl.col("opportunity_id").is_in(hist["opportunity_id"].unique().implode())
    else:
        base = base.with_columns(pl.lit(None, pl.Date).alias("_closed_on"), pl.lit(None, pl.Date).alias("stage_since"))
        has_hist = pl.lit(False)
    # Without a history row, a current won/lost status only counts if it was closed by as_of.
    closed_by_record = pl.col("status").is_in(["won", "lost"]) & (pl.col("close_date") <= as_of)
    # A deal closed later, without history: its stage and probability then are unknown (the record
    # holds the closing stage, which would leak the outcome into the win model's features).
    reopened = ~has_hist & pl.col("status").is_in(["won", "lost"]) & ~closed_by_record
    base = base.with_columns(
        pl.when(reopened).then(pl.lit(None, pl.String)).otherwise(pl.col("stage")).alias("stage"),
        pl.when(reopened).then(pl.lit(None, pl.Float64)).otherwise(pl.col("probability")).alias("probability"),
    )
    base = base.with_columns(
        pl.when(has_hist)
        .then(pl.col("status"))
        .when(closed_by_record)
        .then(pl.col("status"))
        .otherwise(pl.lit("open"))
        .alias("status"),
        pl.when(has_hist).then(pl.col("_closed_on")).otherwise(pl.col("close_date")).alias("_closed_on"),
    )
    return base.with_columns(
        pl.when(pl.col("status") == "won").then(pl.col("_closed_on")).alias("won_date"),
        pl.when(pl.col("status") == "lost").then(pl.col("_closed_on")).alias("lost_date"),
        pl.when(pl.col("status") == "open")
        .then(pl.lit(None, pl.String))
        .otherwise(pl.col("project_id"))
        .alias("project_id"),
    ).drop("_closed_on")


def as_of_view(raw: RawData, as_of: dt.date) -> Inputs:
    """Only what was known at the end of `as_of`:
    - time approved by then (approved_at) for work on or before it;
    - plan versions dated on or before it; the plan is the latest of them;
    - opportunities created by then, in the state their history gives at that moment;
    - milestones count as completed only when completed by then;
    - projects known by then (a plan, time, a won opportunity, or no opportunity and a start
      on or before it), closed when their end date has passed and nothing is planned after it
      (`closed`, for forecasting) and, for recognition as the marts do it, `recognition_closed`;
    - draft or submitted time unchanged since before the cutoff as `pending_time` (cost only);
    - fx rates dated on or before it."""
    cutoff = _end_of_day(as_of)
    te = raw.time_entries.filter(
        (pl.col("work_date") <= as_of)
        & (pl.col("approval_status") == "approved")
        & (pl.coalesce(pl.col("approved_at"), pl.col("updated_at")) < cutoff)
    )
    versions = raw.assignment_versions.filter(pl.col("plan_date") <= as_of)
    plan_source = "snapshots"
    if versions.height:
        latest = versions["plan_date"].max()
        plan = versions.filter(pl.col("plan_date") == latest)
    else:
        plan = versions
        plan_source = "none"
    opps = opportunity_state_as_of(raw.opportunities, raw.opportunity_history, as_of)
    states = _opportunity_states(raw, as_of)

    won_projects = opps.filter(pl.col("status") == "won").select("project_id").drop_nulls()
    known_ids = pl.concat(
        [
            plan.select("project_id"),
            te.select("project_id"),
            won_projects,
            raw.projects.filter(pl.col("opportunity_id").is_null() & (pl.col("start_date") <= as_of)).select(
                "project_id"
            ),
        ]
    ).unique()
    planned_after = plan.filter(pl.col("end_date") > as_of).select("project_id").unique()
    projects = raw.projects.join(known_ids, on="project_id", how="semi").with_columns(
        (
            pl.col("end_date").is_not_null()
            & (pl.col("end_date") <= as_of)
            & ~pl.col("project_id").is_in(planned_after["project_id"].implode())
        ).alias("closed")
    )
    # Recognition (as the marts apply it) keys on the project's status: closed projects
    # are complete and their later time is at risk. In the past that status holds once the end
    # date has passed; at the latest data or the marts' own as-of it holds as recorded. Without a
    # status the schedule-based `closed` stands in.
    latest_work = last_date(raw.time_entries["work_date"])
    is_current = as_of == raw.warehouse_as_of or latest_work is None or as_of >= latest_work
    projects = projects.with_columns(
        pl.when(pl.col("status").is_null())
        .then(pl.col("closed"))
        .otherwise(
            (pl.col("status") == "closed")
            & (pl.col("end_date").is_null() | (pl.col("end_date") <= as_of) | pl.lit(is_current))
        )
        .alias("recognition_closed")
    )
    pending = raw.time_entries.filter(
        (pl.col("work_date") <= as_of)
        & pl.col("approval_status").is_in(["draft", "submitted"])
        & (pl.col("updated_at") < cutoff)
    ).join(projects.select("project_id"), on="project_id", how="semi")
    milestones = raw.milestones.join(projects.select("project_id"), on="project_id", how="semi").with_columns(
        pl.when(pl.col("completed_date") <= as_of).then(pl.col("completed_date")).alias("completed_date")
    )
    return Inputs(
        as_of=as_of,
        reporting_currency=raw.reporting_currency,
        legal_entities=raw.legal_entities,
        customers=raw.customers,
        employees=raw.employees.filter(pl.col("hire_date") <= as_of),
        projects=projects,
        rate_cards=raw.rate_cards.filter(pl.col("valid_from") <= as_of),
        time_entries=te.join(projects.select("project_id"), on="project_id", how="semi"),
        plan_versions=versions,
        plan=plan.join(projects.select("project_id"), on="project_id", how="semi"),
        milestones=milestones,
        opportunities=opps,
        opportunity_states=states,
        fx_rates=raw.fx_rates.filter(pl.col("rate_date") <= as_of),
        holidays=raw.holidays,
        plan_source=plan_source,
        pending_time=pending,
        revenue_history=history.at(raw.revenue_history, as_of),
    )


def _opportunity_states(raw: RawData, as_of: dt.date) -> pl.DataFrame:
    """Opportunity states at each month end up to as_of (training rows for the win model)."""
    opps = raw.opportunities.filter(pl.col("created_date") <= as_of)
    if not opps.height:
        return opps.with_columns(pl.lit(None, pl.Date).alias("state_date"))
    first = first_date(opps["created_date"])
    assert first is not None  # opps has rows, all created by as_of
    month_ends = pl.date_range(first.replace(day=1), as_of, "1mo", eager=True).dt.month_end()
    frames = []
    for d in [d for d in month_ends.to_list() if d <= as_of]:
        s = opportunity_state_as_of(opps, raw.opportunity_history, d)
        if s.height:
            frames.append(s.with_columns(pl.lit(d).alias("state_date")))
    if not frames:
        return opps.head(0).with_columns(pl.lit(None, pl.Date).alias("state_date"))
    return pl.concat(frames, how="diagonal_relaxed")
