"""Building blocks every page uses: KPI tiles, chart + table + CSV, empty states, guarded sections, and the
one way a failure reaches the user (a line, never a traceback or a server path).
"""

from __future__ import annotations

import functools
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

from app import charts, data, downloads
from app.formatting import plain

LOG = logging.getLogger("wipcast.app")

FORMULA_TRIGGERS = downloads.FORMULA_TRIGGERS  # kept here for the callers that import it from ui
FILTER_STATE_KEY = "wipcast_filters"
PAGE_STATE_KEY = "wipcast_page"  # the title of the page this rerun shows (set by the router)
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
    return downloads.readable_headers(frame, column_config)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The table alone as CSV (no header block, no column settings): numbers stay numbers (floats without binary
    artefacts such as 5294084.430000001), text that could run as a formula gets a leading quote."""
    return downloads.table_csv(frame)


def _filters_text(filters: data.Filters) -> str:
    """The filters the page applies, by label and display name ("Practice: Data; Customer: Acme"), or "none"."""
    chosen = {data._label(dim).capitalize(): values for dim, values in filters.by_dimension().items() if values}
    names = {data._label(d).capitalize(): data.labels(d) for d, values in filters.by_dimension().items() if values}
    return downloads.describe_filters(chosen, names)


def export_context(name: str) -> downloads.ExportContext:
    """What a download of the table `name` says about itself, from what this rerun already has: the page, the
    filters and forecast run of the sidebar, the data's as-of date, the reporting currency. A part that cannot be
    read (no dim_as_of, no runs table) says "unknown" rather than taking the table down."""
    filters = current_filters()
    page = str(st.session_state.get(PAGE_STATE_KEY, ""))
    as_of = run_as_of = None
    filters_text = downloads.NO_FILTERS
    try:
        as_of = data.actuals_as_of()
    except Exception:  # noqa: BLE001 - the header block is a courtesy: the table still downloads
        LOG.info("no as-of date for the download of %s", name, exc_info=True)
    try:
        run_as_of = data.run_as_of(filters.run_id)
    except Exception:  # noqa: BLE001
        LOG.info("no as-of date of run %s for the download of %s", filters.run_id, name, exc_info=True)
    try:
        filters_text = _filters_text(filters)
    except Exception:  # noqa: BLE001 - names unavailable: the ids say it too
        filters_text = downloads.describe_filters(
            {data._label(d).capitalize(): v for d, v in filters.by_dimension().items() if v}, {}
        )
    return downloads.ExportContext(
        page=page,
        table=name,
        as_of=as_of,
        run_id=filters.run_id,
        run_as_of=run_as_of,
        filters=filters_text,
        currency=reporting_currency(),
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def table_with_download(
    frame: pd.DataFrame,
    name: str,
    column_config: Mapping[str, ColumnConfig | str | None] | None = None,
    height: int | Literal["auto"] = "auto",
    selectable: bool = False,
) -> Any:
    """The table and its CSV and XLSX downloads; with `selectable`, rows can be ticked and the selection is
    returned."""
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
    download_buttons(frame, name, column_config)
    return event if selectable else None


def _logged(build: Callable[[], bytes], name: str) -> Callable[[], bytes]:
    """A file builder whose failure reaches the server log with the table's name (it runs off the script thread,
    where show_failure cannot draw; the button then fails and the page stays as it is)."""

    def run() -> bytes:
        try:
            return build()
        except Exception:
            LOG.exception("building the download of %s failed", name)
            raise

    return run


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download_buttons(
    frame: pd.DataFrame, name: str, column_config: Mapping[str, ColumnConfig | str | None] | None = None
) -> None:
    """CSV and XLSX of the table (app.downloads), side by side. The files are built when a button is pressed (a
    callable Streamlit runs on its own thread; the context is read now, on the script thread), and pressing
    one does not rerun the page."""
    config = dict(column_config or {})
    table = frame.copy()
    context = export_context(name)
    slug = _slug(name)
    files = (  # (label, build, extension, mime, icon)
        ("CSV", downloads.csv_file, "csv", "text/csv", ":material/download:"),
        ("XLSX", downloads.xlsx_file, "xlsx", XLSX_MIME, ":material/table_view:"),
    )
    with st.container(horizontal=True):
        for label, build, extension, mime, icon in files:
            st.download_button(
                f"Download {label}",
                _logged(functools.partial(build, table, config, context), name),
                file_name=f"{slug}.{extension}",
                mime=mime,
                key=f"{extension}-{slug}",
                on_click="ignore",
                icon=icon,
            )


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
