"""The rows behind a figure, on the same page: a tile's "rows" button or a selection on a chart or table opens
a detail table under it (its sum said above it, CSV alongside), with the filters kept. Which detail is open
is in the address bar (`?drill=...`), so a copied link opens it too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.elements.lib.column_types import ColumnConfig

from app import data, ui
from app.formatting import money
from app.url_state import filters_to_params, query_string

DRILL_PARAM = "drill"


def open_drill() -> str | None:
    value = st.query_params.get(DRILL_PARAM)
    return str(value) if value else None


def _set_drill(name: str | None) -> None:
    if name is None:
        st.query_params.pop(DRILL_PARAM, None)
    else:
        st.query_params[DRILL_PARAM] = name


def drill_button(name: str, label: str) -> None:
    """A button under a tile that opens its rows (or closes them when they are open)."""
    is_open = open_drill() == name
    st.button(
        f"Hide the {label}" if is_open else f"Show the {label}",
        key=f"drill-{name}",
        icon=":material/table_rows:",
        type="tertiary",
        on_click=_set_drill,
        args=(None if is_open else name,),
    )


def selected_categories(event: Any, axis: str) -> list[Any]:
    """The categories (x or y values) of the points selected on a Plotly chart, in selection order."""
    points: Iterable[Mapping[str, Any]] = []
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError):
        return []
    seen: dict[Any, None] = {}
    for point in points:
        if axis in point:
            seen[point[axis]] = None
    return list(seen)


def selected_rows(event: Any) -> list[int]:
    """Row positions selected in a dataframe shown with on_select."""
    try:
        return [int(i) for i in event["selection"]["rows"]]
    except (KeyError, TypeError):
        return []


def detail_table(
    title: str,
    frame: pd.DataFrame,
    name: str,
    column_config: Mapping[str, ColumnConfig | str | None],
    total_column: str | None,
    currency: str,
    note: str | None = None,
) -> None:
    """A detail section: its title, how many rows and what they sum to (the figure clicked), the table, CSV."""
    with st.container(border=True, key=f"detail-{ui._slug(name)}"):
        st.subheader(title)
        if frame.empty:
            ui.empty_state("no rows behind this figure for the chosen filters")
            return
        total = frame[total_column].sum() if total_column else None
        summary = f"{len(frame):,} rows" + (f" · total **{money(total, currency)}**" if total is not None else "")
        st.markdown(summary)
        if note:
            st.caption(note)
        ui.table_with_download(frame, name, column_config, height=min(420, 38 + 35 * len(frame)))


def view_params(**extra: str) -> dict[str, list[str]]:
    """The current view's filters as query parameters (those hidden on this page too), plus `extra`."""
    from app.filters import STORE_KEY

    stored: data.Filters = st.session_state.get(STORE_KEY, data.Filters())
    params = filters_to_params(stored)
    params.update({key: [value] for key, value in extra.items()})
    return params


PROJECT_PAGE = "app_pages/project.py"


def project_link(project_id: str) -> str:
    """A link to the Project page for this project carrying the filters (for a table's link column)."""
    return f"project?{query_string(view_params(project=project_id))}"


def open_project(project_id: str, source: str) -> None:
    """Go to the Project page for this project in this tab, filters kept. `source` names the selection that
    asked for it: the same selection seen again (the page shown anew) does not go there twice."""
    marker = f"wipcast_opened_{source}"
    if st.session_state.get(marker) == project_id:
        return
    st.session_state[marker] = project_id
    st.switch_page(PROJECT_PAGE, query_params=view_params(project=project_id))
