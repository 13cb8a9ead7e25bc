"""What was known of the past at an as-of date, as the engine learns from it: monthly fx rates, every
approved time entry with its resolved rate, the plan as it stood at each month end, cost rates, and the
earned revenue history (the marts' figures when dbt built that date, forecasting.history; else the
same rules recomputed, forecasting/recognition.py)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from forecasting import history as revenue_history
from forecasting.calendar import first_date, month_start
from forecasting.inputs import Inputs
from forecasting.plans import month_end_origins, plan_by_origin
from forecasting.rates import extend_fx_flat, fx_monthly, rated_time, role_cost_rates
from forecasting.recognition import earned_history


def history_base(inputs: Inputs, months: list[dt.date] | None = None) -> dict[str, pl.DataFrame]:
    """Rated time, plans by origin and earned revenue history, all as known at inputs.as_of."""
    as_of = inputs.as_of
    months = months or [month_start(as_of)]
    currencies = set(inputs.projects["currency"].drop_nulls().to_list()) | set(
        inputs.legal_entities["currency"].drop_nulls().to_list()
    )
    currencies |= set(inputs.opportunities["currency"].drop_nulls().to_list()) | set(
        inputs.rate_cards["currency"].drop_nulls().to_list()
    )
    dates = [
        d
        for d in (
            first_date(inputs.time_entries["work_date"]),
            first_date(inputs.projects["start_date"]),
            first_date(inputs.plan_versions["plan_date"]),
        )
        if d is not None
    ]
    first = min(min(dates) if dates else as_of, as_of)
    fx_hist = fx_monthly(inputs.fx_rates, sorted(currencies), inputs.reporting_currency, first, as_of)
    fx = extend_fx_flat(fx_hist, as_of, months)
    rated = rated_time(inputs, fx_hist)
    origins = month_end_origins(first, as_of)
    plan_origins = plan_by_origin(inputs.plan_versions, inputs.employees, inputs.holidays, origins)
    emp_cost, role_cost = role_cost_rates(inputs, fx_hist, as_of)
    if inputs.revenue_history is not None:  # what the marts reported at this as-of date
        history, ff_state = revenue_history.engine_frames(inputs.revenue_history)
    else:  # frames that never went through dbt: the same rules recomputed (forecasting/recognition.py)
        pending = (
            rated_time(inputs, fx_hist, inputs.pending_time)
            if inputs.pending_time is not None and inputs.pending_time.height
            else None
        )
        history, ff_state = earned_history(inputs, rated, fx_hist, pending)
    return {
        "fx_hist": fx_hist,
        "fx": fx,
        "rated": rated,
        "plan_origins": plan_origins,
        "emp_cost": emp_cost,
        "role_cost": role_cost,
        "history": history,
        "ff_state": ff_state,
    }
