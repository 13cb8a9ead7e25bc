"""Messy values a spreadsheet or a hand edit produces: each is a clear row error or file error,
never a silent new member."""

from __future__ import annotations

import pytest

from ingest.files import ingest_files
from wipcast.errors import InputError


@pytest.mark.parametrize("bad_key", ['CUS00004"', " CUS00004", "CUS00004 ", "'CUS00004'"])
def test_a_key_with_quotes_or_surrounding_spaces_is_a_row_error(settings, firm, make_folder, query, bad_key):
    firm["customers"].append(dict(firm["customers"][0], customer_id=bad_key))
    result = ingest_files(settings, make_folder(firm), "run-1")
    reason = "customer_id has surrounding spaces or quote characters (primary key)"
    assert result.quarantined == {("customers", reason): 1}
    assert query("select count(*) from raw_canonical.customers where customer_id = ?", [bad_key]) == [(0,)]


def test_a_blank_key_is_empty(settings, firm, make_folder):
    firm["customers"].append(dict(firm["customers"][0], customer_id="   "))
    result = ingest_files(settings, make_folder(firm), "run-1")
    assert result.quarantined == {("customers", "customer_id is empty (primary key)"): 1}


def test_invalid_utf8_names_the_line_and_says_save_as_utf8(settings, firm, make_folder):
    folder = make_folder(firm)
    path = folder / "customers.csv"
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b"a", b"\xe9", 1)  # Latin-1 e-acute in the second data row
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(InputError) as caught:
        ingest_files(settings, folder, "run-1")
    message = caught.value.one_line()
    assert "customers.csv: cannot be read as CSV (the file is not UTF-8 text: bytes at line 3 of the file" in message
    assert "save it as UTF-8" in message
