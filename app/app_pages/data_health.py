"""Data health: the last pipeline run and its steps, each connector's last sync, row counts, quarantined rows,
freshness of each source."""

import plotly.graph_objects as go
import streamlit as st

from app import charts, data, ui
from app.formatting import chart_text, plain
from app.queries import health

st.title("Data health")

info = data.published_file_info()
st.caption(
    f"Published warehouse {plain(info['name'])} · {info['size_mb']:,.1f} MB · published "
    f"{info['modified']:%d %b %Y %H:%M} (server time). Global filters do not apply on this page."
)


def tiles() -> None:
    cols = st.columns(4)
    with cols[0], st.container(border=True):
        st.metric("Published", f"{info['modified']:%d %b %Y}")
        st.caption(f"at {info['modified']:%H:%M} (server time)")
    with cols[1], st.container(border=True):
        try:
            st.metric("Data as of", f"{data.actuals_as_of():%d %b %Y}")
        except data.DataUnavailable:
            st.metric("Data as of", "—")
    with cols[2], st.container(border=True):
        quarantined = data.quarantine_summary()["rows"].sum() if data.has_table("quarantine") else None
        st.metric(
            "Rows in quarantine",
            f"{int(quarantined):,}" if quarantined is not None else "—",
            help="Input rows that failed the contract checks and were set aside (ops.quarantine).",
        )
    with cols[3], st.container(border=True):
        tables = sum(1 for schema, _ in data.catalog() if schema in ("marts", "forecast"))
        st.metric("Published tables", f"{tables:,}", help="Tables in the marts and forecast schemas.")


def last_run() -> None:
    st.subheader("Last pipeline run")
    steps = data.last_run_steps()
    if steps.empty:
        ui.empty_state("the run log is empty: no `wipcast run` has finished yet")
        return
    failed = steps[steps["status"] != "success"]
    finished = steps["finished_at"].max()
    status = "success" if failed.empty else f"{len(failed)} step(s) not successful"
    when = f"{finished:%d %b %Y %H:%M} UTC" if finished == finished and finished is not None else "not finished"
    text = f"Run **{plain(steps['run_id'].iloc[0])}**: {status}, finished {when}."
    (st.success if failed.empty else st.warning)(text)
    ui.table_with_download(
        steps,
        "last run steps",
        {
            "run_id": "Run",
            "step": "Step",
            "status": "Status",
            "message": "Message",
            "started_at": st.column_config.DatetimeColumn("Started", format="DD MMM YYYY HH:mm:ss"),
            "finished_at": st.column_config.DatetimeColumn("Finished", format="DD MMM YYYY HH:mm:ss"),
            "seconds": st.column_config.NumberColumn("Seconds", format="%.1f"),
            "rows": st.column_config.NumberColumn("Rows", format="localized"),
        },
    )


SYNC_CONFIG: ui.ColumnConfigs = {
    "connector": "Source",
    "run_id": "Run",
    "mode": "Mode",
    "status": "Status",
    "finished_at": st.column_config.DatetimeColumn("Finished", format="DD MMM YYYY HH:mm"),
    "age_hours": st.column_config.NumberColumn("Age (hours)", format="%.1f"),
    "resources": st.column_config.NumberColumn("Resources", format="%d"),
    "rows_extracted": st.column_config.NumberColumn("Extracted", format="localized"),
    "rows_conformed": st.column_config.NumberColumn("Conformed", format="localized"),
    "rows_quarantined": st.column_config.NumberColumn("Quarantined", format="localized"),
    "retries": st.column_config.NumberColumn("Retries", format="%d"),
    "shortfall": st.column_config.NumberColumn(
        "Shortfall",
        format="%d",
        help="Rows the API reported on a full read that the sync did not get (empty: no full read to judge).",
    ),
    "error": "Last error",
}


def sync_status() -> None:
    st.subheader("Sync status per source")
    if not health.has_sync_runs():
        ui.empty_state(
            "no connector has synced into this warehouse (ops.sync_runs is written by `wipcast ingest <connector>` "
            "and by `wipcast run` with connectors in `[sources] run`)"
        )
        return
    frame = health.sync_status()
    if frame.empty:
        ui.empty_state("ops.sync_runs holds no sync yet")
        return
    failed = frame[frame["status"] == "failed"]
    short = frame[frame["shortfall"].fillna(0) > 0]
    if not failed.empty or not short.empty:
        problems = [f"{plain(c)}: last sync failed" for c in failed["connector"]]
        problems += [
            f"{plain(c)}: {int(n):,} row(s) short of what the API reported"
            for c, n in short[["connector", "shortfall"]].itertuples(index=False)
        ]
        st.warning("; ".join(problems) + ".")
    st.caption(
        "Each connector's last sync (ops.sync_runs, summed over its resources). Age is since it finished; "
        "per resource: `select * from ops.sync_runs where run_id = '<run>'`."
    )
    ui.table_with_download(frame, "sync status per source", SYNC_CONFIG)


def freshness() -> None:
    st.subheader("Freshness of each source")
    dates = data.latest_business_dates()
    ui.table_with_download(
        dates,
        "latest business dates",
        {"source": "Source", "latest": st.column_config.DateColumn("Latest date", format="DD MMM YYYY")},
    )
    if data.has_table("load_log"):
        loads = data.source_freshness()
        if loads.empty:
            ui.empty_state("the load log is empty")
        else:
            ui.table_with_download(
                loads,
                "last load per source",
                {
                    "entity": "Source entity",
                    "last_loaded_at": st.column_config.DatetimeColumn("Last loaded", format="DD MMM YYYY HH:mm"),
                    "rows_in_last_load": st.column_config.NumberColumn("Rows loaded", format="localized"),
                    "rows_quarantined": st.column_config.NumberColumn("Quarantined", format="localized"),
                },
            )
    else:
        ui.empty_state("the warehouse has no ops.load_log (it is written by `wipcast ingest`)")


def quarantine() -> None:
    st.subheader("Quarantined rows")
    frame = data.quarantine_summary()
    if frame.empty:
        st.success("No quarantined rows: every input row passed the contract checks.", icon=":material/check:")
        return
    by_entity = frame.groupby("entity")["rows"].sum().reset_index()
    entities = [chart_text(entity) for entity in by_entity["entity"]]
    figure = go.Figure(go.Bar(x=entities, y=by_entity["rows"], marker_color="#d9534f"))
    ui.chart_with_table(
        charts._layout(figure, 300),
        frame,
        "quarantined rows by entity and reason",
        {"entity": "Entity", "reason": "Reason", "rows": st.column_config.NumberColumn("Rows")},
    )


def counts() -> None:
    st.subheader("Row counts")
    ui.table_with_download(
        data.row_counts(),
        "row counts",
        {
            "schema": "Schema",
            "table_name": "Table",
            "row_count": st.column_config.NumberColumn("Rows", format="localized"),
        },
        height=400,
    )


ui.guarded(tiles)
ui.guarded(last_run)
ui.guarded(sync_status)
left, right = st.columns(2)
with left:
    ui.guarded(freshness)
with right:
    ui.guarded(quarantine)
ui.guarded(counts)
