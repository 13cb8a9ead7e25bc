"""The Overview page's tiles: each the headline figure of one question (revenue and margin against
target and last year, the outlook, unbilled, overdue receivables, time with no rate, unposted
approved time, utilization) for the page's filters, with the rows behind it one click away."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import streamlit as st

from app import data, drill_view, reconciliation_data
from app.data import Filters
from app.formatting import days, hours, money, percent, points


def change(value: float, base: float | None, what: str) -> str | None:
    """'+4.2% vs target'; None without a base to compare with."""
    return f"{(value - base) / base:+.1%} vs {what}" if base else None


class OverviewTiles:
    """The tiles for one set of filters, in one reporting currency."""

    def __init__(self, filters: Filters, currency: str) -> None:
        self.filters, self.currency = filters, currency

    def tile(self, label: str, render: Callable[[], None], grain: str = "projects") -> None:
        """A tile; when the filters match nothing of what it counts (projects, people, forecast rows) it says so
        instead of showing $0."""
        with st.container(border=True):
            try:
                if not data.has_rows(self.filters, grain):
                    st.metric(label, "—")
                    st.caption("No data for this combination of filters.")
                    return
                render()
            except data.DataUnavailable as exc:
                st.metric(label, "—")
                st.caption(f"Not available: {exc}.")

    def revenue_tile(self, as_of: dt.date, period: data.Period, label: str) -> None:
        figures = data.period_figures(self.filters, as_of, period)
        actual, target = figures["revenue"], figures["target"]
        st.metric(
            label,
            money(actual, self.currency),
            delta=change(actual, target, "target"),
            help=f"Earned revenue from {figures['start']:%d %b} to the as-of date, reporting currency. Target and last "
            "year cover the same days (the as-of month prorated by the days elapsed).",
        )
        parts = []
        if target:
            parts.append(f"Target {money(target, self.currency)}")
        elif figures["target_ignored"]:
            parts.append("Targets are set by practice and region only, so there is none for this filter")
        if figures["last_year_revenue"]:
            last_year = figures["last_year_revenue"]
            parts.append(f"{change(actual, last_year, 'last year')} ({money(last_year, self.currency)})")
        st.caption(" · ".join(parts) if parts else "No revenue target in the warehouse for this period.")
        drill_view.drill_button(f"revenue_{period}", "projects")

    def margin_tile(self, as_of: dt.date) -> None:
        figures = data.period_figures(self.filters, as_of, "ytd")
        revenue, margin = figures["revenue"], figures["margin"]
        share = margin / revenue if revenue else None
        last_revenue, last_margin = figures["last_year_revenue"], figures["last_year_margin"]
        last_share = last_margin / last_revenue if last_revenue and last_margin is not None else None
        st.metric(
            "Margin year to date",
            money(margin, self.currency),
            delta=f"{points(share - last_share)} margin vs last year"
            if share is not None and last_share is not None
            else None,
            delta_color="normal" if share is None or last_share is None or round(share - last_share, 3) else "off",
            help="Earned revenue minus cost (and loss provisions on fixed-fee loss contracts), 1 January to the "
            "as-of date.",
        )
        st.caption(
            f"Margin {percent(share)} of revenue"
            + (f" · last year {percent(last_share)}" if last_share is not None else "")
        )
        drill_view.drill_button("revenue_ytd_margin", "projects")

    def outlook_tile(self, year: int) -> None:
        if not self.filters.run_id:
            raise data.DataUnavailable("no forecast run yet (run `wipcast forecast`)")
        outlook = data.full_year_outlook(self.filters, self.filters.run_id, year)
        headline = outlook["p50"] if outlook["p50"] is not None else outlook["mean"]
        target_frame, ignored = data.target_monthly(self.filters, dt.date(year, 1, 1), dt.date(year, 12, 1))
        target = float(target_frame["target"].sum()) if not ignored and not target_frame.empty else None
        st.metric(
            f"Full-year {year} outlook (p50)" if outlook["p50"] is not None else f"Full-year {year} outlook (mean)",
            money(headline, self.currency),
            delta=f"{(headline - target) / target:+.1%} vs full-year target" if target else None,
            help="Actual revenue of the closed months plus the forecast of the rest of the year. "
            "p50 and the p10-p90 range come from the simulation draws summed at this filter.",
        )
        if outlook["p10"] is not None:
            st.caption(
                f"80% range {money(outlook['p10'], self.currency)} – {money(outlook['p90'], self.currency)}"
                + (f" · target {money(target, self.currency)}" if target else "")
            )
        else:
            st.caption(f"Range not available: {outlook['range_note']}." if outlook["range_note"] else "")
        st.page_link(
            "app_pages/forecast.py",
            label="Forecast by month",
            icon=":material/trending_up:",
            query_params=drill_view.view_params(),
        )

    def unbilled_tile(self) -> None:
        buckets = data.unbilled_by(self.filters)
        total = float(buckets["total"].sum()) if not buckets.empty else 0.0
        over_90 = float(buckets.loc[buckets["bucket"] == "over 90", "total"].sum()) if not buckets.empty else 0.0
        at_risk = float(buckets["at_risk"].sum()) if not buckets.empty else 0.0
        st.metric(
            "Unbilled exposure",
            money(total, self.currency),
            help="Approved-unbilled and pending time on T&M projects, at-risk time, and contract assets "
            "(earned, not yet billed) on the other billing types.",
        )
        st.caption(f"Over 90 days {money(over_90, self.currency)} · at risk {money(at_risk, self.currency)}")
        drill_view.drill_button("unbilled", "projects")

    def dso_text(self) -> str:
        """'DSO 54 days (Oct 2026, -9 on a year before)': firm level, the mart is not broken down by the filters."""
        try:
            frame, _ = data.dso_trend(self.filters)
        except data.DataUnavailable:
            return ""
        if frame.empty:
            return ""
        latest = frame.iloc[-1]
        earlier = frame.iloc[-13] if len(frame) >= 13 else None
        change_text = "" if earlier is None else f", {latest['dso'] - earlier['dso']:+.0f} on a year before"
        firm = " for the whole firm" if self.filters.any_dimension else ""
        return f"DSO {days(latest['dso'])}{firm} ({latest['month']:%b %Y}{change_text})"

    def overdue_tile(self) -> None:
        invoices = data.receivable_rows(self.filters)
        total = float(invoices["open_amount"].sum())
        over_90 = float(invoices.loc[invoices["days_past_due"] > 90, "open_amount"].sum())
        st.metric(
            "Receivables > 90 days past due",
            money(over_90, self.currency),
            help="Open amounts of invoices more than 90 days past their due date, reporting currency. DSO: "
            "receivables at month end / trailing 3-month billings × 91, for the whole firm.",
        )
        share = percent(over_90 / total if total else None)
        st.caption(" · ".join(p for p in (f"{share} of {money(total, self.currency)} open", self.dso_text()) if p))
        drill_view.drill_button("receivables_over_90", "invoices")
        st.page_link(
            "app_pages/unbilled.py",
            label="Receivables and DSO",
            icon=":material/receipt_long:",
            query_params=drill_view.view_params(),
        )

    def no_rate_tile(self) -> None:
        value = data.unbilled_hours_without_rate(self.filters)
        st.metric(
            "Billable time with no bill rate",
            hours(value),
            help="Billable hours no rate card or project rate prices: at risk, and counted in hours because no value "
            "can be put on them. Fix the rate cards, then rebuild.",
        )
        st.caption("At risk until a rate is set")
        drill_view.drill_button("no_rate", "time entries")

    def reconciliation_tile(self) -> None:
        head = reconciliation_data.headline(self.filters)
        st.metric(
            "Approved time not posted",
            money(head["unposted_value"], self.currency),
            help="Approved billable or cost-bearing time past its posting due date that the ERP has not received "
            "(marts.mart_unposted_approved_time).",
        )
        st.caption(f"{head['old_exceptions']:,.0f} open exception(s) older than 30 days")
        st.page_link("app_pages/reconciliation.py", label="Open Reconciliation", icon=":material/rule:")

    def utilization_tile(self, as_of: dt.date) -> None:
        start, end = data.last_complete_weeks(as_of, 4)
        summary, ignored = data.utilization_summary(self.filters, start, end)
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
            st.caption(
                f"Target {percent(summary['target'])} · {summary['billable']:,.0f} of {summary['capacity']:,.0f} h"
            )
        if ignored:
            st.caption("Customer filter not applied: utilization is per person.")
        drill_view.drill_button("utilization", "people")
