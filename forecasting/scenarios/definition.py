"""What a scenario is: a pydantic model read from YAML (or built by the app's form).

Every field is optional except `name`; a scenario without adjustments is the neutral scenario
and reproduces the base forecast exactly (same as-of date, horizon, draws and seed).
Errors name the field (`hiring[0].count`) and the allowed values; nothing is written when
a definition is invalid. Names that must exist in the data (practices, roles, stages, projects)
are checked later, against the prepared forecast inputs (`apply.check_names`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Literal, Self, get_args, get_origin

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from wipcast.errors import InputError

RESERVED_NAMES = {"base"}  # the base forecast's scenario_id

# Bounds on what a scenario may hold (a definition is user input: the app's text box, a file).
MAX_YAML_BYTES = 256 * 1024
MAX_ADJUSTMENTS = 500  # entries over every adjustment list together
MAX_DESCRIPTION_CHARS = 2000
MAX_NAME_CHARS = 100
MAX_SEED = 2**63 - 1  # forecast.scenario_runs.seed is a bigint
ADJUSTMENT_FIELDS = (
    "win_probability",
    "pipeline_delay",
    "projects",
    "bill_rates",
    "hiring",
    "attrition",
    "utilization",
)
MAX_ERRORS_SHOWN = 5


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class WinProbabilityChange(_Strict):
    """Multiply the calibrated win probability, or add to it, for all open deals or a stage / practice."""

    multiplier: float | None = Field(None, ge=0, le=10, description="e.g. 0.8 = 20% fewer wins")
    shift: float | None = Field(None, ge=-1, le=1, description="absolute change, e.g. -0.1")
    stage: str | None = None
    practice: str | None = None

    @model_validator(mode="after")
    def _one_change(self) -> Self:
        if (self.multiplier is None) == (self.shift is None):
            raise ValueError("give exactly one of multiplier or shift")
        return self


class PipelineDelay(_Strict):
    """Shift the expected start of open deals by N weeks (negative = earlier)."""

    weeks: int = Field(ge=-52, le=104)
    practice: str | None = None
    stage: str | None = None


class ProjectChange(_Strict):
    """Delay a signed project's remaining work by N weeks, or cancel its remaining revenue."""

    project_id: str = Field(min_length=1)
    action: Literal["delay", "cancel"]
    weeks: int = Field(0, ge=0, le=104)

    @model_validator(mode="after")
    def _weeks_for_delay(self) -> Self:
        if self.action == "delay" and self.weeks <= 0:
            raise ValueError("a delay needs weeks between 1 and 104")
        return self


class BillRateChange(_Strict):
    """Change bill rates by a percentage from a date (time and materials work and pipeline, not fixed fees)."""

    percent: float = Field(ge=-90, le=200)
    from_date: dt.date
    role: str | None = None
    practice: str | None = None


class Hiring(_Strict):
    """New people: billable capacity from start_month, ramping up linearly over ramp_up_weeks."""

    role: str = Field(min_length=1)
    practice: str = Field(min_length=1)
    region: str | None = None
    count: int = Field(ge=1, le=10000)
    start_month: dt.date
    ramp_up_weeks: int = Field(0, ge=0, le=52)
    demand_limited: bool = Field(True, description="false: every billable hour of the new capacity sells")


class Attrition(_Strict):
    """People leaving at a yearly rate, from the as-of date."""

    percent_per_year: float = Field(ge=0, le=100)
    practice: str | None = None  # null = every practice


class UtilizationChange(_Strict):
    """Move the practice's billable utilization target by some percentage points."""

    practice: str = Field(min_length=1)
    change_points: float = Field(ge=-100, le=100)


class Scenario(_Strict):
    name: str = Field(
        max_length=MAX_NAME_CHARS, pattern=r"^[a-z0-9][a-z0-9_-]*$", description="lowercase letters, digits, - and _"
    )
    description: str = Field("", max_length=MAX_DESCRIPTION_CHARS)
    as_of: dt.date | None = None  # default: the as-of date of the latest base forecast
    horizon: int | None = Field(None, ge=1, le=36)
    draws: int | None = Field(None, ge=100, le=20000)
    seed: int | None = Field(None, ge=0, le=MAX_SEED)
    win_probability: list[WinProbabilityChange] = []
    pipeline_delay: list[PipelineDelay] = []
    projects: list[ProjectChange] = []
    bill_rates: list[BillRateChange] = []
    hiring: list[Hiring] = []
    attrition: list[Attrition] = []
    utilization: list[UtilizationChange] = []

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value in RESERVED_NAMES:
            raise ValueError(f"{value!r} is reserved for the base forecast; choose another name")
        return value

    @model_validator(mode="after")
    def _few_adjustments(self) -> Self:
        problem = _too_many_adjustments({f: len(getattr(self, f)) for f in ADJUSTMENT_FIELDS})
        if problem:
            raise ValueError(problem)
        return self

    @property
    def is_neutral(self) -> bool:
        return not any(
            (
                self.win_probability,
                self.pipeline_delay,
                self.projects,
                self.bill_rates,
                self.hiring,
                self.attrition,
                self.utilization,
            )
        )

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json", exclude_defaults=True), sort_keys=False, allow_unicode=True)

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), sort_keys=True)

    def definition_hash(self) -> str:
        return hashlib.sha256(self.to_json().encode()).hexdigest()[:16]


def _too_many_adjustments(counts: dict[str, int]) -> str | None:
    total = sum(counts.values())
    if total <= MAX_ADJUSTMENTS:
        return None
    return (
        f"adjustments ({', '.join(ADJUSTMENT_FIELDS)}): {total:,} in total, more than the limit of "
        f"{MAX_ADJUSTMENTS} (split the scenario into smaller ones)"
    )


# ---------------------------------------------------------------- error messages


Loc = tuple[int | str, ...]  # where a validation error is: field names and list positions


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The pydantic model that owns the field at `loc` (to list its allowed fields)."""
    model: type[BaseModel] = Scenario
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return None
        ann = field.annotation
        if get_origin(ann) is list:
            ann = get_args(ann)[0]
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            model = ann
        else:
            return None
    return model


def _field_path(loc: Loc) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top level)"


def _describe(error: ErrorDetails) -> str:
    loc = tuple(p for p in error["loc"] if p not in ("function-after",))
    path = _field_path(loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        model = _model_at(loc)
        allowed = ", ".join(model.model_fields) if model else "see docs/scenarios.md"
        return f"{path}: unknown field; allowed fields: {allowed}"
    if kind == "missing":
        return f"{path}: required field is missing"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"{path}: {_shown(error['input'])} is not allowed; allowed values: {expected}"
    if kind == "string_too_long":
        limit = error.get("ctx", {}).get("max_length")
        return f"{path}: {len(error['input']):,} characters, more than the limit of {limit}"
    if kind in ("date_from_datetime_parsing", "date_parsing", "date_type"):
        return f"{path}: {_shown(error['input'])} is not a date; use a real calendar date YYYY-MM-DD"
    shown = error.get("input")
    got = f" (got {_shown(shown)})" if shown is not None and not isinstance(shown, (dict, list)) else ""
    if kind == "string_pattern_mismatch":
        return f"{path}: not allowed{got}; allowed: {_field_description(loc) or 'see docs/scenarios.md'}"
    message = error["msg"].removeprefix("Value error, ")
    limits = _field_range(loc)
    return f"{path}: {message}{got}" + (f"; allowed range: {limits}" if limits else "")


def _field_info(loc: Loc) -> FieldInfo | None:
    model = _model_at(loc)
    name = loc[-1] if loc else None
    return model.model_fields.get(name) if model is not None and isinstance(name, str) else None


def _field_description(loc: Loc) -> str | None:
    info = _field_info(loc)
    return info.description if info else None


def _field_range(loc: Loc) -> str | None:
    """'1 to 10000' from the field's ge/le constraints (None when it has none)."""
    info = _field_info(loc)
    if info is None:
        return None
    low = next((m.ge for m in info.metadata if hasattr(m, "ge")), None)
    high = next((m.le for m in info.metadata if hasattr(m, "le")), None)
    if low is None and high is None:
        return None
    if high is None:
        return f"{low} or more"
    return f"{low} to {high}" if low is not None else f"up to {high}"


def _shown(value: object, limit: int = 60) -> str:
    """A field's value as the error shows it: repr, one line, cut short."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def validation_message(exc: ValidationError) -> str:
    errors = exc.errors()
    shown = "; ".join(_describe(e) for e in errors[:MAX_ERRORS_SHOWN])
    more = len(errors) - MAX_ERRORS_SHOWN
    return shown + (f"; and {more:,} more error(s)" if more > 0 else "")


# ---------------------------------------------------------------- loading


class _Loader(yaml.SafeLoader):
    """safe_load, except that dates stay text: pydantic parses them and names the field when one is not
    a real date (2027-02-30), where PyYAML's own date parsing fails with a bare ValueError."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _timestamp_as_text(loader: _Loader, node: yaml.Node) -> str:
    """An explicit `!!timestamp` value, kept as text like the implicit ones."""
    return str(loader.construct_scalar(node)) if isinstance(node, yaml.ScalarNode) else ""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


def from_mapping(data: object, source: str = "scenario") -> Scenario:
    if not isinstance(data, dict):
        raise InputError(
            f"{source}: a scenario must be a YAML mapping (name: ..., hiring: [...])",
            f"allowed top-level fields: {', '.join(Scenario.model_fields)}",
        )
    # Counted before validation, so a huge list is refused without validating (and reporting) each entry.
    problem = _too_many_adjustments({f: len(v) for f in ADJUSTMENT_FIELDS if isinstance(v := data.get(f), list)})
    if problem:
        raise InputError(f"{source} is invalid: {problem}", "see docs/scenarios.md")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise InputError(
            f"{source} is invalid: {validation_message(exc)}", "fix the field(s) named; see docs/scenarios.md"
        ) from None


def _too_large(source: str, size: int) -> InputError:
    return InputError(
        f"{source} is {size:,} bytes, more than the limit of {MAX_YAML_BYTES // 1024} KB ({MAX_YAML_BYTES:,} bytes)",
        "a scenario is a short list of adjustments; split it into smaller scenarios",
    )


def from_yaml_text(text: str, source: str = "scenario") -> Scenario:
    size = len(text.encode("utf-8", errors="replace"))
    if size > MAX_YAML_BYTES:
        raise _too_large(source, size)
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506  (a SafeLoader, dates kept as text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputError(f"{source} is not valid YAML{where}", "check indentation and quoting") from None
    except (ValueError, TypeError, RecursionError) as exc:  # e.g. `!!int ten`, or nesting too deep
        first = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise InputError(f"{source} is not valid YAML ({first})", "check the values and tags") from None
    return from_mapping(data, source)


def load(path: Path) -> Scenario:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"scenario file {path} does not exist", "give the path of a .yaml file")
    if path.stat().st_size > MAX_YAML_BYTES:
        raise _too_large(f"scenario file {path}", path.stat().st_size)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"scenario file {path} is not UTF-8 text", "save it as UTF-8 YAML") from None
    return from_yaml_text(text, str(path))
