"""Xero Accounting API dates: the MS JSON form `/Date(1539993600000+0000)/`.

The number is milliseconds since 1970-01-01 UTC; an optional `+hhmm`/`-hhmm` after it names the
offset the moment was written in, which does not move the moment (the milliseconds are UTC already,
as in .NET's DataContractJsonSerializer). Date-only fields (`Date`, `DueDate`) are midnight UTC of
the day they name. The Projects API writes ISO 8601 (`2020-02-27T15:00:00Z`) instead.

The incremental cursor stays in Xero's own text (`UpdatedDateUTC`), compared by its moment
(`latest`), so the state holds exactly what Xero sent.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

_MS = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def parse(value: Any) -> dt.datetime | None:
    """`/Date(ms[+hhmm])/` or ISO 8601 text -> an aware UTC datetime; None for None or ''."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    text = str(value).strip()
    found = _MS.match(text)
    if found:
        return EPOCH + dt.timedelta(milliseconds=int(found.group(1)))
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def day(value: Any) -> str | None:
    """A date-only field as YYYY-MM-DD (the UTC day the milliseconds fall on)."""
    moment = parse(value)
    return None if moment is None else moment.date().isoformat()


def iso(value: Any) -> str | None:
    moment = parse(value)
    return None if moment is None else moment.isoformat()


def to_ms(value: Any) -> str:
    """An ISO datetime (a cursor start from settings or --since) in Xero's `/Date(ms+0000)/` form."""
    moment = parse(value)
    assert moment is not None
    millis = (moment - EPOCH) // dt.timedelta(milliseconds=1)
    return f"/Date({millis}+0000)/"


def latest(values: Sequence[Any]) -> Any:
    """dlt's last_value_func: the latest of MS-date (or ISO) values, returned as given."""
    return max(values, key=lambda v: parse(v) or EPOCH)


def if_modified_since(value: Any) -> str:
    """The cursor as the `If-Modified-Since` header Xero reads: UTC `YYYY-MM-DDTHH:MM:SS` (whole
    seconds, rounded down, so the rows of the cursor's own second are read again; dlt drops the
    ones it already has)."""
    moment = parse(value)
    assert moment is not None
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
