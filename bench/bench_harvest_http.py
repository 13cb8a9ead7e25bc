"""Benchmark the Harvest connector end to end over HTTP: N time entries (default 1,000,000) served by
the local demo server, extracted with dlt's REST source, conformed and loaded.

    .venv/bin/python bench/bench_harvest_http.py                 # 1,000,000 entries
    .venv/bin/python bench/bench_harvest_http.py --entries 200000

A small demo firm (people, clients, projects, invoices) is written as a Harvest account, then its
time entries are repeated with fresh ids and spread dates until there are N. Printed, from one run:
- the HTTP floor: every time-entry page fetched with plain `requests` (no dlt), following links.next,
  so the server's and the network's share is known;
- `wipcast ingest harvest`'s phases as the connector reports them: extract (HTTP + dlt's extract,
  normalize and raw load), conform (SQL over raw + the validator), load (conformed tables), ops logs;
- rows/s end to end and peak RSS of the process.
The demo server answers from memory with the vendor's 2,000-row page cap; its selection is memoised
here (the bench never changes the collections) so the server is not what is measured.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

AS_OF = dt.date(2026, 10, 31)


def _fast_api(folder: Path) -> Any:
    from simulator.shapes.harvest_api import HarvestDemoApi

    class MemoisedHarvestApi(HarvestDemoApi):
        _memo: dict[tuple[str, str | None, str | None], list[dict[str, Any]]]

        def select(
            self, key: str, rows: list[dict[str, Any]], updated_since: str | None, is_running: str | None
        ) -> list[dict[str, Any]]:
            memo = self.__dict__.setdefault("_memo", {})
            k = (key, updated_since, is_running)
            if k not in memo:
                memo[k] = super().select(key, rows, updated_since, is_running)
            return memo[k]

    return MemoisedHarvestApi.from_dir(folder)


def _grow_time_entries(folder: Path, entries: int) -> int:
    """Repeat the firm's time entries with new ids (and days moved back in whole weeks) up to `entries`."""
    path = folder / "harvest" / "time_entries.json"
    template = json.loads(path.read_text())["time_entries"]
    grown: list[dict[str, Any]] = []
    next_id = 10_000_000
    copy = 0
    while len(grown) < entries:
        shift = dt.timedelta(weeks=26 * copy)
        for row in template:
            if len(grown) >= entries:
                break
            new = dict(row)
            new["id"] = next_id
            next_id += 1
            new["spent_date"] = (dt.date.fromisoformat(row["spent_date"]) - shift).isoformat()
            new["invoice"] = row["invoice"] if copy == 0 else None
            grown.append(new)
        copy += 1
    path.write_text(json.dumps({"time_entries": grown}))
    return len(grown)


def _http_floor(url: str) -> tuple[float, int, int]:
    import requests

    start = time.perf_counter()
    link: str | None = url + "time_entries?per_page=2000&is_running=false&updated_since=2000-01-01T00:00:00Z"
    rows = pages = 0
    with requests.Session() as http:
        while link:
            page = http.get(link, headers={"Authorization": "Bearer demo", "Harvest-Account-Id": "1"}, timeout=60)
            page.raise_for_status()
            body = page.json()
            rows += len(body["time_entries"])
            pages += 1
            link = body["links"]["next"]
    return time.perf_counter() - start, rows, pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=1_000_000, help="time entries to serve")
    parser.add_argument("--employees", type=int, default=60, help="people in the demo firm (template)")
    args = parser.parse_args()

    import simulator
    from ingest.connectors import run
    from simulator.serve import FixtureServer
    from simulator.shapes.harvest import write_harvest_shape
    from wipcast.settings import load_settings

    with tempfile.TemporaryDirectory(prefix="bench_harvest_") as tmp:
        firm = Path(tmp) / "firm"
        simulator.generate(firm / "canonical", employees=args.employees, months=6, as_of=AS_OF, seed=7, fmt="csv")
        write_harvest_shape(firm / "canonical", firm, AS_OF)
        served = _grow_time_entries(firm, args.entries)
        api = _fast_api(firm)
        os.chdir(firm)  # the shape's wipcast.toml maps the firm
        os.environ["SOURCES__HARVEST__ACCESS_TOKEN"] = "demo"
        os.environ["SOURCES__HARVEST__ACCOUNT_ID"] = "1"
        with FixtureServer(api) as server:
            url = server.url + "/v2/"
            api.select("time_entries", api.harvest["time_entries"], "2000-01-01T00:00:00Z", "false")  # warm the memo
            floor, floor_rows, pages = _http_floor(url)
            settings = load_settings({"warehouse_dir": str(firm / "warehouse")}, cwd=firm)
            marks: list[tuple[str, float]] = []

            def progress(label: str, done: float, total: float) -> None:
                marks.append((label, time.perf_counter()))

            start = time.perf_counter()
            result = run.sync(settings, "harvest", "bench", base_url=url, progress=progress)
            total = time.perf_counter() - start
        peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2

    phases: dict[str, float] = {}
    bounds = [*marks, ("end", start + total)]
    for (label, t0), (_, t1) in zip(bounds, bounds[1:], strict=False):
        name = label.split(" ")[0]
        phases[name] = phases.get(name, 0.0) + (t1 - t0)
    loaded = result.rows_loaded
    print(f"time entries served: {served:,} ({pages} pages of <= 2,000); quarantined {result.rows_quarantined:,}")
    print(f"HTTP floor (requests only): {floor:.1f} s, {floor_rows / floor:,.0f} rows/s")
    print(
        f"wipcast ingest harvest: {total:.1f} s end to end, {loaded / total:,.0f} conformed rows/s, "
        f"peak RSS {peak_gb:.2f} GB"
    )
    for name, seconds in phases.items():
        print(f"  {name:<11} {seconds:6.1f} s  {seconds / total:6.1%}")
    print(f"  of extract, the HTTP floor is {floor / max(phases.get('extracting', floor), 1e-9):.0%}")


if __name__ == "__main__":
    main()
