"""Warehouse kinds other than the default DuckDB files: the connection layer and what differs per kind."""
