"""Xero's MS JSON dates, worked out by hand: 1539993600000 ms = 17824 days = 2018-10-20 00:00 UTC."""

from __future__ import annotations

import datetime as dt

import pytest

from ingest.connectors.xero import msdate

UTC = dt.UTC


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("/Date(1539993600000+0000)/", dt.datetime(2018, 10, 20, tzinfo=UTC)),
        ("/Date(1541176290160+0000)/", dt.datetime(2018, 11, 2, 16, 31, 30, 160000, tzinfo=UTC)),
        ("/Date(1552326816230)/", dt.datetime(2019, 3, 11, 17, 53, 36, 230000, tzinfo=UTC)),  # no offset
        # the offset names the writer's zone; the milliseconds are UTC already
        ("/Date(1539993600000+1300)/", dt.datetime(2018, 10, 20, tzinfo=UTC)),
        ("/Date(-86400000+0000)/", dt.datetime(1969, 12, 31, tzinfo=UTC)),
        ("2020-02-27T15:00:00Z", dt.datetime(2020, 2, 27, 15, tzinfo=UTC)),  # the Projects API's ISO form
        ("2020-02-28T03:24:29.2215641Z", dt.datetime(2020, 2, 28, 3, 24, 29, 221564, tzinfo=UTC)),
    ],
)
def test_parse(text: str, moment: dt.datetime) -> None:
    assert msdate.parse(text) == moment


def test_days_iso_and_back() -> None:
    assert msdate.day("/Date(1552435200000+0000)/") == "2019-03-13"
    assert msdate.day(None) is None and msdate.parse("") is None
    assert msdate.iso("/Date(1541176648927+0000)/") == "2018-11-02T16:37:28.927000+00:00"
    assert msdate.to_ms("2000-01-01T00:00:00Z") == "/Date(946684800000+0000)/"
    assert msdate.to_ms("9999-12-31T23:59:59Z") == "/Date(253402300799000+0000)/"


def test_the_cursor_compares_moments_not_text() -> None:
    # as text "/Date(999...)" sorts after "/Date(1541...)"; as moments 1970 is the earlier
    early, late = "/Date(999999999999+0000)/", "/Date(1541176290160+0000)/"
    assert msdate.latest([late, early]) == late
    assert msdate.latest([early, late, "/Date(1541176290160)/"]) == late
    assert msdate.latest(["/Date(253402300799000+0000)/", late]) == "/Date(253402300799000+0000)/"


def test_if_modified_since_is_the_whole_second_in_utc() -> None:
    assert msdate.if_modified_since("/Date(1541176290160+0000)/") == "2018-11-02T16:31:30"
    assert msdate.if_modified_since("/Date(946684800000+0000)/") == "2000-01-01T00:00:00"
