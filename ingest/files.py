"""`wipcast ingest files DIR`: load a folder of canonical-contract files into raw_canonical.

Order of work, chosen so that bad input never leaves a half-loaded warehouse:
1. find every file, check names and columns (header or Parquet footer), take a private copy of
   each and its SHA-256; a file whose fingerprint matches the last ingest's (ingest.fingerprints)
   is skipped from here on; the others are staged as Parquet (CSV converted in record batches)
   and every column parsed                                                    (no writes)
2. if anything structural is wrong: raise one InputError listing every problem
3. row checks, parents before children, as SQL over the staged files (ingest.filecheck); bad rows
   set aside with their raw values; only rows new or changed against raw_canonical are kept
4. one dlt load: SQL models run in the warehouse, appending into empty tables, merging (on primary
   keys) only the changed rows into the others
5. ops.load_log, ops.quarantine and ops.file_fingerprints written in one transaction
Memory stays bounded whatever the file size: no file is read whole into Python or DuckDB.
The result is returned, not printed: the CLI prints the summary.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import time
import uuid
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from ingest import fingerprints, oplogs, pipeline, readers
from ingest.filecheck import WH, FileChecker, LoadPlan
from ingest.fingerprints import Fingerprint
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
    rows_merged: int = 0  # rows the dlt load wrote: new or changed, and marked deleted
    unchanged: bool = False  # the file was the one the last ingest read: skipped, its counts carried over


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

    @property
    def rows_merged(self) -> int:
        return sum(f.rows_merged for f in self.files.values())

    def summary_lines(self) -> list[str]:
        """Lines for the CLI to print: totals, then quarantined rows per entity and reason."""
        lines = [
            f"read {self.rows_read:,} rows from {sum(1 for f in self.files.values() if f.source_file)} files: "
            f"{self.rows_loaded:,} loaded, {self.rows_quarantined:,} quarantined ({self.seconds:.1f} s)"
        ]
        unchanged = [f.source_file for f in self.files.values() if f.unchanged and f.source_file]
        lines.append(
            f"  {self.rows_merged:,} row(s) new or changed were written; rows equal to those already loaded were not"
        )
        if unchanged:
            lines.append(
                f"  {len(unchanged)} file(s) unchanged since the last ingest, not read again: {', '.join(unchanged)}"
            )
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


@contextlib.contextmanager
def _scratch_folder(settings: Settings, run_id: str) -> Iterator[Path]:
    """The run's private working folder (file copies, staged Parquet, check results, DuckDB spill),
    beside dlt's run folders so that the next writer's recovery removes it after a killed run.
    Removed at the end, with the folders made for it if they are left empty."""
    folder = settings.dlt_runs_dir / f"{run_id}-files"
    made = [p for p in (settings.warehouse_dir, settings.dlt_runs_dir.parent, settings.dlt_runs_dir) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        for path in reversed(made):
            with contextlib.suppress(OSError):
                path.rmdir()  # only if empty


@dataclass
class _Inputs:
    """Phase 1's result: what each present file is, and whether it is checked or skipped."""

    sources: dict[str, readers.SourceFile]
    digests: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, Fingerprint] = field(default_factory=dict)
    known: dict[str, Fingerprint] = field(default_factory=dict)


def _stage_inputs(
    checker: FileChecker,
    scratch: Path,
    sources: dict[str, readers.SourceFile],
    snapshotted: set[str],
    problems: list[str],
    step: Callable[[str], None],
) -> _Inputs:
    """Phase 1 (no writes): columns, private copies and digests, skip decisions, staging."""
    inputs = _Inputs(sources)
    copies: dict[str, Path] = {}
    for name in c.LOAD_ORDER:
        if name not in sources:
            continue
        src = sources[name]
        step(f"reading {src.path.name}")
        if not readers.inspect(src, problems):
            continue
        copy = scratch / f"{name}.source{src.path.suffix.lower()}"
        try:
            inputs.digests[name] = readers.copy_with_digest(src.path, copy)
        except OSError as exc:
            problems.append(f"{src.path.name}: cannot be read ({exc.strerror or exc})")
            continue
        copies[name] = copy

    loads_now = ""
    if not problems:  # with a structural problem nothing is skipped: every file is checked for more
        checker.attach()
        if checker.attached:
            inputs.known = fingerprints.read(checker.con, WH)
            loads_now = fingerprints.raw_loads(checker.con, WH)
    raw_tables = checker.raw_tables
    for name in c.LOAD_ORDER:
        if name not in copies:
            continue
        src = sources[name]
        step(f"staging {src.path.name}")
        entity = c.entity(name)
        args = (src.path.name, inputs.digests[name], name in snapshotted, inputs.known)
        if not problems and fingerprints.skippable(entity, *args, inputs.skipped, raw_tables, loads_now):
            inputs.skipped[name] = inputs.known[name]
            copies[name].unlink()
            continue
        staged = copies[name]
        if src.fmt == "csv":
            staged = scratch / f"{name}.parquet"
            converted = readers.csv_to_parquet(src, copies[name], staged, problems)
            copies[name].unlink()
            if not converted:
                continue
        checker.stage(src, staged, problems)
    return inputs


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
    total = 2.0 * len(c.ENTITIES) + 2  # read and stage, check per entity; load; log
    if not folder.is_dir():
        raise InputError(
            f"input folder {folder} does not exist or is not a folder", "pass the folder holding the export files"
        )

    problems: list[str] = []
    sources = readers.discover(folder, problems)
    snapshotted = snapshot_entities(snapshot, sources) if not problems else set()
    deleted_at = dt.datetime.now(dt.UTC)
    done = [0.0]

    def step(description: str, size: float = 0.5) -> None:
        report(description, done[0], total)
        done[0] += size

    with _scratch_folder(settings, run_id) as scratch:
        # _dlt_id = <12 random hex digits, one value per run>.<row in the file>: unique in every raw table
        checker = FileChecker(scratch, settings.work_db, uuid.uuid4().hex[:12])
        try:
            inputs = _stage_inputs(checker, scratch, sources, snapshotted, problems, step)
            if problems:
                raise _structural_error(folder, problems)
            done[0] = float(len(c.ENTITIES))

            parents = _parents()
            checker.load_parent_keys(parents)
            plans: dict[str, LoadPlan] = {}
            for name in c.LOAD_ORDER:
                step(f"checking {name}", 1.0)
                if name in inputs.skipped:
                    continue
                if name in sources:
                    snap = name in snapshotted
                    plans[name] = checker.check(c.entity(name), name in parents, snap, deleted_at)
                elif name not in checker.raw_tables:  # absent optional file: an empty, typed table
                    plans[name] = LoadPlan(name, 0, 0, create_empty=True)
        finally:
            checker.close()

        step("loading raw_canonical", 1.0)
        loads = [
            pipeline.ModelLoad(name, plan.query, plan.append)
            for name, plan in plans.items()
            if plan.query is not None or plan.create_empty
        ]
        load_id = pipeline.load_models(settings, loads, run_id)

        step("writing ops.load_log and ops.quarantine", 1.0)
        files, logs, prints = _logs(inputs, plans, snapshotted, run_id)
        # After the load, not before: the logs must never claim rows that a failed load did not write.
        with work_connection(settings) as wcon:
            carried = oplogs.write_file_run(wcon, run_id, logs, load_id, prints)
    report("ingest finished", total, total)
    quarantined: Counter[tuple[str, str]] = Counter(carried)
    for name, plan in plans.items():
        for reason, count in plan.reasons.items():
            quarantined[(name, reason)] += count
    return IngestResult(
        run_id=run_id,
        folder=folder,
        files=files,
        quarantined=dict(quarantined),
        seconds=time.monotonic() - started,
        absent_optional=[n for n in c.LOAD_ORDER if n not in sources],
    )


def _logs(
    inputs: _Inputs, plans: dict[str, LoadPlan], snapshotted: set[str], run_id: str
) -> tuple[dict[str, FileCounts], list[oplogs.FileLog], list[Fingerprint]]:
    """Per entity in load order: the counts, the ops.load_log row and the new fingerprint."""
    files: dict[str, FileCounts] = {}
    logs: list[oplogs.FileLog] = []
    prints: list[Fingerprint] = []
    seq = max((fp.checked_seq for fp in inputs.known.values()), default=0) + 1
    for name in c.LOAD_ORDER:
        src = inputs.sources.get(name)
        if src is None:
            files[name] = FileCounts(name, None, 0, 0, 0)
            continue
        gone: int | None
        if name in inputs.skipped:
            fp = inputs.skipped[name]
            gone = 0 if name in snapshotted else None
            counts = FileCounts(name, src.path.name, fp.rows_read, fp.rows_loaded, fp.rows_quarantined, gone, 0, True)
            carry = fp.run_id if fp.rows_quarantined else None
            logs.append(oplogs.FileLog(*_log_counts(counts), quarantine_of_run=carry))
            prints.append(replace(fp, run_id=run_id))
        else:
            plan = plans[name]
            counts = FileCounts(
                name,
                src.path.name,
                plan.rows_read,
                plan.rows_loaded,
                plan.rows_quarantined,
                plan.rows_deleted,
                plan.rows_merged,
            )
            logs.append(oplogs.FileLog(*_log_counts(counts), quarantine_file=plan.quarantine_file))
            entity = c.entity(name)
            prints.append(
                Fingerprint(
                    name,
                    src.path.name,
                    inputs.digests[name],
                    fingerprints.contract_digest(entity),
                    name in snapshotted,
                    plan.rows_read,
                    plan.rows_loaded,
                    plan.rows_quarantined,
                    run_id,
                    seq,
                    plan.rows_deleted or 0,
                    "",  # stamped when written, after the load
                )
            )
        files[name] = counts
    return files, logs, prints


def _log_counts(f: FileCounts) -> tuple[str, str, int, int, int, int | None, int, bool]:
    assert f.source_file is not None
    return (
        f.entity,
        f.source_file,
        f.rows_read,
        f.rows_loaded,
        f.rows_quarantined,
        f.rows_deleted,
        f.rows_merged,
        f.unchanged,
    )
