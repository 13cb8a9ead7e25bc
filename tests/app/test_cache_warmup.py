"""The cache warm-up after a publish: the queries run on the previous file are run again on the new one,
newest first, once per new file, skipping failures and giving way to an even newer file."""

from __future__ import annotations

import threading

from app.cache_warmup import Warmer


class Recorder:
    def __init__(self, fail_on: str | None = None):
        self.calls: list[tuple[str, str, tuple[object, ...]]] = []
        self.fail_on = fail_on

    def __call__(self, identity: str, sql: str, params: tuple[object, ...]) -> None:
        self.calls.append((identity, sql, params))
        if sql == self.fail_on:
            raise RuntimeError("no such table")


def _join(warmer: Warmer) -> None:
    assert warmer.thread is not None
    warmer.thread.join(timeout=10)
    assert not warmer.thread.is_alive()


def test_a_new_file_replays_the_remembered_queries_newest_first() -> None:
    run = Recorder()
    warmer = Warmer(run)
    warmer.noticed("file-1")  # the server's first file: nothing to replay
    assert warmer.thread is None
    for sql, params in (("select 1", ()), ("select ?", (["Data", "Cloud"],)), ("select 1", ())):
        warmer.remember(sql, params)  # "select 1" again: moves to the newest place, is not kept twice
    warmer.noticed("file-1")
    assert warmer.thread is None  # the same file: no replay
    warmer.noticed("file-2")
    _join(warmer)
    # a filter's list of values (unhashable) is remembered and replayed as it was bound
    assert run.calls == [("file-2", "select 1", ()), ("file-2", "select ?", (["Data", "Cloud"],))]


def test_only_the_most_recent_queries_are_kept() -> None:
    run = Recorder()
    warmer = Warmer(run, keep=2)
    warmer.noticed("a")
    for n in range(5):
        warmer.remember(f"select {n}", ())
    warmer.noticed("b")
    _join(warmer)
    assert [sql for _, sql, _ in run.calls] == ["select 4", "select 3"]


def test_a_failing_query_is_skipped_and_the_rest_still_run() -> None:
    run = Recorder(fail_on="select broken")
    warmer = Warmer(run)
    warmer.noticed("a")
    for sql in ("select first", "select broken", "select last"):
        warmer.remember(sql, ())
    warmer.noticed("b")
    _join(warmer)
    assert [sql for _, sql, _ in run.calls] == ["select last", "select broken", "select first"]


def test_a_newer_file_stops_the_replay_for_the_older_one() -> None:
    started, release = threading.Event(), threading.Event()
    calls: list[tuple[str, str]] = []

    def slow(identity: str, sql: str, params: tuple[object, ...]) -> None:
        calls.append((identity, sql))
        started.set()
        release.wait(timeout=10)

    warmer = Warmer(slow)
    warmer.noticed("a")
    for sql in ("select 1", "select 2", "select 3"):
        warmer.remember(sql, ())
    warmer.noticed("b")
    first = warmer.thread
    assert started.wait(timeout=10)
    warmer.noticed("c")  # published again while "b" is being warmed
    release.set()
    assert first is not None
    first.join(timeout=10)
    _join(warmer)
    b_calls = [sql for identity, sql in calls if identity == "b"]
    assert b_calls == ["select 3"]  # gave way after the query in flight
    assert [sql for identity, sql in calls if identity == "c"] == ["select 3", "select 2", "select 1"]


def test_the_replay_thread_is_prepared_before_it_starts() -> None:
    prepared: list[bool] = []
    warmer = Warmer(Recorder(), prepare_thread=lambda thread: prepared.append(thread.is_alive()))
    warmer.noticed("a")
    warmer.remember("select 1", ())
    warmer.noticed("b")
    _join(warmer)
    assert prepared == [False]


def test_a_parameter_it_cannot_key_is_not_remembered_and_does_not_raise() -> None:
    run = Recorder()
    warmer = Warmer(run)
    warmer.noticed("a")
    warmer.remember("select ?", ({"not": "hashable"},))
    warmer.remember("select 1", ())
    warmer.noticed("b")
    _join(warmer)
    assert [sql for _, sql, _ in run.calls] == ["select 1"]
