"""The root `wipcast` command: global flags, the command groups, and the one-line error contract.

Every failure ends with one line that says what failed and what to do (exit 1 for problems the user
can fix, 2 for unexpected ones); `--verbose` adds the traceback.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import typer
from rich.markup import escape

from cli import pipeline, serve
from cli.connectors import connectors_app, demo_serve, with_shape
from cli.console import console, options
from cli.demo import demo_app, demo_generate
from cli.exceptions import exceptions_app
from cli.ingest import ingest_app
from cli.report import report_cmd
from cli.scenario import export_cmd, scenario_app
from cli.sql import sql_cmd
from wipcast.errors import WipcastError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="wipcast: analytics and revenue forecasting for professional-services firms.",
)
# the connectors' demo commands: `generate` gains --shape (cli.demo's command, then the vendor shape)
demo_app.command("generate")(with_shape(demo_generate))
demo_app.command("serve")(demo_serve)
app.add_typer(demo_app, name="demo")
app.add_typer(connectors_app, name="connectors")
app.add_typer(ingest_app, name="ingest")
app.add_typer(scenario_app, name="scenario")
app.add_typer(exceptions_app, name="exceptions")
app.command("transform")(pipeline.transform)
app.command("forecast")(pipeline.forecast)
app.command("backtest")(pipeline.backtest)
app.command("publish")(pipeline.publish)
app.command("run")(pipeline.run)
app.command("export")(export_cmd)
app.command("app")(serve.app_cmd)
app.command("sql")(sql_cmd)
app.command("report")(report_cmd)


@app.callback()
def main_options(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show tracebacks and dbt output."),
    warehouse_dir: Path | None = typer.Option(
        None, "--warehouse-dir", help="Warehouse folder (env WIPCAST_WAREHOUSE_DIR; default ./warehouse)."
    ),
    reporting_currency: str | None = typer.Option(
        None, "--reporting-currency", help="ISO 4217 reporting currency (default USD)."
    ),
    wait: float | None = typer.Option(
        None,
        "--wait",
        help="Seconds a writing step waits for another writer to finish before giving up (default 0).",
    ),
) -> None:
    options.verbose = verbose
    options.overrides = {
        "warehouse_dir": warehouse_dir,
        "reporting_currency": reporting_currency,
        "verbose": verbose or None,
        "lock_wait_seconds": wait,
    }


def main() -> None:
    """Console entry point: run the app and turn every failure into one actionable line."""
    verbose = "--verbose" in sys.argv or "-v" in sys.argv
    try:
        app(standalone_mode=False)
    except WipcastError as exc:
        if verbose:
            traceback.print_exc()
        console.print(f"[red]error:[/red] {escape(exc.one_line())}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        console.print("[red]error:[/red] interrupted — nothing was published; rerun the command", soft_wrap=True)
        sys.exit(130)
    except typer.TyperException as exc:  # usage errors name the flag themselves
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            console.print(f"[red]error:[/red] {escape(exc.format_message())}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except Exception as exc:
        if verbose:
            traceback.print_exc()
        first = str(exc).splitlines()[0] if str(exc) else ""
        console.print(
            f"[red]error:[/red] unexpected {type(exc).__name__}: {escape(first)} — rerun with --verbose for the "
            "traceback and report it",
            highlight=False,
            soft_wrap=True,
        )
        sys.exit(2)


if __name__ == "__main__":
    main()
