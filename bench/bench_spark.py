"""Benchmark the dbt build of one firm on DuckDB and on Spark local mode, side by side, in one run.

    .venv/bin/python bench/bench_spark.py                                  # 50 employees, 12 months
    .venv/bin/python bench/bench_spark.py --employees 10000 --months 36    # the 10,000-employee firm
    .venv/bin/python bench/bench_spark.py --masters 'local[1]' 'local[2]' 'local[4]' --work /tmp/b --keep

Generates the firm (`wipcast demo generate`), ingests it once (`wipcast ingest files`, DuckDB), and
then builds the same raw data, each in a fresh child process on its own copy of the working file:
1. DuckDB: `dbt build` without unit tests (models, snapshots, seeds, data tests), as `wipcast transform`;
2. Spark in local mode, once per `--masters` entry (local[1]: one core, local[2]: two, ...): session
   start, the raw copy to Parquet tables, then the same `dbt build` through dbt-spark's session method,
   with Spark's shuffle partitions at two per core (wipcast.warehouses.spark.shuffle_partitions).
Each line: seconds per phase (the work itself, not interpreter start-up) and the build's time as a
ratio of DuckDB's. The machine's cores are shared by every engine: on the 2-core box local[2] is
the most Spark can use.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-10-31"
BUILD = ["build", "--exclude-resource-type", "unit_test"]

CHILD = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from wipcast.settings import load_settings
from wipcast.transform import build_vars, run_dbt
kind, folder, _, master = sys.argv[1], Path(sys.argv[2]), sys.argv[3], sys.argv[4]
overrides = {"warehouse_dir": folder, "as_of": sys.argv[5], "warehouse_kind": kind}
if kind == "spark":
    overrides["spark_master"] = master
    overrides["spark_driver_memory"] = sys.argv[6]
settings = load_settings(overrides, cwd=folder.parent)
phases = {}
start = time.perf_counter()
if kind == "spark":
    from wipcast.warehouses import spark
    from wipcast.warehouses.spark_raw import sync_raw
    spark.session(settings)
    phases["session"] = time.perf_counter() - start
    mark = time.perf_counter()
    sync_raw(settings, "bench")
    phases["raw copy"] = time.perf_counter() - mark
mark = time.perf_counter()
run_dbt(settings, json.loads(sys.argv[7]), extra_vars=build_vars(settings, "bench"))
phases["dbt build"] = time.perf_counter() - mark
marts = 0
if kind == "spark":
    from wipcast.warehouses.spark_swap import generation_database
    database = generation_database("marts", "bench")
    for table in spark.tables(settings, database):
        marts += spark.sql(settings, f"select count(*) from {database}.{table}")[0][0]
else:
    import duckdb
    con = duckdb.connect(str(settings.work_db), read_only=True)
    tables = [r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts' and table_type = 'BASE TABLE'"
    ).fetchall()]
    marts = sum(con.execute(f'select count(*) from marts."{t}"').fetchall()[0][0] for t in tables)
    con.close()
print("BENCH " + json.dumps({"phases": phases, "seconds": time.perf_counter() - start, "mart_rows": marts}))
"""


def _wipcast(*args: str, env: dict[str, str] | None = None) -> None:
    subprocess.run([str(ROOT / ".venv" / "bin" / "wipcast"), *args], check=True, env=env, stdout=subprocess.DEVNULL)


def _raw_rows(work_db: Path) -> int:
    import duckdb

    con = duckdb.connect(str(work_db), read_only=True)
    try:
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw_canonical' "
            "and table_name not like '\\_dlt%' escape '\\'"
        ).fetchall()
        return sum(con.execute(f'select count(*) from raw_canonical."{t}"').fetchall()[0][0] for (t,) in tables)
    finally:
        con.close()


def _child(kind: str, folder: Path, master: str, memory: str) -> dict[str, Any]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(folder), str(ROOT), master, AS_OF, memory, json.dumps(BUILD)],
        capture_output=True,
        text=True,
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
    )
    line = next((x for x in result.stdout.splitlines() if x.startswith("BENCH ")), None)
    if result.returncode != 0 or line is None:
        raise SystemExit(f"{kind} {master} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    found: dict[str, Any] = json.loads(line[len("BENCH ") :])
    found["wall"] = time.perf_counter() - started
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=50)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--masters", nargs="+", default=["local[1]", "local[2]"])
    parser.add_argument("--driver-memory", default="4g", help="Spark driver heap (local mode: the whole engine)")
    parser.add_argument("--work", type=Path, help="Work folder (default: a temporary one, removed unless --keep).")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-spark-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        firm, base = work / "firm", work / "base"
        started = time.perf_counter()
        _wipcast(
            "demo",
            "generate",
            "--out",
            str(firm),
            "--employees",
            str(args.employees),
            "--months",
            str(args.months),
            "--as-of",
            AS_OF,
            "--seed",
            "7",
        )
        env = {**os.environ, "WIPCAST_WAREHOUSE_DIR": str(base)}
        _wipcast("ingest", "files", str(firm), env=env)
        rows = _raw_rows(base / "work.duckdb")
        print(
            f"firm: {args.employees:,} employees, {args.months} months, {rows:,} raw rows "
            f"(generated and ingested in {time.perf_counter() - started:.0f} s)"
        )
        runs: list[tuple[str, str, dict[str, Any]]] = []
        for kind, master in [("duckdb", "-"), *(("spark", m) for m in args.masters)]:
            folder = work / f"{kind}-{master.replace('[', '').replace(']', '').replace('*', 'all')}"
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            shutil.copyfile(base / "work.duckdb", folder / "work.duckdb")
            runs.append((kind, master, _child(kind, folder, master, args.driver_memory)))
            print(f"  {kind} {master}: {runs[-1][2]['seconds']:.0f} s", flush=True)
        duck = runs[0][2]["phases"]["dbt build"]
        print()
        print("| engine | cores | session start s | raw copy s | dbt build s | total s | build vs DuckDB | mart rows |")
        print("|---|---|---:|---:|---:|---:|---:|---:|")
        for kind, master, found in runs:
            p = found["phases"]
            cores = master.removeprefix("local[").removesuffix("]") if kind == "spark" else "all (2)"
            ratio = p["dbt build"] / duck
            print(
                f"| {kind if kind == 'duckdb' else 'spark ' + master} | {cores} | {p.get('session', 0):.1f} | "
                f"{p.get('raw copy', 0):.1f} | {p['dbt build']:.1f} | {found['seconds']:.1f} | "
                f"{ratio:.1f}x | {found['mart_rows']:,} |"
            )
    finally:
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
