"""Plotly figures. Each takes a tidy frame from app.data and returns a figure; no data access here.

Plotly reads HTML tags in every text it draws, so each text from the data (category values on an axis,
trace names, titles) goes through formatting.chart_text here; the frames themselves (the Table tab and its
CSV) keep the raw values.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from app.formatting import CURRENCY_SYMBOLS, chart_text

COMPONENT_COLORS = {
    "actual": "#1f3b73",
    "booked_time_and_materials": "#2f6fb5",
    "booked_fixed_fee": "#5b9bd5",
    "milestone": "#8fbce6",
    "retainer": "#b7d4ef",
    "pipeline": "#f2a541",
    "unplanned": "#c9c9c9",
}
COMPONENT_LABELS = {
    "actual": "Actual",
    "booked_time_and_materials": "Booked T&M",
    "booked_fixed_fee": "Booked fixed fee",
    "milestone": "Milestones",
    "retainer": "Retainers",
    "pipeline": "Pipeline",
    "unplanned": "Unplanned",
}
EXPOSURE_COLORS = {
    "approved_unbilled": "#2f6fb5",
    "pending_approval": "#8fbce6",
    "at_risk": "#d9534f",
    "contract_asset": "#5cb85c",
}
EXPOSURE_LABELS = {
    "approved_unbilled": "Approved, unbilled",
    "pending_approval": "Pending approval",
    "at_risk": "At risk",
    "contract_asset": "Contract asset (fixed fee etc.)",
}


def texts(values: Iterable[Any]) -> list[Any]:
    """Text categories made inert for Plotly; numbers, dates and missing values pass through unchanged."""
    return [chart_text(v) if isinstance(v, str) else v for v in values]


def _money_axis(fig: go.Figure, currency: str, axis: str = "yaxis") -> None:
    prefix = CURRENCY_SYMBOLS.get(currency, currency + " ")
    fig.update_layout(**{axis: {"tickprefix": prefix, "tickformat": ",.3~s", "separatethousands": True}})


def monthly_axis(fig: go.Figure) -> go.Figure:
    """Month ticks on a monthly x axis (plotly would otherwise pick weekly ticks for a short range)."""
    fig.update_xaxes(dtick="M1", tickformat="%b %Y")
    return fig


def _layout(fig: go.Figure, height: int = 380) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": -0.15},
        hovermode="x unified",
    )  # colours and fonts come from Streamlit's plotly theme
    return fig


def fan_chart(components: pd.DataFrame, quantiles: pd.DataFrame | None, currency: str, title: str = "") -> go.Figure:
    """Stacked monthly components with the p10-p90 band and p50 line of the summed draws on top."""
    fig = go.Figure()
    for component in COMPONENT_COLORS:
        part = components[components["component"] == component]
        if part.empty:
            continue
        fig.add_bar(
            x=part["month"],
            y=part["mean"],
            name=COMPONENT_LABELS[component],
            marker_color=COMPONENT_COLORS[component],
            hovertemplate="%{y:,.0f}",
        )
    if quantiles is not None and not quantiles.empty:
        fig.add_scatter(
            x=quantiles["month"],
            y=quantiles["p90"],
            mode="lines",
            line={"width": 0},
            name="p90",
            showlegend=False,
            hovertemplate="p90 %{y:,.0f}",
        )
        fig.add_scatter(
            x=quantiles["month"],
            y=quantiles["p10"],
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor="rgba(31,59,115,0.15)",
            name="p10-p90 range",
            hovertemplate="p10 %{y:,.0f}",
        )
        fig.add_scatter(
            x=quantiles["month"],
            y=quantiles["p50"],
            mode="lines+markers",
            name="p50",
            line={"color": "#111111", "width": 2},
            hovertemplate="p50 %{y:,.0f}",
        )
    fig.update_layout(barmode="stack", title=chart_text(title) if title else "")
    _money_axis(fig, currency)
    return _layout(fig)


def stacked_bars(
    frame: pd.DataFrame,
    x: str,
    series: dict[str, str],
    colors: dict[str, str],
    currency: str,
    horizontal: bool = False,
    title: str = "",
) -> go.Figure:
    fig = go.Figure()
    for column, label in series.items():
        if column not in frame:
            continue
        if horizontal:
            fig.add_bar(
                y=texts(frame[x]),
                x=frame[column],
                name=label,
                orientation="h",
                marker_color=colors.get(column),
                hovertemplate="%{x:,.0f}",
            )
        else:
            fig.add_bar(
                x=texts(frame[x]),
                y=frame[column],
                name=label,
                marker_color=colors.get(column),
                hovertemplate="%{y:,.0f}",
            )
    fig.update_layout(barmode="stack", title=chart_text(title) if title else "")
    _money_axis(fig, currency, "xaxis" if horizontal else "yaxis")
    if horizontal:
        fig.update_layout(yaxis={"autorange": "reversed"}, hovermode="y unified")
    return _layout(fig, height=max(300, 28 * len(frame) + 120) if horizontal else 380)


def grouped_lines(frame: pd.DataFrame, x: str, y: str, group: str, currency: str | None, title: str = "") -> go.Figure:
    fig = go.Figure()
    for name, part in frame.groupby(group, sort=True):
        fig.add_scatter(x=part[x], y=part[y], mode="lines+markers", name=chart_text(name))
    fig.update_layout(title=chart_text(title) if title else "")
    if currency:
        _money_axis(fig, currency)
    return _layout(fig)


def actual_vs_lines(
    frame: pd.DataFrame, x: str, lines: dict[str, str], currency: str, title: str = "", bars: str | None = None
) -> go.Figure:
    fig = go.Figure()
    if bars:
        fig.add_bar(
            x=frame[x], y=frame[bars], name=lines.get(bars, bars), marker_color="#2f6fb5", hovertemplate="%{y:,.0f}"
        )
    for column, label in lines.items():
        if column == bars or column not in frame:
            continue
        fig.add_scatter(x=frame[x], y=frame[column], mode="lines+markers", name=label, hovertemplate="%{y:,.0f}")
    fig.update_layout(title=chart_text(title) if title else "")
    _money_axis(fig, currency)
    if x == "month" and len(frame) <= 12:
        monthly_axis(fig)
    return _layout(fig)


def bridge(
    start_label: str, start: float, steps: list[tuple[str, float]], end_label: str, end: float, currency: str
) -> go.Figure:
    """Waterfall from one total to another through signed contributions."""
    fig = go.Figure(
        go.Waterfall(
            x=texts([start_label] + [label for label, _ in steps] + [end_label]),
            y=[start] + [value for _, value in steps] + [end],
            measure=["absolute"] + ["relative"] * len(steps) + ["total"],
            increasing={"marker": {"color": "#5cb85c"}},
            decreasing={"marker": {"color": "#d9534f"}},
            totals={"marker": {"color": "#1f3b73"}},
            connector={"line": {"color": "#999999"}},
            hovertemplate="%{y:,.0f}",
        )
    )
    _money_axis(fig, currency)
    fig.update_layout(showlegend=False)
    return _layout(fig)


def heatmap(
    frame: pd.DataFrame, x: str, y: str, z: str, title: str = "", zmax: float = 1.2, zmid: float | None = None
) -> go.Figure:
    """Red below `zmid` (the utilization target when known), green above it."""
    pivot = frame.pivot_table(index=y, columns=x, values=z, aggfunc="first").sort_index(axis=1)
    columns = [c.strftime("%d %b") if hasattr(c, "strftime") else chart_text(c) for c in pivot.columns]
    fig = go.Figure(
        go.Heatmap(
            z=pivot.values,
            x=columns,
            y=texts(pivot.index),
            zmin=0,
            zmax=zmax,
            zmid=zmid,
            colorscale="RdYlGn",
            texttemplate="%{z:.0%}",
            hovertemplate="%{y} week of %{x}: %{z:.1%}<extra></extra>",
            colorbar={"tickformat": ".0%"},
        )
    )
    fig.update_layout(title=chart_text(title) if title else "", hovermode="closest")
    return _layout(fig, height=max(260, 45 * len(pivot.index) + 120))


BASELINE_GREYS = ["#9e9e9e", "#bdbdbd", "#d6d6d6", "#7f7f7f", "#e0e0e0"]


def metric_by_horizon(
    frame: pd.DataFrame, metric_label: str, percent_axis: bool = True, highlight: str | None = None
) -> go.Figure:
    """Grouped bars by horizon, our method in the brand colour and the baselines in greys."""
    fig = go.Figure()
    greys = iter(BASELINE_GREYS * 3)
    for method, part in frame.groupby("method", sort=True):
        color = "#1f3b73" if method == highlight else next(greys)
        fig.add_bar(
            x=part["horizon"].astype(int).astype(str) + " mo",
            y=part["value"],
            name=chart_text(method),
            marker_color=color,
        )
    fig.update_layout(
        barmode="group",
        yaxis={"tickformat": ".0%" if percent_axis else ",.2f", "title": chart_text(metric_label)},
        xaxis={"title": "Horizon"},
    )
    return _layout(fig)


def calibration(frame: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    fig.add_scatter(
        x=[0, 1], y=[0, 1], mode="lines", name="Perfect calibration", line={"dash": "dot", "color": "#999999"}
    )
    for source, part in frame.groupby("source", sort=True):
        fig.add_scatter(x=part["predicted"], y=part["observed"], mode="lines+markers", name=chart_text(source))
    fig.update_layout(
        xaxis={"title": "Predicted win probability", "tickformat": ".0%", "range": [0, 1]},
        yaxis={"title": "Observed win rate", "tickformat": ".0%", "range": [0, 1]},
        hovermode="closest",
    )
    return _layout(fig)


def capacity_vs_demand(frame: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    fig.add_bar(
        x=frame["week"],
        y=frame["planned"],
        name="Planned (demand)",
        marker_color="#2f6fb5",
        hovertemplate="%{y:,.0f} h",
    )
    fig.add_scatter(
        x=frame["week"],
        y=frame["capacity"],
        mode="lines+markers",
        name="Capacity",
        line={"color": "#111111"},
        hovertemplate="%{y:,.0f} h",
    )
    fig.update_layout(yaxis={"title": "Hours", "tickformat": ",.0f"})
    return _layout(fig)
