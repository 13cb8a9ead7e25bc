"""Scenarios: build a what-if (form or YAML), run it through the forecast engine, compare it with the
base forecast, and download it (CSV / XLSX / Parquet with provenance, and the YAML to rerun it).

Reading goes to the published warehouse (read-only, like every page). Running a scenario writes to the
working warehouse through `forecasting.scenarios.run_scenario` and then publishes, exactly like
`wipcast scenario run FILE`; the app's publish watcher then shows the new run everywhere. Running is off
unless `wipcast app --allow-scenarios` started the server, and beyond loopback it needs a login on the
allow-list (app/access.py decides; asked again when Run is pressed). Failures are one line (ui.show_failure).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

import duckdb
import pandas as pd
import plotly.graph_objects as go
import polars as pl
import streamlit as st

from app import access, charts, data, ui
from app.formatting import chart_text, money, money_column, percent_column, plain

if TYPE_CHECKING:
    from forecasting.scenarios.definition import Scenario

currency = ui.reporting_currency()
FIRM = "(all practices)"
LAST_RUN_KEY = "scenarios_last_run"

st.title("Scenarios")
st.caption(
    "What if we win fewer deals, start later, raise rates or hire? A scenario runs through the same engine "
    "as the base forecast, with the same random draws, so the difference shows the effect of the change."
)
permission = access.current_access()


# ---------------------------------------------------------------- reading (published, read-only)


def scenario_runs() -> pd.DataFrame:
    if ("forecast", "scenario_runs") not in data.catalog():
        return pd.DataFrame(columns=["scenario_id", "run_id", "as_of_date", "created_at"])
    return data.query(
        "select scenario_id, run_id, as_of_date, created_at from forecast.scenario_runs "
        "where status = 'success' order by created_at desc"
    )


def base_run_for(as_of: dt.date) -> str | None:
    if ("forecast", "runs") not in data.catalog():
        return None
    runs = data.query(
        "select run_id, as_of_date = ? as same_day from forecast.runs "
        "where coalesce(json_extract_string(parameters, '$.kind'), 'forecast') = 'forecast' "
        "and coalesce(json_extract_string(parameters, '$.scenario_id'), 'base') = 'base' "
        "order by same_day desc, created_at desc limit 1",
        (as_of,),
    )
    return None if runs.empty else str(runs["run_id"].iloc[0])


@contextlib.contextmanager
def published_connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-only connection for the export writer, which runs several queries."""
    from app.warehouse_access import HARDENED_CONFIG

    con = duckdb.connect(str(data.published_path()), read_only=True, config=HARDENED_CONFIG)
    try:
        yield con
    finally:
        con.close()


# ---------------------------------------------------------------- building a scenario


def known_roles() -> list[str]:
    """Roles of the firm's people (for the hiring form), when the published marts have them."""
    if "role" not in data.catalog().get(("marts", "dim_employee"), ()):
        return []
    return [
        str(r)
        for r in data.query("select distinct role from marts.dim_employee where role is not null order by 1")["role"]
    ]


def scenario_from_form() -> Scenario:
    """The form's widgets as a scenario mapping (only the adjustments the user changed)."""
    from forecasting.scenarios.definition import from_mapping

    try:
        practices = [str(v) for v in data.filter_options().get("practice", pd.DataFrame(columns=["id"]))["id"].tolist()]
    except data.DataUnavailable:
        practices = []
    c1, c2 = st.columns(2)
    name = c1.text_input("Name", value="what-if", help="lowercase letters, digits, - and _")
    description = c2.text_input("Description", value="")
    mapping: dict[str, object] = {"name": name, "description": description}
    with st.expander("Pipeline", expanded=True):
        a, b, c = st.columns(3)
        multiplier = a.slider("Win probability × ", 0.0, 2.0, 1.0, 0.05, key="win_multiplier")
        practice = b.selectbox("for practice", ["all", *practices], key="win_practice")
        weeks = c.number_input("Pipeline starts later by (weeks)", -52, 104, 0, key="pipeline_weeks")
        if multiplier != 1.0:
            mapping["win_probability"] = [
                {"multiplier": multiplier, **({"practice": practice} if practice != "all" else {})}
            ]
        if weeks:
            mapping["pipeline_delay"] = [{"weeks": int(weeks)}]
    with st.expander("Bill rates"):
        a, b, c = st.columns(3)
        pct = a.number_input("Change (%)", -90.0, 200.0, 0.0, 0.5, key="rate_pct")
        start = b.date_input("from", value=dt.date.today().replace(day=1), key="rate_from")
        rate_practice = c.selectbox("for practice", ["all", *practices], key="rate_practice")
        if pct:
            mapping["bill_rates"] = [
                {
                    "percent": pct,
                    "from_date": start.isoformat(),
                    **({"practice": rate_practice} if rate_practice != "all" else {}),
                }
            ]
    with st.expander("People"):
        a, b, c, d = st.columns(4)
        hires = a.number_input("Hires", 0, 10000, 0, key="hire_count")
        roles = known_roles()
        role = b.selectbox("role", roles, key="hire_role") if roles else b.text_input("role", value="", key="hire_role")
        hire_practice = c.selectbox("practice", practices or ["—"], key="hire_practice")
        region = d.text_input("region (optional)", value="", key="hire_region")
        e, f, g = st.columns(3)
        hire_start = e.date_input("start month", value=dt.date.today().replace(day=1), key="hire_start")
        ramp = f.number_input("ramp-up (weeks)", 0, 52, 8, key="hire_ramp")
        limited = g.checkbox("only as far as demand exists", value=True, key="hire_limited")
        if hires:
            mapping["hiring"] = [
                {
                    "role": role,
                    "practice": hire_practice,
                    "count": int(hires),
                    "start_month": hire_start.isoformat(),
                    "ramp_up_weeks": int(ramp),
                    "demand_limited": limited,
                    **({"region": region} if region else {}),
                }
            ]
        a, b, c = st.columns(3)
        attrition = a.number_input("Attrition (% per year)", 0.0, 100.0, 0.0, 1.0, key="attrition")
        util_practice = b.selectbox("utilization change for", ["none", *practices], key="util_practice")
        points = c.number_input("by (percentage points)", -100.0, 100.0, 0.0, 1.0, key="util_points")
        if attrition:
            mapping["attrition"] = [{"percent_per_year": attrition}]
        if util_practice != "none" and points:
            mapping["utilization"] = [{"practice": util_practice, "change_points": points}]
    return from_mapping(mapping, "the form")


def chosen_scenario() -> Scenario | None:
    """The scenario from the form, an uploaded file or pasted YAML; None (with the error shown) if invalid."""
    from pydantic import ValidationError

    from forecasting.scenarios.definition import from_yaml_text, validation_message
    from wipcast.errors import InputError, WipcastError

    source = st.radio(
        "Define the scenario", ["Form", "Upload YAML", "Paste YAML"], horizontal=True, key="scenario_source"
    )
    where = {"Form": "the form", "Upload YAML": "the uploaded file", "Paste YAML": "the pasted YAML"}[source]
    try:
        if source == "Form":
            return scenario_from_form()
        if source == "Upload YAML":
            upload = st.file_uploader("Scenario YAML", type=["yaml", "yml"], key="scenario_upload")
            if upload is None:
                st.caption("Examples are in `examples/scenarios/`; the fields are in `docs/scenarios.md`.")
                return None
            where = upload.name
            return from_yaml_text(upload.getvalue().decode("utf-8", errors="replace"), upload.name)
        text = st.text_area(
            "Scenario YAML",
            height=200,
            key="scenario_yaml",
            placeholder="name: fewer-wins\nwin_probability:\n  - multiplier: 0.8",
        )
        return from_yaml_text(text, "the pasted YAML") if text.strip() else None
    except ValidationError as exc:
        ui.show_failure(InputError(f"invalid input: {validation_message(exc)}"), "reading the scenario")
    except WipcastError as exc:
        ui.show_failure(exc, "reading the scenario")
    except ValueError as exc:  # PyYAML builds dates itself, so `as_of: 2026-13-45` fails before validation
        reason = InputError(
            f"{where} has a value that is not valid ({exc})", "dates are YYYY-MM-DD; see docs/scenarios.md"
        )
        ui.show_failure(reason, "reading the scenario")
    except Exception as exc:  # noqa: BLE001 - one line and a reference; the traceback goes to the server log
        ui.show_failure(exc, "reading the scenario")
    return None


def run(scenario: Scenario) -> None:
    """Run in the working warehouse, then publish so this page (and everyone) can read the result."""
    from forecasting.scenarios import run_scenario
    from wipcast import publish as publishing
    from wipcast.errors import WipcastError
    from wipcast.runlog import logged_step
    from wipcast.settings import load_settings
    from wipcast.warehouse import new_run_id

    allowed = access.current_access()  # again, at the moment of writing: the button alone is no permission
    if not allowed.can_run:
        st.error(allowed.reason, icon=":material/lock:")
        return
    try:
        settings = load_settings()
    except WipcastError as exc:
        ui.show_failure(exc, "reading the settings")
        return
    if not settings.work_db.exists():
        ui.LOG.info("no working warehouse at %s", settings.work_db)
        st.error(f"No working warehouse yet: scenarios run on the pipeline's warehouse. {data.BUILD_HINT}")
        return
    run_id = new_run_id()
    ui.LOG.info("scenario %s: run %s started by %s", scenario.name, run_id, allowed.user or "a local viewer")
    bar = st.progress(0.0, text="starting")

    def show_progress(text: str, done: float, total: float) -> None:
        bar.progress(min(done / (total or 1), 1.0), text=plain(text))

    try:
        with st.status(f"Running scenario {plain(scenario.name)}", expanded=False) as status:
            with logged_step(settings, run_id, "scenario"):
                summary = run_scenario(
                    settings,
                    scenario,
                    run_id,
                    progress=show_progress,
                )
            bar.progress(1.0, text="publishing")
            with logged_step(settings, run_id, "publish"):
                publishing.publish(settings, run_id)
            status.update(
                label=f"Scenario {scenario.name}: run {run_id} as of {summary.as_of_date} published", state="complete"
            )
    except Exception as exc:  # noqa: BLE001 - expected failures are one line, others a reference (ui.show_failure)
        ui.show_failure(exc, f"running scenario {scenario.name}")
        return
    st.session_state[LAST_RUN_KEY] = scenario.name
    st.success(f"Scenario **{scenario.name}** ran (run {run_id}, {summary.seconds:.0f} s) and was published.")


st.subheader("1. Build or upload a scenario")
if not permission.can_run:
    st.info(permission.reason, icon=":material/lock:")
    for provider in permission.login_providers:
        st.button(
            f"Log in with {plain(provider)}" if provider else "Log in",
            key=f"login-{provider or 'default'}",
            on_click=st.login,
            args=(provider,),
            icon=":material/login:",
        )
scenario = chosen_scenario()
if scenario is not None:
    with st.expander("YAML of this scenario"):
        st.code(scenario.to_yaml(), language="yaml")
    left, right = st.columns([1, 1])
    right.download_button(
        "Download YAML",
        scenario.to_yaml().encode("utf-8"),
        file_name=f"{scenario.name}.yaml",
        mime="application/x-yaml",
        key="download-yaml",
        on_click="ignore",
        icon=":material/download:",
    )
    if permission.can_run and left.button(
        "Run scenario", type="primary", key="run-scenario", icon=":material/play_arrow:"
    ):
        run(scenario)


# ---------------------------------------------------------------- compare and download


def compare_section() -> None:
    from forecasting.scenarios.compare import DELTA_SQL, with_delta_pct

    st.subheader("2. Compare with the base forecast")
    runs = scenario_runs()
    if runs.empty:
        ui.empty_state(
            "no scenario has run yet. Build one above and press Run (or `wipcast scenario run FILE`)"
            if permission.can_run
            else "no scenario has run yet. `wipcast scenario run FILE` runs one"
        )
        return
    names = list(dict.fromkeys(runs["scenario_id"]))
    last = st.session_state.get(LAST_RUN_KEY)
    chosen = st.selectbox("Scenario", names, index=names.index(last) if last in names else 0, key="compare_scenario")
    row = runs[runs["scenario_id"] == chosen].iloc[0]
    as_of = pd.Timestamp(row["as_of_date"]).date()
    base_run = base_run_for(as_of)
    if base_run is None:
        ui.empty_state("the warehouse has no base forecast to compare with. Run `wipcast forecast`")
        return
    delta = with_delta_pct(pl.from_pandas(data.query(DELTA_SQL, (base_run, row["run_id"], FIRM)))).to_pandas()
    st.caption(
        f"Scenario run **{plain(row['run_id'])}** against base run **{plain(base_run)}**, as of {as_of:%d %b %Y}. "
        "Deltas pair draw by draw (same random numbers), so the 80% band is the uncertainty of the effect itself."
    )
    firm = delta[delta["practice"] == FIRM]
    total_delta = firm["delta_mean"].sum()
    c1, c2, c3 = st.columns(3)
    c1.metric("Base forecast (horizon)", money(firm["base_mean"].sum(), currency))
    c2.metric(
        f"{plain(chosen)} (horizon)", money(firm["scenario_mean"].sum(), currency), delta=money(total_delta, currency)
    )
    by_practice = delta[delta["practice"] != FIRM]
    fig = go.Figure()
    for practice, part in by_practice.groupby("practice", sort=True):
        fig.add_bar(x=part["month"], y=part["delta_mean"], name=chart_text(practice), hovertemplate="%{y:,.0f}")
    fig.add_scatter(x=firm["month"], y=firm["delta_mean"], mode="lines+markers", name="firm", line={"color": "#222"})
    fig.update_layout(barmode="relative", title=chart_text(f"Change in revenue, {chosen} minus base ({currency})"))
    if len(firm) <= 12:
        charts.monthly_axis(fig)
    c3.metric("Months compared", f"{len(firm)}")
    table = delta.rename(columns={"base_mean": "base", "scenario_mean": chosen, "delta_mean": "delta"})
    ui.chart_with_table(
        fig,
        table,
        f"scenario-{chosen}-vs-base",
        column_config={
            "base": money_column("Base", currency),
            chosen: money_column(chosen, currency),
            "delta": money_column("Delta", currency),
            "delta_p10": money_column("Delta p10", currency),
            "delta_p90": money_column("Delta p90", currency),
            "delta_pct": percent_column("Delta %"),
        },
    )
    downloads(chosen, row["run_id"])


def downloads(scenario_id: str, run_id: str) -> None:
    from forecasting.exports import FORMATS, GRAINS, export_bytes, export_run

    st.subheader("3. Download")
    grain = st.selectbox("Grain", list(GRAINS), index=1, key="export_grain")
    with published_connection() as con:
        frame, meta = export_run(con, scenario_id, grain, currency, run_id)
    st.caption(
        f"{frame.height:,} rows, long format: one row per month, {grain} and component plus a total, "
        f"amounts in {plain(meta['reporting_currency'])}, with p10/p50/p90 where they can be computed "
        "(`quantile_basis`)."
    )
    mimes = {
        "csv": "text/csv",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "parquet": "application/vnd.apache.parquet",
    }
    for column, fmt in zip(st.columns(len(FORMATS)), FORMATS, strict=True):
        payload = export_bytes(frame, meta, fmt)
        column.download_button(
            f"Download {fmt.upper()}",
            payload,
            file_name=f"wipcast-{scenario_id}-{grain}.{fmt}",
            mime=mimes[fmt],
            key=f"download-{fmt}",
            on_click="ignore",
            icon=":material/download:",
        )
    if "csv" in FORMATS:
        import json

        st.download_button(
            "Download provenance (JSON, goes with the CSV)",
            json.dumps(meta, indent=2).encode("utf-8"),
            file_name=f"wipcast-{scenario_id}-{grain}.csv.json",
            mime="application/json",
            key="download-provenance",
            on_click="ignore",
        )


ui.guarded(compare_section)
