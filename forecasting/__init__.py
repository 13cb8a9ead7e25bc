"""Revenue forecasting: booked work, pipeline and unplanned revenue as calibrated Monte Carlo draws.

Public API (called by the CLI):
    run_forecast(settings, run_id, as_of=None, horizon=12, draws=2000, seed=None, progress=None)
    run_backtest(settings, run_id, start_month, end_month, progress=None)
"""

from forecasting.backtest import run_backtest
from forecasting.run import run_forecast

__all__ = ["run_forecast", "run_backtest"]
