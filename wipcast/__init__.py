"""wipcast core: settings, warehouse access, run log, publish and the command-line interface.

The core imports none of ingest/, forecasting/ or app/; only wipcast.cli ties the steps together.
"""

__version__ = "0.1.0"
