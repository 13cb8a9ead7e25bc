"""`wipcast ingest files DIR`: load a folder of canonical-contract files into raw_canonical.

Order of work, chosen so that bad input never leaves a half-loaded warehouse:
1. find and read every file, check names and columns, parse every column   (no writes)
2. if anything structural is wrong: raise one InputError listing every problem
3. row checks, parents before children; bad rows set aside with their raw values
4. one dlt load (merge on primary keys) of every entity, Arrow only
5. ops.load_log and ops.quarantine written in one transaction
The result is returned, not printed: the CLI prints the summary.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ingest import oplogs, pipeline, readers
from ingest.validate import Validator, new_connection
from wipcast import contract as c
from wipcast.errors import InputError
from wipcast.settings import Settings
from wipcast.warehouse import work_connection

Progress = Callable[[str, float, float], None]


@dataclass(frozen=True)
class FileCounts:
    entity: str
    source_file: str | None  # None: optional file absent (an empty table was kept or created)
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    rows_deleted: int | None = None  # snapshot ingests: rows absent from the file, marked deleted


@dataclass
class IngestResult:
    run_id: str
    folder: Path
    files: dict[str, FileCounts]  # by entity, in load order, every contract entity
    quarantined: dict[tuple[str, str], int]  # (entity, reason) → rows
    seconds: float = 0.0
    absent_optional: list[str] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files.values())

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files.values())

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files.values())

    def summary_lines(self) -> list[str]:
        """Lines for the CLI to print: totals, then quarantined rows per entity and reason."""
        lines = [
            f"read {self.rows_read:,} rows from {sum(1 for f in self.files.values() if f.source_file)} files: "
            f"{self.rows_loaded:,} loaded, {self.rows_quarantined:,} quarantined ({self.seconds:.1f} s)"
        ]
        for (entity, reason), count in sorted(self.quarantined.items()):
            lines.append(f"  {entity}: {count:,} × {reason}")
        if self.quarantined:
            lines.append(f"  see: select * from ops.quarantine where run_id = '{self.run_id}'")
        for f in self.files.values():
            if f.rows_deleted is not None:
                lines.append(f"  {f.entity}: snapshot, {f.rows_deleted:,} row(s) absent from the file marked deleted")
        for name in self.absent_optional:
            lines.append(f"  {name}: optional file absent; the table is kept (empty if never loaded)")
        return lines


MAX_LISTED_PROBLEMS = 20


def _structural_error(folder: Path, problems: list[str]) -> InputError:
    listed = problems[:MAX_LISTED_PROBLEMS]
    if len(problems) > len(listed):
        listed.append(f"and {len(problems) - len(listed)} more")
    what = f"{folder}: {len(problems)} problem(s) in the input files, nothing was loaded: " + "; ".join(listed)
    return InputError(what, "fix the files (see docs/canonical-contract.md) and run the ingest again")


def _parents() -> set[str]:
    return {col.references.split(".")[0] for ent in c.ENTITIES for col in ent.columns if col.references}


SNAPSHOT_ALL = "all"


def snapshot_entities(requested: Collection[str], sources: Collection[str]) -> set[str]:
    """The entities a snapshot ingest treats as complete exports: all files present, or those named.

    Naming an entity whose file is absent is an error: an absent file would otherwise mean every
    row of it was deleted."""
    if not requested:
        return set()
    if set(requested) == {SNAPSHOT_ALL}:
        return set(sources)
    unknown = sorted(set(requested) - set(c.ENTITIES_BY_NAME))
    if unknown:
        raise InputError(
            f"--snapshot names unknown entit{'y' if len(unknown) == 1 else 'ies'}: {', '.join(unknown)}",
            f"use entity names from docs/canonical-contract.md, e.g. {', '.join(list(c.ENTITIES_BY_NAME)[:3])}",
        )
    absent = sorted(set(requested) - set(sources))
    if absent:
        raise InputError(
            f"--snapshot names {', '.join(absent)} but the folder has no file for it",
            "add the file, or leave the entity out of --snapshot (an absent file never deletes rows)",
        )
    return set(requested)


def ingest_files(
    settings: Settings,
    folder: Path | str,
    run_id: str,
    progress: Progress | None = None,
    snapshot: Collection[str] = (),
) -> IngestResult:
    """Validate and load a folder; see the module docstring. Raises InputError before any write.

    `snapshot`: entities whose file is a complete export (["all"] for every file present): rows
    loaded earlier whose key the file lacks are marked deleted (kept in raw with deleted_at)."""
    started = time.monotonic()
    folder = Path(folder)
    report = progress or (lambda description, completed, total: None)
    total = 2.0 * len(c.ENTITIES) + 2  # read, check per entity; load; log
    if not folder.is_dir():
        raise InputError(
            f"input folder {folder} does not exist or is not a folder", "pass the folder holding the export files"
        )

    problems: list[str] = []
    sources = readers.discover(folder, problems)
    snapshotted = snapshot_entities(snapshot, sources) if not problems else set()
    deleted_at = dt.datetime.now(dt.UTC)
    deleted: dict[str, pa.Table] = {}
    con = new_connection()
    try:
        validator = Validator(con)
        step = 0
        for name in c.LOAD_ORDER:
            if name in sources:
                report(f"reading {sources[name].path.name}", step, total)
                raw = readers.read(sources[name], problems)
                if raw is not None:
                    validator.stage(raw, problems)
            step += 1
        if problems:
            raise _structural_error(folder, problems)

        parents = _parents()
        validator.load_existing_keys(settings.work_db, parents)
        checked = {}
        for name in c.LOAD_ORDER:
            report(f"checking {name}", step, total)
            checked[name] = validator.check(c.entity(name), referenced=name in parents, snapshot=name in snapshotted)
            if name in snapshotted:
                deleted[name] = validator.vanished(c.entity(name), settings.work_db, deleted_at)
            step += 1
    finally:
        con.close()

    report("loading raw_canonical", step, total)
    tables = {
        name: pa.concat_tables([chk.valid, deleted[name]]) if name in deleted else chk.valid
        for name, chk in checked.items()
    }
    load_id = pipeline.load_tables(settings, tables, run_id)
    step += 1

    report("writing ops.load_log and ops.quarantine", step, total)
    files: dict[str, FileCounts] = {}
    quarantined: Counter[tuple[str, str]] = Counter()
    for name, chk in checked.items():
        src = sources.get(name)
        gone = deleted[name].num_rows if name in deleted else None
        files[name] = FileCounts(
            name, src.path.name if src else None, chk.rows_read, chk.valid.num_rows, chk.quarantined.num_rows, gone
        )
        for item in pc.value_counts(chk.quarantined.column("reason")).to_pylist():
            quarantined[(name, item["values"])] += item["counts"]
    # After the load, not before: the logs must never claim rows that a failed load did not write.
    with work_connection(settings) as wcon:
        oplogs.write_run(
            wcon,
            run_id,
            [
                (f.entity, f.source_file, f.rows_read, f.rows_loaded, f.rows_quarantined, f.rows_deleted)
                for f in files.values()
                if f.source_file is not None
            ],
            [
                (name, source_file, chk.quarantined)
                for name, chk in checked.items()
                if (source_file := files[name].source_file) is not None
            ],
            load_id,
        )
    report("ingest finished", total, total)
    return IngestResult(
        run_id=run_id,
        folder=folder,
        files=files,
        quarantined=dict(quarantined),
        seconds=time.monotonic() - started,
        absent_optional=[n for n in c.LOAD_ORDER if n not in sources],
    )
