"""After a publish, run the queries the dashboard ran on the previous file again on the new one, in the
background, so that the first person to open a page after the nightly build does not wait for its queries.

Every cached query is keyed on the published file's identity, so a publish turns the whole cache cold: each
page's first visit afterwards took 1.5-2.9 s on the demo warehouse against 0.8-1.8 s warm. The app
remembers the most recent distinct queries (SQL and parameters, not results) and, the first time it sees a
new file identity, replays them against it on one daemon thread, newest first; it stops as soon as an even
newer file appears. A replayed query that fails (a table the new build no longer has) is skipped: the page
that needs it reports the problem itself when it runs.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

LOG = logging.getLogger("wipcast.app")

REMEMBERED_QUERIES = 300  # the pages and filters people used lately; a few hundred small queries at most


class Warmer:
    """Remembers queries; on a new identity, replays them against it with `run(identity, sql, params)`."""

    def __init__(
        self,
        run: Callable[[Any, str, tuple[Any, ...]], object],
        keep: int = REMEMBERED_QUERIES,
        prepare_thread: Callable[[threading.Thread], None] = lambda thread: None,
    ):
        self._run = run
        self._prepare_thread = prepare_thread
        self._keep = keep
        # (sql, params with lists as tuples) -> (sql, params as given): a filter binds a list of values
        self._queries: OrderedDict[tuple[str, tuple[Any, ...]], tuple[str, tuple[Any, ...]]] = OrderedDict()
        self._identity: Hashable | None = None
        self._lock = threading.Lock()
        self.thread: threading.Thread | None = None  # the latest replay (tests join it)

    def remember(self, sql: str, params: tuple[Any, ...]) -> None:
        key = (sql, tuple(tuple(p) if isinstance(p, list) else p for p in params))
        try:
            hash(key)
        except TypeError:
            return  # a parameter of a kind no page binds today: not worth failing the query over
        with self._lock:
            self._queries[key] = (sql, params)
            self._queries.move_to_end(key)
            while len(self._queries) > self._keep:
                self._queries.popitem(last=False)

    def noticed(self, identity: Hashable) -> None:
        """Called with the file identity of every query: the first sight of a new one starts a replay."""
        with self._lock:
            if identity == self._identity:
                return
            previous, self._identity = self._identity, identity
            queries = list(reversed(self._queries.values()))  # newest first: what people looked at last
        if previous is None or not queries:
            return  # the server's first file: nothing was run before it
        self.thread = threading.Thread(
            target=self._replay, args=(identity, queries), name="wipcast-cache-warmup", daemon=True
        )
        self._prepare_thread(self.thread)
        self.thread.start()

    def _replay(self, identity: Hashable, queries: list[tuple[str, tuple[Any, ...]]]) -> None:
        for sql, params in queries:
            if self._identity != identity:
                return  # another publish since: warm that one instead
            try:
                self._run(identity, sql, params)
            except Exception:  # noqa: BLE001 - only a warm-up: the page that needs the query reports it
                LOG.debug("cache warm-up skipped a query", exc_info=True)
