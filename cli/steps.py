"""The logged pipeline steps that commands run alone and `wipcast run` chains: each records itself in
ops.run_log, reports progress, and prints its result."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.table import Table

from cli.console import console, out, progress_bar
from wipcast.errors import WipcastError
from wipcast.runlog import logged_step
from wipcast.settings import Settings

if TYPE_CHECKING:
    from ingest.files import IngestResult


@dataclass(frozen=True)
class TransformResult:
    """What dbt reported: its closing summary line (PASS=.. ERROR=..) and the whole output."""

    summary: str | None
    output: str


def require_work_db(settings: Settings, what: str) -> None:
    """Steps after ingest need the working warehouse; checked before logged_step would create an empty one."""
    if not settings.work_db.exists():
        raise WipcastError(
            f"{what}: no working warehouse at {settings.work_db}",
            "load data first with `wipcast ingest files DIR` or `wipcast run`",
        )


def ingest(settings: Settings, run_id: str, folder: Path, snapshot: list[str] | None = None) -> IngestResult:
    from ingest.files import ingest_files

    with logged_step(settings, run_id, "ingest") as record, progress_bar() as progress:
        result = ingest_files(settings, folder, run_id, progress=progress, snapshot=snapshot or ())
        record.rows = result.rows_loaded
        record.message = f"{result.rows_quarantined} row(s) quarantined"
    print_ingest(result)
    return result


def print_ingest(result: IngestResult) -> None:
    """Per-file counts as a table, then the ingest's own summary (totals, quarantine reasons, absent files)."""
    table = Table(title="Ingest", show_edge=False)
    snapshot = any(counts.rows_deleted is not None for counts in result.files.values())
    for col in ("entity", "read", "loaded", "quarantined", *(["deleted"] if snapshot else [])):
        table.add_column(col, justify="left" if col == "entity" else "right")
    for entity, counts in result.files.items():
        if counts.source_file:
            cells = [f"{counts.rows_read:,}", f"{counts.rows_loaded:,}", f"{counts.rows_quarantined:,}"]
            if snapshot:
                cells.append("" if counts.rows_deleted is None else f"{counts.rows_deleted:,}")
            table.add_row(entity, *cells)
    out.print(table)
    for line in result.summary_lines():
        out.print(line, highlight=False, soft_wrap=True)


def transform(settings: Settings, run_id: str) -> TransformResult:
    from wipcast.transform import dbt_build

    require_work_db(settings, "nothing to transform")
    with logged_step(settings, run_id, "transform") as record, progress_bar() as progress:
        output = dbt_build(settings, run_id, progress=progress)
        done = [line for line in output.splitlines() if "Done." in line]
        summary = done[-1].split("Done.", 1)[1].strip()[:500] if done else None
        record.message = summary
    if settings.verbose:
        out.print(output)
    out.print("[green]dbt build passed[/green]: staging, intermediate and marts are up to date.")
    return TransformResult(summary=summary, output=output)


def forecast(
    settings: Settings,
    run_id: str,
    as_of: dt.date | None,
    horizon: int,
    draws: int,
    seed: int | None,
    allow_as_of_outside_data: bool = False,
) -> None:
    import forecasting

    require_work_db(settings, "nothing to forecast from")
    if settings.warehouse_kind not in FORECAST_KINDS:
        raise WipcastError(
            f"forecasts are not written to a {settings.warehouse_kind} warehouse yet",
            "use the DuckDB or Spark warehouse for forecasts (docs/warehouses.md, limits)",
        )
    with logged_step(settings, run_id, "forecast") as record, progress_bar() as progress:

        def run(where: Settings) -> forecasting.ForecastSummary:
            return forecasting.run_forecast(
                where,
                run_id,
                as_of=as_of,
                horizon=horizon,
                draws=draws,
                seed=seed,
                progress=progress,
                allow_as_of_outside_data=allow_as_of_outside_data,
            )

        if settings.warehouse_kind == "duckdb" and as_of is not None:
            # the closes an explicit as-of date learns from, computed once (wipcast.transform)
            from forecasting.selfassess import lookback_origins
            from wipcast.transform import build_history

            build_history(settings, [as_of, *lookback_origins(as_of)], progress)
        if settings.warehouse_kind == "spark":
            from wipcast.warehouses import spark_forecast

            # the engine reads and writes DuckDB: give it the Spark relations it reads, then send its rows back
            with spark_forecast.mirror(settings, forecast_relations()) as local:
                summary = run(local)
                spark_forecast.write_back(settings, local, run_id)
        else:
            summary = run(settings)
        record.rows = sum(summary.rows.values())
    out.print(f"[green]forecast written[/green]: run {run_id}, as of {summary.as_of_date}")
    if summary.draws < summary.draws_requested:
        console.print(
            f"[yellow]note[/yellow]: {summary.draws:,} of {summary.draws_requested:,} draws were simulated to "
            "stay within memory (recorded in forecast.runs.parameters); intervals are a little noisier",
            soft_wrap=True,
        )


# warehouse kinds the forecast step writes to (PostgreSQL: not yet)
FORECAST_KINDS = ("duckdb", "spark")


def forecast_relations() -> list[tuple[str, str]]:
    """What the forecast reads (forecasting.inputs): each entity's intermediate model or raw table (those
    it reads and those its activity dates come from), the plan's versions, the as-of date, and the
    revenue marts (restated and as reported at each close) with the projects they join."""
    from forecasting.inputs import ACTIVITY_DATES, COLUMNS
    from wipcast.contract import RAW_SCHEMA

    names = dict.fromkeys([*COLUMNS, *(entity for entity, _ in ACTIVITY_DATES)])  # the dates' own entities too
    entities = [relation for name in names for relation in (("intermediate", f"int_{name}"), (RAW_SCHEMA, name))]
    return [
        *entities,
        ("intermediate", "int_assignment_plan_versions"),
        ("intermediate", "int_as_of"),
        ("intermediate", "int_projects"),
        ("marts", "mart_revenue_monthly"),
        ("marts", "mart_revenue_monthly_history"),  # the as-reported history at earlier as-of dates
    ]


def publish(settings: Settings, run_id: str) -> Path | str:
    from wipcast.publish import publish as publish_warehouse

    require_work_db(settings, "nothing to publish")
    with logged_step(settings, run_id, "publish"):
        target = publish_warehouse(settings, run_id)
    out.print(f"[green]published[/green] {target}")
    return target
