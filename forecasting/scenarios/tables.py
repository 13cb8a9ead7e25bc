"""`forecast.scenarios` and `forecast.scenario_runs`: scenarios and their runs, queryable in SQL.

Append-only like the rest of the `forecast` schema. A scenario name keeps every definition it
ever had (one row per distinct definition, told apart by `definition_hash`); each run records
the hash of the definition it ran, so any run can be traced to its exact YAML:

    select r.run_id, r.as_of_date, s.definition_yaml
    from forecast.scenario_runs r join forecast.scenarios s using (scenario_id, definition_hash)
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, cast

import duckdb
import polars as pl

from forecasting.frames import from_arrow_table
from forecasting.scenarios.definition import Scenario

DDL = """
create schema if not exists forecast;
create table if not exists forecast.scenarios (
    scenario_id varchar not null,        -- the scenario's name; 'base' is the base forecast
    definition_hash varchar not null,    -- sha256 prefix of definition_json
    description varchar,
    definition_yaml varchar not null,    -- the YAML to rerun it
    definition_json varchar not null,    -- every field, defaults included
    created_at timestamp with time zone not null
);
create table if not exists forecast.scenario_runs (
    scenario_id varchar not null,
    run_id varchar not null,             -- forecast.runs.run_id; its rows carry this scenario_id
    definition_hash varchar not null,
    as_of_date date not null,
    horizon integer not null,
    draws integer not null,
    seed bigint,
    created_at timestamp with time zone not null,
    status varchar not null,             -- running, success, failed
    message varchar
);
"""


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Readers never create tables (they may hold a read-only connection to a published file)."""
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = 'forecast' and table_name = ?", [table]
        ).fetchall()[0][0]
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def record_scenario(con: duckdb.DuckDBPyConnection, scenario: Scenario) -> str:
    """Store the definition unless this exact one is already stored; returns its hash."""
    digest = scenario.definition_hash()
    found = con.execute(
        "select count(*) from forecast.scenarios where scenario_id = ? and definition_hash = ?", [scenario.name, digest]
    ).fetchall()[0][0]
    if not found:
        con.execute(
            "insert into forecast.scenarios values (?, ?, ?, ?, ?, ?)",
            [scenario.name, digest, scenario.description, scenario.to_yaml(), scenario.to_json(), _now()],
        )
    return digest


def start_run(
    con: duckdb.DuckDBPyConnection,
    scenario: Scenario,
    run_id: str,
    as_of: dt.date,
    horizon: int,
    draws: int,
    seed: int | None,
) -> None:
    con.execute(
        "insert into forecast.scenario_runs values (?, ?, ?, ?, ?, ?, ?, ?, 'running', null)",
        [scenario.name, run_id, scenario.definition_hash(), as_of, horizon, draws, seed, _now()],
    )


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str, message: str | None = None) -> None:
    con.execute("update forecast.scenario_runs set status = ?, message = ? where run_id = ?", [status, message, run_id])


def scenario_list(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per scenario: its latest definition, runs and latest successful run."""
    if not (has_table(con, "scenarios") and has_table(con, "scenario_runs")):
        return pl.DataFrame(
            schema={
                "scenario_id": pl.String,
                "description": pl.String,
                "runs": pl.Int64,
                "latest_run_id": pl.String,
                "latest_as_of": pl.Date,
                "last_run_at": pl.Datetime(time_zone="UTC"),
            }
        )
    return from_arrow_table(
        con.sql("""
        with latest_def as (
            select scenario_id, description, definition_hash, created_at,
                   row_number() over (partition by scenario_id order by created_at desc) as rn
            from forecast.scenarios),
        runs as (
            select scenario_id, count(*) as runs,
                   arg_max(run_id, created_at) filter (where status = 'success') as latest_run_id,
                   max(as_of_date) filter (where status = 'success') as latest_as_of,
                   max(created_at) as last_run_at
            from forecast.scenario_runs group by scenario_id)
        select d.scenario_id, d.description, coalesce(r.runs, 0) as runs, r.latest_run_id, r.latest_as_of, r.last_run_at
        from latest_def d left join runs r using (scenario_id) where d.rn = 1 order by d.scenario_id
    """).to_arrow_table()
    )


def definition_of(con: duckdb.DuckDBPyConnection, scenario_id: str, run_id: str | None = None) -> str | None:
    """The YAML of the definition a run used (or the latest definition of the scenario)."""
    if not (has_table(con, "scenarios") and has_table(con, "scenario_runs")):
        return None
    if run_id:
        row = next(
            iter(
                con.execute(
                    """select s.definition_yaml from forecast.scenario_runs r join forecast.scenarios s
                             using (scenario_id, definition_hash) where r.run_id = ?""",
                    [run_id],
                ).fetchall()
            ),
            None,
        )
        if row:
            return cast(str, row[0])
    row = next(
        iter(
            con.execute(
                "select definition_yaml from forecast.scenarios where scenario_id = ? order by created_at desc limit 1",
                [scenario_id],
            ).fetchall()
        ),
        None,
    )
    return cast(str, row[0]) if row else None


def latest_base_run(con: duckdb.DuckDBPyConnection, as_of: dt.date | None = None) -> dict[str, Any] | None:
    """The newest base forecast run (optionally for one as-of date): run_id, as_of, horizon, draws, seed."""
    if not has_table(con, "runs"):
        return None
    sql = """select run_id, as_of_date, horizon, parameters from forecast.runs
             where coalesce(json_extract_string(parameters, '$.kind'), 'forecast') = 'forecast'
               and coalesce(json_extract_string(parameters, '$.scenario_id'), 'base') = 'base'"""
    params: list[object] = []
    if as_of is not None:
        sql += " and as_of_date = ?"
        params.append(as_of)
    row = next(iter(con.execute(sql + " order by created_at desc limit 1", params).fetchall()), None)
    if not row:
        return None
    p = json.loads(row[3] or "{}")
    return {
        "run_id": row[0],
        "as_of": row[1],
        "horizon": row[2],
        "draws": p.get("draws"),
        "seed": p.get("seed"),
        "reporting_currency": p.get("reporting_currency"),
    }
