"""A failing dbt test is reported by name, with its model and its first offending rows."""

from __future__ import annotations

import json

import duckdb

from wipcast.dbt_failures import failed_nodes
from wipcast.settings import load_settings


def test_failed_test_names_the_test_and_the_first_offending_rows(tmp_path):
    settings = load_settings({"warehouse_dir": tmp_path / "wh"}, cwd=tmp_path)
    settings.warehouse_dir.mkdir()
    con = duckdb.connect(str(settings.work_db))
    con.execute(
        "create table day_hours as select * from (values ('EMP1', date '2024-03-04', 26.0), "
        "('EMP2', date '2024-03-05', 25.5), ('EMP3', date '2024-03-06', 8.0)) t(employee_id, work_date, hours)"
    )
    con.close()
    target = settings.warehouse_dir / "dbt_target"
    target.mkdir()
    (target / "run_results.json").write_text(
        json.dumps(
            {
                "metadata": {"invocation_id": "abc"},
                "results": [
                    {"unique_id": "model.wipcast.fct_time_entries", "status": "success"},
                    {
                        "unique_id": "test.wipcast.no_more_than_24_hours_a_day.fct_time_entries.0123456789",
                        "status": "fail",
                        "failures": 2,
                        "compiled_code": "select employee_id, work_date from day_hours where hours > 24 order by 1",
                    },
                    {
                        "unique_id": "model.wipcast.mart_revenue_monthly",
                        "status": "error",
                        "message": "Runtime Error in model mart_revenue_monthly\nmore detail",
                    },
                ],
            }
        )
    )
    assert failed_nodes(settings) == [
        "test no_more_than_24_hours_a_day.fct_time_entries: 2 failing row(s), first: (EMP1, 2024-03-04), "
        "(EMP2, 2024-03-05)",
        "model mart_revenue_monthly: Runtime Error in model mart_revenue_monthly",
    ]
