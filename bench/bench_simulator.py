"""Benchmark of the demo firm simulator: rows, seconds, rows per second and peak memory.

    .venv/bin/python bench/bench_simulator.py            # 150 x 30 and 10,000 x 36
    .venv/bin/python bench/bench_simulator.py --only-small

Each size runs in its own process so that its peak RSS is its own. Files go to a temporary
folder that is removed afterwards (pass --keep DIR to keep them).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

SIZES = (("small", 150, 30), ("large", 10_000, 36))

CHILD = """
import dataclasses, json, resource, sys
from simulator import generate
firm = generate(sys.argv[1], employees=int(sys.argv[2]), months=int(sys.argv[3]), seed=7, fmt=sys.argv[4])
s = dataclasses.asdict(firm)
s["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(s, default=str))
"""


def run(name: str, employees: int, months: int, fmt: str, out: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(out), str(employees), str(months), fmt],
        capture_output=True,
        text=True,
        check=True,
    )
    s = json.loads(proc.stdout.strip().splitlines()[-1])
    size_mb = sum(f.stat().st_size for f in out.iterdir()) / 1e6
    return {
        "name": name,
        "employees": employees,
        "months": months,
        "rows": s["total_rows"],
        "time_entries": s["rows"]["time_entries"],
        "seconds": s["seconds"],
        "rows_per_s": s["total_rows"] / max(s["seconds"], 1e-9),
        "peak_rss_mb": s["peak_rss_mb"],
        "disk_mb": size_mb,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only-small", action="store_true")
    ap.add_argument("--format", default="parquet", choices=("parquet", "csv"))
    ap.add_argument("--keep", type=Path, default=None, help="keep the generated folders under this directory")
    args = ap.parse_args()
    sizes = SIZES[:1] if args.only_small else SIZES
    print(
        f"{'size':<6} {'employees':>9} {'months':>6} {'rows':>12} {'time_entries':>12} {'seconds':>8} "
        f"{'rows/s':>10} {'peak_rss_mb':>11} {'disk_mb':>8}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        for name, employees, months in sizes:
            r = run(name, employees, months, args.format, base / f"demo_{name}")
            print(
                f"{r['name']:<6} {r['employees']:>9,} {r['months']:>6} {r['rows']:>12,} {r['time_entries']:>12,} "
                f"{r['seconds']:>8.1f} {r['rows_per_s']:>10,.0f} {r['peak_rss_mb']:>11,.0f} {r['disk_mb']:>8,.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
