"""dbt's saved parse is shared between warehouses: kept after a command, seeded into a new warehouse's
target folder, never over a warehouse's own, and never able to fail a build."""

from __future__ import annotations

from pathlib import Path

import pytest

from wipcast import dbt_parse_cache as cache

PROJECT = Path("/somewhere/dbt_project")


@pytest.fixture
def cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_ENV, str(folder))
    return folder


def test_a_kept_parse_seeds_a_new_warehouse(tmp_path: Path, cache_folder: Path) -> None:
    key = cache.cache_key(PROJECT, "work", {"reporting_currency": "USD"})
    first = tmp_path / "a" / "dbt_target"
    first.mkdir(parents=True)
    (first / cache.PARSE_FILE).write_bytes(b"parse of a")
    cache.keep(first, key)
    second = tmp_path / "b" / "dbt_target"
    cache.seed(second, key)
    assert (second / cache.PARSE_FILE).read_bytes() == b"parse of a"
    assert [p.name for p in cache_folder.iterdir()] == [f"{key}.msgpack"]  # no staged file left behind


def test_a_warehouse_keeps_its_own_parse(tmp_path: Path, cache_folder: Path) -> None:
    key = cache.cache_key(PROJECT, "work", {})
    cache_folder.mkdir()
    (cache_folder / f"{key}.msgpack").write_bytes(b"cached")
    own = tmp_path / "dbt_target"
    own.mkdir()
    (own / cache.PARSE_FILE).write_bytes(b"own")
    cache.seed(own, key)
    assert (own / cache.PARSE_FILE).read_bytes() == b"own"


def test_other_vars_target_or_project_are_other_keys() -> None:
    base = cache.cache_key(PROJECT, "work", {"as_of": "2026-10-31", "reporting_currency": "USD"})
    assert base == cache.cache_key(PROJECT, "work", {"reporting_currency": "USD", "as_of": "2026-10-31"})
    assert base != cache.cache_key(PROJECT, "work", {"as_of": "2026-09-30", "reporting_currency": "USD"})
    assert base != cache.cache_key(PROJECT, "postgres", {"as_of": "2026-10-31", "reporting_currency": "USD"})
    assert base != cache.cache_key(Path("/elsewhere"), "work", {"as_of": "2026-10-31", "reporting_currency": "USD"})


def test_off_disables_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.CACHE_ENV, "off")
    target = tmp_path / "dbt_target"
    target.mkdir()
    (target / cache.PARSE_FILE).write_bytes(b"x")
    cache.keep(target, "k")
    cache.seed(tmp_path / "other", "k")
    assert cache.cache_dir() is None and not (tmp_path / "other").exists()


def test_an_unwritable_cache_never_fails_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv(cache.CACHE_ENV, str(blocker / "cache"))  # a folder below a file cannot be made
    target = tmp_path / "dbt_target"
    target.mkdir()
    (target / cache.PARSE_FILE).write_bytes(b"x")
    cache.keep(target, "k")  # no exception
    cache.seed(tmp_path / "new", "k")
    assert not (tmp_path / "new" / cache.PARSE_FILE).exists()
