"""wipcast dashboard: the router. Run with `wipcast app` or `streamlit run app/streamlit_app.py`.

It sets up the page, draws the global filters in the sidebar, picks the page with st.navigation and runs it.
Every data error a user can meet (no warehouse yet, a publish in progress) is turned into a message here,
and anything else a page raises into one line with a reference (its traceback goes to the server log), so
no page ever shows a traceback or a server path.
"""

import sys
from pathlib import Path

# Streamlit puts this file's folder on sys.path; the pages import `app.*` from the project root.
PROJECT_ROOT = str(Path(__file__).resolve().parents[1])
if PROJECT_ROOT not in sys.path:
    sys.path.insert(0, PROJECT_ROOT)

import streamlit as st  # noqa: E402

from app import data, ui  # noqa: E402
from app.filters import open_requested_view, page_scope, saved_views_sidebar, sidebar_filters  # noqa: E402
from app.warehouse_access import FileIdentity, WarehouseBusy, WarehouseMissing, file_identity  # noqa: E402

PAGES = [
    st.Page("app_pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("app_pages/forecast.py", title="Forecast", icon=":material/trending_up:"),
    st.Page("app_pages/variance.py", title="Variance", icon=":material/compare_arrows:"),
    st.Page("app_pages/unbilled.py", title="Unbilled exposure", icon=":material/receipt_long:"),
    # Opened from every project link (?project=ID) rather than the top bar, which has no room for an eleventh page.
    st.Page("app_pages/project.py", title="Project", icon=":material/work:", visibility="hidden"),
    st.Page("app_pages/utilization.py", title="Utilization", icon=":material/groups:"),
    st.Page("app_pages/accuracy.py", title="Forecast accuracy", icon=":material/target:"),
    st.Page("app_pages/reconciliation.py", title="Reconciliation", icon=":material/rule:"),
    st.Page("app_pages/data_health.py", title="Data health", icon=":material/monitor_heart:"),
]
# The Scenarios page (what-if runs through the forecast engine) joins the navigation only when its file is present.
if (Path(__file__).parent / "app_pages" / "scenarios.py").exists():
    PAGES.insert(3, st.Page("app_pages/scenarios.py", title="Scenarios", icon=":material/tune:"))

ui.configure_logging()
st.set_page_config(page_title="wipcast", page_icon=":material/insights:", layout="wide")
page = st.navigation(PAGES, position="top")


def current_identity() -> FileIdentity | None:
    try:
        return file_identity()
    except WarehouseMissing:
        return None
    except OSError:  # unreadable (permissions, a vanished mount): the page itself says so; log why
        ui.LOG.warning("cannot stat the published warehouse", exc_info=True)
        return None


@st.fragment(run_every="10s")
def watch_for_publish() -> None:
    """Rerun the whole app when the warehouse file changed (a publish, or the first build) since the last run."""
    if current_identity() != st.session_state.get("wipcast_seen_identity"):
        st.toast("New data published: refreshed.", icon=":material/sync:")
        st.rerun(scope="app")


st.session_state["wipcast_seen_identity"] = current_identity()
st.session_state[ui.PAGE_STATE_KEY] = page.title  # downloads name the page they come from
with st.sidebar:
    watch_for_publish()
try:
    st.session_state["wipcast_currency"] = data.reporting_currency()
    open_requested_view({p.title: p for p in PAGES})  # a saved view the sidebar asked for: its page, its filters
    chosen = sidebar_filters(page.title)
    saved_views_sidebar(page.title)
    if data.combination_is_empty(chosen, page_scope(page.title).grains):
        st.title(page.title)
        ui.no_data_for_combination(chosen)
    else:
        page.run()
except WarehouseMissing as missing:
    st.title(page.title)
    ui.missing_warehouse(missing.path)
except WarehouseBusy:
    st.title(page.title)
    ui.warehouse_busy()
except data.DataUnavailable as exc:
    ui.empty_state(str(exc) + ". Rebuild the warehouse with `make build` once the pipeline produces it")
except Exception as exc:  # noqa: BLE001 - the last line of defence: one line for the user, the traceback to the log
    ui.show_failure(exc, f"showing the {page.title} page")
