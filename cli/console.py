"""What every command shares: settings from the global flags, the two consoles, the progress bar,
and flag parsing that names the flag in its error."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from wipcast.settings import Settings, load_settings

console = Console(stderr=True)  # notes, warnings and errors
out = Console()  # results

ProgressCallback = Callable[[str, float, float], None]


@dataclass
class GlobalOptions:
    """The root command's flags, kept for the subcommand that runs after it."""

    verbose: bool = False
    overrides: dict[str, Any] = field(default_factory=dict)


options = GlobalOptions()


def settings(**extra: Any) -> Settings:
    """Settings from the global flags plus a command's own (flags beat env beat wipcast.toml)."""
    return load_settings({**options.overrides, **extra})


def parse_date(value: str | None, flag: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD", param_hint=flag) from None


def parse_month(value: str, flag: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value + "-01")
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a month; use YYYY-MM", param_hint=flag) from None


@contextlib.contextmanager
def progress_bar() -> Iterator[ProgressCallback]:
    """A rich progress bar; yields the `progress(description, completed, total)` callback steps accept."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as bar:
        tasks: dict[str, Any] = {}

        def update(description: str, completed: float, total: float) -> None:
            if description not in tasks:
                tasks[description] = bar.add_task(description, total=total or 1)
            bar.update(tasks[description], completed=completed, total=total or 1)

        yield update


def require_input_folder(folder: Path, flag: str) -> None:
    """Checked before the run log is touched, so a mistyped folder writes nothing."""
    from wipcast.errors import InputError

    if not folder.is_dir():
        raise InputError(
            f"input folder {folder} ({flag}) does not exist or is not a folder",
            "pass the folder holding the canonical CSV or Parquet files",
        )
