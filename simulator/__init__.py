"""Demo firm simulator: writes a realistic professional-services firm in the canonical
input contract (one file per entity) plus `_truth.json`, deterministic for a seed.

    from simulator import generate
    summary = generate("data/demo", employees=150, months=30)  # a GenerateSummary: rows, seconds, ...
"""

from __future__ import annotations

from .generate import GenerateSummary, generate

__all__ = ["GenerateSummary", "generate"]
