"""The `wipcast` command line: the only place where ingest, dbt, forecasting, publish and the app meet.

One module per command group (demo, ingest, pipeline steps, scenarios and exports, the dashboard);
`console` holds what they share (settings from flags, consoles, the progress bar); `steps` holds the
logged steps that `wipcast run` chains. Every failure ends with one line (see `main`).
"""
