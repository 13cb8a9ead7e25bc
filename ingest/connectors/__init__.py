"""Vendor connectors: extract a PSA's REST API into raw_<vendor> with dlt's declarative REST source,
conform it in SQL to the canonical contract, validate it like files, and load conformed_<vendor>.

Layout: one package per vendor (its source, settings and conform/*.sql) and shared modules for
each step: extract, conform, load, opslog, run (orchestration). See docs/connectors/.
"""
