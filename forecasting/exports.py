"""Planner exports of a forecast run (base or scenario): CSV, XLSX or Parquet, long format.

One row per month, grain key, and component, plus a `total` row per month and key:

    scenario_id, run_id, as_of_date, month, <grain keys>, component,
    mean_<ccy>, p10_<ccy>, p50_<ccy>, p90_<ccy>, quantile_basis

Amounts are in the reporting currency, named in the column headers (`mean_usd`). `quantile_basis`
says where the quantiles come from:
- `draws`: totals at firm / practice / region grain, from the summed Monte Carlo draws (the
  stored draws are by practice x region x legal entity, so these are exact; actual months are
  deterministic and added as they are);
- `series`: a component row that is one forecast series (one project, one deal), its own draws;
- `deterministic`: actual revenue (and the retainer schedule), p10 = p50 = p90 = mean;
- `none`: a sum of several series at customer / project grain, or a customer / project total:
  quantiles of a sum cannot be rebuilt from per-series quantiles, so they are left empty.

Provenance (scenario definition, run id, as-of date, generated time, the warehouse's last load)
goes into the sheet `about` (XLSX), the file's key-value metadata (Parquet) or `<out>.json` (CSV).
Text cells that a spreadsheet could run as a formula (starting with = + - @ tab CR LF) get a
leading apostrophe in CSV and XLSX; the XLSX writer never turns strings into formulas or links.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, TypedDict

import duckdb
import polars as pl

from forecasting.frames import from_arrow_table
from wipcast.errors import InputError

GRAINS: dict[str, list[str]] = {
    "firm": [],
    "practice": ["practice"],
    "region": ["region"],
    "customer": ["customer_id"],
    "project": ["project_id", "opportunity_id", "practice"],
}
DRAW_GRAINS = {"firm", "practice", "region"}
FORMATS = ("csv", "xlsx", "parquet")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
DETERMINISTIC_COMPONENTS = ("actual", "retainer", "scenario_capacity")


def neutralise(value: object) -> object:
    """OWASP CSV-injection rule: prefix text that a spreadsheet could evaluate with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def neutralise_frame(frame: pl.DataFrame) -> pl.DataFrame:
    text = [c for c, t in frame.schema.items() if t == pl.String]
    return frame.with_columns(
        [
            pl.when(pl.col(c).str.contains(r"^[=+\-@\t\r\n]"))
            .then(pl.lit("'") + pl.col(c))
            .otherwise(pl.col(c))
            .alias(c)
            for c in text
        ]
    )


# ---------------------------------------------------------------- what to export


class _Run(TypedDict):
    run_id: str
    as_of: dt.date
    horizon: int
    created_at: dt.datetime | None
    parameters: dict[str, Any]


def _run_row(con: duckdb.DuckDBPyConnection, run_id: str) -> _Run:
    row = next(
        iter(
            con.execute(
                "select run_id, as_of_date, horizon, created_at, parameters from forecast.runs where run_id = ?",
                [run_id],
            ).fetchall()
        ),
        None,
    )
    if row is None:
        raise InputError(f"forecast run {run_id} does not exist", "see `wipcast scenario list` for runs")
    params = json.loads(row[4] or "{}")
    return {"run_id": row[0], "as_of": row[1], "horizon": row[2], "created_at": row[3], "parameters": params}


def _warehouse_last_load(con: duckdb.DuckDBPyConnection) -> str | None:
    for sql in (
        "select max(loaded_at) from ops.load_log",
        "select max(finished_at) from ops.run_log where step = 'ingest' and status = 'success'",
    ):
        try:
            value = con.execute(sql).fetchall()[0][0]
        except duckdb.Error:
            continue
        if value is not None:
            return value.isoformat() if hasattr(value, "isoformat") else str(value)
    return None


def _component_rows(con: duckdb.DuckDBPyConnection, run_id: str, scenario_id: str, keys: list[str]) -> pl.DataFrame:
    key_sql = "".join(f"{k}, " for k in keys)
    return from_arrow_table(
        con.sql(
            f"""
        select month, {key_sql}component, sum(mean) as mean, count(*) as n_series,
               any_value(p10) as p10_one, any_value(p50) as p50_one, any_value(p90) as p90_one
        from forecast.revenue_forecast where run_id = ? and scenario_id = ?
        group by all""",
            params=[run_id, scenario_id],
        ).to_arrow_table()
    )


def _total_from_draws(con: duckdb.DuckDBPyConnection, run_id: str, scenario_id: str, keys: list[str]) -> pl.DataFrame:
    key_sql = "".join(f"{k}, " for k in keys)
    join = " and ".join(["a.month = d.month", *[f"a.{k} is not distinct from d.{k}" for k in keys]])
    keys_a = "".join(f"coalesce(d.{k}, a.{k}) as {k}, " for k in keys)
    return from_arrow_table(
        con.sql(
            f"""
        with d as (
            select month, {key_sql}quantile_cont(v, 0.1) as p10, quantile_cont(v, 0.5) as p50,
                   quantile_cont(v, 0.9) as p90, avg(v) as mean
            from (select month, {key_sql}draw, sum(value) as v from forecast.revenue_forecast_draws
                  where run_id = $run and scenario_id = $scenario group by all) group by all),
        a as (select month, {key_sql}sum(mean) as actual from forecast.revenue_forecast
              where run_id = $run and scenario_id = $scenario and component = 'actual' group by all)
        select coalesce(d.month, a.month) as month, {keys_a}
               coalesce(d.mean, 0) + coalesce(a.actual, 0) as mean, coalesce(d.p10, 0) + coalesce(a.actual, 0) as p10,
               coalesce(d.p50, 0) + coalesce(a.actual, 0) as p50, coalesce(d.p90, 0) + coalesce(a.actual, 0) as p90
        from d full join a on {join}""",
            params={"run": run_id, "scenario": scenario_id},
        ).to_arrow_table()
    )


def export_frame(con: duckdb.DuckDBPyConnection, run_id: str, grain: str, currency: str) -> pl.DataFrame:
    """The long-format export of one run at one grain (see the module docstring)."""
    if grain not in GRAINS:
        raise InputError(f"grain {grain!r} is not allowed", f"allowed grains: {', '.join(GRAINS)}")
    run = _run_row(con, run_id)
    scenario_id = run["parameters"].get("scenario_id") or "base"
    keys = GRAINS[grain]
    comp = _component_rows(con, run_id, scenario_id, keys)
    single = pl.col("n_series") == 1
    deterministic = pl.col("component").is_in(DETERMINISTIC_COMPONENTS)
    comp = comp.with_columns(
        pl.when(deterministic).then(pl.col("mean")).when(single).then(pl.col("p10_one")).alias("p10"),
        pl.when(deterministic).then(pl.col("mean")).when(single).then(pl.col("p50_one")).alias("p50"),
        pl.when(deterministic).then(pl.col("mean")).when(single).then(pl.col("p90_one")).alias("p90"),
        pl.when(deterministic)
        .then(pl.lit("deterministic"))
        .when(single)
        .then(pl.lit("series"))
        .otherwise(pl.lit("none"))
        .alias("quantile_basis"),
    ).select("month", *keys, "component", "mean", "p10", "p50", "p90", "quantile_basis")
    if grain in DRAW_GRAINS:
        total = _total_from_draws(con, run_id, scenario_id, keys).with_columns(pl.lit("draws").alias("quantile_basis"))
    else:
        total = (
            comp.group_by("month", *keys)
            .agg(pl.col("mean").sum())
            .with_columns(
                *[pl.lit(None, pl.Float64).alias(c) for c in ("p10", "p50", "p90")],
                pl.lit("none").alias("quantile_basis"),
            )
        )
    total = total.with_columns(pl.lit("total").alias("component")).select(comp.columns)
    frame = pl.concat(
        [
            comp.with_columns(pl.col(c).cast(pl.Float64) for c in ("mean", "p10", "p50", "p90")),
            total.with_columns(pl.col(c).cast(pl.Float64) for c in ("mean", "p10", "p50", "p90")),
        ],
        how="vertical_relaxed",
    )
    frame = frame.with_columns(pl.col("month").cast(pl.Date), *[pl.col(k).cast(pl.String) for k in keys])
    ccy = currency.lower()
    frame = frame.rename({c: f"{c}_{ccy}" for c in ("mean", "p10", "p50", "p90")})
    order = ["month", *keys, pl.col("component") == "total", "component"]
    return frame.sort(order, nulls_last=True).select(
        pl.lit(scenario_id).alias("scenario_id"),
        pl.lit(run_id).alias("run_id"),
        pl.lit(run["as_of"]).cast(pl.Date).alias("as_of_date"),
        pl.all(),
    )


def provenance(
    con: duckdb.DuckDBPyConnection, run_id: str, grain: str, currency: str, definition_yaml: str | None
) -> dict[str, str]:
    run = _run_row(con, run_id)
    p = run["parameters"]
    return {
        "scenario_id": p.get("scenario_id") or "base",
        "scenario_definition": definition_yaml or "base forecast (no adjustments)",
        "run_id": run_id,
        "as_of_date": run["as_of"].isoformat(),
        "run_created_at": run["created_at"].isoformat() if run["created_at"] else "",
        "horizon_months": str(run["horizon"]),
        "draws": str(p.get("draws", "")),
        "seed": str(p.get("seed", "")),
        "grain": grain,
        "reporting_currency": currency,
        "amounts": f"in {currency}, the reporting currency "
        f"(columns mean_{currency.lower()}, p10_..., p50_..., p90_...)",
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "warehouse_last_load": _warehouse_last_load(con) or "unknown",
        "quantile_basis": "draws: from summed draws; series: one series' own draws; deterministic: p10=p50=p90=mean; "
        "none: not derivable at this grain (sums of several series)",
        "text_cells": "text starting with = + - @ tab CR or LF is prefixed with an apostrophe (CSV, XLSX)",
    }


# ---------------------------------------------------------------- writers


def write_csv(frame: pl.DataFrame, meta: dict[str, str], out: Path) -> list[Path]:
    neutralise_frame(frame).write_csv(out, date_format="%Y-%m-%d")
    sidecar = out.with_name(out.name + ".json")
    sidecar.write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
    return [out, sidecar]


def write_parquet(frame: pl.DataFrame, meta: dict[str, str], out: Path) -> list[Path]:
    import pyarrow.parquet as pq

    table = frame.to_arrow()
    existing = table.schema.metadata or {}
    kv = {
        **existing,
        **{f"wipcast.{k}".encode(): v.encode() for k, v in meta.items()},
        b"wipcast.provenance": json.dumps(meta, ensure_ascii=False).encode(),
    }
    pq.write_table(table.replace_schema_metadata(kv), out)
    return [out]


def write_xlsx(frame: pl.DataFrame, meta: dict[str, str], out: Path) -> list[Path]:
    import xlsxwriter

    # Never let a string become a formula, a link or a number, whatever it looks like.
    book = xlsxwriter.Workbook(
        str(out), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    try:
        bold = book.add_format({"bold": True})
        date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
        money = book.add_format({"num_format": "#,##0.00"})
        sheet = book.add_worksheet("forecast")
        for j, name in enumerate(frame.columns):
            sheet.write_string(0, j, name, bold)
        safe = neutralise_frame(frame)
        kinds = [(t == pl.Date, t.is_numeric()) for t in safe.dtypes]
        for i, row in enumerate(safe.iter_rows(), start=1):
            for j, value in enumerate(row):
                if value is None:
                    continue
                is_date, is_num = kinds[j]
                if is_date:
                    sheet.write_datetime(i, j, dt.datetime.combine(value, dt.time()), date_fmt)
                elif is_num:
                    sheet.write_number(i, j, float(value), money)
                else:
                    sheet.write_string(i, j, str(value))
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(frame.height, 1), max(len(frame.columns) - 1, 0))
        about = book.add_worksheet("about")
        about.write_string(0, 0, "key", bold)
        about.write_string(0, 1, "value", bold)
        for i, (k, v) in enumerate(meta.items(), start=1):
            about.write_string(i, 0, k)
            about.write_string(i, 1, str(neutralise(v)))
        about.set_column(0, 0, 22)
        about.set_column(1, 1, 100)
    finally:
        book.close()
    return [out]


WRITERS = {"csv": write_csv, "xlsx": write_xlsx, "parquet": write_parquet}


def check_out_path(out: Path, fmt: str = "xlsx") -> None:
    """--out must name a file in an existing folder (a CSV export also writes <out>.json beside it)."""
    out = Path(out)
    taken = [p for p in (out, out.with_name(out.name + ".json") if fmt == "csv" else None) if p and p.is_dir()]
    if taken:
        raise InputError(
            f"--out {taken[0]} is an existing folder, not a file",
            f"give a file path, e.g. --out {out / f'forecast.{fmt}'}",
        )
    if not out.parent.exists():
        raise InputError(f"folder {out.parent} does not exist", "create it or choose another --out path")


def write_export(frame: pl.DataFrame, meta: dict[str, str], fmt: str, out: Path) -> list[Path]:
    if fmt not in WRITERS:
        raise InputError(f"format {fmt!r} is not allowed", f"allowed formats: {', '.join(FORMATS)}")
    out = Path(out)
    check_out_path(out, fmt)
    return WRITERS[fmt](frame, meta, out)


def export_bytes(frame: pl.DataFrame, meta: dict[str, str], fmt: str) -> bytes:
    """The same file in memory (the app's download buttons); CSV embeds no sidecar."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"export.{fmt}"
        write_export(frame, meta, fmt, path)
        return path.read_bytes()


def export_run(
    con: duckdb.DuckDBPyConnection, scenario_id: str, grain: str, currency: str, run_id: str | None = None
) -> tuple[pl.DataFrame, dict[str, str]]:
    """Frame and provenance for the latest successful run of a scenario ('base' = latest base forecast)."""
    from forecasting.scenarios.compare import resolve_run
    from forecasting.scenarios.tables import definition_of

    if run_id is None:
        run_id = resolve_run(con, scenario_id)["run_id"]
    currency = _run_row(con, run_id)["parameters"].get("reporting_currency") or currency
    frame = export_frame(con, run_id, grain, currency)
    definition = None if scenario_id == "base" else definition_of(con, scenario_id, run_id)
    return frame, provenance(con, run_id, grain, currency, definition)
