"""Salesforce datetimes: what the REST API sends, and what SOQL accepts.

The API sends `2024-01-09T17:45:33.000+0000` (milliseconds, an offset without a colon); other
Salesforce APIs and many tools write `...Z` or `+00:00`. A SOQL datetime literal must be unquoted
and either `Z` or `+hh:mm`: `+0000` is refused (INVALID_FIELD). So:
- cursor values (dlt's state, initial and end values) are all kept in the API's own format, which
  compares correctly as text;
- a literal put into SOQL is rendered as UTC seconds with `Z`, truncated (a `>=` filter then
  re-reads at most the same second, which the merge absorbs).
"""

from __future__ import annotations

import datetime as dt
import re

_OFFSET = re.compile(r"([+-])(\d{2})(\d{2})$")  # +0000 -> +00:00


def parse(value: str) -> dt.datetime:
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    text = _OFFSET.sub(r"\1\2:\3", text)
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:  # a bare datetime in Salesforce is UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def to_api(value: str | dt.datetime) -> str:
    """The REST API's own format: `2024-01-09T17:45:33.000+0000`."""
    moment = parse(value) if isinstance(value, str) else value.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def to_soql(value: str | dt.datetime) -> str:
    """A SOQL datetime literal (unquoted, UTC, `Z`), truncated to the second."""
    moment = parse(value) if isinstance(value, str) else value.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
