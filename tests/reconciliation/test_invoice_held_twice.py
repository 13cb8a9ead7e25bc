"""A firm whose PSA invoices also sit in its ERP (Harvest invoices synced to QuickBooks, say) is billed,
owed and paid once: every money mart equals the same firm holding each invoice once.

The generated firm is built twice from the same files. In the second, every invoice is held twice: the
PSA's row, now numbered, and an ERP row with the same number, lines and entity. Payments are split
three ways, as the two systems record them in practice: on both views (the same money twice), on the PSA's
view only (the ERP has not caught up), and on the ERP's view only."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from recon_build import build, load_raw, query  # noqa: E402

from simulator import generate  # noqa: E402

FIRM = dict(employees=12, months=8, as_of=dt.date(2026, 10, 31), fmt="parquet", seed=23)
SEEN = "2026-11-01 06:00:00+00:00"
MARTS = (
    "mart_receivables",
    "mart_dso_monthly",
    "mart_revenue_monthly",
    "mart_unbilled_exposure",
    "mart_close_control_monthly",
    "mart_time_reconciliation_monthly",
    "mart_invoice_reconciliation",
)


def _hold_every_invoice_twice(folder: Path, erp_lines: bool) -> None:
    """Each invoice again as the ERP's view; `erp_lines` False: the ERP holds the header only."""
    con = duckdb.connect()
    try:

        def rewrite(name: str, sql: str) -> None:
            path = folder / f"{name}.parquet"
            con.execute(f"create table {name} as select * from read_parquet('{path}')")
            con.execute(f"copy ({sql}) to '{path}' (format parquet)")

        rewrite(
            "invoices",
            "select * replace (invoice_id as invoice_number) from invoices union all "
            "select * replace ('ERP-' || invoice_id as invoice_id, invoice_id as invoice_number, "
            "'erp' as source_system) from invoices",
        )
        if erp_lines:
            rewrite(
                "invoice_lines",
                "select * from invoice_lines union all "
                "select * replace ('ERP-' || invoice_line_id as invoice_line_id, 'ERP-' || invoice_id as invoice_id, "
                "'erp' as source_system) from invoice_lines",
            )
        # by invoice, so that all of an invoice's payments sit where its case says
        case = "hash(invoice_id) % 3"
        rewrite(
            "payments",
            f"select * from payments where {case} in (0, 1) union all "
            "select * replace ('ERP-' || payment_id as payment_id, 'ERP-' || invoice_id as invoice_id) "
            f"from payments where {case} in (0, 2)",
        )
        counts = con.execute(f"select {case} as kind, count(*) from payments group by kind order by kind").fetchall()
    finally:
        con.close()
    assert [kind for kind, n in counts if n > 0] == [0, 1, 2], f"every payment case occurs: {counts}"


def _build(root: Path, work: Path, twice: bool, erp_lines: bool = True) -> Path:
    folder = root / "firm"
    generate(folder, **FIRM)
    if twice:
        _hold_every_invoice_twice(folder, erp_lines)
    db = root / "work.duckdb"
    load_raw(db, folder)
    build(db, work, SEEN, select=" ".join(f"+{m}" for m in MARTS))
    return db


@pytest.fixture(scope="module")
def dbs(tmp_path_factory) -> tuple[Path, Path, Path]:
    """The firm holding each invoice once, twice, and twice with the ERP's view a header only."""
    work = tmp_path_factory.mktemp("held-dbt")  # one dbt target folder: later builds re-use the parse
    return (
        _build(tmp_path_factory.mktemp("held-once"), work, False),
        _build(tmp_path_factory.mktemp("held-twice"), work, True),
        _build(tmp_path_factory.mktemp("held-twice-headers"), work, True, erp_lines=False),
    )


def _rows(db: Path, sql: str) -> list[tuple]:
    """Sorted rows; floats (DSO days, hours) to 9 places, as summing in another order moves the 16th digit."""
    rows = [tuple(round(v, 9) if isinstance(v, float) else v for v in row) for row in query(db, sql)]
    return sorted(rows, key=repr)


def test_receivables_count_each_invoice_once_from_the_erp_view(dbs) -> None:
    once, twice, _ = dbs
    columns = "invoice_amount, paid_amount, open_amount, ageing_bucket, days_past_due, open_amount_reporting"
    expected = _rows(once, f"select invoice_id, {columns} from marts.mart_receivables")
    got = _rows(twice, f"select replace(invoice_id, 'ERP-', ''), {columns} from marts.mart_receivables")
    assert len(expected) > 20
    assert got == expected
    assert query(twice, "select count(*) from marts.mart_receivables where invoice_id not like 'ERP-%'") == [(0,)]
    paid = query(once, "select sum(paid_amount) from marts.mart_receivables")[0][0]
    assert paid > 0
    assert query(twice, "select sum(paid_amount) from marts.mart_receivables")[0][0] == paid


@pytest.mark.parametrize(
    "mart, key",
    [
        ("mart_dso_monthly", "month_start"),
        ("mart_revenue_monthly", "project_id, month_start"),
        ("mart_unbilled_exposure", "project_id"),
        ("mart_close_control_monthly", "entity_id, month_start"),
        ("mart_time_reconciliation_monthly", "project_id, work_month"),
    ],
)
@pytest.mark.parametrize("erp_lines", [True, False], ids=["erp-itemised", "erp-header-only"])
def test_money_marts_equal_the_firm_holding_each_invoice_once(dbs, mart: str, key: str, erp_lines: bool) -> None:
    once, twice = dbs[0], dbs[1] if erp_lines else dbs[2]
    # the close control's sync timestamps and exception counts describe the build, not the money
    skip = {"last_files_load_at", "last_connector_sync_at"}
    columns = [
        name
        for (name,) in query(
            once,
            "select column_name from information_schema.columns where table_schema = 'marts' "
            "and table_name = ? order by ordinal_position",
            [mart],
        )
        if name not in skip
    ]
    select = ", ".join(f'"{c}"' for c in columns)
    expected = _rows(once, f"select {select} from marts.{mart}")
    assert expected, mart
    assert _rows(twice, f"select {select} from marts.{mart}") == expected, f"{mart} by {key}"
    # (header only: billing reads the PSA's lines of each ERP invoice, int_invoice_lines_of_record)


def test_the_invoice_reconciliation_pairs_the_views_and_marks_the_erp_one(dbs) -> None:
    twice = dbs[1]
    views = query(
        twice,
        "select source_system, is_invoice_of_record, count(*), sum(case when other_views = 1 then 1 else 0 end), "
        "sum(abs(minus_other_view)) from marts.mart_invoice_reconciliation group by all order by source_system",
    )
    (canonical, erp) = views
    assert canonical[:2] == ("canonical", False) and erp[:2] == ("erp", True)
    assert canonical[2] == erp[2] == canonical[3] == erp[3]  # every view has exactly one other
    assert canonical[4] == erp[4] == 0  # and agrees with it
