"""The logic of the Scenarios page's compare section, without Streamlit (unit-tested on a warehouse file):
which runs can be compared, which two are chosen (a run just made, the address bar, the last choice), the
comparison itself (forecasting.scenarios.compare) and the frames and texts the page shows.

A and B are each 'base' or a scenario with a successful run; the page shows B minus A. `?scenario=B` and
`&against=A` name them in the address bar (A is base when `against` is absent).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import polars as pl

from forecasting.scenarios.compare import (
    BASE,
    COLUMNS,
    FIRM,
    Comparison,
    SqlRunner,
    compare_runs,
    known_scenarios,
    resolve_pair,
)

SCENARIO_PARAM = "scenario"  # B
AGAINST_PARAM = "against"  # A; absent = base
BASE_LABEL = "Base forecast"
BAND_LABEL = "p10-p90 of the paired difference"


def runner(query: Callable[[str, tuple[Any, ...]], pd.DataFrame]) -> SqlRunner:
    """A SqlRunner on the app's cached read-only queries (`data.query`)."""
    return lambda sql, params: pl.from_pandas(query(sql, tuple(params)))


def choices(sql: SqlRunner) -> list[str]:
    """'base', then every scenario with a successful run, the most recently run first."""
    return [BASE, *known_scenarios(sql)]


def label(name: str) -> str:
    return BASE_LABEL if name == BASE else name


@dataclasses.dataclass(frozen=True)
class Selection:
    b: str
    a: str
    message: str | None = None  # one line: a name in the address bar that is not known


def select(
    known: Sequence[str],
    current: tuple[str | None, str | None] = (None, None),
    url: tuple[str | None, str | None] | None = None,
    just_ran: str | None = None,
) -> Selection:
    """B and A to show. `current`: the last choice (B, A); `url`: (scenario, against) from the address bar,
    given only when it changed since the page last wrote it; `just_ran`: a scenario that has just run, which
    wins and is compared with base. Anything not in `known` is ignored (an unknown name in the URL is said)."""
    b = next((name for name in known if name != BASE), BASE)
    a = BASE
    if current[0] is not None and current[0] in known:
        b = current[0]
    if current[1] is not None and current[1] in known:
        a = current[1]
    unknown = []
    if url is not None and (url[0] or url[1]):
        wanted_b, wanted_a = url[0], url[1] or BASE
        if wanted_b:
            if wanted_b in known:
                b = wanted_b
            else:
                unknown.append(f"{SCENARIO_PARAM}={wanted_b}")
        if wanted_a in known:
            a = wanted_a
        else:
            unknown.append(f"{AGAINST_PARAM}={wanted_a}")
    if just_ran is not None and just_ran in known:
        b, a = just_ran, BASE
    message = None
    if unknown:
        message = (
            f"The link names {' and '.join(unknown)}, which has no successful run; "
            f"known: {', '.join(known)}. Showing {label(b)} against {label(a)}."
        )
    return Selection(b, a, message)


def url_params(b: str, a: str) -> dict[str, str | None]:
    """The address bar for this choice (None: the parameter is left out)."""
    return {SCENARIO_PARAM: b, AGAINST_PARAM: None if a == BASE else a}


def load(sql: SqlRunner, a: str, b: str) -> Comparison:
    """B minus A (raises InputError when a name has no run, e.g. no base forecast yet)."""
    return compare_runs(sql, *resolve_pair(sql, a, b))


def caption(result: Comparison) -> str:
    """Which runs, and what the band means (plain text: the page escapes it)."""
    a, b = result.a, result.b
    dates = f"as of {b.as_of:%d %b %Y}" if result.same_as_of else f"as of {b.as_of:%d %b %Y} and {a.as_of:%d %b %Y}"
    runs = f"{label(b.scenario_id)} (run {b.run_id}) minus {label(a.scenario_id)} (run {a.run_id}), {dates}."
    if result.paired:
        return (
            f"{runs} Both drew the same {b.draws} random draws (seed {b.seed}), so the difference pairs draw by "
            "draw and its 80% band (p10-p90) is the uncertainty of the effect itself."
        )
    return runs


def unpaired_note(result: Comparison) -> str:
    """The one line that says why there is no band ('' when the runs pair)."""
    return f"Not paired: {result.unpaired_reason}." if result.unpaired_reason else ""


def band_text(head: Headline, money: Callable[[float], str]) -> str:
    """The band of the difference over the horizon, for the metric's help."""
    if head.delta_p10 is None or head.delta_p90 is None:
        return "No band: the two runs did not draw the same random numbers."
    return f"p10 to p90 of the draw-by-draw difference: {money(head.delta_p10)} to {money(head.delta_p90)}"


def firm_monthly(result: Comparison) -> pd.DataFrame:
    """The firm's rows by month (for the charts)."""
    return result.monthly.filter(pl.col("practice") == FIRM).sort("month").to_pandas()


@dataclasses.dataclass(frozen=True)
class Headline:
    a_total: float
    b_total: float
    delta: float
    delta_p10: float | None
    delta_p90: float | None
    months: int


def headline(result: Comparison) -> Headline:
    """The firm over the whole horizon; the band from each draw's horizon total (None when not paired)."""
    firm = result.horizon.filter(pl.col("practice") == FIRM)
    months = result.monthly.filter(pl.col("practice") == FIRM).height
    if firm.is_empty():
        return Headline(0.0, 0.0, 0.0, None, None, months)
    row = firm.row(0, named=True)
    return Headline(row["a_mean"], row["b_mean"], row["delta_mean"], row["delta_p10"], row["delta_p90"], months)


# The money columns of the comparison table: its levels and deltas (not the month, practice, delta % or draws).
MONEY_COLUMNS = tuple(c for c in COLUMNS if c.startswith(("a_", "b_", "delta_")) and c != "delta_pct")
PERCENT_COLUMNS = ("delta_pct",)


def column_labels(result: Comparison) -> dict[str, str | None]:
    """On-screen labels of the table columns (None: hidden); the band columns are hidden when not paired."""
    a, b = label(result.a.scenario_id), label(result.b.scenario_id)
    labels: dict[str, str | None] = {
        "month": "Month",
        "practice": "Practice",
        "a_mean": f"A: {a}",
        "a_p10": "A p10",
        "a_p50": "A p50",
        "a_p90": "A p90",
        "b_mean": f"B: {b}",
        "b_p10": "B p10",
        "b_p50": "B p50",
        "b_p90": "B p90",
        "delta_mean": "B - A",
        "delta_pct": "B - A (%)",
        "delta_p10": "B - A p10",
        "delta_p90": "B - A p90",
        "draws": "Paired draws",
    }
    if not result.paired:
        labels.update({"delta_p10": None, "delta_p90": None, "draws": None})
    return labels


def monthly_table(result: Comparison) -> pd.DataFrame:
    """Month x practice, the firm first (as the table under the chart shows it)."""
    return result.monthly.to_pandas()


def horizon_table(result: Comparison) -> pd.DataFrame:
    """The whole horizon by practice, the firm last (no month column)."""
    frame = result.horizon.sort(pl.col("practice") == FIRM, "practice").drop("month")
    return frame.to_pandas()
