"""The `wipcast` command: the only place where ingest, dbt, forecasting, publish and the app meet.

Every failure ends with one line that says what failed and what to do (exit 1 for problems
the user can fix, 2 for unexpected ones); `--verbose` adds the traceback.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

try:  # typer >= 0.20 vendors click; older releases use click itself
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover
    from click import ClickException

from wipcast.errors import InputError, WipcastError
from wipcast.runlog import logged_step
from wipcast.settings import Settings, load_settings
from wipcast.warehouse import new_run_id

console = Console(stderr=True)
out = Console()

app = typer.Typer(add_completion=False, no_args_is_help=True, help="wipcast: analytics and revenue forecasting for professional-services firms.")
demo_app = typer.Typer(no_args_is_help=True, help="The simulated demo firm.")
ingest_app = typer.Typer(no_args_is_help=True, help="Load data into the warehouse.")
app.add_typer(demo_app, name="demo")
app.add_typer(ingest_app, name="ingest")

# Scenario and export commands live in their own module; it imports forecasting only inside commands.
from wipcast.cli_scenario import export_cmd, scenario_app  # noqa: E402

app.add_typer(scenario_app, name="scenario")
app.command("export")(export_cmd)

_state: dict = {"overrides": {}, "verbose": False}

APP_ENTRY = Path(__file__).resolve().parent.parent / "app" / "streamlit_app.py"


def _parse_date(value: Optional[str], flag: str) -> Optional[dt.date]:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD", param_hint=flag) from None


@app.callback()
def main_options(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show tracebacks and dbt output."),
    warehouse_dir: Optional[Path] = typer.Option(None, "--warehouse-dir", help="Warehouse folder (env WIPCAST_WAREHOUSE_DIR; default ./warehouse)."),
    reporting_currency: Optional[str] = typer.Option(None, "--reporting-currency", help="ISO 4217 reporting currency (default USD)."),
) -> None:
    _state["verbose"] = verbose
    _state["overrides"] = {"warehouse_dir": warehouse_dir, "reporting_currency": reporting_currency, "verbose": verbose or None}


def _settings(**extra) -> Settings:
    return load_settings({**_state["overrides"], **extra})


@contextlib.contextmanager
def _progress() -> Iterator[Callable[[str, float, float], None]]:
    """A rich progress bar; yields the `progress(description, completed, total)` callback steps accept."""
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
        console=console, transient=True, disable=not console.is_terminal,
    ) as bar:
        tasks: dict[str, int] = {}

        def update(description: str, completed: float, total: float) -> None:
            if description not in tasks:
                tasks[description] = bar.add_task(description, total=total or 1)
            bar.update(tasks[description], completed=completed, total=total or 1)

        yield update


# ---------------------------------------------------------------- steps


def _require_input_folder(folder: Path, flag: str) -> None:
    """Checked before the run log is touched, so a mistyped folder writes nothing."""
    if not folder.is_dir():
        raise InputError(f"input folder {folder} ({flag}) does not exist or is not a folder",
                         "pass the folder holding the canonical CSV or Parquet files")


def _require_work_db(settings: Settings, what: str) -> None:
    """Steps after ingest need the working warehouse; checked before logged_step would create an empty one."""
    if not settings.work_db.exists():
        raise WipcastError(f"{what}: no working warehouse at {settings.work_db}",
                           "load data first with `wipcast ingest files DIR` or `wipcast run`")


def _step_ingest(settings: Settings, run_id: str, folder: Path) -> None:
    from ingest.files import ingest_files

    with logged_step(settings, run_id, "ingest") as record, _progress() as progress:
        result = ingest_files(settings, folder, run_id, progress=progress)
        record.rows = result.rows_loaded
        record.message = f"{result.rows_quarantined} row(s) quarantined"
    _print_ingest(result)


def _print_ingest(result) -> None:
    """Per-file counts as a table, then the ingest's own summary (totals, quarantine reasons, absent files)."""
    table = Table(title="Ingest", show_edge=False)
    for col in ("entity", "read", "loaded", "quarantined"):
        table.add_column(col, justify="left" if col == "entity" else "right")
    for entity, counts in result.files.items():
        if counts.source_file:
            table.add_row(entity, f"{counts.rows_read:,}", f"{counts.rows_loaded:,}", f"{counts.rows_quarantined:,}")
    out.print(table)
    for line in result.summary_lines():
        out.print(line, highlight=False, soft_wrap=True)


def _step_transform(settings: Settings, run_id: str) -> None:
    from wipcast.transform import dbt_build

    _require_work_db(settings, "nothing to transform")
    with logged_step(settings, run_id, "transform") as record, _progress() as progress:
        output = dbt_build(settings, progress=progress)
        done = [line for line in output.splitlines() if "Done." in line]
        record.message = done[-1].split("Done.", 1)[1].strip()[:500] if done else None
    if settings.verbose:
        out.print(output)
    out.print("[green]dbt build passed[/green]: staging, intermediate and marts are up to date.")


def _step_forecast(settings: Settings, run_id: str, as_of, horizon: int, draws: int, seed) -> None:
    import forecasting

    _require_work_db(settings, "nothing to forecast from")
    with logged_step(settings, run_id, "forecast") as record, _progress() as progress:
        summary = forecasting.run_forecast(settings, run_id, as_of=as_of, horizon=horizon, draws=draws, seed=seed, progress=progress)
        rows = summary.get("rows") if isinstance(summary, dict) else None
        record.rows = sum(rows.values()) if isinstance(rows, dict) else rows
    out.print(f"[green]forecast written[/green]: run {run_id}" + (f", as of {summary.get('as_of_date')}" if isinstance(summary, dict) and summary.get("as_of_date") else ""))
    if isinstance(summary, dict) and summary.get("draws_requested") and summary.get("draws", 0) < summary["draws_requested"]:
        console.print(
            f"[yellow]note[/yellow]: {summary['draws']:,} of {summary['draws_requested']:,} draws were simulated to stay within memory "
            "(recorded in forecast.runs.parameters); intervals are a little noisier", soft_wrap=True)


def _step_publish(settings: Settings, run_id: str) -> None:
    from wipcast.publish import publish

    _require_work_db(settings, "nothing to publish")
    with logged_step(settings, run_id, "publish"):
        target = publish(settings, run_id)
    out.print(f"[green]published[/green] {target}")


# ---------------------------------------------------------------- commands


@demo_app.command("generate")
def demo_generate(
    out_dir: Path = typer.Option(Path("data/demo"), "--out", help="Folder to write the canonical files to."),
    employees: int = typer.Option(150, "--employees", help="Head count to simulate."),
    months: int = typer.Option(30, "--months", help="Months of history ending at --as-of."),
    as_of: str = typer.Option("2026-10-31", "--as-of", help="Last day of the simulated history (YYYY-MM-DD)."),
    seed: int = typer.Option(7, "--seed", help="Random seed; the same seed gives the same files."),
    fmt: str = typer.Option("parquet", "--format", help="parquet or csv."),
) -> None:
    """Write a simulated professional-services firm in the canonical contract."""
    from wipcast import demo
    from wipcast.demo.generate import FORMATS

    if fmt not in FORMATS:
        raise typer.BadParameter(f"{fmt!r} is not a format; use {' or '.join(FORMATS)}", param_hint="--format")
    day = _parse_date(as_of, "--as-of")
    with _progress() as progress:
        summary = demo.generate(out_dir, employees=employees, months=months, as_of=day, seed=seed, fmt=fmt, progress=progress)
    rows = summary.get("rows", {}) if isinstance(summary, dict) else {}
    out.print(f"[green]demo firm written[/green] to {out_dir}: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))


@ingest_app.command("files")
def ingest_files_cmd(folder: Path = typer.Argument(..., help="Folder of canonical CSV or Parquet files.")) -> None:
    """Validate and load a folder of canonical files into raw_canonical (merge on primary keys)."""
    _require_input_folder(folder, "FOLDER")
    settings = _settings()
    _step_ingest(settings, new_run_id(), folder)


@app.command()
def transform(as_of: Optional[str] = typer.Option(None, "--as-of", help="As-of date of point-in-time marts.")) -> None:
    """Build staging, intermediate and marts with dbt (models and tests)."""
    settings = _settings(as_of=_parse_date(as_of, "--as-of"))
    _step_transform(settings, new_run_id())


@app.command()
def forecast(
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Forecast as of this date (default: latest complete data)."),
    horizon: int = typer.Option(12, "--horizon", min=1, max=36, help="Months ahead."),
    draws: int = typer.Option(2000, "--draws", min=100, max=20000, help="Monte Carlo draws."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Random seed."),
) -> None:
    """Forecast revenue into the forecast schema (each run is kept)."""
    settings = _settings()
    _step_forecast(settings, new_run_id(), _parse_date(as_of, "--as-of"), horizon, draws, seed)


@app.command()
def backtest(
    start: str = typer.Option(..., "--from", help="First as-of month, YYYY-MM."),
    end: str = typer.Option(..., "--to", help="Last as-of month, YYYY-MM."),
) -> None:
    """Forecast from every monthly as-of date in a range and score it against what happened."""
    import forecasting

    def month(value: str, flag: str) -> dt.date:
        try:
            return dt.date.fromisoformat(value + "-01")
        except ValueError:
            raise typer.BadParameter(f"{value!r} is not a month; use YYYY-MM", param_hint=flag) from None

    first, last = month(start, "--from"), month(end, "--to")
    if first > last:
        raise typer.BadParameter(f"{start} is after {end}", param_hint="--from")
    settings = _settings()
    _require_work_db(settings, "nothing to backtest")
    run_id = new_run_id()
    with logged_step(settings, run_id, "backtest"), _progress() as progress:
        summary = forecasting.run_backtest(settings, run_id, first, last, progress=progress)
    report = summary.get("report") if isinstance(summary, dict) else None
    out.print(f"[green]backtest done[/green]: run {run_id}" + (f", report {report}" if report else ""))


@app.command("publish")
def publish_cmd() -> None:
    """Atomically replace warehouse/wipcast.duckdb with the working warehouse."""
    settings = _settings()
    _step_publish(settings, new_run_id())


@app.command()
def run(
    input_dir: Optional[Path] = typer.Option(None, "--input", help="Folder of canonical files (default: settings input_dir, ./data/demo)."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="As-of date for marts and forecast."),
    draws: int = typer.Option(2000, "--draws", min=100, max=20000, help="Monte Carlo draws."),
) -> None:
    """Ingest, transform, forecast and publish, in order; the published warehouse changes only if all succeed."""
    day = _parse_date(as_of, "--as-of")
    settings = _settings(input_dir=input_dir, as_of=day)
    _require_input_folder(settings.input_dir, "--input" if input_dir else "input_dir setting; pass --input")
    run_id = new_run_id()
    out.print(f"run {run_id}: warehouse {settings.warehouse_dir}")
    _step_ingest(settings, run_id, settings.input_dir)
    _step_transform(settings, run_id)
    _step_forecast(settings, run_id, day, 12, draws, None)
    _step_publish(settings, run_id)


@app.command("app")
def app_cmd(port: int = typer.Option(8501, "--port", min=1, max=65535, help="Port to serve the dashboard on.")) -> None:
    """Serve the dashboard (reads the published warehouse only)."""
    settings = _settings()
    env = dict(os.environ, WIPCAST_WAREHOUSE_DIR=str(settings.warehouse_dir))
    if not settings.published_db.exists():
        console.print(f"[yellow]note[/yellow]: no published warehouse at {settings.published_db} yet; the dashboard will say how to build it.")
    cmd = [sys.executable, "-m", "streamlit", "run", str(APP_ENTRY), "--server.port", str(port),
           "--server.headless", "true", "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal"]
    out.print(f"dashboard on http://localhost:{port}")
    raise typer.Exit(subprocess.call(cmd, env=env))


def main() -> None:
    """Console entry point: run the app and turn every failure into one actionable line."""
    verbose = "--verbose" in sys.argv or "-v" in sys.argv
    try:
        app(standalone_mode=False)
    except WipcastError as exc:
        if verbose:
            traceback.print_exc()
        console.print(f"[red]error:[/red] {exc.one_line()}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        console.print("[red]error:[/red] interrupted — nothing was published; rerun the command", soft_wrap=True)
        sys.exit(130)
    except ClickException as exc:  # usage errors name the flag themselves
        exc.show()
        sys.exit(exc.exit_code)
    except Exception as exc:
        if verbose:
            traceback.print_exc()
        console.print(
            f"[red]error:[/red] unexpected {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} — rerun with --verbose for the traceback and report it",
            highlight=False, soft_wrap=True,
        )
        sys.exit(2)


if __name__ == "__main__":
    main()
