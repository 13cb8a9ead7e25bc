"""The board pack: the Overview, Forecast, Variance, Unbilled and Reconciliation pages as a paged PDF.

`context` resolves what the pack is of (forecast run, as-of date, filters, data version) and checks every
input; `sections` collects each section's figures and numbers from app.data and app.charts; `layout` lays
them out as one HTML document (plotly.js inlined once, print stylesheet); `pdf` prints it with Chromium.
`wipcast report` (cli/report.py) and the Overview's "Board pack (PDF)" button both call `render`.
"""

from __future__ import annotations

from app.board_pack.context import PackContext
from app.board_pack.layout import document
from app.board_pack.pdf import print_pdf
from app.board_pack.sections import collect


def render(context: PackContext) -> bytes:
    """The PDF of the pack, as bytes."""
    return print_pdf(document(context, collect(context)), context)
