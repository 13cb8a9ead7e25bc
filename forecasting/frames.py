"""Deterministic aggregation: the same inputs give bit-identical sums on every run.

A float sum depends on the order of its terms, and polars does not promise an order for the rows
of a join or a group-by without `maintain_order`. `ordered` puts rows in one canonical order (by
every column) before they are summed; group-bys that follow it keep that order.
"""

from __future__ import annotations

from typing import Any, cast

import polars as pl


def ordered(df: pl.DataFrame) -> pl.DataFrame:
    """The rows sorted by every sortable column (a canonical order independent of how they arrived)."""
    cols = [c for c, t in df.schema.items() if not t.is_nested() and t != pl.Object]
    return df.sort(cols, nulls_last=True, maintain_order=True) if cols and df.height > 1 else df


def from_arrow_table(table: Any) -> pl.DataFrame:
    """A pyarrow Table (e.g. a DuckDB result's `.to_arrow_table()`) as a polars DataFrame
    (`pl.from_arrow` is typed for Series too; a table always gives a DataFrame)."""
    return cast(pl.DataFrame, pl.from_arrow(table))
