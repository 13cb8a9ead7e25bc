"""Load validated Arrow tables into raw_canonical with dlt: merge on the contract's keys.

- Every contract entity is a resource with write_disposition merge (delete-insert) and the
  contract's primary key, so a rerun loads nothing twice, a changed row replaces the old
  one and rows missing from a later folder stay. An empty Arrow table still creates the
  typed table (absent optional files).
- Items are Arrow tables, so dlt writes them to Parquet and DuckDB copies them in without
  the row-by-row JSON normaliser.
- dlt is kept quiet and local: no telemetry, warnings only, and each run gets its own working
  folder inside the warehouse folder (never ~/.dlt), removed when the load ends: no run can see,
  resume or abort another run's load packages. Its state and schemas live in the destination.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

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


def run_dlt_dir(settings: Settings, run_id: str) -> Path:
    return settings.dlt_runs_dir / run_id


@contextlib.contextmanager
def dlt_environment(settings: Settings, run_id: str) -> Iterator[Path]:
    """Set dlt's configuration for the duration of the load, then restore the environment and
    remove the run's working folder (whatever happened: a failed load is re-extracted by its rerun)."""
    folder = run_dlt_dir(settings, run_id)
    values = {**DLT_ENV, "DLT_DATA_DIR": str(folder)}
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield folder
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old
        shutil.rmtree(folder, ignore_errors=True)


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


# keys are unique already (validate quarantines all but the last duplicate), so dlt's staging
# de-duplication (a window over every row) is skipped
MERGE_DEDUPLICATED: Any = {"disposition": "merge", "strategy": "delete-insert", "deduplicated": True}


def _resources(tables: Mapping[str, pa.Table]) -> list[Any]:
    import dlt

    resources = []
    for name, table in tables.items():
        ent = c.entity(name)
        resources.append(
            dlt.resource(
                [table],
                name=name,
                table_name=name,
                write_disposition=MERGE_DEDUPLICATED,
                primary_key=list(ent.primary_key),
                columns=dlt_column_hints(ent),
            )
        )
    return resources


def load_tables(settings: Settings, tables: Mapping[str, pa.Table], run_id: str) -> str | None:
    """Merge every table into raw_canonical.<entity> of the working database; return dlt's load id.

    Raises WipcastError if dlt fails; the published warehouse is never touched by ingest.
    """
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    with dlt_environment(settings, run_id) as folder:
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
            pipelines_dir=str(folder / "pipelines"),
        )
        try:
            info = pipeline.run(_resources(tables), loader_file_format="parquet")
        except Exception as exc:
            detail = _describe(exc)
            raise WipcastError(
                f"loading raw_canonical into {settings.work_db} failed ({detail})",
                "the published warehouse was not touched; fix the cause and rerun the ingest, which is safe to repeat",
            ) from exc
        return str(info.loads_ids[-1]) if info.loads_ids else None
