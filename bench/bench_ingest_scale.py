"""Benchmark `wipcast ingest files` on a real folder against DuckDB's own load of the same files.

    .venv/bin/wipcast demo generate --employees 10000 --months 36 --out /tmp/firm10k
    .venv/bin/python bench/bench_ingest_scale.py /tmp/firm10k
    .venv/bin/python bench/bench_ingest_scale.py /tmp/firm10k --work /tmp/bench --keep
    .venv/bin/python bench/bench_ingest_scale.py        # generates a 1,000-employee firm first

Works on a copy of the folder's data files (the folder itself is never changed) and measures, in
one run, each in a fresh child process (so peak memory is the child's own ru_maxrss):
1. DuckDB's own load: `create table <entity> as select * from read_parquet(<file>)` (read_csv for
   CSV) of every file into an empty database, the figure the ingest is compared with;
2. the first ingest into an empty warehouse;
3. a re-ingest of the unchanged folder;
4. a re-ingest after changing 1% of the time entries' hours and adding 1% new time entries.
Each line: rows read, seconds (the work itself, not interpreter start-up), rows/s, speed as a
ratio of DuckDB's own load (above 1: faster), peak RSS, rows written, and where the time went.
A small ingest runs first so that the children find Python bytecode cached (in the work folder),
as an installed Python has after its first run (PYTHONDONTWRITEBYTECODE is ignored for them).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

DUCKDB_CHILD = """
import json, resource, sys, time
from pathlib import Path
import duckdb
folder, db = Path(sys.argv[1]), sys.argv[2]
con = duckdb.connect(db)
con.execute("SET enable_progress_bar = false")
rows = 0
start = time.perf_counter()
for path in sorted(folder.iterdir()):
    reader = {".parquet": "read_parquet", ".csv": "read_csv"}.get(path.suffix)
    if reader and not path.name.startswith(("_", ".")):
        con.execute(f"create table {path.stem} as select * from {reader}('{path}')")
        rows += con.execute(f"select count(*) from {path.stem}").fetchall()[0][0]
con.close()
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"rows": rows, "seconds": seconds, "peak": peak, "written": rows, "phases": {}}))
"""

INGEST_CHILD = """
import json, resource, sys, time
from collections import defaultdict
from pathlib import Path
sys.path.insert(0, sys.argv[4])
from ingest.files import ingest_files
from wipcast.settings import Settings
folder, warehouse, run_id = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
phases = defaultdict(float)
last = [time.perf_counter(), "start"]
def progress(description, done, total):
    now = time.perf_counter()
    phases[last[1].split(" ")[0]] += now - last[0]
    last[0], last[1] = now, description
start = time.perf_counter()
result = ingest_files(Settings(warehouse_dir=warehouse), folder, run_id, progress=progress)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
phases.pop("start", None)
print(json.dumps({"rows": result.rows_read, "seconds": seconds, "peak": peak, "written": result.rows_merged,
                  "quarantined": result.rows_quarantined, "phases": dict(phases)}))
"""

# 1% of the time entries get other hours, and 1% more are added (copies of existing entries under new
# ids, half an hour each), spread through the file; written over time_entries.<ext>.
CHANGE_SQL = """
create or replace temp table entries as select * from {reader}('{path}');
create or replace temp table changed as
select * replace (case when row_number() over () % 100 = 7
                       then (case when hours <= 23.5 then hours + 0.25 else hours - 0.25 end)
                       else hours end as hours)
from entries
union all
select * replace ('NEW-' || time_entry_id as time_entry_id, 0.5 as hours)
from entries where hash(time_entry_id) % 100 = 3;
copy changed to '{tmp}' ({fmt});
"""


WARM_CHILD = """
import json, sys, tempfile
from pathlib import Path
sys.path.insert(0, sys.argv[1])
sys.path.insert(0, str(Path(sys.argv[1]) / "bench"))
from bench_ingest import write_folder
from ingest.files import ingest_files
from wipcast.settings import Settings
root = Path(tempfile.mkdtemp(dir=sys.argv[2]))
write_folder(root / "input", 2_000, "parquet")
ingest_files(Settings(warehouse_dir=root / "warehouse"), root / "input", "warm")
print(json.dumps({}))
"""

# Children compile Python once and keep the bytecode (in the work folder), as any installed Python does
# after its first run: where PYTHONDONTWRITEBYTECODE is set, dlt alone would compile for a second per run.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _child(code: str, *args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT, env=ENV)
    if done.returncode:
        raise SystemExit(f"child failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


CHANGE_CHILD = """
import json, sys
import duckdb
from pathlib import Path
sql, path, tmp = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
for statement in sql.split(";"):
    if statement.strip():
        con.execute(statement)
added = con.execute("select (select count(*) from changed) - (select count(*) from entries)").fetchall()[0][0]
con.close()
tmp.replace(path)
print(json.dumps({"added": added}))
"""


def change_one_percent(folder: Path) -> int:
    """In a child process too: a child inherits its parent's peak memory (ru_maxrss survives fork
    and exec), so the parent must never grow."""
    path = next(p for p in folder.iterdir() if p.stem == "time_entries")
    reader, fmt = ("read_parquet", "format parquet") if path.suffix == ".parquet" else ("read_csv", "format csv")
    tmp = path.with_name(f"_changed{path.suffix}")
    sql = CHANGE_SQL.format(reader=reader, path=path, tmp=tmp, fmt=fmt)
    return int(_child(CHANGE_CHILD, sql, str(path), str(tmp))["added"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "folder", type=Path, nargs="?", help="a folder of contract files (default: generate a demo firm)"
    )
    parser.add_argument("--employees", type=int, default=1000, help="size of the generated firm (default 1,000)")
    parser.add_argument("--work", type=Path, help="work in this folder (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()

    root = args.work or Path(tempfile.mkdtemp(prefix="wipcast-bench-scale-"))
    if root.exists() and any(root.iterdir()):
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    try:
        if args.folder is None:
            args.folder = root / "generated"
            wipcast = Path(sys.executable).with_name("wipcast")
            generate = ["demo", "generate", "--employees", str(args.employees), "--months", "24"]
            subprocess.run([str(wipcast), *generate, "--out", str(args.folder)], check=True, capture_output=True)
        folder = root / "input"
        folder.mkdir()
        for path in sorted(args.folder.iterdir()):
            if path.suffix in (".csv", ".parquet") and not path.name.startswith(("_", ".")):
                shutil.copyfile(path, folder / path.name)
        size = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        files = len(list(folder.iterdir()))
        warehouse = root / "warehouse"
        ENV["PYTHONPYCACHEPREFIX"] = str(root / "pycache")
        _child(WARM_CHILD, str(ROOT), str(root))  # a small ingest first: bytecode for every module it needs
        runs: list[tuple[str, dict[str, Any]]] = []
        runs.append(("DuckDB's own load", _child(DUCKDB_CHILD, str(folder), str(root / "duckdb.duckdb"))))
        (root / "duckdb.duckdb").unlink()
        ingest = (str(folder), str(warehouse))
        runs.append(("first load", _child(INGEST_CHILD, *ingest, "bench-1", str(ROOT))))
        runs.append(("re-load, unchanged", _child(INGEST_CHILD, *ingest, "bench-2", str(ROOT))))
        added = change_one_percent(folder)
        runs.append(("re-load, 1% changed", _child(INGEST_CHILD, *ingest, "bench-3", str(ROOT))))
        load = " / ".join(f"{v:.1f}" for v in os.getloadavg())
        print(
            f"{args.folder}: {files} files, {size:,.0f} MB; the 1% change adds {added:,} entries; load average {load}"
        )
        base = float(runs[0][1]["seconds"])
        print(
            f"| {'run':22s} | {'rows':>11s} | {'seconds':>7s} | {'rows/s':>10s} | {'vs DuckDB':>9s} "
            f"| {'peak RSS':>8s} | {'rows written':>12s} |"
        )
        print(f"|{'-' * 24}|{'-' * 13}|{'-' * 9}|{'-' * 12}|{'-' * 11}|{'-' * 10}|{'-' * 14}|")
        for label, r in runs:
            seconds, rows = float(r["seconds"]), int(r["rows"])
            peak, written = int(r["peak"]), int(r["written"])
            print(
                f"| {label:22s} | {rows:11,} | {seconds:7.1f} | {rows / seconds:10,.0f} | {base / seconds:8.2f}x "
                f"| {peak / 2**30:5.2f} GB | {written:12,} |"
            )
        first, changed = float(runs[1][1]["seconds"]), float(runs[3][1]["seconds"])
        highest = max(int(r["peak"]) for _, r in runs[1:]) / 2**30
        print(
            f"first load {base / first:.2f}x DuckDB's speed (target 0.5x); unchanged re-load "
            f"{base / float(runs[2][1]['seconds']):.2f}x (target 0.5x); 1% change re-load {first / changed:.2f}x "
            f"faster than the first load (target 2x); peak RSS {highest:.2f} GB "
            "(target 2 GB)"
        )
        for label, r in runs[1:]:
            phases = ", ".join(f"{k} {v:.1f} s" for k, v in dict(r["phases"]).items() if v >= 0.05)
            print(textwrap.fill(f"{label}: {phases}", 110))
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
