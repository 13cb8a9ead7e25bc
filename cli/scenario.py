"""`wipcast scenario run|list|compare` and `wipcast export`: planners' what-ifs and exports.

Registered by cli/main.py. Forecasting is imported inside the commands so `wipcast --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from cli import steps
from cli.console import out, progress_bar, settings

scenario_app = typer.Typer(no_args_is_help=True, help="What-if scenarios run through the forecast engine.")


def _money(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}"


@scenario_app.command("run")
def scenario_run(
    file: Path = typer.Argument(..., help="Scenario YAML file (see docs/scenarios.md and examples/scenarios/)."),
    publish: bool = typer.Option(
        True, "--publish/--no-publish", help="Publish the warehouse afterwards so the app and analysts see the run."
    ),
    allow_outside: bool = typer.Option(
        False,
        "--allow-as-of-outside-data",
        help="Accept a scenario as_of before the first or after the latest activity date in the data.",
    ),
) -> None:
    """Forecast a scenario and store it under its own scenario_id in the forecast tables."""
    from forecasting.scenarios import load, run_scenario
    from wipcast.runlog import logged_step
    from wipcast.warehouse import new_run_id

    scenario = load(file)  # invalid YAML stops here: nothing is written
    config = settings()
    run_id = new_run_id()
    with logged_step(config, run_id, "scenario") as record, progress_bar() as progress:
        summary = run_scenario(config, scenario, run_id, progress=progress, allow_as_of_outside_data=allow_outside)
        record.rows = sum(summary.rows.values())
        record.message = f"scenario {scenario.name}"
    total = sum(summary.firm_mean_by_month.values())
    out.print(
        f"[green]scenario {scenario.name} written[/green]: run {run_id}, as of {summary.as_of_date}, "
        f"{summary.horizon} months, seed {summary.seed}; "
        f"forecast total {_money(total)} {config.reporting_currency}"
    )
    if summary.base_run_id is None:
        out.print("note: no base forecast for this as-of date yet; `wipcast forecast` makes one to compare with")
    if publish:
        steps.publish(config, run_id)


@scenario_app.command("list")
def scenario_list_cmd() -> None:
    """Scenarios stored in the warehouse, with their runs."""
    from forecasting.scenarios.tables import scenario_list
    from wipcast.warehouse import work_connection

    with work_connection(settings()) as con:
        frame = scenario_list(con)
    if not frame.height:
        out.print("no scenarios yet: run one with `wipcast scenario run FILE`")
        return
    table = Table(title="Scenarios", show_edge=False)
    for col in ("scenario", "description", "runs", "latest run", "as of", "last run at"):
        table.add_column(col, justify="right" if col == "runs" else "left")
    for row in frame.iter_rows(named=True):
        table.add_row(
            row["scenario_id"],
            row["description"] or "",
            str(row["runs"]),
            row["latest_run_id"] or "failed only",
            str(row["latest_as_of"] or ""),
            str(row["last_run_at"])[:19],
        )
    out.print(table)


@scenario_app.command("compare")
def scenario_compare(
    scenario: str = typer.Argument(..., help="Scenario to compare (B), or 'base'."),
    second: str | None = typer.Argument(
        None, help="The older form `compare A B`: the second name is B and the first is A.", show_default=False
    ),
    against: str | None = typer.Option(
        None, "--against", help="Compare with this scenario (A) instead of the base forecast.", show_default="base"
    ),
    out_path: Path | None = typer.Option(None, "--out", help="Also write the full table (month x practice) as CSV."),
) -> None:
    """B minus A (A: base unless --against) by month (firm) and by practice (horizon), with the p10/p90 of the
    draw-by-draw difference when both runs drew the same random numbers."""
    import polars as pl

    from forecasting.exports import neutralise_frame
    from forecasting.scenarios.compare import BASE, FIRM, compare

    if second is not None and against is not None:
        raise typer.BadParameter(
            "give two names (`compare A B`) or one name and --against, not both", param_hint="--against"
        )
    a, b = (scenario, second) if second is not None else (against or BASE, scenario)
    from wipcast.warehouse import work_connection

    config = settings()
    with work_connection(config) as con:
        result = compare(con, a, b)
    ccy = config.reporting_currency
    if not result.same_as_of:
        out.print(f"[yellow]note[/yellow]: {a} is as of {result.a.as_of}, {b} as of {result.b.as_of}")
    if result.unpaired_reason:
        out.print(f"[yellow]not paired[/yellow]: {result.unpaired_reason}")
    else:
        out.print(f"paired draw by draw ({result.b.draws} draws, seed {result.b.seed}): p10/p90 are of the difference")
    monthly = Table(title=f"{b} vs {a}: firm, by month ({ccy})", show_edge=False)
    for col in ("month", a, b, "delta", "delta %", "delta p10", "delta p90"):
        monthly.add_column(col, justify="left" if col == "month" else "right")
    for r in result.monthly.filter(pl.col("practice") == FIRM).iter_rows(named=True):
        pct = "" if r["delta_pct"] is None else f"{r['delta_pct']:+.1%}"
        monthly.add_row(
            str(r["month"])[:7],
            _money(r["a_mean"]),
            _money(r["b_mean"]),
            _money(r["delta_mean"]),
            pct,
            _money(r["delta_p10"]),
            _money(r["delta_p90"]),
        )
    out.print(monthly)
    practice_table = Table(title=f"by practice, whole horizon ({ccy})", show_edge=False)
    for col in ("practice", a, b, "delta", "delta p10", "delta p90"):
        practice_table.add_column(col, justify="left" if col == "practice" else "right")
    for r in result.horizon.sort(pl.col("practice") == FIRM, "practice").iter_rows(named=True):
        practice_table.add_row(
            "firm" if r["practice"] == FIRM else r["practice"],
            _money(r["a_mean"]),
            _money(r["b_mean"]),
            _money(r["delta_mean"]),
            _money(r["delta_p10"]),
            _money(r["delta_p90"]),
        )
    out.print(practice_table)
    if out_path is not None:
        neutralise_frame(result.monthly).write_csv(out_path)
        out.print(f"written {out_path}")


def export_cmd(
    scenario: str = typer.Option(
        "base", "--scenario", help="Scenario name ('base' = the base forecast); its latest successful run."
    ),
    fmt: str = typer.Option("xlsx", "--format", help="csv, xlsx or parquet."),
    grain: str = typer.Option("practice", "--grain", help="firm, practice, region, customer or project."),
    out_path: Path = typer.Option(..., "--out", help="File to write (CSV also writes <out>.json with the provenance)."),
    run_id: str | None = typer.Option(None, "--run-id", help="Export this run instead of the scenario's latest."),
) -> None:
    """Export a forecast (base or scenario) in long format with components, p10/p50/p90 and provenance."""
    from forecasting.exports import FORMATS, GRAINS, check_out_path, export_run, write_export
    from wipcast.warehouse import work_connection

    if fmt not in FORMATS:
        raise typer.BadParameter(f"{fmt!r} is not a format; allowed: {', '.join(FORMATS)}", param_hint="--format")
    if grain not in GRAINS:
        raise typer.BadParameter(f"{grain!r} is not a grain; allowed: {', '.join(GRAINS)}", param_hint="--grain")
    check_out_path(out_path, fmt)  # before the warehouse is opened
    config = settings()
    with work_connection(config) as con:
        frame, meta = export_run(con, scenario, grain, config.reporting_currency, run_id)
    written = write_export(frame, meta, fmt, out_path)
    out.print(
        f"[green]exported[/green] {frame.height:,} rows of run {meta['run_id']} "
        f"({meta['scenario_id']}, as of {meta['as_of_date']}) to " + ", ".join(str(p) for p in written)
    )
