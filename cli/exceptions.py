"""`wipcast exceptions list | accept ID --reason "..."`: work through fct_sync_exceptions.

Both act on the working warehouse; an acceptance shows in the published warehouse after the next
`wipcast publish` (or `wipcast run`), and it holds over later runs until the exception's amount changes.
"""

from __future__ import annotations

import typer
from rich.table import Table

from cli.console import out, settings
from cli.steps import require_work_db
from wipcast.warehouse import new_run_id

exceptions_app = typer.Typer(no_args_is_help=True, help="Reconciliation exceptions: list them, accept one.")


@exceptions_app.command("list")
def list_cmd(
    status: str = typer.Option("open", "--status", help="open, accepted, resolved or all."),
    exception_type: str | None = typer.Option(None, "--type", help="Only this exception type."),
    limit: int = typer.Option(50, "--limit", min=1, max=10_000, help="At most this many rows."),
) -> None:
    """Exceptions of the working warehouse, largest amount at risk first."""
    from wipcast.exceptions import list_exceptions
    from wipcast.warehouse import work_connection

    config = settings()
    require_work_db(config, "no exceptions to list")

    with work_connection(config) as con:
        rows = list_exceptions(con, None if status == "all" else status, exception_type, limit)
    if not rows:
        out.print(f"no {'' if status == 'all' else status + ' '}exceptions")
        return
    table = Table()
    table.add_column("exception", overflow="fold", min_width=24)  # the id `accept` needs: never cut
    for name in ("owner", "status", f"amount ({config.reporting_currency})", "age (days)", "seen"):
        table.add_column(name, justify="right" if name.startswith(("amount", "age", "seen")) else "left")
    table.add_column("detail", overflow="fold")
    for r in rows:
        amount = "" if r.amount is None else f"{r.amount:,.2f}"
        age = "" if r.age_days is None else str(r.age_days)
        table.add_row(r.exception_id, r.owner or "", r.status, amount, age, str(r.occurrences), r.detail or "")
    out.print(table)
    total = sum((r.amount or 0) for r in rows)
    shown = "" if status == "all" else f"{status} "
    out.print(f"{len(rows)} {shown}exceptions, {total:,.2f} {config.reporting_currency} at risk", highlight=False)


@exceptions_app.command("accept")
def accept_cmd(
    exception_id: str = typer.Argument(..., help="The exception_id (from `wipcast exceptions list`)."),
    reason: str = typer.Option(..., "--reason", help="Why the difference is acceptable (kept with it)."),
) -> None:
    """Accept an exception: it leaves the open count until its amount changes."""
    from wipcast.exceptions import accept
    from wipcast.lock import writer_lock
    from wipcast.warehouse import work_connection

    config = settings()
    require_work_db(config, "no exceptions to accept")
    with writer_lock(config, "exceptions accept", new_run_id()), work_connection(config) as con:
        amount = accept(con, exception_id, reason)
    out.print(
        f"[green]accepted[/green] {exception_id} at {amount:,.2f} {config.reporting_currency}; "
        "it reopens if the amount changes (published with the next `wipcast publish`)",
        highlight=False,
        soft_wrap=True,
    )
