"""Vendor connectors on the command line.

- `wipcast ingest <connector> [--since DATE] [--full-refresh] [--base-url URL]` (one per connector)
- `wipcast connectors list | check NAME | reconform NAME`
- `wipcast demo generate --shape SHAPE` and `wipcast demo serve SHAPE DIR`: the demo firm as a
  vendor account (simulator.shapes.SHAPES), served locally, so the connectors can be tried without one.

Every failure is a WipcastError (one line). Credentials are never printed: `list` says only
whether they resolve.
"""

from __future__ import annotations

import datetime as dt
import inspect
import typing
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cli.console import console, out, parse_date, progress_bar, settings
from wipcast.errors import InputError
from wipcast.runlog import logged_step
from wipcast.warehouse import new_run_id

if TYPE_CHECKING:
    from ingest.connectors.run import SyncResult
    from wipcast.settings import Settings

connectors_app = typer.Typer(no_args_is_help=True, help="Vendor connectors (wipcast connectors list names them).")

SINCE = typer.Option(None, "--since", help="Re-read rows updated since this date (YYYY-MM-DD).")
FULL_REFRESH = typer.Option(
    False, "--full-refresh", help="Re-read everything; rows that vanished upstream are marked deleted."
)
BASE_URL = typer.Option(None, "--base-url", help="API base URL (default: the vendor's, or base_url in wipcast.toml).")


def _print(result: SyncResult) -> None:
    for line in result.summary_lines():
        out.print(line, highlight=False, soft_wrap=True)


def _sync(name: str, since: str | None, full_refresh: bool, base_url: str | None) -> None:
    day = parse_date(since, "--since")
    sync_step(settings(), new_run_id(), name, since=day, full_refresh=full_refresh, base_url=base_url)


def sync_step(
    st: Settings,
    run_id: str,
    name: str,
    since: dt.date | None = None,
    full_refresh: bool = False,
    base_url: str | None = None,
) -> SyncResult:
    """One connector sync as a logged step (`ingest <name>` in ops.run_log), under the writer lock:
    taken here when run alone, already held when `wipcast run` calls it (the lock is re-entrant)."""
    from ingest.connectors import run

    with logged_step(st, run_id, f"ingest {name}") as record, progress_bar() as progress:
        result = run.sync(
            st, name, run_id, since=since, full_refresh=full_refresh, base_url=base_url, progress=progress
        )
        record.rows = result.rows_loaded
        record.message = f"{result.rows_quarantined} row(s) quarantined ({result.mode})"
    _print(result)
    return result


def ingest_command(name: str, label: str) -> Callable[..., None]:
    """The `wipcast ingest <name>` command of one connector (cli/ingest.py registers one per connector)."""
    schema = name.replace("-", "_")

    def ingest_vendor(
        since: str | None = SINCE, full_refresh: bool = FULL_REFRESH, base_url: str | None = BASE_URL
    ) -> None:
        _sync(name, since, full_refresh, base_url)

    ingest_vendor.__doc__ = f"Extract {label} into raw_{schema}, conform it into conformed_{schema}."
    return ingest_vendor


@connectors_app.command("list")
def list_cmd() -> None:
    """Configured sources, last sync, cursor and conformed rows."""
    from ingest.connectors import run

    for st in run.status(settings()):
        last = st.last_sync or {}
        cursors = [str(v) for v in (last.get("cursors") or {}).values()]
        finished = last.get("finished_at")
        when = (
            f"last sync {finished.strftime('%Y-%m-%d %H:%M UTC')} ({last.get('mode')})"
            if isinstance(finished, dt.datetime)
            else "never synced"
        )
        out.print(
            f"{st.connector.name}: credentials {'configured' if st.configured else 'missing'}; {when}; "
            f"cursor {max(cursors) if cursors else '-'}; {sum(st.rows.values()):,} conformed rows in "
            f"{st.connector.conformed_schema}, {last.get('rows_quarantined') or 0:,} quarantined in the last sync",
            highlight=False,
            soft_wrap=True,
        )


@connectors_app.command("check")
def check_cmd(
    name: str = typer.Argument(..., help="A connector (wipcast connectors list names them)."),
    base_url: str | None = BASE_URL,
) -> None:
    """Check the credentials with one cheap call."""
    from ingest.connectors import run

    out.print(f"[green]ok[/green]: {run.check(name, base_url)}", highlight=False, soft_wrap=True)


@connectors_app.command("reconform")
def reconform_cmd(name: str = typer.Argument(..., help="A connector (wipcast connectors list names them).")) -> None:
    """Replay the mapping from raw_<vendor> with the current settings (no network)."""
    from ingest.connectors import run

    st = settings()
    run_id = new_run_id()
    with logged_step(st, run_id, f"reconform {name}") as record, progress_bar() as progress:
        result = run.reconform(st, name, run_id, progress=progress)
        record.rows = result.rows_loaded
        record.message = f"{result.rows_quarantined} row(s) quarantined"
    _print(result)


# ---- demo ---------------------------------------------------------------------------------
SHAPE = typer.Option(
    None,
    "--shape",
    help="Also write the firm as a vendor's API holds it (e.g. harvest; canonical files go to OUT/canonical).",
)


def with_shape(generate: Callable[..., None]) -> Callable[..., None]:
    """`demo generate` plus --shape: the same options (whatever cli.demo declares), then the vendor shape.

    Built from the original's signature so an option added there is kept here without an edit.
    """
    signature = inspect.signature(generate, eval_str=True)
    hints = typing.get_type_hints(generate)
    shape_param = inspect.Parameter("shape", inspect.Parameter.KEYWORD_ONLY, default=SHAPE, annotation=str | None)

    def generate_with_shape(**kwargs: Any) -> None:
        shape = kwargs.pop("shape", None)
        if shape is None:
            generate(**kwargs)
            return
        _write_shape(generate, shape, kwargs)

    params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in signature.parameters.values()]
    generate_with_shape.__signature__ = signature.replace(parameters=[*params, shape_param])  # type: ignore[attr-defined]
    generate_with_shape.__annotations__ = {**hints, "shape": str | None}
    generate_with_shape.__doc__ = (generate.__doc__ or "").rstrip(".") + " (--shape: also as a vendor's API holds it)."
    return generate_with_shape


def _write_shape(generate: Callable[..., None], shape: str, options: dict[str, Any]) -> None:
    from simulator.shapes import SHAPES

    if shape not in SHAPES:
        raise typer.BadParameter(f"{shape!r} is not a shape; use {' or '.join(SHAPES)}", param_hint="--shape")
    out_dir = Path(options["out_dir"])
    canonical = out_dir / "canonical"
    generate(**{**options, "out_dir": canonical})
    day = parse_date(str(options["as_of"]), "--as-of")
    assert day is not None
    counts = SHAPES[shape].write(canonical, out_dir, day)
    out.print(
        f"[green]{SHAPES[shape].label} shape written[/green] to {out_dir}: "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items())
    )
    out.print(f"serve it with: wipcast demo serve {shape} {out_dir}", highlight=False)


def demo_serve(
    shape: str = typer.Argument(..., help="A shape written by `wipcast demo generate --shape` (e.g. harvest)."),
    folder: Path = typer.Argument(..., help="Folder written by `wipcast demo generate --shape SHAPE`."),
    port: int = typer.Option(8765, "--port", min=0, max=65535, help="Port on 127.0.0.1 (0: any free port)."),
    page_size: int | None = typer.Option(None, "--page-size", min=1, help="Cap every page (shows paging)."),
    token: str | None = typer.Option(None, "--token", help="Accept only this bearer token (default: any token)."),
) -> None:
    """Serve a vendor-shaped demo firm on 127.0.0.1 until interrupted."""
    from simulator.serve import FixtureServer
    from simulator.shapes import SHAPES

    if shape not in SHAPES:
        raise typer.BadParameter(f"{shape!r} is not a shape; use {' or '.join(SHAPES)}", param_hint="SHAPE")
    spec = SHAPES[shape]
    if not (folder / spec.folder).is_dir():
        raise InputError(
            f"{folder} holds no {spec.folder}/ folder",
            f"write one with `wipcast demo generate --shape {shape} --out DIR`",
        )
    try:
        server = FixtureServer(spec.demo_api(folder, page_size=page_size), port=port, token=token)
    except OSError as exc:
        raise InputError(f"cannot listen on 127.0.0.1:{port} ({exc.strerror})", "pick another --port") from None
    for label, path in spec.endpoints:
        out.print(f"{label + ':':<14}{server.url}{path}", highlight=False)
    console.print(
        spec.next_step.format(url=server.url, folder=folder) + "; Ctrl-C stops the server",
        highlight=False,
        soft_wrap=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
