"""Any two forecast runs side by side (B minus A, usually a scenario against base): deltas by month and
practice, with intervals from paired draws when the two runs drew the same random numbers.

A scenario runs with the base run's seed, so draw i of both runs shares its random numbers for every
base component (common random numbers). The difference of draw i is then the effect of the adjustments
in that simulated world, and its p10/p90 say how sure that effect is. Two scenarios of the same base
pair the same way. That holds only when both runs drew from the same generator over the same series:
the same seed, the same number of draws, the same as-of date (the open projects and deals are the
series) and the same horizon (the shapes of the draws). When any of these differ (`unpaired_reason`),
draw i of one run has nothing to do with draw i of the other: the difference of the means is still
right, a band of the draw-by-draw difference would not be, so there is none.

The queries take a `SqlRunner` (SQL with `?`/`$n` parameters -> polars frame), so the CLI runs them on
its connection and the app through its cached, read-only queries.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import duckdb
import pandas as pd
import polars as pl

from forecasting.frames import from_arrow_table
from wipcast.errors import InputError

FIRM = "(all practices)"
BASE = "base"
NO_PRACTICE = "(no practice)"

SqlRunner = Callable[[str, Sequence[Any]], pl.DataFrame]


def on_connection(con: duckdb.DuckDBPyConnection) -> SqlRunner:
    """A SqlRunner on an open DuckDB connection."""
    return lambda sql, params: from_arrow_table(con.sql(sql, params=list(params)).to_arrow_table())


@dataclasses.dataclass(frozen=True)
class Run:
    """A forecast run as compared: what it is called and what decides whether its draws pair with another's."""

    scenario_id: str
    run_id: str
    as_of: dt.date
    horizon: int | None = None
    draws: int | None = None  # the draws it made (parameters.draws: what the engine could afford)
    seed: int | None = None  # None: not recorded (runs from before seeds were stored)


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()


def _int(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _has_table(sql: SqlRunner, table: str) -> bool:
    found = sql(
        "select count(*) as n from information_schema.tables where table_schema = 'forecast' and table_name = ?",
        [table],
    )
    return bool(found["n"][0])


def known_scenarios(sql: SqlRunner) -> list[str]:
    """Scenarios with a successful run, the most recently run first (not 'base')."""
    if not _has_table(sql, "scenario_runs"):
        return []
    rows = sql(
        "select scenario_id from forecast.scenario_runs where status = 'success' "
        "group by scenario_id order by max(created_at) desc, scenario_id",
        [],
    )
    return [str(v) for v in rows["scenario_id"]]


_RUN_DETAILS = """
    try_cast(json_extract_string(r.parameters, '$.draws') as integer) as draws,
    try_cast(json_extract_string(r.parameters, '$.seed') as bigint) as seed"""

_BASE_RUN_SQL = f"""
select r.run_id, r.as_of_date, r.horizon, {_RUN_DETAILS}
from forecast.runs r
where coalesce(json_extract_string(r.parameters, '$.kind'), 'forecast') = 'forecast'
  and coalesce(json_extract_string(r.parameters, '$.scenario_id'), 'base') = 'base'
  and (cast(? as date) is null or r.as_of_date = cast(? as date))
order by r.created_at desc limit 1"""

_SCENARIO_RUN_SQL = """
select s.run_id, s.as_of_date, coalesce(r.horizon, s.horizon) as horizon,
       coalesce(try_cast(json_extract_string(r.parameters, '$.draws') as integer), s.draws) as draws,
       coalesce(try_cast(json_extract_string(r.parameters, '$.seed') as bigint), s.seed) as seed
from forecast.scenario_runs s left join forecast.runs r using (run_id)
where s.scenario_id = ? and s.status = 'success'
order by s.created_at desc limit 1"""


def _run_from(name: str, rows: pl.DataFrame) -> Run:
    row = rows.row(0, named=True)
    return Run(
        name, str(row["run_id"]), _date(row["as_of_date"]), _int(row["horizon"]), _int(row["draws"]), _int(row["seed"])
    )


def find_run(sql: SqlRunner, name: str, as_of: dt.date | None = None) -> Run:
    """The run a name stands for: a scenario's latest successful run; 'base': the latest base forecast
    (for `as_of` when given and one exists, else the latest of any date). An unknown name raises an
    InputError that lists the known ones."""
    if name == BASE:
        rows = pl.DataFrame()
        if _has_table(sql, "runs"):
            if as_of is not None:
                rows = sql(_BASE_RUN_SQL, [as_of, as_of])
            if rows.is_empty():
                rows = sql(_BASE_RUN_SQL, [None, None])
        if rows.is_empty():
            raise InputError("there is no base forecast run", "run `wipcast forecast` first")
        return _run_from(BASE, rows)
    if not _has_table(sql, "scenario_runs"):
        raise InputError(
            f"scenario {name!r} has no run: no scenario has run yet", "run one with `wipcast scenario run FILE`"
        )
    rows = sql(_SCENARIO_RUN_SQL, [name])
    if rows.is_empty():
        known = sorted(known_scenarios(sql))
        raise InputError(
            f"scenario {name!r} has no successful run",
            f"known scenarios: {', '.join([BASE, *known])}; run one with `wipcast scenario run FILE`",
        )
    return _run_from(name, rows)


def resolve_pair(sql: SqlRunner, a: str, b: str) -> tuple[Run, Run]:
    """The runs of A and B; 'base' is the base forecast at the as-of date of the other side (B's first)."""
    scenarios = {name: find_run(sql, name) for name in dict.fromkeys((b, a)) if name != BASE}
    as_of = next(iter(scenarios.values())).as_of if scenarios else None
    base = find_run(sql, BASE, as_of) if BASE in (a, b) else None
    return scenarios.get(a) or base or find_run(sql, a), scenarios.get(b) or base or find_run(sql, b)


def resolve_run(con: duckdb.DuckDBPyConnection, scenario_id: str, as_of: dt.date | None = None) -> dict[str, Any]:
    """`find_run` on a connection, as a dict (scenario_id, run_id, as_of, horizon, draws, seed)."""
    return dataclasses.asdict(find_run(on_connection(con), scenario_id, as_of))


def unpaired_reason(a: Run, b: Run) -> str | None:
    """None when draw i of A and draw i of B share their random numbers (the band of B - A is valid); else
    one line saying why not."""
    if a.run_id == b.run_id:
        return None
    differences = []
    if a.seed is None or b.seed is None:
        missing = " and ".join(r.scenario_id for r in (a, b) if r.seed is None)
        differences.append(f"no seed recorded for {missing}")
    elif a.seed != b.seed:
        differences.append(f"seed {a.seed} vs {b.seed}")
    if a.draws != b.draws:
        differences.append(f"{a.draws} vs {b.draws} draws")
    if a.as_of != b.as_of:
        differences.append(f"as of {a.as_of} vs {b.as_of}")
    if a.horizon != b.horizon:
        differences.append(f"{a.horizon} vs {b.horizon} months")
    if not differences:
        return None
    return (
        f"{b.scenario_id} and {a.scenario_id} did not draw the same random numbers ({'; '.join(differences)}), "
        "so this is the difference of their means, without a band"
    )


# $1 = run A, $2 = run B, $3 = the firm's label, $4 = paired (true: draw i of A pairs with draw i of B).
# Rows: month x practice, month x firm, and the whole horizon (month null) x practice and firm. Each run's
# statistics come from its own draws; a cell a run has no draws for counts as 0 in each of its draws. The
# `actual` component is deterministic and not in the draws: added to every statistic of the horizon months
# (the as-of month of a mid-month as-of), as p(actual + draws) = actual + p(draws).
DELTA_SQL = """
with src as (
        select run_id, month, coalesce(practice, '(no practice)') as practice, draw, sum(value) as v
        from forecast.revenue_forecast_draws where run_id in ($1, $2) group by all),
     months as (select distinct month from src),
     cells as (select distinct month, practice from src),
     run_draws as (select distinct run_id, draw from src),
     filled as (
        select r.run_id, c.month, c.practice, r.draw, coalesce(s.v, 0) as v
        from cells c cross join run_draws r
        left join src s on s.run_id = r.run_id and s.month = c.month and s.practice = c.practice and s.draw = r.draw),
     levels as (
        select run_id, month, practice, draw, v from filled
        union all select run_id, month, $3, draw, sum(v) from filled group by run_id, month, draw
        union all select run_id, null, practice, draw, sum(v) from filled group by run_id, practice, draw
        union all select run_id, null, $3, draw, sum(v) from filled group by run_id, draw),
     act_cells as (
        select run_id, month, coalesce(practice, '(no practice)') as practice, sum(mean) as actual
        from forecast.revenue_forecast
        where run_id in ($1, $2) and component = 'actual' and month in (select month from months) group by all),
     actuals as (
        select run_id, month, practice, actual from act_cells
        union all select run_id, month, $3, sum(actual) from act_cells group by run_id, month
        union all select run_id, null, practice, sum(actual) from act_cells group by run_id, practice
        union all select run_id, null, $3, sum(actual) from act_cells group by run_id),
     stats as (
        select run_id, month, practice, avg(v) as mean, quantile_cont(v, 0.1) as p10,
               quantile_cont(v, 0.5) as p50, quantile_cont(v, 0.9) as p90
        from levels group by all),
     paired as (
        select a.month, a.practice, quantile_cont(b.v - a.v, 0.1) as p10, quantile_cont(b.v - a.v, 0.9) as p90,
               count(*) as draws
        from levels a join levels b
          on a.month is not distinct from b.month and a.practice = b.practice and a.draw = b.draw
        where a.run_id = $1 and b.run_id = $2 and $4 group by all),
     keys as (select distinct month, practice from levels union select distinct month, practice from actuals),
     joined as (
        select k.month, k.practice, coalesce(aa.actual, 0) as a_act, coalesce(ab.actual, 0) as b_act,
               sa.mean as a_m, sa.p10 as a_10, sa.p50 as a_50, sa.p90 as a_90,
               sb.mean as b_m, sb.p10 as b_10, sb.p50 as b_50, sb.p90 as b_90,
               p.p10 as d_10, p.p90 as d_90, p.draws
        from keys k
        left join stats sa on sa.run_id = $1 and sa.month is not distinct from k.month and sa.practice = k.practice
        left join stats sb on sb.run_id = $2 and sb.month is not distinct from k.month and sb.practice = k.practice
        left join actuals aa on aa.run_id = $1 and aa.month is not distinct from k.month and aa.practice = k.practice
        left join actuals ab on ab.run_id = $2 and ab.month is not distinct from k.month and ab.practice = k.practice
        left join paired p on p.month is not distinct from k.month and p.practice = k.practice)
select month, practice,
       a_act + coalesce(a_m, 0) as a_mean, a_act + coalesce(a_10, 0) as a_p10,
       a_act + coalesce(a_50, 0) as a_p50, a_act + coalesce(a_90, 0) as a_p90,
       b_act + coalesce(b_m, 0) as b_mean, b_act + coalesce(b_10, 0) as b_p10,
       b_act + coalesce(b_50, 0) as b_p50, b_act + coalesce(b_90, 0) as b_p90,
       (b_act + coalesce(b_m, 0)) - (a_act + coalesce(a_m, 0)) as delta_mean,
       b_act - a_act + d_10 as delta_p10, b_act - a_act + d_90 as delta_p90, draws
from joined order by month is null, practice = $3 desc, practice, month
"""

COLUMNS = (
    "month",
    "practice",
    "a_mean",
    "a_p10",
    "a_p50",
    "a_p90",
    "b_mean",
    "b_p10",
    "b_p50",
    "b_p90",
    "delta_mean",
    "delta_pct",
    "delta_p10",
    "delta_p90",
    "draws",
)


@dataclasses.dataclass(frozen=True)
class Comparison:
    """B minus A. `monthly`: month x practice (and FIRM); `horizon`: the whole horizon by practice (and FIRM),
    its band from the horizon totals of each draw (not a sum of monthly quantiles). Both have COLUMNS;
    delta_p10/p90 are null when the runs do not pair (`unpaired_reason` says why)."""

    a: Run
    b: Run
    monthly: pl.DataFrame
    horizon: pl.DataFrame
    unpaired_reason: str | None

    @property
    def paired(self) -> bool:
        return self.unpaired_reason is None

    @property
    def same_as_of(self) -> bool:
        return self.a.as_of == self.b.as_of


def compare_runs(sql: SqlRunner, a: Run, b: Run) -> Comparison:
    reason = unpaired_reason(a, b)
    frame = with_delta_pct(sql(DELTA_SQL, [a.run_id, b.run_id, FIRM, reason is None]))
    monthly = frame.filter(pl.col("month").is_not_null())
    horizon = frame.filter(pl.col("month").is_null())
    return Comparison(a, b, monthly, horizon, reason)


def compare(con: duckdb.DuckDBPyConnection, a: str, b: str) -> Comparison:
    """B minus A by name ('base' or a scenario with a successful run), on a connection."""
    sql = on_connection(con)
    return compare_runs(sql, *resolve_pair(sql, a, b))


def with_delta_pct(frame: pl.DataFrame) -> pl.DataFrame:
    """Add delta_pct (of A; null where A is zero) and put the columns in order."""
    frame = frame.with_columns(
        pl.when(pl.col("a_mean").abs() > 1e-9)
        .then(pl.col("delta_mean") / pl.col("a_mean"))
        .otherwise(None)
        .alias("delta_pct")
    )
    return frame.select(COLUMNS)
