"""Load validated rows into raw_canonical with dlt: merge on the contract's keys.

- Every contract entity is a resource with the contract's primary key and write_disposition merge
  (delete-insert), so a rerun loads nothing twice, a changed row replaces the old one and rows
  missing from a later folder stay. An empty Arrow table still creates the typed table (absent
  optional files).
- `load_models` (the file ingest): each item is a SQL model, a SELECT that dlt runs inside the
  warehouse (INSERT ... SELECT from the staged Parquet file): no row passes through Python and no
  copy of the data is written. A table that is absent or empty is appended to (nothing to merge
  with, no staging copy); otherwise only the changed rows are merged. dlt still makes the load
  package, adds the load id to every row, keeps its state and schema in the destination.
- `load_tables` (connectors and tests): items are Arrow tables, so dlt writes them to Parquet and
  DuckDB copies them in without the row-by-row JSON normaliser.
- dlt is kept quiet and local: no telemetry, warnings only, and each run gets its own working
  folder inside the warehouse folder (never ~/.dlt), removed when the load ends: no run can see,
  resume or abort another run's load packages. Its state and schemas live in the destination.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from ingest.schema import arrow_schema, dlt_column_hints
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
    # SQL models: dlt adds the load id as a literal; the query brings its own row id
    "NORMALIZE__MODEL_NORMALIZER__ADD_DLT_LOAD_ID": "true",
    "NORMALIZE__MODEL_NORMALIZER__ADD_DLT_ID": "false",
    # 2 cores: normalise in the main process
    "NORMALIZE__WORKERS": "1",
    # one load job at a time: each INSERT already uses every core; seventeen at once only contend
    "LOAD__WORKERS": "1",
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


# DuckDB's cap in the load (it spills beyond it), so an ingest stays well under 2 GB whatever the size.
LOAD_MEMORY_LIMIT = "1GB"


@contextlib.contextmanager
def _without_streamlit_secrets() -> Iterator[None]:
    """dlt looks for secrets in Streamlit when the project has no .dlt/secrets.toml, which imports
    Streamlit (over a second, on dlt's first configuration lookup in a process). The raw load needs
    no secrets (a local DuckDB file), so while its pipeline is made `import streamlit` fails at once
    and dlt reads no Streamlit secrets in this process. An already imported Streamlit is left alone."""
    if "streamlit" in sys.modules:
        yield
        return
    sys.modules["streamlit"] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if "streamlit" in sys.modules and sys.modules["streamlit"] is None:
            del sys.modules["streamlit"]


@contextlib.contextmanager
def _warehouse(settings: Settings) -> Iterator[Any]:
    """The working database, opened once for the whole load and handed to dlt: given a path, dlt opens
    and closes the file around every job (and DuckDB checkpoints on every close)."""
    import duckdb

    try:
        con = duckdb.connect(
            str(settings.work_db),
            # rows need no order in a table; lets DuckDB insert in parallel with less memory
            config={"preserve_insertion_order": False, "memory_limit": LOAD_MEMORY_LIMIT},
        )
    except duckdb.Error as exc:
        raise WipcastError(
            f"loading raw_canonical into {settings.work_db} failed ({_describe(exc)})",
            "the published warehouse was not touched; fix the cause and rerun the ingest, which is safe to repeat",
        ) from exc
    try:
        con.execute("SET TimeZone = 'UTC'")  # as in the checks: a timestamp without an offset is UTC
        yield con
    finally:
        con.close()


def _pipeline(settings: Settings, folder: Path, con: Any = None) -> Any:
    # imported lazily: importing dlt takes about a second, which CLI commands that never
    # ingest should not pay
    import dlt
    from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

    credentials = (
        DuckDbCredentials(con)
        if con is not None
        else DuckDbCredentials(
            str(settings.work_db),
            # rows need no order in a table; lets DuckDB insert in parallel with less memory
            global_config={"preserve_insertion_order": False, "memory_limit": LOAD_MEMORY_LIMIT},
        )
    )
    with _without_streamlit_secrets():
        pipeline = dlt.pipeline(
            pipeline_name=PIPELINE_NAME,
            destination=dlt.destinations.duckdb(credentials),
            dataset_name=c.RAW_SCHEMA,
            pipelines_dir=str(folder / "pipelines"),
        )
        pipeline.dataset()  # resolves the destination's configuration too
    return pipeline


def _run(settings: Settings, pipeline: Any, resources: list[Any], **kwargs: Any) -> str | None:
    try:
        info = pipeline.run(resources, **kwargs)
    except Exception as exc:
        detail = _describe(exc)
        raise WipcastError(
            f"loading raw_canonical into {settings.work_db} failed ({detail})",
            "the published warehouse was not touched; fix the cause and rerun the ingest, which is safe to repeat",
        ) from exc
    return str(info.loads_ids[-1]) if info.loads_ids else None


def load_tables(settings: Settings, tables: Mapping[str, pa.Table], run_id: str) -> str | None:
    """Merge every table into raw_canonical.<entity> of the working database; return dlt's load id.

    Raises WipcastError if dlt fails; the published warehouse is never touched by ingest.
    """
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    with dlt_environment(settings, run_id) as folder:
        pipeline = _pipeline(settings, folder)
        return _run(settings, pipeline, _resources(tables), loader_file_format="parquet")


@dataclass(frozen=True)
class ModelLoad:
    """One entity's part of a load: a SELECT (in DuckDB's SQL, columns named as the contract plus
    _dlt_id and deleted_at) run in the warehouse, or None to create the typed table empty."""

    entity: str
    query: str | None
    append: bool  # the raw table is absent or empty: insert without merging


APPEND: Any = "append"
PARQUET: Any = "parquet"
MODEL: Any = "model"


def load_models(settings: Settings, loads: Sequence[ModelLoad], run_id: str) -> str | None:
    """Run the loads as one dlt load of SQL models; return its load id (None: nothing to load).

    Raises WipcastError if dlt fails; the published warehouse is never touched by ingest.
    """
    if not loads:
        return None
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    with dlt_environment(settings, run_id) as folder, _warehouse(settings) as con:
        import dlt

        pipeline = _pipeline(settings, folder, con)
        dataset = pipeline.dataset()
        resources = []
        for load in loads:
            ent = c.entity(load.entity)
            item: Any = (
                arrow_schema(ent).empty_table()
                if load.query is None
                # the query is the destination's own SQL: dlt must not rebind it to dataset tables
                else dataset.query(load.query, _execute_raw_query=True)
            )
            resources.append(
                dlt.resource(
                    [item],
                    name=load.entity,
                    table_name=load.entity,
                    write_disposition=APPEND if load.append else MERGE_DEDUPLICATED,
                    primary_key=list(ent.primary_key),
                    columns=dlt_column_hints(ent),
                    # set every time: a table loaded before from Arrow (Parquet files) keeps that format
                    # in its stored schema, which has no writer for a SQL model
                    file_format=PARQUET if load.query is None else MODEL,
                )
            )
        return _run(settings, pipeline, resources)
