"""Overview: what a CFO reads in ten seconds. Four headline tiles, then the two charts and the risks behind them."""

import datetime as dt
from collections.abc import Callable
from urllib.parse import quote

import streamlit as st

from app import charts, data, ui
from app.formatting import money, money_column, percent, points

filters = ui.current_filters()
currency = ui.reporting_currency()

st.title("Overview")


def tile(label: str, render: Callable[[], None]) -> None:
    with st.container(border=True):
        try:
            render()
        except data.DataUnavailable as exc:
            st.metric(label, "—")
            st.caption(f"Not available: {exc}.")


def revenue_tile(as_of: dt.date) -> None:
    actual = data.revenue_ytd(filters, as_of)
    target, ignored = data.target_ytd(filters, as_of)
    delta = None if not target else f"{(actual - target) / target:+.1%} vs target"
    st.metric(
        "Revenue year to date",
        money(actual, currency),
        delta=delta,
        help="Earned revenue from 1 January to the as-of date, reporting currency.",
    )
    if target:
        st.caption(f"Target {money(target, currency)} · 1 Jan–{as_of:%d %b %Y}")
    elif ignored:
        st.caption("Targets are set by practice and region only, so there is none for this filter.")
    else:
        st.caption("No revenue target in the warehouse for this period.")


def outlook_tile(year: int) -> None:
    if not filters.run_id:
        raise data.DataUnavailable("no forecast run yet (run `wipcast forecast`)")
    outlook = data.full_year_outlook(filters, filters.run_id, year)
    headline = outlook["p50"] if outlook["p50"] is not None else outlook["mean"]
    target_frame, ignored = data.target_monthly(filters, dt.date(year, 1, 1), dt.date(year, 12, 1))
    target = float(target_frame["target"].sum()) if not ignored and not target_frame.empty else None
    st.metric(
        f"Full-year {year} outlook (p50)" if outlook["p50"] is not None else f"Full-year {year} outlook (mean)",
        money(headline, currency),
        delta=f"{(headline - target) / target:+.1%} vs full-year target" if target else None,
        help="Actual revenue of the closed months plus the forecast of the rest of the year. "
        "p50 and the p10-p90 range come from the simulation draws summed at this filter.",
    )
    if outlook["p10"] is not None:
        st.caption(
            f"80% range {money(outlook['p10'], currency)} – {money(outlook['p90'], currency)}"
            + (f" · target {money(target, currency)}" if target else "")
        )
    else:
        st.caption(f"Range not available: {outlook['range_note']}." if outlook["range_note"] else "")


def unbilled_tile() -> None:
    buckets = data.unbilled_by(filters)
    total = float(buckets["total"].sum()) if not buckets.empty else 0.0
    over_90 = float(buckets.loc[buckets["bucket"] == "over 90", "total"].sum()) if not buckets.empty else 0.0
    at_risk = float(buckets["at_risk"].sum()) if not buckets.empty else 0.0
    st.metric(
        "Unbilled exposure",
        money(total, currency),
        help="Approved-unbilled and pending time on T&M projects, at-risk time, and contract assets "
        "(earned, not yet billed) on the other billing types.",
    )
    st.caption(f"Over 90 days {money(over_90, currency)} · at risk {money(at_risk, currency)}")


def utilization_tile(as_of: dt.date) -> None:
    start, end = data.last_complete_weeks(as_of, 4)
    summary, ignored = data.utilization_summary(filters, start, end)
    delta = (
        points(summary["utilization"] - summary["target"])
        if summary["utilization"] is not None and summary["target"] is not None
        else None
    )
    st.metric(
        "Utilization, last 4 weeks",
        percent(summary["utilization"]),
        delta=(delta + " vs target") if delta else None,
        help="Billable hours (approved or submitted) / capacity hours, weeks starting "
        f"{start:%d %b} to {end:%d %b %Y}.",
    )
    if summary["target"] is not None:
        st.caption(f"Target {percent(summary['target'])} · {summary['billable']:,.0f} of {summary['capacity']:,.0f} h")
    if ignored:
        st.caption("Customer filter not applied: utilization is per person.")


try:
    as_of = data.actuals_as_of()
except data.DataUnavailable as exc:
    ui.empty_state(f"{exc}. Build the warehouse with `make build`")
    st.stop()

run_as_of = data.run_as_of(filters.run_id)
st.caption(
    f"Actuals as of **{as_of:%d %b %Y}** · forecast made as of **{run_as_of:%d %b %Y}**"
    if run_as_of
    else f"Actuals as of **{as_of:%d %b %Y}** · no forecast run yet"
)

columns = st.columns(4)
with columns[0]:
    tile("Revenue year to date", lambda: revenue_tile(as_of))
with columns[1]:
    tile("Full-year outlook", lambda: outlook_tile((run_as_of or as_of).year))
with columns[2]:
    tile("Unbilled exposure", unbilled_tile)
with columns[3]:
    tile("Utilization, last 4 weeks", lambda: utilization_tile(as_of))

left, right = st.columns(2)


def revenue_vs_target_chart() -> None:
    st.subheader("Revenue versus target, this year")
    start, end = dt.date(as_of.year, 1, 1), data.month_start(as_of)
    actual = data.revenue_monthly(filters, start, end)[["month", "earned"]]
    target, ignored = data.target_monthly(filters, start, end)
    if actual.empty:
        ui.empty_state("no earned revenue this year for the chosen filters")
        return
    frame = actual.merge(target, on="month", how="left") if not ignored else actual.assign(target=None)
    frame["cumulative_earned"] = frame["earned"].cumsum()
    frame["cumulative_target"] = frame["target"].astype(float).cumsum() if not ignored else None
    figure = charts.actual_vs_lines(frame, "month", {"earned": "Earned", "target": "Target"}, currency, bars="earned")
    ui.chart_with_table(
        figure,
        frame,
        "revenue vs target",
        {
            "month": st.column_config.DateColumn("Month", format="MMM YYYY"),
            "earned": money_column("Earned", currency),
            "target": money_column("Target", currency),
            "cumulative_earned": money_column("Earned, cumulative", currency),
            "cumulative_target": money_column("Target, cumulative", currency),
        },
    )
    ui.ignored_filters_note(ignored)


def exposure_chart() -> None:
    st.subheader("Unbilled exposure by age")
    buckets = data.unbilled_by(filters)
    if buckets.empty or buckets["total"].sum() == 0:
        ui.empty_state("no unbilled time or contract asset for the chosen filters")
        return
    figure = charts.stacked_bars(
        buckets.assign(bucket=buckets["bucket"] + " days"),
        "bucket",
        charts.EXPOSURE_LABELS,
        charts.EXPOSURE_COLORS,
        currency,
    )
    ui.chart_with_table(
        figure,
        buckets,
        "unbilled exposure by age",
        {
            "bucket": "Age (days)",
            **{m: money_column(label, currency) for m, label in charts.EXPOSURE_LABELS.items()},
            "total": money_column("Total", currency),
        },
    )


with left:
    ui.guarded(revenue_vs_target_chart)
with right:
    ui.guarded(exposure_chart)


def risks_table() -> None:
    st.subheader("Ten largest risks")
    risks = data.top_risks(filters, 10)
    if risks.empty:
        ui.empty_state("no project has unbilled, at-risk or loss amounts for the chosen filters")
        return
    risks = risks.assign(link=[f"forecast?project={quote(str(pid), safe='')}" for pid in risks["id"]])
    if not data.tracks_overdue_milestones():
        risks = risks.drop(columns="overdue_milestones")
    ui.table_with_download(
        risks,
        "top risks",
        {
            "id": None,
            "label": "Project",
            "why": "Why it is here",
            "money_at_stake": money_column(
                "Money at stake", currency, help="At-risk + unbilled + expected loss + overdue milestones"
            ),
            "at_risk": money_column("At risk", currency),
            "unbilled": money_column("Unbilled", currency),
            "expected_loss": money_column("Expected loss", currency),
            "overdue_milestones": money_column("Overdue milestones", currency),
            "link": st.column_config.LinkColumn("Forecast", display_text="open"),
        },
    )


ui.guarded(risks_table)
