"""A Parquet column whose physical type cannot hold the contract type losslessly is a structural
error naming file, column, found and expected type; lossless widenings load."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingest.files import ingest_files
from wipcast.errors import InputError

ENTRIES = {
    "time_entry_id": ["T1", "T2"],
    "employee_id": ["EMP1", "EMP2"],
    "project_id": ["P1", "P2"],
    "work_date": pa.array([dt.date(2024, 3, 4), dt.date(2024, 3, 5)]),
    "hours": [8.0, 2.5],
    "billable": [True, False],
    "approval_status": ["approved", "draft"],
    "invoice_id": pa.array([None, None], pa.string()),
    "erp_posted_at": pa.array([None, None], pa.timestamp("us", tz="UTC")),
    "updated_at": pa.array([dt.datetime(2024, 3, 8, 10, tzinfo=dt.UTC)] * 2, pa.timestamp("us", tz="UTC")),
}


def _write_entries(folder, **columns):
    (folder / "time_entries.parquet").unlink()
    pq.write_table(pa.table({**ENTRIES, **columns}), folder / "time_entries.parquet")


@pytest.mark.parametrize(
    ("column", "values", "found", "expected"),
    [
        ("hours", pa.array([True, True]), "bool", "number"),
        ("billable", pa.array([2, 0], pa.int64()), "int64", "boolean"),
        ("work_date", pa.array([dt.datetime(2024, 3, 4, 9), dt.datetime(2024, 3, 5)]), "timestamp[us]", "date"),
        ("employee_id", pa.array([1, 2], pa.int64()), "int64", "string"),
    ],
)
def test_a_lossy_physical_type_is_a_structural_error(
    settings, firm, make_folder, query, column, values, found, expected
):
    folder = make_folder(firm, fmt="parquet")
    _write_entries(folder, **{column: values})
    with pytest.raises(InputError) as caught:
        ingest_files(settings, folder, "run-types")
    message = caught.value.one_line()
    assert (
        f"time_entries.parquet: column {column} is {found} in the file but the contract type is {expected}" in message
    )
    assert not settings.work_db.exists()  # nothing was written


def test_lossless_widenings_load(settings, firm, make_folder, query):
    folder = make_folder(firm, fmt="parquet")
    _write_entries(
        folder,
        hours=pa.array([8, 2], pa.int32()),  # int -> number
        bill_rate=pa.array([Decimal("100.00"), None], pa.decimal128(9, 2)),  # decimal -> money
        approved_at=pa.array([dt.date(2024, 3, 8), None]),  # date -> timestamp
    )
    ingest_files(settings, folder, "run-widen")
    assert query("select time_entry_id, hours, bill_rate from raw_canonical.time_entries order by 1") == [
        ("T1", 8.0, Decimal("100.00")),
        ("T2", 2.0, None),
    ]


def test_a_column_named_in_the_wrong_case_gets_a_did_you_mean(settings, firm, make_folder):
    for row in firm["time_entries"]:
        row["HOURS"] = row.pop("hours")
    folder = make_folder(firm)
    with pytest.raises(
        InputError, match=r"column 'HOURS' is not in the contract for time_entries \(did you mean hours\?\)"
    ):
        ingest_files(settings, folder, "run-case")
