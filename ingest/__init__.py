"""Ingest: load a folder of canonical-contract files into the warehouse schema raw_canonical.

The entry point is `ingest.files.ingest_files`. The steps, one module each:
readers (find and read files as raw text/typed Arrow) → validate (structural checks that stop the
run, row checks that quarantine) → pipeline (dlt merge into DuckDB, Arrow only) → oplogs
(ops.load_log, ops.quarantine). Nothing here imports forecasting/ or app/.
"""
