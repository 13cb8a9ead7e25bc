"""The benchmark's synthetic folder must stay contract-valid, or its figures would measure quarantining."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from ingest.files import ingest_files

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_ingest.py"


def test_bench_folder_is_contract_valid_in_both_formats(settings, tmp_path, query):
    spec = importlib.util.spec_from_file_location("bench_ingest", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.write_folder(tmp_path / "pq", 5_000, "parquet")
    bench.write_folder(tmp_path / "csv", 5_000, "csv")
    first = ingest_files(settings, tmp_path / "pq", "bench-pq")
    again = ingest_files(settings, tmp_path / "csv", "bench-csv")  # same rows as CSV: merged, not added
    assert first.rows_quarantined == 0 and again.rows_quarantined == 0
    assert first.files["time_entries"].rows_loaded == 5_000
    assert query("select count(*), count(distinct time_entry_id) from raw_canonical.time_entries") == [(5_000, 5_000)]
