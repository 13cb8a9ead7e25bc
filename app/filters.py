"""The global filters in the sidebar: forecast run (as-of date), legal entity, region, practice, customer."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from app import data
from app.formatting import plain
from app.ui import FILTER_STATE_KEY

RUN_KEY = "filter_run"
DIMENSION_WIDGETS = {  # dimension -> (label, widget key)
    "entity_id": ("Legal entity", "filter_entity"),
    "region": ("Region", "filter_region"),
    "practice": ("Practice", "filter_practice"),
    "customer_id": ("Customer", "filter_customer"),
}


def _run_label(runs: pd.DataFrame) -> Callable[[str], str]:
    """The run chooser's labels: as-of date, kind (when the run has one) and the end of the run id."""
    by_id = {
        run_id: (as_of, kind)
        for run_id, as_of, kind in zip(runs["run_id"], runs["as_of_date"], runs["kind"], strict=True)
    }

    def label(run_id: str) -> str:
        as_of, kind = by_id[run_id]
        kind_text = f" · {kind}" if isinstance(kind, str) and kind else ""
        return f"{pd.Timestamp(as_of):%d %b %Y}{kind_text} · {run_id[-6:]}"

    return label


def _name_of(names: dict[str, str]) -> Callable[[str], str]:
    """A filter's labels: the display name of an id, else the id itself."""
    return lambda i: str(names.get(i, i))


def sidebar_filters() -> data.Filters:
    """Draw the filters and return them; also stored in session state for the pages."""
    with st.sidebar:
        st.subheader("Filters")
        run_id = None
        try:
            runs = data.forecast_runs()
        except data.DataUnavailable:
            runs = pd.DataFrame()
        if runs.empty:
            st.caption("No forecast run in the warehouse yet: run `wipcast forecast`.")
        else:
            ids = list(runs["run_id"])
            if st.session_state.get(RUN_KEY) not in ids:
                st.session_state[RUN_KEY] = ids[0]  # newest as-of by default, and after a publish drops a run
            run_id = st.selectbox(
                "Forecast run",
                ids,
                key=RUN_KEY,
                format_func=_run_label(runs),
                help="The forecast shown: the date its data runs to (as-of), its kind (forecast, or a "
                "backtest's rebuilt forecast) and the end of its run id.",
            )
        options = data.filter_options()
        chosen: dict[str, tuple[str, ...]] = {}
        for dim, (label, key) in DIMENSION_WIDGETS.items():
            frame = options.get(dim, pd.DataFrame(columns=["id", "label"]))
            ids = [i for i in frame["id"] if i is not None]
            names = dict(zip(frame["id"], frame["label"], strict=True))
            if key in st.session_state:  # drop values a new publish no longer has
                st.session_state[key] = [v for v in st.session_state[key] if v in names]
            chosen[dim] = tuple(st.multiselect(label, ids, key=key, format_func=_name_of(names), placeholder="All"))
        st.caption(f"Amounts in {plain(st.session_state.get('wipcast_currency', 'USD'))}, the reporting currency.")
    filters = data.Filters(
        run_id=run_id,
        entities=chosen["entity_id"],
        regions=chosen["region"],
        practices=chosen["practice"],
        customers=chosen["customer_id"],
    )
    st.session_state[FILTER_STATE_KEY] = filters
    return filters
