"""Load validated Arrow tables into raw_canonical with dlt: merge on the contract's keys.

- Every contract entity is a resource with write_disposition merge (delete-insert) and the
  contract's primary key, so a rerun loads nothing twice, a changed row replaces the old
  one and rows missing from a later folder stay. An empty Arrow table still creates the
  typed table (absent optional files).
- Items are Arrow tables, so dlt writes them to Parquet and DuckDB copies them in without
  the row-by-row JSON normaliser.
- dlt is kept quiet and local: no telemetry, its working folders inside the warehouse
  folder (never ~/.dlt), warnings only.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import pyarrow as pa

from ingest.schema import dlt_column_hints
from wipcast import contract as c
from wipcast.errors import WipcastError
from wipcast.settings import Settings

PIPELINE_NAME = "wipcast_canonical"

DLT_ENV = {
    "RUNTIME__DLTHUB_TELEMETRY": "false",
    "RUNTIME__LOG_LEVEL": "ERROR",
    # raw tables carry the load id (lineage; staging models read it). The row id (_dlt_id) is
    # already in the Arrow tables (see ingest.schema.ROW_ID), so dlt need not rewrite the files.
    "NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID": "true",
    "NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_ID": "false",
    # do not keep a second copy of every row in the staging dataset or the load folders
    "LOAD__TRUNCATE_STAGING_DATASET": "true",
    "LOAD__DELETE_COMPLETED_JOBS": "true",
    # 2 cores: normalise in the main process
    "NORMALIZE__WORKERS": "1",
    # DuckDB reads a Parquet file in parallel by row group; dlt's default writes one group per
    # table, which made a 10-million-row load single-threaded
    "DATA_WRITER__ROW_GROUP_SIZE": "262144",
}


def dlt_dir(settings: Settings) -> Path:
    return settings.warehouse_dir / ".dlt"


@contextlib.contextmanager
def _dlt_environment(settings: Settings) -> Iterator[None]:
    """Set dlt's configuration for the duration of the load, then restore the environment."""
    values = {**DLT_ENV, "DLT_DATA_DIR": str(dlt_dir(settings))}
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def _describe(exc: BaseException) -> str:
    """First line of the innermost cause: dlt wraps the real error (a lock, a full disk) in step errors."""
    step = getattr(exc, "step", None)
    seen = {id(exc)}
    while True:
        inner = getattr(exc, "exception", None) or exc.__cause__
        if inner is None or id(inner) in seen:
            break
        seen.add(id(inner))
        exc = inner
    text = str(exc).strip()
    marker = "The actual reason given is:"  # dlt's connection errors bury the reason after advice
    if marker in text:
        text = text.split(marker, 1)[1].strip()
    first = text.splitlines()[0][:300] if text else type(exc).__name__
    return f"dlt step {step}: {first}" if step else first


def _resources(tables: Mapping[str, pa.Table]) -> list:
    import dlt

    resources = []
    for name, table in tables.items():
        ent = c.entity(name)
        resources.append(
            dlt.resource(
                [table],
                name=name,
                table_name=name,
                # keys are unique already (validate quarantines all but the last duplicate), so
                # dlt's staging de-duplication (a window over every row) is skipped
                write_disposition={"disposition": "merge", "strategy": "delete-insert", "deduplicated": True},
                primary_key=list(ent.primary_key),
                columns=dlt_column_hints(ent),
            )
        )
    return resources


def load_tables(settings: Settings, tables: Mapping[str, pa.Table]) -> None:
    """Merge every table into raw_canonical.<entity> of the working database.

    Raises WipcastError if dlt fails; the published warehouse is never touched by ingest.
    """
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    with _dlt_environment(settings):
        # imported lazily: importing dlt takes about a second, which CLI commands that never
        # ingest should not pay
        import dlt
        from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

        pipeline = dlt.pipeline(
            pipeline_name=PIPELINE_NAME,
            destination=dlt.destinations.duckdb(
                DuckDbCredentials(
                    str(settings.work_db),
                    # rows need no order in a table; lets DuckDB insert in parallel with less memory
                    global_config={"preserve_insertion_order": False},
                )
            ),
            dataset_name=c.RAW_SCHEMA,
            pipelines_dir=str(dlt_dir(settings) / "pipelines"),
        )
        try:
            # A package left by a crashed run would be loaded instead of this folder's data
            # (dlt finishes pending packages first). This run re-extracts everything, so drop it.
            if pipeline.has_pending_data:
                pipeline.abort_packages()
            pipeline.run(_resources(tables), loader_file_format="parquet")
        except Exception as exc:
            # leave no pending package behind: the next run starts clean and re-extracts
            with contextlib.suppress(Exception):
                pipeline.abort_packages()
            detail = _describe(exc)
            raise WipcastError(
                f"loading raw_canonical into {settings.work_db} failed ({detail})",
                "the published warehouse was not touched; fix the cause (is another wipcast step "
                "running?) and rerun the ingest, which is safe to repeat",
            ) from exc
