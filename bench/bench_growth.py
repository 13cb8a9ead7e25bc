"""The pipeline's growth curve: time and peak memory of each step at several firm sizes, in one run.

    .venv/bin/python bench/bench_growth.py                       # 1,000 and 3,000 employees, 36 months
    .venv/bin/python bench/bench_growth.py --sizes 1000 3000 10000
    .venv/bin/python bench/bench_growth.py --sizes 300 1000 --months 24 --work /tmp/growth --keep

For each size: `wipcast demo generate` (Parquet), then in a fresh warehouse `wipcast ingest files`,
`wipcast transform`, `wipcast forecast` (2000 draws) and `wipcast publish`, each a child process timed with
GNU time (wall seconds, peak RSS of that child). Prints one row per size and step, the time entries of the
firm, seconds per million time entries, and, between consecutive sizes, the growth exponent of each step's
time and memory: log(t2/t1) / log(n2/n1), where 1 is linear in head count and above 1 worse than linear.
docs/scaling.md projects a 100,000-person firm from these figures.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
WIPCAST = str(Path(sys.executable).with_name("wipcast"))
GNU_TIME = "/usr/bin/time"
AS_OF = "2026-10-31"
STEPS = ("ingest", "transform", "forecast", "publish")


def _timed(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (GB) of one child process."""
    report = cwd / ".time"
    done = subprocess.run(
        [GNU_TIME, "-f", "%e %M", "-o", str(report), *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:3])} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    seconds, kilobytes = report.read_text().split()[-2:]
    return float(seconds), int(kilobytes) / 1024 / 1024


@dataclass
class Size:
    employees: int
    entries: int
    steps: dict[str, tuple[float, float]]  # step -> (seconds, peak GB)


def _time_entries(warehouse: Path) -> int:
    con = duckdb.connect(str(warehouse / "work.duckdb"), read_only=True)
    try:
        row = con.execute("select count(*) from raw_canonical.time_entries").fetchone()
        return int(row[0]) if row else 0
    finally:
        con.close()


def measure(size: int, months: int, work: Path) -> Size:
    firm, home = work / f"firm-{size}", work / f"wh-{size}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIPCAST_")}
    env["WIPCAST_WAREHOUSE_DIR"] = str(home / "warehouse")
    home.mkdir(parents=True, exist_ok=True)
    (home / "wipcast.toml").write_text(f'[wipcast]\nas_of = "{AS_OF}"\n')
    generate = [WIPCAST, "demo", "generate", "--out", str(firm), "--employees", str(size)]
    generate += ["--months", str(months), "--as-of", AS_OF, "--seed", "7"]
    steps = {"generate": _timed(generate, home, env)}
    steps["ingest"] = _timed([WIPCAST, "ingest", "files", str(firm)], home, env)
    steps["transform"] = _timed([WIPCAST, "transform"], home, env)
    steps["forecast"] = _timed([WIPCAST, "forecast", "--draws", "2000", "--seed", "1"], home, env)
    steps["publish"] = _timed([WIPCAST, "publish"], home, env)
    return Size(size, _time_entries(home / "warehouse"), steps)


def _exponent(a: float, b: float, n1: int, n2: int) -> float:
    return math.log(b / a) / math.log(n2 / n1) if a > 0 and b > 0 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 3000])
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--work", type=Path, help="folder for the firms and warehouses (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep --work afterwards")
    args = parser.parse_args()
    if not Path(GNU_TIME).exists():
        raise SystemExit(f"{GNU_TIME} not found: install Debian's `time` package")
    work = args.work or Path(tempfile.mkdtemp(prefix="wipcast-growth-"))
    try:
        results = [measure(size, args.months, work) for size in sorted(args.sizes)]
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{'employees':>9} {'entries':>11} {'step':<10} {'seconds':>8} {'s / M entries':>14} {'peak GB':>8}")
    for r in results:
        for step, (seconds, peak) in r.steps.items():
            per_million = seconds / (r.entries / 1e6)
            print(f"{r.employees:>9,} {r.entries:>11,} {step:<10} {seconds:>8.1f} {per_million:>14.1f} {peak:>8.2f}")
    for first, second in zip(results, results[1:], strict=False):
        n1, n2 = first.employees, second.employees
        parts = []
        for step in ("generate", *STEPS):
            (t1, m1), (t2, m2) = first.steps[step], second.steps[step]
            parts.append(f"{step} time {_exponent(t1, t2, n1, n2):.2f} memory {_exponent(m1, m2, n1, n2):.2f}")
        print(f"growth exponent {n1:,} -> {n2:,} employees (1 = linear): " + "; ".join(parts))


if __name__ == "__main__":
    main()
