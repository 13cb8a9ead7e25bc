"""The pipeline's own steps as commands: transform, forecast, backtest, publish, and `run` (all in order)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from cli import connectors, steps
from cli.console import out, parse_date, parse_month, progress_bar, require_input_folder, settings
from wipcast.lock import writer_lock
from wipcast.runlog import logged_step
from wipcast.settings import Settings
from wipcast.warehouse import new_run_id, work_connection

ALLOW_OUTSIDE_HELP = (
    "Accept an as-of date before the first or after the latest activity date (work, invoice or payment) "
    "in the data; recorded in forecast.runs.parameters."
)
SEED_MAX = 2**63 - 1  # forecasting.run.SEED_MAX (not imported: `wipcast --help` stays fast)


def transform(as_of: str | None = typer.Option(None, "--as-of", help="As-of date of point-in-time marts.")) -> None:
    """Build staging, intermediate and marts with dbt (models and tests)."""
    steps.transform(settings(as_of=parse_date(as_of, "--as-of")), new_run_id())


def forecast(
    as_of: str | None = typer.Option(None, "--as-of", help="Forecast as of this date (default: latest complete data)."),
    horizon: int = typer.Option(12, "--horizon", min=1, max=36, help="Months ahead."),
    draws: int = typer.Option(2000, "--draws", min=100, max=20000, help="Monte Carlo draws."),
    seed: int | None = typer.Option(None, "--seed", min=0, max=SEED_MAX, help="Random seed (0 or more)."),
    allow_outside: bool = typer.Option(False, "--allow-as-of-outside-data", help=ALLOW_OUTSIDE_HELP),
) -> None:
    """Forecast revenue into the forecast schema (each run is kept)."""
    steps.forecast(settings(), new_run_id(), parse_date(as_of, "--as-of"), horizon, draws, seed, allow_outside)


def backtest(
    start: str = typer.Option(..., "--from", help="First as-of month, YYYY-MM."),
    end: str = typer.Option(..., "--to", help="Last as-of month, YYYY-MM."),
    allow_outside: bool = typer.Option(
        False, "--allow-as-of-outside-data", help="Accept origins before the first activity date in the data."
    ),
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
        if config.warehouse_kind == "duckdb":
            # the closes the backtest reads its history from, computed once (wipcast.transform)
            from forecasting.backtest import history_dates_needed
            from wipcast.transform import build_history

            build_history(config, history_dates_needed(first, last), progress)
        summary = forecasting.run_backtest(
            config, run_id, first, last, progress=progress, allow_as_of_outside_data=allow_outside
        )
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
    allow_outside: bool = typer.Option(False, "--allow-as-of-outside-data", help=ALLOW_OUTSIDE_HELP),
) -> None:
    """Ingest every source of `[sources] run` in wipcast.toml (default: the files), transform, forecast and
    publish, in order; the published warehouse changes only if all succeed."""
    from ingest.connectors.run import run_sources

    day = parse_date(as_of, "--as-of")
    config = settings(input_dir=input_dir, as_of=day)
    sources = run_sources()  # checked before anything is written
    if "files" in sources:
        require_input_folder(config.input_dir, "--input" if input_dir else "input_dir setting; pass --input")
    elif input_dir is not None:
        raise typer.BadParameter(
            'the sources of this run (wipcast.toml [sources] run) do not include "files"', param_hint="--input"
        )
    check_as_of = config.as_of is not None and not allow_outside
    label = "--as-of" if day is not None else "the as_of setting (WIPCAST_AS_OF or wipcast.toml)"
    if check_as_of:
        before = data_range_before_ingest(config) if "files" in sources else None  # connectors: told after ingest
        check_run_as_of(config, label, before)  # nothing written yet, not even a log row
    run_id = new_run_id()
    # One lock for the whole run: no other writer can slip in between its steps.
    with writer_lock(config, "run", run_id):
        out.print(f"run {run_id}: warehouse {config.warehouse_dir}")
        for source in sources:  # every writing step inside the run's lock (logged_step re-enters it)
            if source == "files":
                steps.ingest(config, run_id, config.input_dir)
            else:
                connectors.sync_step(config, run_id, source)
        if check_as_of:
            check_run_as_of(config, label, data_range_loaded(config))  # as loaded: set-aside rows do not count
        steps.transform(config, run_id)
        if config.warehouse_kind in steps.FORECAST_KINDS:  # on PostgreSQL: not yet (docs/warehouses.md)
            steps.forecast(config, run_id, day, 12, draws, None, allow_outside)
        steps.publish(config, run_id)


def check_run_as_of(config: Settings, label: str, data: tuple[dt.date, dt.date] | None) -> None:
    """The forecast step's as-of rule (forecasting.run.check_as_of), applied early; `data` None: unknown."""
    from forecasting.run import check_as_of

    if config.as_of is not None and data is not None:
        check_as_of(config.as_of, label, *data)


def data_range_before_ingest(config: Settings) -> tuple[dt.date, dt.date] | None:
    """First and latest activity date the warehouse will hold once config.input_dir is ingested: those of
    the input files and of the rows already loaded (a superset: ingest may set rows aside). None when
    that cannot be told cheaply (an unreadable file, a warehouse another program holds open): the
    checks after ingest and in the forecast step still apply."""
    import duckdb

    from forecasting.inputs import ACTIVITY_DATES, date_bounds
    from ingest.readers import discover

    found: list[dt.date] = []
    con = duckdb.connect()
    try:
        files = discover(config.input_dir, [])
        for entity, column in ACTIVITY_DATES:
            source = files.get(entity)
            if source is None:
                continue
            if source.fmt == "csv":
                rel = con.read_csv(str(source.path), header=True, all_varchar=True)
                # trim(): DuckDB would push a bare try_cast into the CSV reader, which then fails on a bad date
                dates = f'try_cast(trim("{column}") as date)'
            else:
                rel = con.read_parquet(str(source.path))
                dates = f'try_cast("{column}" as date)'
            found += [d for d in rel.aggregate(f"min({dates}), max({dates})").fetchall()[0] if d is not None]
        if config.work_db.exists():
            loaded = duckdb.connect(str(config.work_db), read_only=True)
            try:
                found += list(date_bounds(loaded, raw_only=True) or ()) + list(date_bounds(loaded) or ())
            finally:
                loaded.close()
    except (duckdb.Error, OSError):
        return None
    finally:
        con.close()
    return (min(found), max(found)) if found else None


def data_range_loaded(config: Settings) -> tuple[dt.date, dt.date] | None:
    """After ingest, before transform: the files just loaded (raw_canonical) and what the last build
    holds (the intermediate models, which also union the connectors' sources), together."""
    from forecasting.inputs import date_bounds

    with work_connection(config) as con:
        found = list(date_bounds(con, raw_only=True) or ()) + list(date_bounds(con) or ())
    return (min(found), max(found)) if found else None
