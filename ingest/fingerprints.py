"""ops.file_fingerprints: the content hash of the file each entity was last ingested from, so that
an unchanged file is skipped (not read, checked or merged again) but still logged.

A file is skipped only when checking it again could not give another result and would merge nothing:
- its SHA-256, the entity's contract and ingest rules, and the snapshot setting equal the last run's;
- every entity it references is skipped in this run too, and was last checked before it (or in the
  same run, marking no rows deleted): the parent keys it was checked against are the keys in the
  warehouse now (only a check writes raw rows, and it rechecks every child after it);
- its raw table exists and raw_canonical holds no dlt load the fingerprints do not know of (a run
  killed between its load and its logs, or another writer): then nothing is skipped.
A skipped file keeps the counts of the run that last logged it; its quarantined rows are logged again
under the new run. Fingerprints are written in the transaction that writes ops.load_log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingest import rules
from wipcast import contract as c

DDL = """
create schema if not exists ops;
create table if not exists ops.file_fingerprints (
    entity varchar not null,            -- one row per entity: the file it was last ingested from
    source_file varchar not null,
    content_sha256 varchar not null,    -- of the file's bytes
    contract_sha256 varchar not null,   -- of the entity's contract and the ingest rules it was checked with
    snapshot boolean not null,          -- ingested as a complete export (rows it lacks marked deleted)
    rows_read bigint not null,
    rows_loaded bigint not null,
    rows_quarantined bigint not null,
    run_id varchar not null,            -- last run that logged the file (its ops.quarantine rows are under it)
    checked_seq bigint not null,        -- rises with every run that checked (not skipped) the entity
    checked_deleted bigint not null,    -- rows that check marked deleted
    raw_loads varchar not null,         -- raw_canonical's dlt loads when recorded: count:newest load id
    recorded_at timestamp with time zone not null
);
"""

# Bump when the meaning of a check changes in code outside ingest/rules.py (which is hashed itself).
RULES_VERSION = "1"


@dataclass(frozen=True)
class Fingerprint:
    entity: str
    source_file: str
    content_sha256: str
    contract_sha256: str
    snapshot: bool
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    run_id: str
    checked_seq: int
    checked_deleted: int
    raw_loads: str


FIELDS = tuple(Fingerprint.__dataclass_fields__)


def contract_digest(entity: c.Entity) -> str:
    """Changes whenever the entity's contract or the rules that check it change."""
    digest = hashlib.sha256()
    digest.update(repr(entity).encode())
    digest.update(Path(rules.__file__).read_bytes())
    digest.update(RULES_VERSION.encode())
    return digest.hexdigest()


def _has_table(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? AND table_name = ?",
            [catalog, schema, table],
        ).fetchall()[0][0]
    )


def raw_loads(con: duckdb.DuckDBPyConnection, catalog: str) -> str:
    """raw_canonical's completed dlt loads as `count:newest` ('' when dlt never loaded)."""
    if not _has_table(con, catalog, c.RAW_SCHEMA, "_dlt_loads"):
        return ""
    count, newest = con.execute(
        f'SELECT count(*), max(load_id) FROM "{catalog}".{c.RAW_SCHEMA}._dlt_loads WHERE status = 0'
    ).fetchall()[0]
    return f"{count}:{newest or ''}"


def read(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, Fingerprint]:
    """The fingerprints recorded in an attached warehouse, by entity (none if the table is absent)."""
    if not _has_table(con, catalog, "ops", "file_fingerprints"):
        return {}
    rows = con.execute(f'SELECT {", ".join(FIELDS)} FROM "{catalog}".ops.file_fingerprints').fetchall()
    found = [Fingerprint(*row) for row in rows]
    return {fp.entity: fp for fp in found}


def skippable(
    entity: c.Entity,
    source_file: str,
    content_sha256: str,
    snapshot: bool,
    known: Mapping[str, Fingerprint],
    skipped: Collection[str],
    raw_tables: Collection[str],
    loads_now: str,
) -> bool:
    """Whether the entity's file may be skipped (see the module docstring). `skipped`: the entities
    already skipped in this run (parents come first in the load order)."""
    fp = known.get(entity.name)
    if fp is None or entity.name not in raw_tables or fp.raw_loads != loads_now:
        return False
    if (fp.source_file, fp.content_sha256, fp.contract_sha256, fp.snapshot) != (
        source_file,
        content_sha256,
        contract_digest(entity),
        snapshot,
    ):
        return False
    for col in entity.columns:
        if not col.references:
            continue
        parent = known.get(col.references.split(".")[0])
        if parent is None or parent.entity not in skipped:
            return False
        if parent.checked_seq > fp.checked_seq or (parent.checked_seq == fp.checked_seq and parent.checked_deleted):
            return False
    return True


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def write(con: duckdb.DuckDBPyConnection, fingerprints: Iterable[Fingerprint], recorded_at: dt.datetime) -> None:
    """Replace the rows of these entities (inside the caller's transaction; see ensure_table)."""
    for fp in fingerprints:
        con.execute("DELETE FROM ops.file_fingerprints WHERE entity = ?", [fp.entity])
        con.execute(
            f"INSERT INTO ops.file_fingerprints ({', '.join(FIELDS)}, recorded_at) "
            f"VALUES ({', '.join('?' for _ in FIELDS)}, ?)",
            [*(getattr(fp, name) for name in FIELDS), recorded_at],
        )
