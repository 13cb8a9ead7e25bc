"""`wipcast report`: the board pack, a paged PDF of the Overview, Forecast, Variance, Unbilled exposure and
Reconciliation for one month's forecast run, printed with Chromium (app/board_pack).

Every input is checked before anything is printed; the PDF is written beside --out and renamed over it,
so a failed run leaves no half file.
"""

from __future__ import annotations

import logging
from pathlib import Path

import typer

from cli.console import out, settings
from wipcast.errors import InputError
from wipcast.files import write_atomically


def _quiet_streamlit() -> None:
    """app.data caches with Streamlit, which warns once per cache that no app is running: not news here."""
    import streamlit  # noqa: F401 - creates its loggers, before app.data's caches are declared

    for name in list(logging.root.manager.loggerDict):
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)


def report_cmd(
    out_path: Path = typer.Option(..., "--out", help="The PDF to write, e.g. pack.pdf (its folder must exist)."),
    month: str | None = typer.Option(
        None,
        "--month",
        help="YYYY-MM: the latest forecast run made in that month, actuals as of its end (default: the newest run).",
    ),
    warehouse_dir: Path | None = typer.Option(
        None, "--warehouse-dir", help="Warehouse folder holding wipcast.duckdb (default: the global setting)."
    ),
    entity: list[str] = typer.Option([], "--entity", help="Legal entity id (repeatable)."),
    region: list[str] = typer.Option([], "--region", help="Region (repeatable)."),
    practice: list[str] = typer.Option([], "--practice", help="Practice (repeatable)."),
    customer: list[str] = typer.Option([], "--customer", help="Customer id (repeatable)."),
) -> None:
    """Write the board pack (PDF, A4 landscape) for a month's forecast run and the app's filters."""
    _quiet_streamlit()
    from app.board_pack import context, pdf, render

    chosen_month = context.parse_month(month) if month is not None else None
    folder = out_path.expanduser().resolve().parent
    if not folder.is_dir():
        raise InputError(f"--out {out_path}: the folder {folder} does not exist", "create it or pick another path")
    if out_path.is_dir():
        raise InputError(f"--out {out_path} is a folder", "name the PDF file to write, e.g. --out pack.pdf")
    config = settings(warehouse_dir=warehouse_dir) if warehouse_dir is not None else settings()
    values = {"entity_id": entity, "region": region, "practice": practice, "customer_id": customer}
    with context.reading(config.warehouse_dir):
        ctx = context.for_month(chosen_month, {dim: tuple(v) for dim, v in values.items() if v})
        pdf.chromium_path()  # before the queries of every section: fail fast when it is missing
        write_atomically(out_path, render(ctx))
    out.print(
        f"[green]board pack written[/green]: {out_path} (run {ctx.run_id}, actuals as of {ctx.as_of:%d %b %Y}, "
        f"filters: {ctx.filter_text})",
        highlight=False,
        soft_wrap=True,
    )
