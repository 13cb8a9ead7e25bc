"""Turn what can go wrong while talking to a vendor into one WipcastError line.

dlt wraps the real cause (an HTTP error, a JSON decode error, our paginator's guard) in step and
resource errors; the innermost cause decides the message. Messages name URLs without their query
(a query may carry a cursor, never a token: tokens travel in headers only) and never a header.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit, urlunsplit

import requests

from ingest.connectors.paging import RepeatedNextLinkError
from ingest.connectors.spec import Connector
from wipcast.errors import WipcastError

RERUN = "nothing was written and the cursor did not move; rerun to resume"


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not s for s in seen):
        seen.append(current)
        current = getattr(current, "exception", None) or current.__cause__ or current.__context__
    return seen


def _resource_name(chain: list[BaseException]) -> str | None:
    for exc in chain:
        name = getattr(exc, "pipe_name", None) or getattr(exc, "resource_name", None)
        if isinstance(name, str) and name:
            return name
    return None


def _resource(chain: list[BaseException]) -> str:
    name = _resource_name(chain)
    return f" (resource {name})" if name else ""


def failed_resource(exc: BaseException) -> str | None:
    """The resource dlt names in a failure's chain (the one being read when it failed), if any."""
    return _resource_name(_chain(exc))


def _where(url: str | None) -> str:
    if not url:
        return ""
    parts = urlsplit(url)
    return " at " + urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def describe(connector: Connector, exc: BaseException, base_url: str) -> WipcastError:
    """The one-line error for a failed extraction."""
    chain = _chain(exc)
    where = _resource(chain)
    for cause in chain:
        if isinstance(cause, WipcastError):
            return cause
        if isinstance(cause, RepeatedNextLinkError):
            return WipcastError(
                f"{connector.label} returned the same next-page link twice{where}{_where(cause.url)}",
                f"the listing would never end, so the run stopped; {RERUN}; if it persists, report it to the vendor",
            )
        if isinstance(cause, requests.HTTPError) and cause.response is not None:
            status = cause.response.status_code
            url = cause.response.url
            if status in (401, 403):
                return WipcastError(
                    f"{connector.label} refused the credentials (HTTP {status}{_where(url)})",
                    f"check {connector.credential_hint}",
                )
            if status == 429:
                return WipcastError(
                    f"{connector.label} kept rate-limiting the requests (HTTP 429{_where(url)}) after every retry",
                    f"{RERUN} later, or raise RUNTIME__REQUEST_MAX_ATTEMPTS",
                )
            if status >= 500:
                return WipcastError(
                    f"{connector.label} kept failing (HTTP {status}{_where(url)}) after every retry",
                    f"{RERUN} when the service recovers",
                )
            return WipcastError(
                f"{connector.label} answered HTTP {status}{where}{_where(url)}",
                f"{RERUN}; check --base-url and the connector settings",
            )
        if isinstance(cause, (json.JSONDecodeError, requests.exceptions.JSONDecodeError)):
            return WipcastError(
                f"{connector.label} sent a response that is not valid JSON (truncated or corrupt){where}",
                RERUN,
            )
        if isinstance(cause, (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)):
            return WipcastError(
                f"cannot reach {connector.label} at {base_url} (the connection failed after every retry){where}",
                f"{RERUN}; check the network and --base-url",
            )
    first = str(chain[-1]).strip().splitlines()
    detail = first[0][:300] if first else type(chain[-1]).__name__
    return WipcastError(f"{connector.label} extraction failed{where}: {detail}", RERUN)
