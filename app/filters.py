"""The global filters in the sidebar: forecast run (as-of date), legal entity, region, practice, customer.

Only the filters a page applies are drawn on it; the others keep their values for the pages they apply
to. The chosen values live in session state (so they survive a page change) and in the address bar
(app.url_state), so a copied link opens the same view: the first run of a session restores them from it.
Below them, the user's saved views (app.saved_views): a named page with its query parameters, opened again
from here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from app import access, data, saved_views, ui
from app.formatting import plain
from app.ui import FILTER_STATE_KEY
from app.url_state import FILTER_PARAMS, filters_from_params, filters_to_params
from wipcast.errors import InputError, WipcastError

RUN_KEY = "filter_run"
STORE_KEY = "wipcast_filter_values"  # the chosen values, kept while a page does not draw their widgets
RESTORED_KEY = "wipcast_filters_restored"
DIMENSION_WIDGETS = {  # dimension -> (label, widget key)
    "entity_id": ("Legal entity", "filter_entity"),
    "region": ("Region", "filter_region"),
    "practice": ("Practice", "filter_practice"),
    "customer_id": ("Customer", "filter_customer"),
}
FIELD_OF = {"entity_id": "entities", "region": "regions", "practice": "practices", "customer_id": "customers"}
ALL_DIMENSIONS = tuple(DIMENSION_WIDGETS)


class PageScope:
    """Which filters a page applies (`run`: the forecast run chooser) and what its figures are counted over."""

    def __init__(self, dimensions: tuple[str, ...], run: bool, grains: tuple[str, ...]):
        self.dimensions, self.run, self.grains = dimensions, run, grains


PAGE_SCOPES = {  # by page title; a page not listed gets every filter (and no empty-combination check)
    "Overview": PageScope(ALL_DIMENSIONS, True, ("projects", "employees", "forecast")),
    "Forecast": PageScope(ALL_DIMENSIONS, True, ("forecast",)),
    "Variance": PageScope(ALL_DIMENSIONS, False, ("projects",)),  # it picks the earlier run itself
    "Unbilled exposure": PageScope(ALL_DIMENSIONS, False, ("projects",)),
    "Utilization": PageScope(("entity_id", "region", "practice"), False, ("employees",)),  # per person
    "Forecast accuracy": PageScope((), False, ()),  # backtests are scored for the firm and per practice
    "Data health": PageScope((), False, ()),
    "Reconciliation": PageScope(("entity_id", "practice"), False, ()),  # the marts carry entity and practice
    "Scenarios": PageScope((), False, ()),  # scenarios run for the whole firm
    "Project": PageScope((), True, ()),  # one project: only the run its forecast comes from
}
DEFAULT_SCOPE = PageScope(ALL_DIMENSIONS, True, ())

_BACKTEST_ORIGIN = re.compile(r"@(\d{4}-\d{2})$")


def run_label(as_of: dt.date | str, kind: object, run_id: str) -> str:
    """'31 Oct 2026 · forecast · 0612ab'; a backtest's rebuilt forecast (`<backtest>@YYYY-MM`) reads
    '31 Jul 2026 · backtest · 2026-07': its origin month, not the last characters of its id."""
    kind_text = f" · {kind}" if isinstance(kind, str) and kind else ""
    origin = _BACKTEST_ORIGIN.search(run_id)
    tail = origin.group(1) if origin else run_id[-6:]
    return f"{pd.Timestamp(as_of):%d %b %Y}{kind_text} · {tail}"


def _run_label(runs: pd.DataFrame) -> Callable[[str], str]:
    """The run chooser's labels: as-of date, kind (when the run has one) and the end of the run id."""
    by_id = {
        run_id: (as_of, kind)
        for run_id, as_of, kind in zip(runs["run_id"], runs["as_of_date"], runs["kind"], strict=True)
    }
    return lambda run_id: run_label(*by_id[run_id], run_id)


def _name_of(names: dict[str, str]) -> Callable[[str], str]:
    """A filter's labels: the display name of an id, else the id itself."""
    return lambda i: str(names.get(i, i))


def _stored() -> data.Filters:
    """The chosen filters: from the address bar on a session's first run, then from session state."""
    if RESTORED_KEY not in st.session_state:
        st.session_state[RESTORED_KEY] = True
        st.session_state[STORE_KEY] = filters_from_params({p: st.query_params.get_all(p) for p in FILTER_PARAMS})
    stored: data.Filters = st.session_state.get(STORE_KEY, data.Filters())
    return stored


def _sync_address_bar(chosen: data.Filters, newest_run: str | None) -> None:
    """Write the filters to the query parameters (the newest run is the default and stays out of the URL);
    other parameters (a project, a drill) are left alone."""
    pinned = chosen if chosen.run_id != newest_run else dataclasses.replace(chosen, run_id=None)
    wanted = filters_to_params(pinned)
    for param in FILTER_PARAMS:
        if st.query_params.get_all(param) != wanted.get(param, []):
            if param in wanted:
                st.query_params[param] = wanted[param]
            else:
                del st.query_params[param]


def _run_chooser(runs: pd.DataFrame, stored: str | None, draw: bool) -> str | None:
    if runs.empty:
        if draw:
            st.caption("No forecast run in the warehouse yet: run `wipcast forecast`.")
        return None
    ids = list(runs["run_id"])
    wanted = stored if stored in ids else ids[0]  # newest as-of by default, and after a publish drops a run
    if stored and stored not in ids and draw:
        st.caption(f"Forecast run {plain(stored)} is not in the warehouse (any more): showing the newest.")
    if not draw:
        return wanted
    if st.session_state.get(RUN_KEY) not in ids:
        st.session_state[RUN_KEY] = wanted
    chosen: str = st.selectbox(
        "Forecast run",
        ids,
        key=RUN_KEY,
        format_func=_run_label(runs),
        help="The forecast shown: the date its data runs to (as-of), its kind (forecast, or a "
        "backtest's rebuilt forecast, labelled with its origin month) and the end of its run id.",
    )
    return chosen


def sidebar_filters(page_title: str = "Overview") -> data.Filters:
    """Draw the filters that apply to the page and return them (also stored in session state for the page)."""
    scope = PAGE_SCOPES.get(page_title, DEFAULT_SCOPE)
    stored = _stored()
    kept: dict[str, tuple[str, ...]] = {d: getattr(stored, FIELD_OF[d]) for d in ALL_DIMENSIONS}
    with st.sidebar:
        st.subheader("Filters")
        try:
            runs = data.forecast_runs()
        except data.DataUnavailable:
            runs = pd.DataFrame()
        run_id = _run_chooser(runs, stored.run_id, scope.run)
        options = data.filter_options() if scope.dimensions else {}
        for dim in scope.dimensions:
            label, key = DIMENSION_WIDGETS[dim]
            frame = options.get(dim, pd.DataFrame(columns=["id", "label"]))
            ids = [i for i in frame["id"] if i is not None]
            names = dict(zip(frame["id"], frame["label"], strict=True))
            if key not in st.session_state:  # a page change or a link: the widget starts from the kept values
                st.session_state[key] = [v for v in kept[dim] if v in names]
            else:  # drop values a new publish no longer has
                st.session_state[key] = [v for v in st.session_state[key] if v in names]
            kept[dim] = tuple(st.multiselect(label, ids, key=key, format_func=_name_of(names), placeholder="All"))
        if not scope.dimensions:
            st.caption("No filter applies on this page: its figures are for the whole firm.")
        elif hidden := [DIMENSION_WIDGETS[d][0].lower() for d in ALL_DIMENSIONS if d not in scope.dimensions]:
            st.caption(f"The {', '.join(hidden)} filter does not apply on this page.")
        st.caption(f"Amounts in {plain(st.session_state.get('wipcast_currency', 'USD'))}, the reporting currency.")
    chosen_run = run_id if scope.run else (stored.run_id or run_id)
    everything = data.Filters(run_id=chosen_run, **{FIELD_OF[d]: kept[d] for d in ALL_DIMENSIONS})
    st.session_state[STORE_KEY] = everything
    newest = str(runs["run_id"].iloc[0]) if not runs.empty else None
    _sync_address_bar(everything, newest)
    # The page gets only the filters it applies; the run falls back to the newest on pages without the chooser.
    filters = data.Filters(
        run_id=run_id,
        **{FIELD_OF[d]: (kept[d] if d in scope.dimensions else ()) for d in ALL_DIMENSIONS},
    )
    st.session_state[FILTER_STATE_KEY] = filters
    return filters


def page_scope(page_title: str) -> PageScope:
    return PAGE_SCOPES.get(page_title, DEFAULT_SCOPE)


# ---------------------------------------------------------------- saved views (app.saved_views)

VIEW_PICK_KEY = "saved_view_pick"
VIEW_NAME_KEY = "saved_view_name"
VIEW_TO_OPEN_KEY = "wipcast_view_to_open"  # the view the Open button asked for, opened before the filters
VIEW_CONFIRM_KEY = "wipcast_view_confirm"  # (name, page, params) of a save waiting for "Overwrite"
VIEW_NOTE_KEY = "wipcast_view_note"  # what the last action did, said on the next rerun
VIEW_FAILURE_KEY = "wipcast_view_failure"  # a failure of a callback, shown where the widget is


def view_store() -> saved_views.ViewStore | None:
    """This viewer's saved views (the logged-in e-mail, "local" without a login); None without a usable identity."""
    user = saved_views.user_of(access._viewer())
    if user is None:
        return None
    return saved_views.ViewStore(saved_views.views_dir(data.published_path()), user)


def _apply_view(store: saved_views.ViewStore) -> None:
    """The Open button's callback (before the script, where widget state may change): the view's filters become
    the chosen ones, the filter widgets start again from them, and the router goes to its page."""
    name = st.session_state.get(VIEW_PICK_KEY)
    if not name:
        return
    try:
        view = store.get(name)
    except WipcastError as exc:
        st.session_state[VIEW_FAILURE_KEY] = (exc, "opening the saved view")
        return
    st.session_state[RESTORED_KEY] = True
    st.session_state[STORE_KEY] = view.filters
    for key in (RUN_KEY, *(widget for _, widget in DIMENSION_WIDGETS.values())):
        st.session_state.pop(key, None)
    st.session_state[VIEW_TO_OPEN_KEY] = view


def open_requested_view(pages: Mapping[str, Any]) -> None:
    """Go to the view the sidebar asked to open: its page (`pages` by title), with its query parameters."""
    view: saved_views.SavedView | None = st.session_state.pop(VIEW_TO_OPEN_KEY, None)
    if view is None:
        return
    target = pages.get(view.page)
    if target is None:
        st.session_state[VIEW_FAILURE_KEY] = (
            InputError(f"view name: {view.name!r} opens the page {view.page!r}, which this dashboard does not have"),
            "opening the saved view",
        )
        return
    st.session_state[VIEW_NOTE_KEY] = f"Opened the view “{view.name}”."
    st.switch_page(target, query_params=view.params)


def _current_params() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def _save(
    store: saved_views.ViewStore, name: str, page_title: str, params: dict[str, list[str]], overwrite: bool
) -> None:
    saved = store.save(name, page_title, params, overwrite=overwrite)
    note = (
        f"Saved the view “{saved.view.name}” ({saved.view.page})"
        + (", replacing the one of that name" if saved.replaced else "")
        + "."
    )
    if saved.kept_as:
        note += f" The unreadable views file was kept as {saved.kept_as}."
    st.session_state.pop(VIEW_CONFIRM_KEY, None)
    st.session_state[VIEW_NOTE_KEY] = note
    st.rerun()  # the list shows the new view


def saved_views_sidebar(page_title: str) -> None:
    """The sidebar's saved views: open or delete one, or name the view on screen and save it."""
    with st.sidebar, st.expander("Saved views", icon=":material/bookmarks:"):
        store = view_store()
        if store is None:
            st.caption("Saved views need an e-mail your identity provider has verified.")
            return
        if note := st.session_state.pop(VIEW_NOTE_KEY, None):
            st.success(plain(note), icon=":material/check:")
        if failure := st.session_state.pop(VIEW_FAILURE_KEY, None):
            ui.show_failure(*failure)
        try:
            names = [view.name for view in store.views()]
        except WipcastError as exc:
            ui.show_failure(exc, "reading the saved views")
            names = []
        if st.session_state.get(VIEW_PICK_KEY) not in names:
            st.session_state.pop(VIEW_PICK_KEY, None)
        if names:
            st.selectbox("Saved view", names, index=None, key=VIEW_PICK_KEY, placeholder="Choose a view")
            picked = st.session_state.get(VIEW_PICK_KEY)
            open_col, delete_col = st.columns(2)
            open_col.button("Open", key="saved_view_open", disabled=not picked, on_click=_apply_view, args=(store,))
            if delete_col.button("Delete", key="saved_view_delete", disabled=not picked):
                try:
                    store.delete(str(picked))
                except WipcastError as exc:
                    ui.show_failure(exc, "deleting the saved view")
                else:
                    st.session_state[VIEW_NOTE_KEY] = f"Deleted the view “{picked}”."
                    st.rerun()
        else:
            st.caption("No saved view yet.")
        name = st.text_input("Name this view", key=VIEW_NAME_KEY, placeholder="e.g. Data practice, EMEA")
        if st.button("Save view", key="saved_view_save", icon=":material/bookmark_add:"):
            params = _current_params()
            try:
                _save(store, name, page_title, params, overwrite=False)
            except saved_views.ViewExists:
                st.session_state[VIEW_CONFIRM_KEY] = (name, page_title, params)
            except WipcastError as exc:
                ui.show_failure(exc, "saving the view")
        if pending := st.session_state.get(VIEW_CONFIRM_KEY):
            st.warning(f"A view named {plain(pending[0].strip())} exists. Replace it with this one?")
            yes, no = st.columns(2)
            if yes.button("Overwrite", key="saved_view_overwrite", type="primary"):
                try:
                    pending_name, pending_page, pending_params = pending
                    _save(store, pending_name, pending_page, pending_params, overwrite=True)
                except WipcastError as exc:
                    ui.show_failure(exc, "saving the view")
            if no.button("Cancel", key="saved_view_cancel"):
                st.session_state.pop(VIEW_CONFIRM_KEY, None)
                st.rerun()
