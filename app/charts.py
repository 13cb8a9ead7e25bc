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

from app import palette
from app.formatting import CURRENCY_SYMBOLS, chart_text, money_compact
from app.palette import COMPONENT_COLORS, COMPONENT_PATTERNS, EXPOSURE_COLORS, EXPOSURE_PATTERNS  # noqa: F401 - pages read the colours here

FONT_SIZE = 14  # axis, legend and label text (Streamlit's plotly theme draws 12 px)
THEMED_LINE = "themed-line"  # meta of a trace whose line takes the theme's foreground colour
THEMED_BAND = "themed-band"

COMPONENT_LABELS = {
    "actual": "Actual",
    "booked_time_and_materials": "Booked T&M",
    "booked_fixed_fee": "Booked fixed fee",
    "milestone": "Milestones",
    "retainer": "Retainers",
    "pipeline": "Pipeline",
    "unplanned": "Unplanned",
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


def month_ticks(months: Iterable[Any], most: int = 13) -> tuple[list[pd.Timestamp], list[str]]:
    """Tick positions and labels for monthly bars: one per month up to `most`, else every n-th counted back
    from the latest, so the latest month always has its label."""
    distinct = sorted({pd.Timestamp(m) for m in months})
    if not distinct:
        return [], []
    step = max(1, -(-len(distinct) // most))
    chosen = distinct[::-1][::step][::-1]
    # Short labels ("Oct", with the year on the first month and each January) never need rotating, so no
    # label is hidden for lack of room.
    return chosen, [f"{m:%b %Y}" if i == 0 or m.month == 1 else f"{m:%b}" for i, m in enumerate(chosen)]


def monthly_axis(fig: go.Figure, months: Iterable[Any] | None = None) -> go.Figure:
    """Month labels under monthly bars (plotly picks fortnightly ticks for a short range and may drop the last)."""
    if months is None:
        months = [x for trace in fig.data for x in (trace.x if trace.x is not None else ())]
    values, labels = month_ticks(months)
    if values:
        fig.update_xaxes(tickmode="array", tickvals=values, ticktext=labels)
    return fig


def apply_theme(fig: go.Figure, dark: bool) -> go.Figure:
    """Text at 14 px in the theme's text colour (WCAG AA on its background), lines and bands that stay
    visible on it; the rest comes from Streamlit's plotly theme."""
    theme = "dark" if dark else "light"
    text = palette.TEXT[theme]
    fig.update_layout(font={"size": FONT_SIZE, "color": text}, legend={"font": {"size": FONT_SIZE, "color": text}})
    fig.update_xaxes(tickfont={"size": FONT_SIZE, "color": text}, gridcolor=palette.GRID[theme])
    fig.update_yaxes(tickfont={"size": FONT_SIZE, "color": text}, gridcolor=palette.GRID[theme])
    for trace in fig.data:
        if trace.meta == THEMED_LINE:
            trace.line.color = palette.LINE[theme]
            if getattr(trace, "marker", None) is not None:
                trace.marker.color = palette.LINE[theme]
        elif trace.meta == THEMED_BAND:
            trace.fillcolor = palette.BAND[theme]
            trace.line.color = palette.BAND_EDGE[theme]
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
            marker={
                "color": COMPONENT_COLORS[component],
                "pattern": {"shape": COMPONENT_PATTERNS.get(component, "")},
            },
            hovertemplate="%{y:,.0f}",
        )
    if quantiles is not None and not quantiles.empty:
        # The band: a translucent blue with dashed edges, unlike any bar (the unplanned bars are hatched grey).
        fig.add_scatter(
            x=quantiles["month"],
            y=quantiles["p90"],
            mode="lines",
            line={"width": 1, "dash": "dash", "color": palette.BAND_EDGE["light"]},
            name="p90",
            showlegend=False,
            meta=THEMED_BAND,
            hovertemplate="p90 %{y:,.0f}",
        )
        fig.add_scatter(
            x=quantiles["month"],
            y=quantiles["p10"],
            mode="lines",
            line={"width": 1, "dash": "dash", "color": palette.BAND_EDGE["light"]},
            fill="tonexty",
            fillcolor=palette.BAND["light"],
            name="p10-p90 range",
            meta=THEMED_BAND,
            hovertemplate="p10 %{y:,.0f}",
        )
        fig.add_scatter(
            x=quantiles["month"],
            y=quantiles["p50"],
            mode="lines+markers",
            name="p50",
            line={"color": palette.LINE["light"], "width": 3},
            marker={"color": palette.LINE["light"], "size": 7},
            meta=THEMED_LINE,
            hovertemplate="p50 %{y:,.0f}",
        )
    fig.update_layout(barmode="stack", title=chart_text(title) if title else "")
    _money_axis(fig, currency)
    monthly_axis(fig, components["month"])
    return _layout(fig)


def stacked_bars(
    frame: pd.DataFrame,
    x: str,
    series: dict[str, str],
    colors: dict[str, str],
    currency: str,
    horizontal: bool = False,
    title: str = "",
    patterns: dict[str, str] | None = None,
) -> go.Figure:
    patterns = EXPOSURE_PATTERNS if patterns is None else patterns
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
                marker={"color": colors.get(column), "pattern": {"shape": patterns.get(column, "")}},
                hovertemplate="%{x:,.0f}",
            )
        else:
            fig.add_bar(
                x=texts(frame[x]),
                y=frame[column],
                name=label,
                marker={"color": colors.get(column), "pattern": {"shape": patterns.get(column, "")}},
                hovertemplate="%{y:,.0f}",
            )
    fig.update_layout(barmode="stack", title=chart_text(title) if title else "")
    _money_axis(fig, currency, "xaxis" if horizontal else "yaxis")
    if horizontal:
        fig.update_layout(yaxis={"autorange": "reversed"}, hovermode="y unified")
    return _layout(fig, height=max(300, 28 * len(frame) + 120) if horizontal else 380)


def grouped_lines(frame: pd.DataFrame, x: str, y: str, group: str, currency: str | None, title: str = "") -> go.Figure:
    """One line per group in its own colour and dash (at most 8 are distinct: callers fold the rest into one)."""
    fig = go.Figure()
    order = list(dict.fromkeys(frame[group]))  # callers sort: largest first, "all other" last
    for index, name in enumerate(order):
        part = frame[frame[group] == name]
        color = palette.SERIES[min(index, len(palette.SERIES) - 1)]
        dash = palette.DASHES[index % len(palette.DASHES)]
        fig.add_scatter(
            x=part[x], y=part[y], mode="lines+markers", name=chart_text(name), line={"color": color, "dash": dash}
        )
    fig.update_layout(title=chart_text(title) if title else "")
    if currency:
        _money_axis(fig, currency)
    if x == "month":
        monthly_axis(fig, frame[x])
    return _layout(fig)


def actual_vs_lines(
    frame: pd.DataFrame, x: str, lines: dict[str, str], currency: str, title: str = "", bars: str | None = None
) -> go.Figure:
    fig = go.Figure()
    if bars:
        fig.add_bar(
            x=frame[x], y=frame[bars], name=lines.get(bars, bars), marker_color=palette.GOOD, hovertemplate="%{y:,.0f}"
        )
    styles = iter([("#e69f00", "solid"), ("#009e73", "dash"), ("#cc79a7", "dot")])
    for column, label in lines.items():
        if column == bars or column not in frame or frame[column].isna().all():
            continue
        color, dash = next(styles, ("#7f7f7f", "dashdot"))
        fig.add_scatter(
            x=frame[x],
            y=frame[column],
            mode="lines+markers",
            name=label,
            line={"color": color, "dash": dash, "width": 3},
            hovertemplate="%{y:,.0f}",
        )
    fig.update_layout(title=chart_text(title) if title else "")
    _money_axis(fig, currency)
    if x == "month":
        monthly_axis(fig, frame[x])
    return _layout(fig)


def bridge_range(start: float, steps: list[float], end: float) -> tuple[float, float]:
    """The y range of a bridge: around the running totals, not from 0, so steps of a few percent of the
    total are visible. 15% of the span of the running totals (at least 2% of the largest) as margin."""
    running = [start]
    for step in steps:
        running.append(running[-1] + step)
    running.append(end)
    low, high = min(running), max(running)
    pad = max((high - low) * 0.15, 0.02 * max(abs(high), abs(low), 1.0))
    return low - pad, high + pad


def bridge(
    start_label: str, start: float, steps: list[tuple[str, float]], end_label: str, end: float, currency: str
) -> go.Figure:
    """Waterfall from one total to another through signed contributions: floating bars, each labelled with
    its signed amount; the axis starts near the smallest running total, not at 0 (said on the axis)."""
    values = [value for _, value in steps]
    labels = [money_compact(start, currency)]
    labels += [("+" if v > 0 else "") + money_compact(v, currency) for v in values]
    labels += [money_compact(end, currency)]
    fig = go.Figure(
        go.Waterfall(
            x=texts([start_label] + [label for label, _ in steps] + [end_label]),
            y=[start, *values, end],
            measure=["absolute"] + ["relative"] * len(steps) + ["total"],
            text=labels,
            textposition="outside",
            increasing={"marker": {"color": palette.GOOD}},
            decreasing={"marker": {"color": palette.BAD}},  # the signed labels say it without colour
            totals={"marker": {"color": palette.NEUTRAL}},
            connector={"line": {"color": "#999999", "dash": "dot"}},
            hovertemplate="%{x}: %{text}<extra></extra>",
            cliponaxis=False,
        )
    )
    _money_axis(fig, currency)
    low, high = bridge_range(start, values, end)
    fig.update_layout(showlegend=False, yaxis={"range": [low, high], "title": "axis does not start at 0"})
    return _layout(fig)


HEATMAP_SPAN = 0.25  # the colour scale runs from 25 points below a row's target to 25 points above


def heatmap(
    frame: pd.DataFrame, x: str, y: str, z: str, targets: dict[str, float] | None = None, title: str = ""
) -> go.Figure:
    """Utilization per row and week, coloured by the distance to the row's own target (orange below, near white
    at target, blue above), the value written in each cell and the target in the row label."""
    targets = targets or {}
    pivot = frame.pivot_table(index=y, columns=x, values=z, aggfunc="first").sort_index(axis=1)
    columns = [c.strftime("%d %b") if hasattr(c, "strftime") else chart_text(c) for c in pivot.columns]
    row_targets = [targets.get(str(row)) for row in pivot.index]
    gap = pivot.values - [[t if t is not None else float("nan")] for t in row_targets]
    row_labels = [
        chart_text(row) + (f" · target {t:.0%}" if t is not None else "")
        for row, t in zip(pivot.index, row_targets, strict=True)
    ]
    fig = go.Figure(
        go.Heatmap(
            z=gap,
            x=columns,
            y=row_labels,
            customdata=pivot.values,
            zmin=-HEATMAP_SPAN,
            zmax=HEATMAP_SPAN,
            zmid=0,
            colorscale=palette.DIVERGING,
            text=[[f"{v:.0%}" if v == v else "" for v in row] for row in pivot.values],
            texttemplate="%{text}",
            textfont={"color": palette.HEATMAP_TEXT, "size": 13},
            hovertemplate="%{y}, week of %{x}: %{customdata:.1%} (%{z:+.1%} vs target)<extra></extra>",
            colorbar={"tickformat": "+.0%", "title": {"text": "vs target"}},
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
        color = palette.GOOD if method == highlight else next(greys)
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
        marker_color=palette.GOOD,
        hovertemplate="%{y:,.0f} h",
    )
    fig.add_scatter(
        x=frame["week"],
        y=frame["capacity"],
        mode="lines+markers",
        name="Capacity",
        line={"color": palette.LINE["light"], "width": 3},
        meta=THEMED_LINE,
        hovertemplate="%{y:,.0f} h",
    )
    fig.update_layout(yaxis={"title": "Hours", "tickformat": ",.0f"})
    return _layout(fig)


# Two runs in one chart (Scenarios page): A is drawn like every forecast (the themed p50 line and blue band),
# B in Okabe-Ito reddish purple, dashed, with a band of its own colour and dotted edges (3.0:1 on the light and
# 6.2:1 on the dark background), so the two read apart without colour too.
SCENARIO_B = palette.OKABE_ITO[3]
SCENARIO_B_BAND = "rgba(204,121,167,0.22)"


def _band(fig: go.Figure, x: Any, low: Any, high: Any, name: str, color: str | None, fill: str | None) -> None:
    """A p10-p90 band: the p90 edge, then the p10 edge filled up to it (themed when `color` is None)."""
    edge = {"width": 1, "dash": "dash" if color is None else "dot", "color": color or palette.BAND_EDGE["light"]}
    meta = THEMED_BAND if color is None else None
    fig.add_scatter(
        x=x, y=high, mode="lines", line=edge, name=name, showlegend=False, meta=meta, hovertemplate="p90 %{y:,.0f}"
    )
    fig.add_scatter(
        x=x,
        y=low,
        mode="lines",
        line=edge,
        fill="tonexty",
        fillcolor=fill or palette.BAND["light"],
        name=name,
        meta=meta,
        hovertemplate="p10 %{y:,.0f}",
    )


def scenario_levels(frame: pd.DataFrame, a_label: str, b_label: str, currency: str, title: str = "") -> go.Figure:
    """Two runs by month: each one's p50 line and p10-p90 band (columns month, a_p10, a_p50, a_p90, b_p10,
    b_p50, b_p90)."""
    fig = go.Figure()
    a, b = chart_text(a_label), chart_text(b_label)
    _band(fig, frame["month"], frame["a_p10"], frame["a_p90"], f"{a} p10-p90", None, None)
    _band(fig, frame["month"], frame["b_p10"], frame["b_p90"], f"{b} p10-p90", SCENARIO_B, SCENARIO_B_BAND)
    # the lines over both bands
    fig.add_scatter(
        x=frame["month"],
        y=frame["a_p50"],
        mode="lines+markers",
        name=f"{a} p50",
        line={"color": palette.LINE["light"], "width": 3},
        marker={"color": palette.LINE["light"], "size": 7},
        meta=THEMED_LINE,
        hovertemplate="p50 %{y:,.0f}",
    )
    fig.add_scatter(
        x=frame["month"],
        y=frame["b_p50"],
        mode="lines+markers",
        name=f"{b} p50",
        line={"color": SCENARIO_B, "width": 3, "dash": "dash"},
        marker={"color": SCENARIO_B, "size": 8, "symbol": "diamond"},
        hovertemplate="p50 %{y:,.0f}",
    )
    fig.update_layout(title=chart_text(title) if title else "")
    _money_axis(fig, currency)
    monthly_axis(fig, frame["month"])
    return _layout(fig)


def scenario_delta(frame: pd.DataFrame, currency: str, title: str = "", band_label: str = "") -> go.Figure:
    """B minus A by month: the mean difference as the themed line (signed hover) over a marked zero line and,
    when delta_p10/delta_p90 are there (paired draws), their band (columns month, delta_mean, delta_p10,
    delta_p90)."""
    fig = go.Figure()
    if "delta_p10" in frame and frame["delta_p10"].notna().any():
        _band(
            fig, frame["month"], frame["delta_p10"], frame["delta_p90"], chart_text(band_label or "p10-p90"), None, None
        )
    fig.add_scatter(
        x=frame["month"],
        y=frame["delta_mean"],
        mode="lines+markers",
        name="B - A (mean)",
        line={"color": palette.LINE["light"], "width": 3},
        marker={"color": palette.LINE["light"], "size": 7},
        meta=THEMED_LINE,
        hovertemplate="%{y:+,.0f}",
    )
    fig.update_layout(title=chart_text(title) if title else "", yaxis={"zeroline": True, "zerolinewidth": 2})
    _money_axis(fig, currency)
    monthly_axis(fig, frame["month"])
    return _layout(fig)


APPROVAL_STYLES = {  # approval status -> (label, colour, pattern): meaning never by colour alone
    "approved": ("Approved", palette.OKABE_ITO[0], ""),
    "submitted": ("Submitted", palette.OKABE_ITO[1], "/"),
    "draft": ("Draft", palette.OKABE_ITO[4], "."),
    "rejected": ("Rejected", palette.OKABE_ITO[5], "x"),
}


def hours_against_plan(frame: pd.DataFrame, title: str = "") -> go.Figure:
    """Hours worked per month stacked by approval status (`<status>_hours` columns), with the hours the
    resource plan puts in each month as a line (`planned_hours`)."""
    fig = go.Figure()
    for status, (label, color, pattern) in APPROVAL_STYLES.items():
        column = f"{status}_hours"
        if column in frame and frame[column].abs().sum() > 0:
            fig.add_bar(
                x=frame["month"],
                y=frame[column],
                name=label,
                marker={"color": color, "pattern": {"shape": pattern}},
                hovertemplate="%{y:,.1f} h",
            )
    others = [c for c in frame.columns if c.endswith("_hours") and c.removesuffix("_hours") not in APPROVAL_STYLES]
    for column in others:
        if column != "planned_hours" and frame[column].abs().sum() > 0:
            fig.add_bar(x=frame["month"], y=frame[column], name=chart_text(column.removesuffix("_hours")))
    if "planned_hours" in frame and frame["planned_hours"].abs().sum() > 0:
        fig.add_scatter(
            x=frame["month"],
            y=frame["planned_hours"],
            mode="lines+markers",
            name="Planned (current plan)",
            line={"dash": "dash", "width": 3},
            meta=THEMED_LINE,
            hovertemplate="%{y:,.1f} h",
        )
    fig.update_layout(barmode="stack", title=chart_text(title) if title else "", yaxis={"ticksuffix": " h"})
    monthly_axis(fig, frame["month"])
    return _layout(fig)
