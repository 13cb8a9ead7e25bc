"""wipcast core: what every layer stands on (contract, settings, errors, warehouse access, run log,
publish, the dbt runner).

The core imports none of ingest/, forecasting/, app/, simulator/ or cli/; only cli/ ties the steps together.
"""

__version__ = "0.1.0"
