"""Win-probability reliability bins: the pure binning on hand-built pairs, and what a backtest stores."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from forecasting import run_backtest
from forecasting.scoring import calibration_bins

# (won, calibrated, crm); the CRM probability of the last deal is missing and must not be counted.
PAIRS = pl.DataFrame(
    [
        (1, 0.05, 0.10),
        (0, 0.15, 0.10),
        (1, 0.12, 0.50),
        (0, 0.55, 0.50),
        (1, 0.58, 0.90),
        (1, 1.00, 0.95),
        (0, 0.30, 0.30),
        (0, 0.95, None),
    ],
    schema={"won": pl.Int8, "calibrated": pl.Float64, "crm": pl.Float64},
    orient="row",
)

# Worked by hand: bin i holds [i/10, (i+1)/10), 0.30 sits in bin 3 (lower edge inclusive), 1.00 in bin 9.
EXPECTED = {
    ("calibrated", 0): (0.05, 1.0, 1),
    ("calibrated", 1): ((0.15 + 0.12) / 2, 0.5, 2),
    ("calibrated", 3): (0.30, 0.0, 1),
    ("calibrated", 5): ((0.55 + 0.58) / 2, 0.5, 2),
    ("calibrated", 9): ((1.00 + 0.95) / 2, 0.5, 2),
    ("crm", 1): (0.10, 0.5, 2),
    ("crm", 3): (0.30, 0.0, 1),
    ("crm", 5): (0.50, 0.5, 2),
    ("crm", 9): ((0.90 + 0.95) / 2, 1.0, 2),
}


def test_bins_hold_mean_prediction_share_won_and_count():
    out = calibration_bins(PAIRS)
    assert out.columns == ["source", "bin", "predicted", "observed", "n"]
    got = {(s, b): (p, o, n) for s, b, p, o, n in out.iter_rows()}
    assert set(got) == set(EXPECTED)  # empty bins have no row
    for key, (predicted, observed, n) in EXPECTED.items():
        assert got[key][0] == pytest.approx(predicted), key
        assert got[key][1] == pytest.approx(observed), key
        assert got[key][2] == n, key


def test_no_pairs_give_no_bins():
    assert calibration_bins(PAIRS.clear()).height == 0


def test_backtest_stores_bins_for_both_sources_over_the_brier_population(synth_settings):
    run_backtest(synth_settings, "bt-cal", "2025-10", "2025-11", horizon=3, draws=100, seed=3)
    con = duckdb.connect(str(synth_settings.work_db), read_only=True)
    try:
        types = dict(
            con.execute("""select column_name, data_type from information_schema.columns
                           where table_schema = 'forecast'
                             and table_name = 'win_probability_calibration'""").fetchall()
        )
        bins = con.execute("""select source, bin, predicted, observed, n from forecast.win_probability_calibration
                              where run_id = 'bt-cal' order by source, bin""").fetchall()
        brier_n = dict(
            con.execute("""select method, n_points from forecast.backtest_metrics
                                      where run_id = 'bt-cal' and metric = 'brier'""").fetchall()
        )
    finally:
        con.close()
    assert types == {
        "run_id": "VARCHAR",
        "source": "VARCHAR",
        "bin": "INTEGER",
        "predicted": "DOUBLE",
        "observed": "DOUBLE",
        "n": "INTEGER",
    }
    assert {b[0] for b in bins} == {"calibrated", "crm"}
    for source, method in (("calibrated", "wipcast"), ("crm", "crm")):
        assert brier_n[method] > 0
        # Every opportunity scored at every origin lands in exactly one bin of each source.
        assert sum(n for s, _, _, _, n in bins if s == source) == brier_n[method]
    for _, b, predicted, observed, n in bins:
        assert 0 <= b <= 9 and n > 0
        assert b / 10 <= predicted <= (b + 1) / 10 and 0 <= observed <= 1
