import sys
from pathlib import Path

import pyarrow as pa
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from contract_check import read_entity  # noqa: E402
from demo_firm_args import FIRM_ARGS  # noqa: E402

from simulator import GenerateSummary, generate  # noqa: E402


class Firm:
    """A generated folder with its tables loaded on demand as pandas frames (money as float)."""

    def __init__(self, folder: Path, summary: GenerateSummary):
        self.folder, self.summary, self._cache = folder, summary, {}

    def __getitem__(self, name):
        if name not in self._cache:
            t = read_entity(self.folder, name)
            cols = [c.cast(pa.float64()) if pa.types.is_decimal(c.type) else c for c in t.columns]
            self._cache[name] = pa.Table.from_arrays(cols, names=t.column_names).to_pandas()
        return self._cache[name]


@pytest.fixture(scope="session")
def firm(tmp_path_factory) -> Firm:
    out = tmp_path_factory.mktemp("demo") / "firm"
    calls = []
    summary = generate(out, progress=lambda d, c, t: calls.append((d, c, t)), **FIRM_ARGS)
    f = Firm(out, summary)
    f.progress_calls = calls
    return f
