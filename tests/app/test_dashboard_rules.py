"""The dashboard's plain rules, without a browser or a warehouse: labels that never merge two projects, the
view in the URL, run labels, colour and contrast choices, the bridge's axis, month ticks, the heat map's centre.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
import pytest

from app import charts, palette
from app.drill_view import selected_categories, selected_rows
from app.filters import run_label
from app.formatting import error_ratio_change
from app.queries.labels import disambiguate
from app.queries.overview import period_start, prorated_sum
from app.queries.scope import Filters
from app.url_state import filters_from_params, filters_to_params, query_string


def test_a_name_two_ids_share_gets_the_id_and_unique_names_stay_as_they_are():
    labels = disambiguate(
        {"P1": "Lumen Analytics Programme", "P2": "lumen  analytics programme", "P3": "Atlas", "P4": None}
    )
    assert labels == {
        "P1": "Lumen Analytics Programme (P1)",
        "P2": "lumen  analytics programme (P2)",  # same name but for case and spaces: still a collision
        "P3": "Atlas",
        "P4": "P4",  # no name: the id
    }
    assert len(set(labels.values())) == len(labels)


def test_filters_round_trip_through_the_query_string():
    chosen = Filters(run_id="run-202610", practices=("Data", "Cloud"), entities=("E1",), regions=(), customers=())
    params = filters_to_params(chosen)
    assert params == {"run": ["run-202610"], "entity": ["E1"], "practice": ["Data", "Cloud"]}
    assert filters_from_params(params) == chosen
    assert query_string(params) == "run=run-202610&entity=E1&practice=Data&practice=Cloud"


def test_reading_the_query_string_is_tolerant():
    restored = filters_from_params({"practice": ["Data", "Data", ""], "region": [], "bogus": ["x"], "run": []})
    assert restored == Filters(practices=("Data",))
    assert filters_to_params(Filters()) == {}


def test_a_backtest_run_is_labelled_with_its_origin_month_not_the_end_of_its_id():
    assert run_label(dt.date(2026, 7, 31), "backtest", "20261101T060000-ab12cd@2026-07") == (
        "31 Jul 2026 · backtest · 2026-07"
    )
    assert run_label(dt.date(2026, 10, 31), "forecast", "20261101T060000-ab12cd") == "31 Oct 2026 · forecast · ab12cd"
    assert run_label(dt.date(2026, 10, 31), None, "run-202610") == "31 Oct 2026 · 202610"


def test_contrast_ratio_matches_wcag_worked_values():
    assert palette.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert palette.contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    # #767676 is the lightest grey with 4.5:1 on white (WebAIM's contrast checker: 4.54).
    assert palette.contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_text_and_the_p50_line_read_on_both_themes(theme):
    back = palette.background(theme)
    assert palette.contrast_ratio(palette.TEXT[theme], back) >= 4.5  # WCAG AA for text
    assert palette.contrast_ratio(palette.LINE[theme], back) >= 3.0  # graphics
    assert palette.contrast_ratio(palette.BAND_EDGE[theme], back) >= 3.0


def _rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))


def test_component_colours_are_distinct_and_visible_on_both_backgrounds():
    colors = list(palette.COMPONENT_COLORS.values())
    assert len(set(colors)) == len(colors)
    for i, a in enumerate(colors):
        for b in colors[i + 1 :]:
            distance = sum((x - y) ** 2 for x, y in zip(_rgb(a), _rgb(b), strict=True)) ** 0.5
            assert distance > 60, (a, b)  # the old four blues were 30-50 apart
        for back in (palette.LIGHT_BACKGROUND, palette.DARK_BACKGROUND):
            assert palette.contrast_ratio(a, back) >= 2.0, (a, back)
    # The uncertain components are hatched, so they read as such without colour.
    assert set(palette.COMPONENT_PATTERNS) == {"pipeline", "unplanned"}


def test_the_band_is_not_the_grey_of_the_unplanned_bars():
    fig = charts.fan_chart(
        pd.DataFrame(
            {"month": [pd.Timestamp("2026-11-01")] * 2, "component": ["unplanned", "pipeline"], "mean": [1, 2]}
        ),
        pd.DataFrame({"month": [pd.Timestamp("2026-11-01")], "p10": [1.0], "p50": [2.0], "p90": [3.0]}),
        "USD",
    )
    band = next(t for t in fig.data if t.name == "p10-p90 range")
    unplanned = next(t for t in fig.data if t.name == "Unplanned")
    assert band.fillcolor != unplanned.marker.color
    assert unplanned.marker.pattern.shape == "x"
    charts.apply_theme(fig, dark=True)
    p50 = next(t for t in fig.data if t.name == "p50")
    assert p50.line.color == palette.LINE["dark"]
    assert band.fillcolor == palette.BAND["dark"]
    assert fig.layout.font.size >= 13 and fig.layout.xaxis.tickfont.size >= 13


def test_good_is_blue_and_bad_is_not():
    r, g, b = _rgb(palette.GOOD)
    assert b > r and b > g
    r, g, b = _rgb(palette.BAD)
    assert r > b


def test_a_smaller_error_than_the_baseline_reads_as_a_decrease():
    # 0.057 / 0.100 = 0.57: 43% less error. A leading "-" with inverse colours is green in st.metric.
    assert error_ratio_change(0.057, 0.100) == "-43% error vs best baseline (0.57×)"
    assert error_ratio_change(0.12, 0.10) == "+20% error vs best baseline (1.20×)"
    assert error_ratio_change(None, 0.1) is None


def test_the_bridge_axis_frames_the_running_totals_not_zero():
    # Forecast 1,000 + 100 - 300 = 800 actual. Running totals 1,000, 1,100, 800, 800: span 300,
    # margin 15% of it = 45 (more than 2% of 1,100 = 22): range 755 to 1,145.
    assert charts.bridge_range(1000, [100, -300], 800) == pytest.approx((755, 1145))
    fig = charts.bridge("Forecast", 1000, [("T&M", 100), ("Pipeline", -300)], "Actual", 800, "USD")
    assert fig.layout.yaxis.range[0] > 0
    assert list(fig.data[0].text) == ["$1.00K", "+$100", "-$300", "$800"]  # signed: meaning not by colour alone


def test_monthly_ticks_label_every_month_or_every_second_ending_with_the_latest():
    three = pd.date_range("2026-08-01", periods=3, freq="MS")
    values, labels = charts.month_ticks(three)
    assert labels == ["Aug 2026", "Sep", "Oct"]
    eighteen = pd.date_range("2025-06-01", periods=18, freq="MS")  # Jun 2025 to Nov 2026
    values, labels = charts.month_ticks(eighteen)
    # Every second month counted back from the latest: Nov 2026, Sep, ..., Jul 2025 (9 labels).
    assert values[-1] == pd.Timestamp("2026-11-01") and len(labels) == 9
    assert labels[0] == "Jul 2025" and labels[-1] == "Nov" and "Jan 2026" in labels


def test_the_heat_map_is_centred_on_each_rows_target_and_names_it():
    frame = pd.DataFrame(
        {
            "week": [pd.Timestamp("2026-10-05")] * 2,
            "practice": ["Cloud", "Data"],
            "utilization": [0.68, 0.80],
        }
    )
    fig = charts.heatmap(frame, "week", "practice", "utilization", targets={"Cloud": 0.76, "Data": 0.70})
    z = [round(row[0], 4) for row in fig.data[0].z]
    assert z == [-0.08, 0.10]  # 68% against 76% is below target; 80% against 70% is above
    assert list(fig.data[0].y) == ["Cloud · target 76%", "Data · target 70%"]
    assert fig.data[0].zmid == 0


def test_quarter_and_year_start_and_the_prorated_as_of_month():
    assert period_start(dt.date(2026, 10, 31), "qtd") == dt.date(2026, 10, 1)
    assert period_start(dt.date(2026, 2, 15), "qtd") == dt.date(2026, 1, 1)
    assert period_start(dt.date(2026, 8, 9), "ytd") == dt.date(2026, 1, 1)
    months = pd.DataFrame({"month": pd.to_datetime(["2025-09-01", "2025-10-01"]), "earned": [300.0, 310.0]})
    # September counts whole, October for 15/31 of itself: 300 + 310 x 15/31 = 300 + 150 = 450.
    assert prorated_sum(months, "earned", dt.date(2025, 10, 1), 15 / 31) == pytest.approx(450.0)


def test_selections_are_read_from_streamlit_events():
    event = {"selection": {"points": [{"x": "31-60", "y": 5}, {"x": "31-60", "y": 7}, {"x": "over 90"}], "rows": []}}
    assert selected_categories(event, "x") == ["31-60", "over 90"]
    assert selected_categories(None, "x") == []
    assert selected_rows({"selection": {"rows": [2, 0]}}) == [2, 0]
    assert selected_rows(go.Figure()) == []
