"""Downloads a finance user can hand on (app/downloads.py): CSV and XLSX with the on-screen headers, money to
cents rounded half away from zero, a header block saying what the table is, formulas neutralised. Expected
values are worked out by hand; the XLSX is read back with openpyxl."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io

import openpyxl
import pandas as pd
import pytest
from app_helpers import no_exception, open_page

from app import downloads, formatting, ui

EXPORTED = dt.datetime(2026, 12, 1, 21, 5, tzinfo=dt.UTC)
CONTEXT = downloads.ExportContext(
    page="Unbilled exposure",
    table="exposure by project",
    as_of=dt.date(2026, 10, 31),
    run_id="run-202610",
    run_as_of=dt.date(2026, 10, 31),
    filters="Practice: Data, Cloud; Legal entity: Acme Ltd",
    currency="USD",
    exported_at=EXPORTED,
)
HYPERLINK = '=HYPERLINK("http://evil.example/x","click")'


def sample() -> tuple[pd.DataFrame, ui.ColumnConfigs]:
    frame = pd.DataFrame(
        {
            "project": [HYPERLINK, "Acme rollout", "Beta"],
            "value": [1234.565, 0.125, -2.675],
            "hours": [7.125, 0.5, 1.0],
            "margin_pct": [0.2345, 0.5, -0.1],
            "project_id": ["P001", "P002", "P003"],
            "ratio": [1 / 3, 0.5, 2.0],
        }
    )
    config: ui.ColumnConfigs = {
        "project": "Project",
        "value": formatting.money_column("Value", "USD"),
        "hours": formatting.hours_column("Hours"),
        "margin_pct": formatting.percent_column("Margin %"),
        "project_id": None,  # hidden on screen
        "ratio": "Ratio",
    }
    return frame, config


def read_csv(content: bytes) -> tuple[list[list[str]], list[list[str]]]:
    """(the header block's rows, the table's rows with its header row first), split at the one blank row."""
    text = content.decode("utf-8-sig")
    head, _, table = text.partition("\n\n")
    return list(csv.reader(io.StringIO(head))), list(csv.reader(io.StringIO(table)))


def read_xlsx(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


# ---------------------------------------------------------------- rounding


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # Rule: half away from zero on the value's shortest decimal repr (what Python prints), not on its binary
        # value: 2.675 is stored as 2.67499999999999982236431605997495353221893310546875, round() gives 2.67.
        (1234.565, "1234.57"),
        (0.125, "0.13"),  # banker's rounding would give 0.12
        (-2.675, "-2.68"),  # away from zero, and not the binary value just below (-2.67)
        (2.675, "2.68"),
        (1.005, "1.01"),  # binary 1.00499999999999989...
        (-0.004, "0.00"),  # no negative zero
        (12, "12.00"),
        (5294084.430000001, "5294084.43"),
    ],
)
def test_money_rounds_to_cents_half_away_from_zero(value, expected):
    assert downloads.round_half_away(value, 2) == decimal.Decimal(expected)
    assert str(downloads.round_half_away(value, 2)) == expected


@pytest.mark.parametrize("value", [None, float("nan"), float("inf"), pd.NA])
def test_a_missing_amount_stays_missing(value):
    assert downloads.round_half_away(value, 2) is None


def test_the_money_hours_and_percent_columns_are_the_ones_formatting_makes():
    assert downloads.column_kind(formatting.money_column("Value", "USD")) == "money"
    assert downloads.column_kind(formatting.money_column("Value", "EUR")) == "money"
    assert downloads.column_kind(formatting.money_column("Value", "CHF")) == "money"  # "accounting"
    assert downloads.column_kind(formatting.hours_column("Billable")) == "hours"
    assert downloads.column_kind(formatting.percent_column("Margin %")) == "percent"
    assert downloads.column_kind("Value") is None
    assert downloads.column_kind(None) is None
    import streamlit as st

    assert downloads.column_kind(st.column_config.NumberColumn("Rows", format="localized")) is None
    assert downloads.column_kind(st.column_config.NumberColumn("DSO (days)", format="%.1f")) is None


# ---------------------------------------------------------------- CSV


def test_csv_has_the_header_block_a_blank_row_then_the_table_under_the_on_screen_labels():
    frame, config = sample()
    block, table = read_csv(downloads.csv_file(frame, config, CONTEXT))
    assert dict(block) == {
        "Page": "Unbilled exposure",
        "Table": "exposure by project",
        "Data as of": "2026-10-31",
        "Forecast run": "run-202610 (as of 2026-10-31)",
        "Filters": "Practice: Data, Cloud; Legal entity: Acme Ltd",
        "Reporting currency": "USD",
        "Exported at": "2026-12-01 21:05:00 UTC",
        "Rounding": "money to cents and hours to 2 decimals, half away from zero",
    }
    assert all(len(row) == 2 for row in block)
    # The labels as the table shows them (money_column("Value", "USD") is "Value"; hours_column adds " (h)").
    assert table[0] == ["Project", "Value", "Hours (h)", "Margin %", "Ratio"]
    assert "project_id" not in table[0] and "P001" not in {cell for row in table for cell in row}
    assert [row[1] for row in table[1:]] == ["1234.57", "0.13", "-2.68"]
    assert [row[2] for row in table[1:]] == ["7.13", "0.50", "1.00"]  # hours: 2 decimals, 7.125 away from zero
    assert [row[3] for row in table[1:]] == ["0.2345", "0.5", "-0.1"]  # a percent is its ratio, as today
    assert table[1][4] == "0.333333"  # other floats: 6 decimals, as today


def test_a_money_column_of_mixed_cells_rounds_its_numbers_and_keeps_the_rest():
    frame = pd.DataFrame({"value": [decimal.Decimal("0.125"), None, "n/a", "-1", 7]})
    config: ui.ColumnConfigs = {"value": formatting.money_column("Value", "GBP")}
    _, table = read_csv(downloads.csv_file(frame, config, CONTEXT))
    assert table == [["Value (GBP)"], ["0.13"], [""], ["n/a"], ["'-1"], ["7.00"]]
    data = read_xlsx(downloads.xlsx_file(frame, config, CONTEXT))["Data"]
    assert [data.cell(row, 1).value for row in range(2, 7)] == [0.13, None, "n/a", "'-1", 7]
    assert data.cell(2, 1).number_format == "#,##0.00"


def test_csv_header_block_says_none_without_filters():
    frame, config = sample()
    block, _ = read_csv(downloads.csv_file(frame, config, downloads.ExportContext(page="Overview", table="t")))
    values = dict(block)
    assert values["Filters"] == "none"
    assert values["Forecast run"] == "none"
    assert values["Data as of"] == "unknown"


def test_describe_filters_names_each_filter_with_its_values_by_name():
    chosen = {"Practice": ("Data", "Cloud"), "Legal entity": ("E1",), "Region": ()}
    names = {"Legal entity": {"E1": "Acme Ltd"}}
    assert downloads.describe_filters(chosen, names) == "Practice: Data, Cloud; Legal entity: Acme Ltd"
    assert downloads.describe_filters({"Region": ()}, {}) == "none"


def test_a_formula_in_a_cell_or_the_header_block_is_neutralised_in_the_csv():
    frame, config = sample()
    context = downloads.ExportContext(page="Overview", table="t", filters="Customer: =1+1")
    block, table = read_csv(downloads.csv_file(frame, config, context))
    assert table[1][0] == "'" + HYPERLINK
    assert dict(block)["Filters"] == "Customer: =1+1"  # does not start with a trigger: left as it is
    context = downloads.ExportContext(page="Overview", table="@SUM(A1)")
    block, _ = read_csv(downloads.csv_file(frame, config, context))
    assert dict(block)["Table"] == "'@SUM(A1)"


# ---------------------------------------------------------------- XLSX


def test_xlsx_has_the_data_first_with_a_real_header_row_and_the_block_on_about():
    frame, config = sample()
    book = read_xlsx(downloads.xlsx_file(frame, config, CONTEXT))
    assert book.sheetnames == ["Data", "About"]
    data = book["Data"]
    assert [c.value for c in data[1]] == ["Project", "Value", "Hours (h)", "Margin %", "Ratio"]
    assert all(c.font.bold for c in data[1])
    assert data.freeze_panes == "A2"
    assert data.max_row == 4 and data.max_column == 5  # three rows; the hidden column is absent
    assert data.column_dimensions["A"].width > data.column_dimensions["B"].width >= 8
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True)}
    assert about["Filters"] == "Practice: Data, Cloud; Legal entity: Acme Ltd"
    assert about["Data as of"] == "2026-10-31"
    assert about["Forecast run"] == "run-202610 (as of 2026-10-31)"
    assert about["Reporting currency"] == "USD"
    assert about["Exported at"] == "2026-12-01 21:05:00 UTC"


def test_xlsx_money_cells_are_numbers_in_cents_with_the_money_format():
    frame, config = sample()
    data = read_xlsx(downloads.xlsx_file(frame, config, CONTEXT))["Data"]
    money = [data.cell(row, 2) for row in (2, 3, 4)]
    assert [c.value for c in money] == [1234.57, 0.13, -2.68]
    assert all(c.data_type == "n" and c.number_format == "#,##0.00" for c in money)
    assert [data.cell(row, 3).value for row in (2, 3, 4)] == [7.13, 0.5, 1]
    assert data.cell(2, 3).number_format == "#,##0.00"
    assert data.cell(2, 4).value == 0.2345 and data.cell(2, 4).number_format == "0.0%"


def test_a_formula_in_a_cell_is_text_with_a_leading_quote_in_the_xlsx():
    frame, config = sample()
    data = read_xlsx(downloads.xlsx_file(frame, config, CONTEXT))["Data"]
    cell = data.cell(2, 1)
    assert cell.value == "'" + HYPERLINK
    assert cell.data_type == "s"  # a string, not a formula
    assert not data.cell(2, 1).hyperlink


def test_xlsx_writes_dates_times_and_missing_values_as_their_own_types():
    frame = pd.DataFrame(
        {
            "month": pd.to_datetime(["2026-10-01", "NaT"]),
            "at": pd.to_datetime(["2026-10-01 09:30:00+00:00", "2026-10-02 17:00:00+00:00"]),
            "amount": [None, 3.0],
            "flag": [True, False],
        }
    )
    config: ui.ColumnConfigs = {"amount": formatting.money_column("Amount", "EUR")}
    data = read_xlsx(downloads.xlsx_file(frame, config, CONTEXT))["Data"]
    assert data.cell(2, 1).value == dt.datetime(2026, 10, 1) and data.cell(2, 1).number_format == "yyyy-mm-dd"
    assert data.cell(3, 1).value is None
    assert data.cell(2, 2).value == dt.datetime(2026, 10, 1, 9, 30)  # in UTC: Excel has no time zones
    assert data.cell(2, 2).number_format == "yyyy-mm-dd hh:mm:ss"
    assert data.cell(2, 3).value is None and data.cell(3, 3).value == 3
    assert data.cell(2, 4).value is True


def test_an_empty_table_still_has_its_header_row_and_about_sheet():
    frame, config = sample()
    book = read_xlsx(downloads.xlsx_file(frame.iloc[0:0], config, CONTEXT))
    assert [c.value for c in book["Data"][1]] == ["Project", "Value", "Hours (h)", "Margin %", "Ratio"]
    _, table = read_csv(downloads.csv_file(frame.iloc[0:0], config, CONTEXT))
    assert table == [["Project", "Value", "Hours (h)", "Margin %", "Ratio"]]


# ---------------------------------------------------------------- on a page


@pytest.fixture
def _published(use_warehouse, warehouse_dir):
    use_warehouse(warehouse_dir)


@pytest.mark.usefixtures("_published")
def test_a_page_offers_csv_and_xlsx_for_its_tables_with_the_pages_context(monkeypatch):
    built: dict[str, list[bytes]] = {}

    def build_now(build, name):  # the files are built on click; here at once, to read what the page would give
        built.setdefault(name, []).append(build())
        return build

    monkeypatch.setattr(ui, "_logged", build_now)
    at = open_page("Unbilled exposure")
    at.multiselect(key="filter_practice").set_value(["Data"]).run()
    no_exception(at)
    buttons = at.get("download_button")
    labels = [b.proto.label for b in buttons]
    assert labels.count("Download CSV") == labels.count("Download XLSX") >= 1
    assert all(b.proto.deferred_file_id for b in buttons), "files are built on click, not on every rerun"
    csv_file, xlsx_file = built["unbilled by age"][-2:]  # the last rerun's pair, with the practice filter
    block, table = read_csv(csv_file)
    context = dict(block)
    assert context["Page"] == "Unbilled exposure"
    assert context["Table"] == "unbilled by age"
    assert context["Data as of"] == "2026-10-31"  # the fixture's marts.dim_as_of
    assert context["Forecast run"] == "run-202610 (as of 2026-10-31)"  # the newest run: the sidebar's default
    assert context["Filters"] == "Practice: Data"
    assert context["Reporting currency"] == "USD"
    shown = next(d.value for d in at.dataframe if "bucket" in d.value.columns and "total" in d.value.columns)
    assert len(table) - 1 == len(shown)
    assert table[0][0] == "Age (days)" and table[0][-1] == "Total"  # the labels the page gives its table
    total = table[0].index("Total")
    assert all(row[total] == f"{float(row[total]):.2f}" for row in table[1:]), "money in cents"
    book = read_xlsx(xlsx_file)
    assert [c.value for c in book["Data"][1]] == table[0]
    assert {row[0]: row[1] for row in book["About"].iter_rows(values_only=True)}["Filters"] == "Practice: Data"
