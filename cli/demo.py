"""`wipcast demo ...`: the simulated demo firm."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.console import out, parse_date, progress_bar

demo_app = typer.Typer(no_args_is_help=True, help="The simulated demo firm.")


@demo_app.command("generate")
def demo_generate(
    out_dir: Path = typer.Option(Path("data/demo"), "--out", help="Folder to write the canonical files to."),
    employees: int = typer.Option(150, "--employees", help="Head count to simulate."),
    months: int = typer.Option(30, "--months", help="Months of history ending at --as-of."),
    as_of: str = typer.Option("2026-10-31", "--as-of", help="Last day of the simulated history (YYYY-MM-DD)."),
    seed: int = typer.Option(7, "--seed", help="Random seed; the same seed gives the same files."),
    fmt: str = typer.Option("parquet", "--format", help="parquet or csv."),
    replace: bool = typer.Option(
        False, "--replace", help="Replace contract files of the other format already in the folder."
    ),
    growth: float = typer.Option(
        0.06, "--growth", help="Regime: annual headcount growth (revenue follows); 0 is flat, negative shrinks."
    ),
    plans: str = typer.Option(
        "overstated",
        "--plans",
        help="Regime: overstated (early plans above the hours later worked), accurate or understated.",
    ),
    extensions: str = typer.Option(
        "normal", "--extensions", help="Regime: how often work runs past its early planned end: normal, many or few."
    ),
    seasonality: str = typer.Option(
        "normal", "--seasonality", help="Regime: summer and year-end leave: normal, weak or strong."
    ),
    price_change: float = typer.Option(
        0.0,
        "--price-change",
        help="Regime: one-off change of every list price (0.15 = +15%) from January of the middle year.",
    ),
    crm: str = typer.Option(
        "optimistic",
        "--crm",
        help="Regime: CRM stage probabilities against true win rates: optimistic, calibrated or pessimistic.",
    ),
    hiring_freeze_months: int = typer.Option(
        0, "--hiring-freeze-months", help="Regime: nobody is hired in the last N months of the history."
    ),
    erp_invoices: bool = typer.Option(
        False,
        "--erp-invoices",
        help="Also write the ERP's copy of every issued invoice, with header and currency discrepancies planted.",
    ),
) -> None:
    """Write a simulated professional-services firm in the canonical contract.

    The regime options change the firm's dynamics (for testing forecasts on other kinds of firm);
    their defaults give today's demo firm, byte for byte; `make demo` adds the ERP's invoices."""
    import simulator
    from simulator.generate import FORMATS

    if fmt not in FORMATS:
        raise typer.BadParameter(f"{fmt!r} is not a format; use {' or '.join(FORMATS)}", param_hint="--format")
    day = parse_date(as_of, "--as-of")
    assert day is not None
    with progress_bar() as progress:
        summary = simulator.generate(
            out_dir,
            employees=employees,
            months=months,
            as_of=day,
            seed=seed,
            fmt=fmt,
            progress=progress,
            replace=replace,
            growth=growth,
            plans=plans,
            extensions=extensions,
            seasonality=seasonality,
            price_change=price_change,
            crm=crm,
            hiring_freeze_months=hiring_freeze_months,
            erp_invoices=erp_invoices,
        )
    rows = summary.rows
    out.print(f"[green]demo firm written[/green] to {out_dir}: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
