"""The small firm the simulator tests generate (a module of its own: `from conftest import` is
ambiguous across test folders)."""

import datetime as dt
import os

AS_OF = dt.date(2026, 10, 31)
# WIPCAST_DEMO_TEST_SEED lets a developer check that the statistical assertions hold for other draws.
FIRM_ARGS = dict(employees=80, months=12, as_of=AS_OF, seed=int(os.environ.get("WIPCAST_DEMO_TEST_SEED", "11")))
