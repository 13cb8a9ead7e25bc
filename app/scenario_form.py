"""The Scenarios page's form as a scenario mapping, without Streamlit: the page reads its widgets into
FormValues, `to_mapping` keeps only the adjustments the user changed (a form left as it opens is the
neutral scenario), and forecasting.scenarios.definition.from_mapping validates it like a YAML file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

ALL = "all"  # the practice choice that means every practice
NONE = "none"  # no utilization change


@dataclasses.dataclass(frozen=True)
class FormValues:
    name: str
    description: str = ""
    win_multiplier: float = 1.0
    win_practice: str = ALL
    pipeline_weeks: int = 0
    rate_percent: float = 0.0
    rate_from: dt.date = dt.date(2000, 1, 1)
    rate_practice: str = ALL
    hires: int = 0
    hire_role: str = ""
    hire_practice: str = ""
    hire_region: str = ""
    hire_start: dt.date = dt.date(2000, 1, 1)
    ramp_up_weeks: int = 8
    demand_limited: bool = True
    attrition_percent: float = 0.0
    utilization_practice: str = NONE
    utilization_points: float = 0.0


def _practice(practice: str) -> dict[str, str]:
    return {"practice": practice} if practice != ALL else {}


def to_mapping(v: FormValues) -> dict[str, object]:
    """The scenario mapping of the form (see docs/scenarios.md for the fields)."""
    mapping: dict[str, object] = {"name": v.name, "description": v.description}
    if v.win_multiplier != 1.0:
        mapping["win_probability"] = [{"multiplier": v.win_multiplier, **_practice(v.win_practice)}]
    if v.pipeline_weeks:
        mapping["pipeline_delay"] = [{"weeks": int(v.pipeline_weeks)}]
    if v.rate_percent:
        mapping["bill_rates"] = [
            {"percent": v.rate_percent, "from_date": v.rate_from.isoformat(), **_practice(v.rate_practice)}
        ]
    if v.hires:
        mapping["hiring"] = [
            {
                "role": v.hire_role,
                "practice": v.hire_practice,
                "count": int(v.hires),
                "start_month": v.hire_start.isoformat(),
                "ramp_up_weeks": int(v.ramp_up_weeks),
                "demand_limited": v.demand_limited,
                **({"region": v.hire_region} if v.hire_region else {}),
            }
        ]
    if v.attrition_percent:
        mapping["attrition"] = [{"percent_per_year": v.attrition_percent}]
    if v.utilization_practice != NONE and v.utilization_points:
        mapping["utilization"] = [{"practice": v.utilization_practice, "change_points": v.utilization_points}]
    return mapping
