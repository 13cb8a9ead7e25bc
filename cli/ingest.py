"""`wipcast ingest ...`: load data into the warehouse's raw schemas."""

from __future__ import annotations

from pathlib import Path

import typer

from cli import connectors, steps
from cli.console import require_input_folder, settings
from wipcast.warehouse import new_run_id

ingest_app = typer.Typer(no_args_is_help=True, help="Load data into the warehouse.")


@ingest_app.command("files")
def ingest_files_cmd(
    folder: Path = typer.Argument(..., help="Folder of canonical CSV or Parquet files."),
    snapshot: bool = typer.Option(
        False,
        "--snapshot",
        help="The folder is a complete export: rows loaded earlier that its files lack are marked deleted.",
    ),
    snapshot_only: str | None = typer.Option(
        None,
        "--snapshot-only",
        metavar="ENTITY[,ENTITY]",
        help="As --snapshot, for these entities' files only (e.g. time_entries,invoices).",
    ),
) -> None:
    """Validate and load a folder of canonical files into raw_canonical (merge on primary keys)."""
    require_input_folder(folder, "FOLDER")
    if snapshot and snapshot_only:
        raise typer.BadParameter(
            "give --snapshot (every file) or --snapshot-only (some), not both", param_hint="--snapshot"
        )
    entities = ["all"] if snapshot else [n.strip() for n in (snapshot_only or "").split(",") if n.strip()]
    steps.ingest(settings(), new_run_id(), folder, snapshot=entities)


# Vendor connectors (cli/connectors.py): extract, conform and load one source.
# One line per connector (the names ingest.connectors.registry knows; a test checks they agree).
ingest_app.command("harvest")(connectors.ingest_command("harvest", "Harvest"))
ingest_app.command("harvest-forecast")(connectors.ingest_command("harvest-forecast", "Harvest Forecast"))
ingest_app.command("kantata")(connectors.ingest_command("kantata", "Kantata"))
ingest_app.command("salesforce")(connectors.ingest_command("salesforce", "Salesforce"))
ingest_app.command("hubspot")(connectors.ingest_command("hubspot", "HubSpot"))
ingest_app.command("netsuite")(connectors.ingest_command("netsuite", "NetSuite"))
ingest_app.command("xero")(connectors.ingest_command("xero", "Xero"))
ingest_app.command("quickbooks")(connectors.ingest_command("quickbooks", "QuickBooks Online"))
