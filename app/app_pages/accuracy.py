"""Forecast accuracy: backtest WAPE by horizon against the baselines, interval coverage, win-probability calibration."""

import streamlit as st

from app import charts, data, ui
from app.formatting import error_ratio_change, percent, plain

filters = ui.current_filters()

st.title("Forecast accuracy")
st.caption(
    "From `wipcast backtest`: for each past month, the forecast made with only what was known then, "
    "scored against the revenue later earned. Lower WAPE is better; an 80% interval should cover 80% of "
    "outcomes. Global filters do not apply: backtests are scored for the firm and per practice."
)

OUR_METHOD_HINTS = ("wipcast", "model", "blend", "ensemble")


def our_method(methods: list[str]) -> str:
    for hint in OUR_METHOD_HINTS:
        for method in methods:
            if hint in str(method).lower():
                return method
    return methods[0]


def render() -> None:
    metrics = data.backtest_metrics()
    if metrics.empty:
        ui.empty_state("no backtest has been run. Run `wipcast backtest --from YYYY-MM --to YYYY-MM`")
        return
    levels = sorted(metrics["level"].dropna().unique())
    level = (
        st.segmented_control(
            "Level", levels, default="firm" if "firm" in levels else levels[0], key="accuracy_level", format_func=plain
        )
        or levels[0]
    )
    at_level = metrics[metrics["level"] == level]
    wape = at_level[at_level["metric"] == "wape"].dropna(subset=["value"])
    methods = sorted(wape["method"].unique())
    ours = our_method(methods) if methods else None

    cols = st.columns(3)
    with cols[0], st.container(border=True):
        short = wape[wape["horizon"].between(1, 3)]
        ours_wape = short.loc[short["method"] == ours, "value"].mean() if ours else None
        baselines = short[short["method"] != ours].groupby("method")["value"].mean()
        best = baselines.min() if not baselines.empty else None
        st.metric(
            "WAPE, horizons 1-3 months",
            percent(ours_wape),
            # A ratio below 1 (a smaller error than the best baseline) is good: shown as a negative change with
            # inverse colours, so it is green with a downward arrow, and the text says the ratio too.
            delta=error_ratio_change(ours_wape, best),
            delta_color="inverse",
            help=f"Method {plain(ours)}; baselines: {', '.join(plain(b) for b in baselines.index)}",
        )
    with cols[1], st.container(border=True):
        coverage = at_level[at_level["metric"].str.contains("coverage") & (at_level["method"] == ours)]["value"]
        st.metric(
            "80% interval coverage",
            percent(coverage.mean() if not coverage.empty else None),
            help="Share of outcomes inside the p10-p90 interval; 75%-85% is well calibrated.",
        )
    with cols[2], st.container(border=True):
        brier = metrics[metrics["metric"].str.startswith("brier")]
        ours_brier = brier[brier["method"] == ours]["value"]
        crm = brier[brier["method"].str.lower().str.contains("crm") | brier["metric"].str.contains("crm")]["value"]
        st.metric(
            "Brier score of win probability",
            f"{ours_brier.mean():.3f}" if not ours_brier.empty else "—",
            help="Mean squared error of the calibrated win probabilities on closed opportunities (lower is better).",
        )
        if not crm.empty:
            st.caption(f"The CRM's own probabilities score {crm.mean():.3f}.")

    st.subheader("WAPE by horizon")
    if wape.empty:
        ui.empty_state("the backtest recorded no WAPE at this level")
    else:
        ui.chart_with_table(
            charts.metric_by_horizon(wape, "WAPE", highlight=ours),
            wape,
            f"wape by horizon {level}",
            {"value": st.column_config.NumberColumn("WAPE", format="percent")},
        )
    st.subheader("All metrics")
    table = at_level.pivot_table(index=["method", "horizon"], columns="metric", values="value").reset_index()
    config = {
        m: st.column_config.NumberColumn(m.upper() if m != "coverage80" else "80% coverage", format="percent")
        for m in ("wape", "bias", "coverage80", "coverage_80", "coverage")
    }
    config.update({m: st.column_config.NumberColumn(m.upper(), format="%.3f") for m in ("mase", "brier")})
    ui.table_with_download(table, f"backtest metrics {level}", config)


def calibration() -> None:
    st.subheader("Calibration of win probabilities")
    if not data.has_table("calibration"):
        ui.empty_state(
            "the forecast runs in this warehouse do not store calibration bins "
            "(forecast.win_probability_calibration); the Brier scores above compare the calibrated "
            "and the CRM probabilities"
        )
        return
    frame = data.calibration_bins(filters.run_id)
    if frame.empty:
        ui.empty_state("no calibration bins were recorded by the forecast run")
        return
    ui.chart_with_table(
        charts.calibration(frame),
        frame,
        "win probability calibration",
        {
            "predicted": st.column_config.NumberColumn("Predicted", format="percent"),
            "observed": st.column_config.NumberColumn("Observed", format="percent"),
        },
        caption="Each point: opportunities grouped by predicted probability; a calibrated model sits on the diagonal.",
    )


ui.guarded(render)
ui.guarded(calibration)
