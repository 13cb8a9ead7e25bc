"""End to end: `make build` at a small scale on a clean warehouse, then a failed run that must not touch it."""

import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e")]


def _env(warehouse: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIPCAST_")}
    env["WIPCAST_WAREHOUSE_DIR"] = str(warehouse)
    return env


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("e2e")
    warehouse, demo = base / "warehouse", base / "demo"
    result = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "build",
            f"DEMO_DIR={demo}",
            "DEMO_ARGS=--employees 25 --months 14 --as-of 2026-10-31 --seed 11 --erp-invoices",
            "BACKTEST_FROM=2026-08",
            "BACKTEST_TO=2026-09",
        ],
        cwd=ROOT,
        env=_env(warehouse),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return warehouse, demo


def test_build_publishes_a_complete_warehouse(built):
    warehouse, _ = built
    con = duckdb.connect(str(warehouse / "wipcast.duckdb"), read_only=True)
    try:
        steps = dict(
            con.execute(
                "select step, status from ops.run_log "
                "where run_id = (select max(run_id) from ops.run_log where step = 'ingest')"
            ).fetchall()
        )
        assert steps == {"ingest": "success", "transform": "success", "forecast": "success", "publish": "success"}
        for table in (
            "dim_project",
            "fct_time_entries",
            "mart_revenue_monthly",
            "mart_utilization_weekly",
            "mart_unbilled_exposure",
        ):
            assert con.execute(f"select count(*) from marts.{table}").fetchone()[0] > 0, table
        assert con.execute("select count(*) from forecast.runs").fetchone()[0] >= 2  # forecast plus backtest as-of runs
        # Counts reconcile for every file that was loaded.
        bad = con.execute(
            "select count(*) from ops.load_log where rows_read <> rows_loaded + rows_quarantined"
        ).fetchone()[0]
        assert bad == 0
    finally:
        con.close()


def test_failed_run_leaves_published_warehouse_untouched(built, tmp_path):
    warehouse, demo = built
    before = (warehouse / "wipcast.duckdb").read_bytes()
    broken = tmp_path / "broken"
    shutil.copytree(demo, broken)
    for f in broken.glob("projects.*"):
        f.unlink()
    wipcast = str(ROOT / ".venv" / "bin" / "wipcast")
    result = subprocess.run(
        [wipcast, "run", "--input", str(broken)],
        cwd=ROOT,
        env=_env(warehouse),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 1
    assert "projects" in result.stderr
    assert (warehouse / "wipcast.duckdb").read_bytes() == before


def test_readme_sql_runs_on_the_published_warehouse(built):
    """The analyst examples in README.md and docs/marts.md are real queries, not prose."""
    import re

    warehouse, _ = built
    blocks = []
    for doc in ("README.md", "docs/marts.md"):
        blocks += re.findall(r"```sql\n(.*?)```", (ROOT / doc).read_text(), flags=re.S)
    statements = [
        s.strip()
        for block in blocks
        for s in block.split(";")
        if s.strip() and not s.strip().startswith("--") or re.search(r"\bselect\b", s)
    ]
    statements = [s for s in statements if re.search(r"\bselect\b", s, flags=re.I)]
    assert len(statements) >= 10
    con = duckdb.connect(str(warehouse / "wipcast.duckdb"), read_only=True)
    try:
        for sql in statements:
            con.execute(sql).fetchall()
    finally:
        con.close()
