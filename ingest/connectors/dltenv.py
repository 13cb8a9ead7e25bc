"""dlt's quiet, local configuration for calls made outside a pipeline run.

dlt initialises its runtime (log level, telemetry) on the first configuration lookup in a process;
a credentials lookup or `connectors check` may come first, so they run under the same settings as
the loads (ingest.pipeline.DLT_ENV): warnings off the console, no telemetry.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from ingest.pipeline import DLT_ENV


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in DLT_ENV}
    for key, value in DLT_ENV.items():
        os.environ.setdefault(key, value)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old
