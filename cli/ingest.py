"""`wipcast ingest ...`: load data into the warehouse's raw schemas."""

from __future__ import annotations

from pathlib import Path

import typer

from cli import steps
from cli.console import require_input_folder, settings
from wipcast.warehouse import new_run_id

ingest_app = typer.Typer(no_args_is_help=True, help="Load data into the warehouse.")


@ingest_app.command("files")
def ingest_files_cmd(folder: Path = typer.Argument(..., help="Folder of canonical CSV or Parquet files.")) -> None:
    """Validate and load a folder of canonical files into raw_canonical (merge on primary keys)."""
    require_input_folder(folder, "FOLDER")
    steps.ingest(settings(), new_run_id(), folder)
