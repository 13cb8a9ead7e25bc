"""The Overview's "Board pack (PDF)" button: the pack of the page's run and filters, printed when clicked."""

from __future__ import annotations

import concurrent.futures
import re

import streamlit as st

from app import data, ui
from app.board_pack import context, pdf, render
from wipcast.errors import WipcastError


def _print(filters: data.Filters) -> bytes:
    run_id = str(filters.run_id)
    # Playwright's sync API refuses a thread with a running event loop: print on a thread of its own.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: render(context.pack_context(run_id, filters))).result()


def pack_button(filters: data.Filters) -> None:
    """The button, or one line saying why there is none (no Chromium); no run, no pack (the caption says so)."""
    if not filters.run_id:
        return
    try:
        pdf.chromium_path()
    except WipcastError as exc:
        ui.show_failure(exc, "preparing the board pack")
        return
    st.download_button(
        "Board pack (PDF)",
        data=lambda: _print(filters),
        file_name=f"board-pack-{re.sub(r'[^A-Za-z0-9._-]+', '-', filters.run_id)}.pdf",
        mime="application/pdf",
        on_click="ignore",
        icon=":material/picture_as_pdf:",
        help="The Overview, Forecast, Variance, Unbilled exposure and Reconciliation for this run and these filters, "
        "A4 landscape; printed when clicked (a few seconds).",
    )
