"""Scenarios: build a what-if (form or YAML), run it through the forecast engine, compare any two runs (a
scenario with base, or two scenarios), and download it (CSV / XLSX / Parquet with provenance, and the YAML).

Reading goes to the published warehouse (read-only, like every page). Running a scenario writes to the
working warehouse through `forecasting.scenarios.run_scenario` and then publishes, exactly like
`wipcast scenario run FILE`; the app's publish watcher then shows the new run everywhere. Running is off
unless `wipcast app --allow-scenarios` started the server, and beyond loopback it needs a login on the
allow-list (app/access.py decides; asked again when Run is pressed). Failures are one line (ui.show_failure).
The compare section's logic (which runs, which two, the frames and texts) is in app/scenario_compare.py;
`?scenario=B&against=A` in the address bar chooses them (read and written here only).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

import duckdb
import pandas as pd
import streamlit as st

from app import access, charts, data, scenario_compare, scenario_form, ui
from app.formatting import money, money_column, percent_column, plain

if TYPE_CHECKING:
    from forecasting.scenarios.definition import Scenario

currency = ui.reporting_currency()
LAST_RUN_KEY = "scenarios_last_run"  # a scenario that has just run: the compare section opens it against base
B_KEY, A_KEY = "compare_scenario", "compare_against"  # the compare section's selectboxes
URL_SEEN_KEY = "scenarios_url_seen"  # (scenario, against) as the page last wrote them to the address bar

st.title("Scenarios")
st.caption(
    "What if we win fewer deals, start later, raise rates or hire? A scenario runs through the same engine "
    "as the base forecast, with the same random draws, so the difference shows the effect of the change."
)
permission = access.current_access()


# ---------------------------------------------------------------- reading (published, read-only)


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
    """The form's widgets as a scenario (app/scenario_form.py keeps only the adjustments the user changed)."""
    from forecasting.scenarios.definition import from_mapping

    try:
        practices = [str(v) for v in data.filter_options().get("practice", pd.DataFrame(columns=["id"]))["id"].tolist()]
    except data.DataUnavailable:
        practices = []
    this_month = dt.date.today().replace(day=1)
    c1, c2 = st.columns(2)
    name = c1.text_input("Name", value="what-if", help="lowercase letters, digits, - and _")
    description = c2.text_input("Description", value="")
    with st.expander("Pipeline", expanded=True):
        a, b, c = st.columns(3)
        multiplier = a.slider("Win probability × ", 0.0, 2.0, 1.0, 0.05, key="win_multiplier")
        practice = b.selectbox("for practice", [scenario_form.ALL, *practices], key="win_practice")
        weeks = c.number_input("Pipeline starts later by (weeks)", -52, 104, 0, key="pipeline_weeks")
    with st.expander("Bill rates"):
        a, b, c = st.columns(3)
        pct = a.number_input("Change (%)", -90.0, 200.0, 0.0, 0.5, key="rate_pct")
        start = b.date_input("from", value=this_month, key="rate_from")
        rate_practice = c.selectbox("for practice", [scenario_form.ALL, *practices], key="rate_practice")
    with st.expander("People"):
        a, b, c, d = st.columns(4)
        hires = a.number_input("Hires", 0, 10000, 0, key="hire_count")
        roles = known_roles()
        role = b.selectbox("role", roles, key="hire_role") if roles else b.text_input("role", value="", key="hire_role")
        hire_practice = c.selectbox("practice", practices or ["—"], key="hire_practice")
        region = d.text_input("region (optional)", value="", key="hire_region")
        e, f, g = st.columns(3)
        hire_start = e.date_input("start month", value=this_month, key="hire_start")
        ramp = f.number_input("ramp-up (weeks)", 0, 52, 8, key="hire_ramp")
        limited = g.checkbox("only as far as demand exists", value=True, key="hire_limited")
        a, b, c = st.columns(3)
        attrition = a.number_input("Attrition (% per year)", 0.0, 100.0, 0.0, 1.0, key="attrition")
        util_practice = b.selectbox("utilization change for", [scenario_form.NONE, *practices], key="util_practice")
        points = c.number_input("by (percentage points)", -100.0, 100.0, 0.0, 1.0, key="util_points")
    values = scenario_form.FormValues(
        name=name,
        description=description,
        win_multiplier=multiplier,
        win_practice=practice or scenario_form.ALL,
        pipeline_weeks=int(weeks),
        rate_percent=pct,
        rate_from=start if isinstance(start, dt.date) else this_month,
        rate_practice=rate_practice or scenario_form.ALL,
        hires=int(hires),
        hire_role=role or "",
        hire_practice=hire_practice or "",
        hire_region=region,
        hire_start=hire_start if isinstance(hire_start, dt.date) else this_month,
        ramp_up_weeks=int(ramp),
        demand_limited=limited,
        attrition_percent=attrition,
        utilization_practice=util_practice or scenario_form.NONE,
        utilization_points=points,
    )
    return from_mapping(scenario_form.to_mapping(values), "the form")


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


def chosen_pair(known: list[str]) -> tuple[str, str]:
    """B and A: a scenario just run (against base), else the address bar when it changed (a link opened), else
    the last choice. The selectboxes' keys hold the choice, so it is set in session state before they are drawn
    (their `index` would be ignored once the key has a value: a second run would show the first)."""
    url = (st.query_params.get(scenario_compare.SCENARIO_PARAM), st.query_params.get(scenario_compare.AGAINST_PARAM))
    chosen = scenario_compare.select(
        known,
        (st.session_state.get(B_KEY), st.session_state.get(A_KEY)),
        url if url != st.session_state.get(URL_SEEN_KEY) else None,
        st.session_state.pop(LAST_RUN_KEY, None),
    )
    st.session_state[B_KEY], st.session_state[A_KEY] = chosen.b, chosen.a
    if chosen.message:
        st.warning(plain(chosen.message), icon=":material/link_off:")
    left, right = st.columns(2)
    b = left.selectbox("Scenario (B)", known, key=B_KEY, format_func=scenario_compare.label)
    a = right.selectbox("compared with (A)", known, key=A_KEY, format_func=scenario_compare.label)
    wanted = scenario_compare.url_params(b, a)
    for param, value in wanted.items():  # the address bar names what is shown, for a copied link
        if value is None:
            st.query_params.pop(param, None)
        elif st.query_params.get(param) != value:
            st.query_params[param] = value
    st.session_state[URL_SEEN_KEY] = (wanted[scenario_compare.SCENARIO_PARAM], wanted[scenario_compare.AGAINST_PARAM])
    return b, a


def table_config(labels: dict[str, str | None]) -> ui.ColumnConfigs:
    """The compare tables' columns: money in the reporting currency, the change in percent, months as months."""
    config: ui.ColumnConfigs = {}
    for column, text in labels.items():
        if text is None or column not in scenario_compare.PERCENT_COLUMNS + scenario_compare.MONEY_COLUMNS:
            config[column] = text
        else:
            is_money = column in scenario_compare.MONEY_COLUMNS
            config[column] = money_column(text, currency) if is_money else percent_column(text)
    config["month"] = st.column_config.DateColumn("Month", format="MMM YYYY")
    return config


def compare_section() -> None:
    from wipcast.errors import WipcastError

    st.subheader("2. Compare with the base forecast or another scenario")
    sql = scenario_compare.runner(data.query)
    known = scenario_compare.choices(sql)
    if len(known) < 2:
        ui.empty_state(
            "no scenario has run yet. Build one above and press Run (or `wipcast scenario run FILE`)"
            if permission.can_run
            else "no scenario has run yet. `wipcast scenario run FILE` runs one"
        )
        return
    b, a = chosen_pair(known)
    try:
        result = scenario_compare.load(sql, a, b)
    except WipcastError as exc:
        ui.empty_state(plain(exc.one_line()))
        return
    st.caption(plain(scenario_compare.caption(result)))
    if result.unpaired_reason:
        st.info(plain(scenario_compare.unpaired_note(result)), icon=":material/info:")
    head = scenario_compare.headline(result)
    a_label, b_label = scenario_compare.label(a), scenario_compare.label(b)
    band = scenario_compare.band_text(head, lambda value: money(value, currency))
    c1, c2, c3 = st.columns(3)
    c1.metric(f"{plain(a_label)} (horizon)", money(head.a_total, currency))
    c2.metric(
        f"{plain(b_label)} (horizon)", money(head.b_total, currency), delta=money(head.delta, currency), help=band
    )
    c3.metric("Months compared", f"{head.months}")
    firm = scenario_compare.firm_monthly(result)
    config = table_config(scenario_compare.column_labels(result))
    name = f"scenario-{b}-vs-{a}"
    ui.chart_with_table(
        charts.scenario_levels(firm, a_label, b_label, currency, f"Revenue by month, {b_label} and {a_label}"),
        scenario_compare.monthly_table(result),
        name,
        column_config=config,
    )
    ui.chart_with_table(
        charts.scenario_delta(firm, currency, f"{b_label} minus {a_label}, by month", scenario_compare.BAND_LABEL),
        scenario_compare.horizon_table(result),
        f"{name}-by-practice",
        column_config={k: v for k, v in config.items() if k != "month"},
        caption="The table: the whole horizon by practice; its band comes from each draw's horizon total.",
    )
    downloads(b, result.b.run_id)


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
