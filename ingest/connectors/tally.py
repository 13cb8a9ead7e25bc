"""Per resource, what the API said it holds and what the client went through to read it.

dlt's rest_api hides both. The vendor's total sits in each response's envelope, which the data
selector throws away; retries happen inside dlt's requests `Client`, which wraps `Session.send` in a
tenacity `Retrying` that reports nothing. So a vendor's `build_source` passes its rest_api config
through `instrument`, which

- puts a response action first on every resource's endpoint (before the vendor's own): it reads the
  vendor's total (`Total`, vendor-specific: Harvest `total_entries`, Salesforce `totalSize`, ...) from
  the first page of each listing, and tags the request with the resource's name;
- gives every resource's client one session: dlt's own retrying `Client` (so `RUNTIME__REQUEST_*` tune it
  exactly as before) with an HTTP adapter that counts the attempts of each prepared request. A retry
  resends the same prepared request; a new page prepares a new one. The action credits each attempt
  beyond the first to the resource of the request, so `retries` = HTTP retries and backoffs;
- wraps the resource's own filter steps (Harvest's running timers, Xero's supplier bills) to count the
  rows they drop: rows the API reported and the connector left out on purpose are not a shortfall.

An attempt that never got an answer (every try of a request lost its connection) has no resource; the
run then fails, and the caller credits those to the resource the failure names (`unclaimed`).

Outside `recording()` (a test that builds a source on its own) `instrument` returns the config as is.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from requests import PreparedRequest, Response
from requests.adapters import HTTPAdapter

# the vendor's total from one response, or None when the response is not the first page of a listing
# (or the vendor sends none)
Total = Callable[[Response], int | None]


@dataclass
class Counts:
    totals: list[int] = field(default_factory=list)  # one per listing (child resources: one per parent)
    retries: int = 0
    filtered: int | None = None  # rows the connector's own filter steps dropped (None: it has none)
    reports: bool = False  # the vendor reports a total for this resource (a Total was given)
    windowed: bool = False  # listings overlap (query windows): only the first listing's total counts

    @property
    def reported(self) -> int | None:
        if not self.reports or not self.totals:
            return None
        return self.totals[0] if self.windowed else sum(self.totals)


class Tally:
    def __init__(self) -> None:
        self.resources: dict[str, Counts] = {}
        self._lock = threading.Lock()
        self._attempts: weakref.WeakKeyDictionary[PreparedRequest, int] = weakref.WeakKeyDictionary()
        self._credited: weakref.WeakKeyDictionary[PreparedRequest, int] = weakref.WeakKeyDictionary()
        self._retries_seen = 0  # attempts beyond a request's first, whether credited or not
        self._retries_credited = 0

    def counts(self, resource: str) -> Counts:
        return self.resources.setdefault(resource, Counts())

    @property
    def unclaimed(self) -> int:
        """Retries of requests that never got a response (no resource could be told)."""
        return self._retries_seen - self._retries_credited

    def attempt(self, request: PreparedRequest) -> None:
        with self._lock:
            n = self._attempts.get(request, 0) + 1
            self._attempts[request] = n
            if n > 1:
                self._retries_seen += 1

    def answered(self, resource: str, response: Response, total: Total | None) -> None:
        request = response.request
        counts = self.counts(resource)
        with self._lock:
            if isinstance(request, PreparedRequest):
                n = self._attempts.get(request, 1)
                fresh = n - self._credited.get(request, 1)
                if fresh > 0:
                    counts.retries += fresh
                    self._retries_credited += fresh
                self._credited[request] = n
        if total is None or not response.ok:
            return
        try:
            value = total(response)
        except Exception:  # noqa: BLE001 - a body dlt cannot read either fails the run in dlt's own place
            return
        if value is not None:
            counts.totals.append(int(value))


class CountingAdapter(HTTPAdapter):
    """Counts every attempt (dlt's retry calls Session.send, which calls this, once per try)."""

    def __init__(self, tally: Tally, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tally = tally

    def send(self, request: PreparedRequest, *args: Any, **kwargs: Any) -> Response:
        self.tally.attempt(request)
        return super().send(request, *args, **kwargs)


_current: contextvars.ContextVar[Tally | None] = contextvars.ContextVar("wipcast_tally", default=None)


@contextlib.contextmanager
def recording(tally: Tally | None = None) -> Iterator[Tally]:
    """The tally `instrument` fills while a source is built in this context (a new one by default)."""
    tally = tally if tally is not None else Tally()
    token = _current.set(tally)
    try:
        yield tally
    finally:
        _current.reset(token)


def _session(tally: Tally) -> Any:
    from dlt.sources.helpers.requests import Client

    session = Client(raise_for_status=False).session  # rest_api's own default client, RUNTIME__* applied
    adapter = CountingAdapter(tally, pool_maxsize=50)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _tap(tally: Tally, resource: str, total: Total | None) -> Callable[..., None]:
    def tap(response: Response, *args: Any, **kwargs: Any) -> None:
        tally.answered(resource, response, total)

    return tap


def _counted(counts: Counts, keep: Callable[[Any], bool]) -> Callable[[Any], bool]:
    counts.filtered = 0

    def counted(item: Any) -> bool:
        kept = bool(keep(item))
        if not kept:
            counts.filtered = (counts.filtered or 0) + 1
        return kept

    return counted


def _steps(counts: Counts, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The resource's processing steps, its filters counting the rows they drop."""
    return [{**step, "filter": _counted(counts, step["filter"])} if "filter" in step else step for step in steps]


def instrument(config: dict[str, Any], total: Total | None = None, windowed: bool = False) -> dict[str, Any]:
    """The rest_api config with the tally's session and a tap on every resource (see the module doc).

    `total`: reads the vendor's total from a first page (None: the vendor reports none). `windowed`: a
    listing is re-queried in windows that overlap (HubSpot search, SuiteQL): the first total counts.
    """
    tally = _current.get()
    if tally is None:
        return config
    config = {**config, "client": {**config["client"], "session": _session(tally)}}
    defaults = ((config.get("resource_defaults") or {}).get("endpoint") or {}).get("response_actions") or []
    resources = []
    for resource in config["resources"]:
        if not isinstance(resource, dict):
            resources.append(resource)
            continue
        name = str(resource["name"])
        counts = tally.counts(name)
        counts.reports, counts.windowed = total is not None, windowed
        endpoint = resource.get("endpoint")
        endpoint = {"path": endpoint} if isinstance(endpoint, str) else dict(endpoint or {"path": name})
        endpoint["response_actions"] = [_tap(tally, name, total), *(endpoint.get("response_actions") or defaults)]
        changed = {**resource, "endpoint": endpoint}
        if resource.get("processing_steps"):
            changed["processing_steps"] = _steps(counts, list(resource["processing_steps"]))
        resources.append(changed)
    return {**config, "resources": resources}
