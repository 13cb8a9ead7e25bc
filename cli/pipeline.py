"""The pipeline's own steps as commands: transform, forecast, backtest, publish, and `run` (all in order)."""

from __future__ import annotations

from pathlib import Path

import typer

from cli import steps
from cli.console import out, parse_date, parse_month, progress_bar, require_input_folder, settings
from wipcast.lock import writer_lock
from wipcast.runlog import logged_step
from wipcast.warehouse import new_run_id


def transform(as_of: str | None = typer.Option(None, "--as-of", help="As-of date of point-in-time marts.")) -> None:
    """Build staging, intermediate and marts with dbt (models and tests)."""
    steps.transform(settings(as_of=parse_date(as_of, "--as-of")), new_run_id())


def forecast(
    as_of: str | None = typer.Option(None, "--as-of", help="Forecast as of this date (default: latest complete data)."),
    horizon: int = typer.Option(12, "--horizon", min=1, max=36, help="Months ahead."),
    draws: int = typer.Option(2000, "--draws", min=100, max=20000, help="Monte Carlo draws."),
    seed: int | None = typer.Option(None, "--seed", help="Random seed."),
) -> None:
    """Forecast revenue into the forecast schema (each run is kept)."""
    steps.forecast(settings(), new_run_id(), parse_date(as_of, "--as-of"), horizon, draws, seed)


def backtest(
    start: str = typer.Option(..., "--from", help="First as-of month, YYYY-MM."),
    end: str = typer.Option(..., "--to", help="Last as-of month, YYYY-MM."),
) -> None:
    """Forecast from every monthly as-of date in a range and score it against what happened."""
    import forecasting

    first, last = parse_month(start, "--from"), parse_month(end, "--to")
    if first > last:
        raise typer.BadParameter(f"{start} is after {end}", param_hint="--from")
    config = settings()
    steps.require_work_db(config, "nothing to backtest")
    run_id = new_run_id()
    with logged_step(config, run_id, "backtest"), progress_bar() as progress:
        summary = forecasting.run_backtest(config, run_id, first, last, progress=progress)
    out.print(f"[green]backtest done[/green]: run {run_id}, report {summary.report}")


def publish() -> None:
    """Atomically replace warehouse/wipcast.duckdb with the working warehouse."""
    steps.publish(settings(), new_run_id())


def run(
    input_dir: Path | None = typer.Option(
        None, "--input", help="Folder of canonical files (default: settings input_dir, ./data/demo)."
    ),
    as_of: str | None = typer.Option(None, "--as-of", help="As-of date for marts and forecast."),
    draws: int = typer.Option(2000, "--draws", min=100, max=20000, help="Monte Carlo draws."),
) -> None:
    """Ingest, transform, forecast and publish, in order; the published warehouse changes only if all succeed."""
    day = parse_date(as_of, "--as-of")
    config = settings(input_dir=input_dir, as_of=day)
    require_input_folder(config.input_dir, "--input" if input_dir else "input_dir setting; pass --input")
    run_id = new_run_id()
    # One lock for the whole run: no other writer can slip in between its steps.
    with writer_lock(config, "run", run_id):
        out.print(f"run {run_id}: warehouse {config.warehouse_dir}")
        steps.ingest(config, run_id, config.input_dir)
        steps.transform(config, run_id)
        steps.forecast(config, run_id, day, 12, draws, None)
        steps.publish(config, run_id)
