"""Every query the dashboard runs (in app/queries/, one module per page or topic), re-exported: one door.

Pages call `data.<function>` and get pandas frames with stable,
logical column names. The physical names live in TABLES, taken from the marts' enforced dbt contracts
(dbt_project/models/marts/**) and the forecast DDL (forecasting/store.py); a few are expressions, e.g.
converting a mart amount kept in the project currency with the rate alongside. A table that is absent (a
warehouse without forecasts, say) raises DataUnavailable with a sentence the page shows as its empty state.

Safety: values are always bound parameters. Identifiers are only ever taken from TABLES (an allow-list)
after checking that the published file has them, and are quoted.
"""

from __future__ import annotations

from app.queries.accuracy import (  # noqa: F401
    backtest_metrics,
    calibration_bins,
)
from app.queries.combination import GRAINS, combination_is_empty, has_rows  # noqa: F401
from app.queries.common import (  # noqa: F401
    actuals_as_of,
    filter_options,
    forecast_runs,
    last_closed_month,
    month_start,
    reporting_currency,
    run_as_of,
)
from app.queries.drill import (  # noqa: F401
    exposure_rows,
    receivable_rows,
    revenue_rows,
    unbilled_time_entries,
    utilization_rows,
)
from app.queries.forecast import (  # noqa: F401
    Outlook,
    _add_actuals,
    forecast_by_component,
    forecast_by_group,
    forecast_projects,
    forecast_quantiles,
    forecast_rows,
    full_year_outlook,
    model_factors,
    project_bill_rate,
    project_forecast,
    project_inputs,
)
from app.queries.health import (  # noqa: F401
    PublishedFileInfo,
    last_run_steps,
    latest_business_dates,
    published_file_info,
    quarantine_summary,
    row_counts,
    source_freshness,
)
from app.queries.labels import (  # noqa: F401
    NO_GROUP,
    _label,
    _label_ids,
    labels,
)
from app.queries.overview import (  # noqa: F401
    PERIOD_LABELS,
    Period,
    PeriodFigures,
    month_elapsed_fraction,
    period_figures,
    period_start,
    practice_region_vs_target,
    prorated_sum,
    revenue_monthly,
    revenue_ytd,
    target_monthly,
    target_ytd,
)
from app.queries.project import (  # noqa: F401
    project_choices,
    project_exceptions,
    project_exposure,
    project_facts,
    project_financials,
    project_invoices,
    project_time_and_plan,
)
from app.queries.risks import (  # noqa: F401
    top_risks,
    tracks_overdue_milestones,
)
from app.queries.scope import (  # noqa: F401
    Clause,
    Filters,
    _direct_clause,
    _employee_clause,
    _project_clause,
    _run_scope,
)
from app.queries.tables import (  # noqa: F401
    AGEING_BUCKETS,
    BILLING_TYPE_COMPONENT,
    EXPOSURE_GROUPINGS,
    FORECAST_COMPONENTS,
    FORECAST_GROUPINGS,
    RECEIVABLE_BUCKETS,
    TABLES,
    DataUnavailable,
    Table,
    _q,
    bucket_label,
    bucket_order,
    has_table,
)
from app.queries.unbilled import (  # noqa: F401
    EXPOSURE_MEASURES,
    dso_trend,
    receivables_ageing,
    unbilled_by,
    unbilled_hours_without_rate,
    unbilled_total,
)
from app.queries.utilization import (  # noqa: F401
    UtilizationSummary,
    last_complete_weeks,
    practice_targets,
    utilization_by_practice_week,
    utilization_summary,
)
from app.queries.variance import (  # noqa: F401
    AS_REPORTED,
    BASES,
    RESTATED,
    earlier_run,
    months_without_close_report,
    variance,
    variance_window,
)
from app.warehouse_access import (  # noqa: F401
    BUILD_HINT,
    SqlParam,
    WarehouseBusy,
    WarehouseMissing,
    catalog,
    file_identity,
    published_path,
    query,
)
