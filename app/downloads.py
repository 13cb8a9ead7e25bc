"""The files behind every table's download buttons: CSV and XLSX a finance user can hand on.

Both carry the table under its on-screen labels (hidden columns left out), money rounded to cents and hours to
two decimals (half away from zero, on the decimal the value prints as: 0.125 -> 0.13, -2.675 -> -2.68, never
banker's rounding or the binary value just below), and a header block saying what the numbers are: the page and
table, the data's as-of date, the forecast run, the filters, the reporting currency and when it was exported.
CSV puts that block first as `key,value` rows, then one blank row, then the table; XLSX has the table on its
first sheet ("Data", number formats, frozen header) and the block on a second ("About"). Text that a
spreadsheet would run as a formula gets a leading quote in both (OWASP CSV injection).

Plain functions (no Streamlit): `ui.table_with_download` gathers the context and calls them.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

# OWASP CSV injection: a text cell starting with one of these is neutralised with a leading quote.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
# The number formats formatting.money_column gives a money column (Streamlit's currency formats, or
# "accounting" with the currency in the label); tests/app/test_downloads.py checks they stay in step.
MONEY_FORMATS = frozenset({"dollar", "euro", "yen", "accounting"})
HOURS_SUFFIX = " (h)"  # formatting.hours_column's label ends with it
MONEY_DECIMALS = 2
HOURS_DECIMALS = 2
OTHER_DECIMALS = 6  # other floats: no binary artefacts such as 5294084.430000001, nothing else lost
XLSX_FORMATS = {"money": "#,##0.00", "hours": "#,##0.00", "percent": "0.0%"}
DATE_FORMAT, DATETIME_FORMAT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss"
NO_FILTERS = "none"
# Decimal arithmetic wide enough for any finite float (1e308 has 309 digits before the point).
_DECIMAL = decimal.Context(prec=400, rounding=decimal.ROUND_HALF_UP)

Kind = Literal["money", "hours", "percent"]
# A column's setting as the pages give it: a st.column_config dict, a plain label, or None (hidden).
ColumnSetting = Mapping[str, Any] | str | None


@dataclass(frozen=True)
class ExportContext:
    """What a downloaded table is: the header block of the CSV and the About sheet of the XLSX."""

    page: str
    table: str
    as_of: dt.date | None = None  # the data's as-of date (marts.dim_as_of)
    run_id: str | None = None  # the forecast run the page shows
    run_as_of: dt.date | None = None
    filters: str = NO_FILTERS  # "Practice: Data, Cloud; Legal entity: Acme Ltd", or "none"
    currency: str = "USD"
    exported_at: dt.datetime | None = None  # None: the moment the file is built
    notes: tuple[tuple[str, str], ...] = field(default=())

    def rows(self) -> list[tuple[str, str]]:
        exported = self.exported_at or dt.datetime.now(dt.UTC)
        run = self.run_id or "none"
        if self.run_id and self.run_as_of:
            run = f"{self.run_id} (as of {self.run_as_of:%Y-%m-%d})"
        return [
            ("Page", self.page or "unknown"),
            ("Table", self.table),
            ("Data as of", f"{self.as_of:%Y-%m-%d}" if self.as_of else "unknown"),
            ("Forecast run", run),
            ("Filters", self.filters or NO_FILTERS),
            ("Reporting currency", self.currency),
            ("Exported at", f"{exported.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC"),
            ("Rounding", "money to cents and hours to 2 decimals, half away from zero"),
            *self.notes,
        ]


def describe_filters(chosen: Mapping[str, tuple[str, ...] | list[str]], names: Mapping[str, Mapping[str, str]]) -> str:
    """'Practice: Data, Cloud; Legal entity: Acme Ltd (E1)': each set filter under its label, values by name;
    `chosen` maps a filter's label to its ids, `names` the same label to the ids' display names."""
    parts = [
        f"{label}: {', '.join(str(names.get(label, {}).get(v, v)) for v in values)}"
        for label, values in chosen.items()
        if values
    ]
    return "; ".join(parts) or NO_FILTERS


# ---------------------------------------------------------------- the table


def readable_headers(frame: pd.DataFrame, column_config: Mapping[str, ColumnSetting]) -> pd.DataFrame:
    """The table as the page labels it: each column under its on-screen label, hidden columns left out."""
    renamed = _labels(frame, column_config)
    return frame[list(renamed)].rename(columns=renamed)


def _labels(frame: pd.DataFrame, column_config: Mapping[str, ColumnSetting]) -> dict[str, str]:
    renamed: dict[str, str] = {}
    for column in frame.columns:
        config = column_config.get(column, column)
        if config is None:
            continue
        label = str(config if isinstance(config, str) else config.get("label") or column)
        renamed[column] = label if label not in renamed.values() else f"{label} ({column})"  # headers stay unique
    return renamed


def column_kind(config: ColumnSetting) -> Kind | None:
    """Money (formatting.money_column), hours (hours_column) or percent (percent_column, a "percent" number
    column); None for anything else, a plain label included."""
    if not isinstance(config, Mapping):
        return None
    type_config = config.get("type_config") or {}
    if not isinstance(type_config, Mapping) or type_config.get("type") != "number":
        return None
    fmt = type_config.get("format")
    if fmt in MONEY_FORMATS:
        return "money"
    if fmt == "percent":
        return "percent"
    if fmt == "localized" and str(config.get("label") or "").endswith(HOURS_SUFFIX):
        return "hours"
    return None


def round_half_away(value: Any, decimals: int) -> decimal.Decimal | None:
    """The value rounded half away from zero on its shortest decimal repr (what Python prints, so 2.675 is
    2.675 and not 2.67499999999999982236431605997495353221893310546875): 1234.565 -> 1234.57, 0.125 -> 0.13,
    -2.675 -> -2.68. None for a missing or non-finite value; -0.001 -> 0.00 (no negative zero)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, decimal.Decimal):
        exact = value
    else:
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        if not math.isfinite(number):
            return None
        exact = decimal.Decimal(str(int(value))) if _is_integer(value) else decimal.Decimal(repr(number))
    if not exact.is_finite():
        return None
    rounded = exact.quantize(decimal.Decimal(1).scaleb(-decimals), context=_DECIMAL)
    return rounded.copy_abs() if rounded.is_zero() else rounded


def _is_integer(value: Any) -> bool:
    import numpy as np

    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _missing(value: Any) -> bool:
    if value is None or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or array in a cell
        return False


def neutralise(value: Any) -> Any:
    """Text a spreadsheet would run as a formula ("=HYPERLINK(...)", "+1", "@SUM") gets a leading quote."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) else value


@dataclass(frozen=True)
class Prepared:
    """The table to write: readable headers, text neutralised, money and hours as Decimals at 2 places."""

    frame: pd.DataFrame
    kinds: dict[str, Kind]  # by header


def prepare(frame: pd.DataFrame, column_config: Mapping[str, ColumnSetting] | None = None) -> Prepared:
    config = column_config or {}
    renamed = _labels(frame, config)
    kinds: dict[str, Kind] = {}
    out = pd.DataFrame(index=range(len(frame)))
    for column, header in renamed.items():
        series = frame[column].reset_index(drop=True)
        kind = column_kind(config.get(column))
        if kind in ("money", "hours") and not pd.api.types.is_bool_dtype(series):
            decimals = MONEY_DECIMALS if kind == "money" else HOURS_DECIMALS
            series = series.astype(object).map(lambda v, d=decimals: _rounded_cell(v, d))
        elif pd.api.types.is_float_dtype(series):
            series = series.round(OTHER_DECIMALS)
        elif series.dtype == object or pd.api.types.is_string_dtype(series):
            series = series.map(neutralise)
        if kind:
            kinds[neutralise(header)] = kind
        out[neutralise(header)] = series
    return Prepared(out, kinds)


def _rounded_cell(value: Any, decimals: int) -> Any:
    """A money or hours cell: a number rounded (a Decimal), missing as None, anything else as text would be."""
    if _missing(value):
        return None
    if isinstance(value, decimal.Decimal | int | float) or _is_numpy_number(value):
        return round_half_away(value, decimals)
    return neutralise(value)


def table_csv(frame: pd.DataFrame, column_config: Mapping[str, ColumnSetting] | None = None) -> bytes:
    """The table alone as CSV (UTF-8, no header block)."""
    return prepare(frame, column_config).frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


# ---------------------------------------------------------------- the files


def csv_file(frame: pd.DataFrame, column_config: Mapping[str, ColumnSetting] | None, context: ExportContext) -> bytes:
    """The header block as `key,value` rows, one blank row, then the table. UTF-8 with a byte-order mark, so
    Excel reads "€" and names with accents right."""
    head = io.StringIO()
    writer = csv.writer(head, lineterminator="\n")
    writer.writerows((neutralise(key), neutralise(value)) for key, value in context.rows())
    head.write("\n")
    table = prepare(frame, column_config).frame.to_csv(index=False, lineterminator="\n")
    return (head.getvalue() + table).encode("utf-8-sig")


def xlsx_file(frame: pd.DataFrame, column_config: Mapping[str, ColumnSetting] | None, context: ExportContext) -> bytes:
    """The table on the first sheet ("Data": header row, number formats, frozen header, filter, widths) and the
    header block on the second ("About")."""
    import xlsxwriter

    prepared = prepare(frame, column_config)
    table = prepared.frame
    buffer = io.BytesIO()
    # Text is never a formula or a link: every string is written as a string.
    book = xlsxwriter.Workbook(
        buffer,
        {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    header_format = book.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"})
    kind_formats = {kind: book.add_format({"num_format": fmt}) for kind, fmt in XLSX_FORMATS.items()}
    date_format = book.add_format({"num_format": DATE_FORMAT})
    datetime_format = book.add_format({"num_format": DATETIME_FORMAT})

    sheet = book.add_worksheet("Data")
    for col, header in enumerate(table.columns):
        sheet.write_string(0, col, str(header), header_format)
        number_format = kind_formats.get(prepared.kinds[header]) if header in prepared.kinds else None
        time_format = date_format if _dates_only(table[header]) else datetime_format
        width = len(str(header))
        for row, value in enumerate(table[header], start=1):
            width = max(width, _write_cell(sheet, row, col, value, number_format, date_format, time_format))
        sheet.set_column(col, col, min(max(width + 2, 8), 60))
    sheet.freeze_panes(1, 0)
    if len(table.columns):
        sheet.autofilter(0, 0, max(len(table), 1), len(table.columns) - 1)

    about = book.add_worksheet("About")
    bold = book.add_format({"bold": True})
    rows = context.rows()
    for row, (key, value) in enumerate(rows):
        about.write_string(row, 0, neutralise(key), bold)
        about.write_string(row, 1, neutralise(value))
    about.set_column(0, 0, max(len(k) for k, _ in rows) + 2)
    about.set_column(1, 1, min(max(len(v) for _, v in rows) + 2, 100))
    book.close()
    return buffer.getvalue()


def _write_cell(
    sheet: Any, row: int, col: int, value: Any, number_format: Any, date_format: Any, dt_format: Any
) -> int:
    """Write one cell as its own type; return the width of its text (for the column width)."""
    import numpy as np

    if _missing(value):
        sheet.write_blank(row, col, None, number_format)
        return 0
    if isinstance(value, bool | np.bool_):
        sheet.write_boolean(row, col, bool(value))
        return 5
    if isinstance(value, decimal.Decimal):
        sheet.write_number(row, col, float(value), number_format)
        return len(f"{value:,}")
    if isinstance(value, pd.Timestamp | dt.datetime):
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is not None:  # Excel has no time zones: UTC, said in no cell but the same everywhere
            stamp = stamp.tz_convert("UTC").tz_localize(None)
        sheet.write_datetime(row, col, stamp.to_pydatetime(), dt_format)
        return 10 if dt_format is date_format else 19
    if isinstance(value, dt.date):
        sheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), date_format)
        return 10
    if isinstance(value, int | float) or _is_numpy_number(value):
        number = float(value)
        if math.isfinite(number):
            sheet.write_number(row, col, number, number_format)
            return len(f"{number:,.2f}") if number_format is not None else len(repr(number))
        sheet.write_string(row, col, str(number))
        return 4
    text = neutralise(value if isinstance(value, str) else str(value))
    sheet.write_string(row, col, text)
    return max((len(line) for line in re.split(r"[\r\n]+", text)), default=0)


def _dates_only(series: pd.Series) -> bool:
    """A column of timestamps all at midnight reads as dates (a mart's month_start), else date and time."""
    stamps = [pd.Timestamp(v) for v in series if isinstance(v, pd.Timestamp | dt.datetime) and not _missing(v)]
    return all(s == s.normalize() for s in stamps)


def _is_numpy_number(value: Any) -> bool:
    import numpy as np

    return isinstance(value, np.integer | np.floating) and not isinstance(value, np.bool_)
