"""Building blocks every page uses: KPI tiles, chart + table + CSV, empty states, guarded sections, and the
one way a failure reaches the user (a line, never a traceback or a server path).
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.elements.lib.column_types import ColumnConfig

from app import charts, data
from app.formatting import plain

LOG = logging.getLogger("wipcast.app")

# OWASP CSV injection: a text cell starting with one of these is neutralised with a leading quote.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
FILTER_STATE_KEY = "wipcast_filters"
# A table's column settings by column name: a config from st.column_config, a plain label, or None to hide it.
ColumnConfigs = dict[str, ColumnConfig | str | None]


def current_filters() -> data.Filters:
    """The global filters the router put in session state for this rerun."""
    filters: data.Filters = st.session_state.get(FILTER_STATE_KEY, data.Filters())
    return filters


def reporting_currency() -> str:
    currency: str = st.session_state.get("wipcast_currency", "USD")
    return currency


def readable_headers(frame: pd.DataFrame, column_config: Mapping[str, ColumnConfig | str | None]) -> pd.DataFrame:
    """The table as the page labels it: each column under its on-screen label, hidden columns left out."""
    renamed: dict[str, str] = {}
    for column in frame.columns:
        config = column_config.get(column, column)
        if config is None:
            continue
        label = str(config if isinstance(config, str) else config.get("label") or column)
        renamed[column] = label if label not in renamed.values() else f"{label} ({column})"  # headers stay unique
    return frame[list(renamed)].rename(columns=renamed)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV for spreadsheets: numbers stay numbers (floats without binary artefacts such as 5294084.430000001),
    text that could run as a formula gets a leading quote."""
    safe = frame.copy()
    for column in safe.columns:
        if pd.api.types.is_float_dtype(safe[column]):
            safe[column] = safe[column].round(6)
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_TRIGGERS) else v
            )
    return safe.to_csv(index=False).encode("utf-8")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def table_with_download(
    frame: pd.DataFrame,
    name: str,
    column_config: Mapping[str, ColumnConfig | str | None] | None = None,
    height: int | Literal["auto"] = "auto",
    selectable: bool = False,
) -> Any:
    """The table and its CSV; with `selectable`, rows can be ticked and the selection is returned."""
    event = st.dataframe(
        frame,
        hide_index=True,
        column_config=column_config or {},
        width="stretch",
        height=height,
        key=f"table-{_slug(name)}" if selectable else None,
        on_select="rerun" if selectable else "ignore",
        selection_mode="multi-row",
    )
    st.download_button(
        "Download CSV",
        csv_bytes(readable_headers(frame, column_config or {})),
        file_name=f"{_slug(name)}.csv",
        mime="text/csv",
        key=f"csv-{_slug(name)}",
        on_click="ignore",
        icon=":material/download:",
    )
    return event if selectable else None


def chart_with_table(
    figure: go.Figure,
    frame: pd.DataFrame,
    name: str,
    column_config: Mapping[str, ColumnConfig | str | None] | None = None,
    caption: str | None = None,
    selectable: bool = False,
) -> tuple[Any, Any]:
    """A chart, with the numbers behind it one click away (Table tab) and a CSV download.

    With `selectable`, clicking bars (or ticking table rows) reruns the page and the two selections are
    returned (chart event, table event) for the page to open the rows behind them.
    """
    charts.apply_theme(figure, dark=theme_is_dark())
    chart_tab, table_tab = st.tabs(["Chart", "Table"])
    with chart_tab:
        chart_event = st.plotly_chart(
            figure,
            width="stretch",
            key=f"chart-{_slug(name)}",
            config={"displaylogo": False},
            on_select="rerun" if selectable else "ignore",
            selection_mode=("points",),
        )
    with table_tab:
        table_event = table_with_download(frame, name, column_config, selectable=selectable)
    if caption:
        st.caption(caption)
    return (chart_event, table_event) if selectable else (None, None)


def theme_is_dark() -> bool:
    """Whether the viewer's browser shows Streamlit's dark theme (unknown outside a browser: light)."""
    try:
        return st.context.theme.type == "dark"
    except Exception:  # noqa: BLE001 - no browser context (AppTest, bare mode): charts use the light colours
        return False


def empty_state(reason: str) -> None:
    """Say why a section is empty, and what would fill it."""
    st.info(f"Nothing to show here: {reason}.", icon=":material/info:")


def no_data_for_combination(filters: data.Filters) -> None:
    """A combination of filters nothing matches (a region and a legal entity with no project in common):
    said once, instead of $0 tiles and a $0-$0 range."""
    parts = []
    for dim, values in filters.by_dimension().items():
        if values:
            names = data.labels(dim)
            parts.append(f"{data._label(dim)} {', '.join(names.get(v, v) for v in values)}")
    st.info(
        f"No data for this combination of filters ({plain('; '.join(parts))}): nothing in the warehouse matches "
        "all of them at once. Remove one of the filters in the sidebar.",
        icon=":material/filter_alt_off:",
    )


def guarded(render: Callable[[], None]) -> None:
    """Render a section; a table or column missing from the warehouse becomes an empty state, not a crash."""
    try:
        render()
    except data.DataUnavailable as exc:
        empty_state(str(exc) + ". Rebuild the warehouse with `make build` once the pipeline produces it")


def ignored_filters_note(ignored: list[str]) -> None:
    if ignored:
        names = ", ".join(data._label(d) for d in ignored)
        st.caption(f"The {names} filter does not apply to this figure (the data is not broken down that way).")


def missing_warehouse(path: Path) -> None:
    """The file's name only: where it lives on the server is the operator's business (and in the server log)."""
    LOG.info("no published warehouse at %s", path)
    st.warning(
        f"No published warehouse ({plain(path.name)}) yet. {data.BUILD_HINT}\n\n"
        "To look at the demo firm: `make demo`. To point the app at another warehouse, set "
        "`WIPCAST_WAREHOUSE_DIR`.",
        icon=":material/database:",
    )


def warehouse_busy() -> None:
    st.warning(
        "The warehouse is being refreshed right now. This page will show the new data in a few seconds: reload it.",
        icon=":material/hourglass_top:",
    )


# An absolute path in a message ("/srv/wipcast/warehouse/work.duckdb") is cut to its last part ("work.duckdb").
_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/~-])(?:/[\w.+@~-]+)+/([\w.+@~-]+)")


def without_server_paths(text: str) -> str:
    return _ABSOLUTE_PATH.sub(r"\1", text)


def configure_logging() -> None:
    """Send the app's own log (failures with their tracebacks) to the server's stderr, once per process."""
    if not LOG.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        LOG.addHandler(handler)
        LOG.setLevel(logging.INFO)


def expected_failure_line(exc: BaseException) -> str | None:
    """The one line for a failure the user can act on (a WipcastError, a pydantic validation); else None."""
    from pydantic import ValidationError

    from wipcast.errors import WipcastError

    if isinstance(exc, WipcastError):
        return exc.one_line()
    if isinstance(exc, ValidationError):  # pages with their own wording turn it into an InputError first
        fields = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['msg']}" for e in exc.errors()[:5])
        return f"invalid input: {fields}"
    return None


def show_failure(exc: BaseException, doing: str) -> None:
    """Tell the user in one line. An unexpected failure shows a short reference; its traceback goes to the log."""
    line = expected_failure_line(exc)
    if line is not None:
        LOG.info("%s failed: %s", doing, line)
        st.error(plain(without_server_paths(line)), icon=":material/error:")
        return
    ref = secrets.token_hex(3)
    LOG.error("%s failed (ref %s)", doing, ref, exc_info=exc)
    st.error(
        f"Something went wrong while {plain(doing)} (ref {ref}); the operator finds the details in the server log.",
        icon=":material/error:",
    )
