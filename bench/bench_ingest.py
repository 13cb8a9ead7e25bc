"""Benchmark `wipcast ingest files`: N synthetic time entries plus the minimal parents.

    .venv/bin/python bench/bench_ingest.py                 # 1,000,000 time entries, Parquet
    .venv/bin/python bench/bench_ingest.py --rows 10000000
    .venv/bin/python bench/bench_ingest.py --format csv --keep /tmp/bench

Generates a contract-valid folder with numpy/pyarrow (no Python loop per row), then times
a first load into an empty warehouse and an idempotent re-load of the same folder, and
prints rows, seconds and rows/s for each, with the time spent per phase.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.files import ingest_files  # noqa: E402
from wipcast.settings import Settings  # noqa: E402


def _ids(prefix: str, numbers: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pc.cast(pa.array(numbers), pa.string()), "")


def time_entries(n: int, employees: int, projects: int, seed: int = 7) -> pa.Table:
    rng = np.random.default_rng(seed)
    base_day = np.datetime64("2024-01-01")
    work_date = base_day + rng.integers(0, 730, n).astype("timedelta64[D]")
    approved = rng.random(n) < 0.85
    approved_at = (
        work_date.astype("datetime64[s]") + np.timedelta64(3, "D") + rng.integers(0, 86400, n).astype("timedelta64[s]")
    )
    statuses = pa.array(["draft", "submitted", "approved", "rejected"])
    status_idx = np.where(approved, 2, rng.integers(0, 4, n))
    own_rate = rng.random(n) < 0.05
    tz = pa.timestamp("us", tz="UTC")
    return pa.table(
        {
            "time_entry_id": _ids("TE", np.arange(n)),
            "employee_id": _ids("EMP", rng.integers(0, employees, n)),
            "project_id": _ids("P", rng.integers(0, projects, n)),
            "work_date": pa.array(work_date, pa.date32()),
            "hours": pa.array(rng.choice([1.0, 2.0, 4.0, 6.0, 7.5, 8.0], n)),
            "billable": pa.array(rng.random(n) < 0.75),
            "approval_status": statuses.take(pa.array(status_idx)),
            "approved_at": pa.array(approved_at.astype("datetime64[us]"), tz, mask=~(status_idx == 2)),
            "bill_rate": pa.array(np.round(rng.uniform(100, 250, n), 2), pa.float64(), mask=~own_rate).cast(
                pa.decimal128(18, 4)
            ),
            "invoice_id": pa.nulls(n, pa.string()),
            "erp_posted_at": pa.nulls(n, tz),
            "updated_at": pa.array(approved_at.astype("datetime64[us]"), tz),
        }
    )


def parents(employees: int, projects: int) -> dict[str, pa.Table]:
    def t(**cols):
        return pa.table({k: pa.array(v) if not isinstance(v, pa.Array) else v for k, v in cols.items()})

    e = np.arange(employees)
    p = np.arange(projects)
    return {
        "legal_entities": t(entity_id=["E1"], name=["Firm Inc"], country=["US"], currency=["USD"]),
        "customers": t(customer_id=["C1"], name=["Acme"], country=["US"], region=["NA"]),
        "employees": t(
            employee_id=_ids("EMP", e),
            name=_ids("Person ", e),
            email=pa.nulls(employees, pa.string()),
            role=["consultant"] * employees,
            practice=["Data"] * employees,
            region=["NA"] * employees,
            entity_id=["E1"] * employees,
            employment_type=["employee"] * employees,
            hire_date=pa.array(np.full(employees, np.datetime64("2020-01-01")), pa.date32()),
            termination_date=pa.nulls(employees, pa.date32()),
            weekly_capacity_hours=[40.0] * employees,
            cost_rate=[60.0] * employees,
            utilization_target=[0.8] * employees,
        ),
        "projects": t(
            project_id=_ids("P", p),
            name=_ids("Project ", p),
            customer_id=["C1"] * projects,
            entity_id=["E1"] * projects,
            practice=["Data"] * projects,
            billing_type=["time_and_materials"] * projects,
            currency=["USD"] * projects,
            contract_value=pa.nulls(projects, pa.float64()),
            budget_hours=[1000.0] * projects,
            start_date=pa.array(np.full(projects, np.datetime64("2024-01-01")), pa.date32()),
            end_date=pa.nulls(projects, pa.date32()),
            status=["active"] * projects,
        ),
        "rate_cards": t(
            rate_card_id=["RC1"],
            project_id=pa.nulls(1, pa.string()),
            role=["consultant"],
            bill_rate=[150.0],
            currency=["USD"],
            valid_from=["2020-01-01"],
            valid_to=pa.nulls(1, pa.string()),
        ),
        "assignments": t(
            assignment_id=["A1"],
            project_id=["P0"],
            employee_id=["EMP0"],
            role=["consultant"],
            start_date=["2024-01-01"],
            end_date=["2024-12-31"],
            hours_per_week=[40.0],
            updated_at=["2024-01-01T00:00:00Z"],
        ),
        "milestones": t(
            milestone_id=["M1"],
            project_id=["P0"],
            name=["Go-live"],
            amount=[1000.0],
            due_date=["2024-06-30"],
            completed_date=pa.nulls(1, pa.string()),
            invoice_id=pa.nulls(1, pa.string()),
        ),
        "invoices": t(
            invoice_id=["I1"],
            customer_id=["C1"],
            project_id=["P0"],
            entity_id=["E1"],
            invoice_date=["2024-01-31"],
            due_date=["2024-03-01"],
            currency=["USD"],
            amount=[1000.0],
            status=["open"],
            updated_at=["2024-01-31T00:00:00Z"],
        ),
        "invoice_lines": t(
            invoice_line_id=["L1"],
            invoice_id=["I1"],
            project_id=["P0"],
            line_type=["other"],
            hours=pa.nulls(1, pa.float64()),
            amount=[1000.0],
        ),
        "payments": t(payment_id=["PAY1"], invoice_id=["I1"], payment_date=["2024-02-20"], amount=[1000.0]),
        "opportunities": t(
            opportunity_id=["O1"],
            customer_id=["C1"],
            account_name=["Acme"],
            name=["Deal"],
            practice=["Data"],
            region=["NA"],
            currency=["USD"],
            amount=[5000.0],
            stage=["won"],
            probability=[1.0],
            created_date=["2023-10-01"],
            close_date=["2023-12-01"],
            expected_start_date=["2024-01-01"],
            expected_duration_weeks=[12.0],
            status=["won"],
            project_id=["P0"],
            updated_at=["2023-12-01T00:00:00Z"],
        ),
        "fx_rates": t(rate_date=["2024-01-01"], currency=["USD"], rate_to_reporting=[1.0]),
        "holidays": t(holiday_date=["2024-12-25"], region=["NA"], name=["Christmas Day"]),
        "revenue_targets": t(month=["2024-01-01"], practice=["Data"], region=["NA"], amount=[100000.0]),
    }


def write_folder(folder: Path, rows: int, fmt: str) -> None:
    employees = max(100, rows // 2000)
    projects = max(50, rows // 5000)
    tables = parents(employees, projects)
    tables["time_entries"] = time_entries(rows, employees, projects)
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        if fmt == "csv":
            pacsv.write_csv(table, folder / f"{name}.csv")
        else:
            pq.write_table(table, folder / f"{name}.parquet")


def timed_ingest(settings: Settings, folder: Path, run_id: str) -> tuple[float, dict[str, float], object]:
    phases: dict[str, float] = defaultdict(float)
    last = [time.perf_counter(), "start"]

    def progress(description: str, completed: float, total: float) -> None:
        now = time.perf_counter()
        phases[last[1].split(" ")[0]] += now - last[0]
        last[0], last[1] = now, description

    start = time.perf_counter()
    result = ingest_files(settings, folder, run_id, progress=progress)
    return time.perf_counter() - start, dict(phases), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="time entries (default 1,000,000; try 10,000,000)")
    parser.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary folder)")
    args = parser.parse_args()

    root = args.keep or Path(tempfile.mkdtemp(prefix="wipcast-bench-"))
    try:
        folder = root / "input"
        t0 = time.perf_counter()
        write_folder(folder, args.rows, args.format)
        print(f"generated {args.rows:,} time entries as {args.format} in {time.perf_counter() - t0:.1f} s")
        settings = Settings(warehouse_dir=root / "warehouse")
        for label, run_id in (("first load", "bench-1"), ("re-load (idempotent)", "bench-2")):
            seconds, phases, result = timed_ingest(settings, folder, run_id)
            rows = result.rows_read
            detail = ", ".join(f"{k} {v:.1f}s" for k, v in phases.items() if k != "start")
            print(
                f"{label:22s} rows={rows:,} seconds={seconds:.1f} rows/s={rows / seconds:,.0f} "
                f"loaded={result.rows_loaded:,} quarantined={result.rows_quarantined:,} [{detail}]"
            )
        import duckdb

        con = duckdb.connect(str(settings.work_db), read_only=True)
        count = con.execute("select count(*) from raw_canonical.time_entries").fetchall()[0][0]
        con.close()
        print(f"raw_canonical.time_entries holds {count:,} rows after both loads")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
