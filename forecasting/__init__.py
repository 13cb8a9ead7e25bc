"""Revenue forecasting: booked work, pipeline and unplanned revenue as calibrated Monte Carlo draws.

Public API (called by the CLI):
    run_forecast(settings, run_id, as_of=None, horizon=12, draws=2000, seed=None, progress=None) -> ForecastSummary
    run_backtest(settings, run_id, start_month, end_month, progress=None) -> BacktestSummary

Flow: inputs.read_warehouse (the only warehouse reads) -> inputs.as_of_view (what was known at the
end of the as-of day) -> engine.prepare (learned parameters, plain polars frames; a scenario edits
this object through run_forecast(adjust=...), used by forecasting/scenarios/runner.py) ->
engine.self_assess (rolling-origin backtests on the firm's own history: fall-back to seasonal naive,
level correction, calibrated bands; forecasting/selfassess.py) -> engine.simulate (numpy draws,
series x months x draws) -> store (append-only `forecast` tables, layout documented in
forecasting/store.py).

Components: booked_time_and_materials (plan hours x bill rate x delivery factor by practice, role and
horizon, shrunk, x a learned T&M realization, capped by the contract), booked_fixed_fee (cost-to-cost
with a learned overrun/delivery factor on the remaining plan), milestone (due date + learned slip),
retainer (schedule), pipeline (calibrated win probability x start slip x revenue profile),
unplanned (guarded ExponentialSmoothing per practice, with the firm's month-of-year shape while the
history is too short for a seasonal fit), actual (closed months of the as-of year).
"""

from forecasting.backtest import BacktestSummary, run_backtest
from forecasting.run import ForecastSummary, run_forecast
from forecasting.scoring import BacktestHeadline

__all__ = ["run_forecast", "run_backtest", "ForecastSummary", "BacktestSummary", "BacktestHeadline"]
