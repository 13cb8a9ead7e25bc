"""Ingest: load a folder of canonical-contract files into the warehouse schema raw_canonical.

The entry point is `ingest.files.ingest_files`. The steps, one module each:
readers (find files, check their columns, stage private copies as Parquet) → fingerprints (skip a
file unchanged since the last ingest) → filecheck (structural checks that stop the run, row checks
that quarantine, and the rows new or changed against raw, as SQL over the staged files; the rules
are in rules, shared with validate, which checks Arrow tables for the connectors) → pipeline (one
dlt load: SQL models appended or merged into DuckDB) → oplogs (ops.load_log, ops.quarantine).
Nothing here imports forecasting/ or app/.
"""
