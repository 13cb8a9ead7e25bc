"""Fixtures for ingest tests: a small, hand-written, contract-valid firm, written as CSV or Parquet."""

from __future__ import annotations

import importlib.util
import sys

# An editable install made before ingest/ existed does not map it; make the repo root importable.
if importlib.util.find_spec("ingest") is None:
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2]))

import copy
import itertools
from pathlib import Path

import duckdb
import pytest
from ingest_test_data import VALID_FIRM, write_csv, write_parquet

from wipcast.settings import Settings


@pytest.fixture
def firm() -> dict[str, list[dict[str, str]]]:
    """A fresh deep copy of the valid firm, to be edited by a test."""
    return copy.deepcopy(VALID_FIRM)


_counter = itertools.count()


@pytest.fixture
def make_folder(tmp_path):
    """make_folder(data, fmt='csv') writes one file per entity and returns the folder."""

    def make(data: dict[str, list[dict[str, str]]], fmt: str = "csv") -> Path:
        folder = tmp_path / f"input{next(_counter)}"
        folder.mkdir()
        for entity, rows in data.items():
            if fmt == "csv":
                write_csv(folder / f"{entity}.csv", rows)
            else:
                write_parquet(folder / f"{entity}.parquet", rows)
        return folder

    return make


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(warehouse_dir=tmp_path / "warehouse", input_dir=tmp_path / "unused")


@pytest.fixture
def query(settings):
    """query(sql) → list of tuples from the working database (opened and closed each time)."""

    def run(sql: str, params=None):
        con = duckdb.connect(str(settings.work_db), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    return run
