"""HubSpot against the documented portal: the mapping (string properties cast by the validator, stage ids
through the pipeline, probabilities), search paging with `after` in the body, history carried forward,
the cursor, archived deals as deletes, and the 10,000-result search cap crossed by windowing."""

from __future__ import annotations

import datetime as dt

import pytest
from dlt.sources.helpers.rest_client import RESTClient

from ingest.connectors import run
from ingest.connectors.hubspot.paging import StuckWindowError, WindowedSearchPaginator, epoch_ms
from simulator.serve import FixtureServer
from simulator.shapes.hubspot_api import HubSpotDemoApi
from wipcast.settings import Settings

from ..helpers import query
from .conftest import ACME, GLOBEX, GLOBEX_DEAL, INITECH, hs_url

UTC = dt.UTC


def _opportunities(settings: Settings) -> dict[str, tuple[object, ...]]:
    rows = query(
        settings,
        "select opportunity_id, customer_id, account_name, practice, region, currency, amount, stage, probability, "
        "created_date, close_date, expected_start_date, expected_duration_weeks, status, updated_at "
        "from conformed_hubspot.opportunities",
    )
    return {str(r[0]): r[1:] for r in rows}


def test_the_documented_portal_maps_to_customers_opportunities_and_history(
    hs_settings: Settings, hs_server: FixtureServer, hs_api: HubSpotDemoApi
) -> None:
    result = run.sync(hs_settings, "hubspot", "r1", base_url=hs_url(hs_server))

    customers = query(hs_settings, "select customer_id, name, country, region from conformed_hubspot.customers")
    assert sorted(customers) == [
        (f"hubspot:{ACME}", "Acme Corp", "United States", "North America"),
        (f"hubspot:{GLOBEX}", "Globex Corporation", "Germany", "North America"),
        (f"hubspot:{INITECH}", "Initech", "United States", "North America"),
    ]
    opps = _opportunities(hs_settings)
    assert opps[f"hubspot:{GLOBEX_DEAL}"] == (
        f"hubspot:{GLOBEX}",
        "Globex Corporation",
        "Data & Analytics",
        "North America",
        "EUR",
        pytest.approx(125000.5),  # "125000.50", cast by the validator
        "Contract Sent",  # dealstage contractsent, labelled through the pipeline
        0.85,  # hs_forecast_probability "0.85" (the rep's), before the stage's 0.9
        dt.date(2024, 1, 5),
        dt.date(2024, 3, 29),  # closedate "2024-03-29T00:00:00Z"
        dt.date(2024, 4, 15),
        12.0,
        "open",
        dt.datetime(2024, 1, 9, 17, 45, 33, 961000, tzinfo=UTC),
    )
    acme = opps["hubspot:10444744"]
    assert acme[6] == "Presentation Scheduled" and acme[7] == 0.6  # no forecast probability: the stage's
    initech = opps["hubspot:10444801"]
    assert initech[0] == f"hubspot:{INITECH}" and initech[12] == "won" and initech[9] == dt.date(2024, 1, 31)
    assert len(opps) == 3  # the inbound lead (no company, no amount, no custom properties) is quarantined
    assert result.entities["opportunities"].quarantined.num_rows == 1

    history = query(
        hs_settings,
        "select changed_at, stage, probability, amount, close_date, status from conformed_hubspot.opportunity_history "
        f"where opportunity_id = 'hubspot:{GLOBEX_DEAL}' order by changed_at",
    )
    # every change time of any tracked property, each property carried forward from its latest change
    assert history == [
        (
            dt.datetime(2024, 1, 5, 8, 1, 11, 12000, tzinfo=UTC),
            "Qualified To Buy",
            0.4,
            100000,
            dt.date(2024, 3, 29),
            "open",
        ),
        (
            dt.datetime(2024, 1, 8, 10, 15, 40, tzinfo=UTC),
            "Presentation Scheduled",
            0.6,
            pytest.approx(125000.5),
            dt.date(2024, 3, 29),
            "open",
        ),
        (
            dt.datetime(2024, 1, 9, 17, 45, 33, 961000, tzinfo=UTC),
            "Contract Sent",
            0.85,
            pytest.approx(125000.5),
            dt.date(2024, 3, 29),
            "open",
        ),
    ]
    # search pages by `after` in the JSON body (pages of 2 here), filtered GTE the cursor in epoch ms
    deal_searches = [b for b in hs_api.searches if "dealname" in b["properties"]]
    assert [b.get("after") for b in deal_searches] == [None, "2"]
    assert deal_searches[0]["filterGroups"][0]["filters"][0] == {
        "propertyName": "hs_lastmodifieddate",
        "operator": "GTE",
        "value": epoch_ms("2000-01-01T00:00:00Z"),
    }

    # the next run reads from the latest hs_lastmodifieddate seen
    hs_api.searches.clear()
    second = run.sync(hs_settings, "hubspot", "r2", base_url=hs_url(hs_server))
    value = next(b for b in hs_api.searches if "dealname" in b["properties"])["filterGroups"][0]["filters"][0]["value"]
    assert value == epoch_ms("2024-02-02T11:30:00.000Z") == "1706873400000"
    assert second.cursors_after["deals"] == "2024-02-02T11:30:00.000Z"


def test_an_archived_deal_is_a_delete_and_bad_strings_are_quarantined(
    hs_settings: Settings, hs_server: FixtureServer, hs_api: HubSpotDemoApi
) -> None:
    run.sync(hs_settings, "hubspot", "r1", base_url=hs_url(hs_server))
    for deal_id in (GLOBEX_DEAL, "10444802"):  # two archived deals, in pages of one: the list API's cursor
        hs_api.archive(deal_id, "2024-03-01T10:00:00.000Z")
    hs_api.page_size = 1
    acme = next(d for d in hs_api.objects["deals"] if d["id"] == "10444744")
    acme["properties"].update(amount="45k", hs_lastmodifieddate="2024-03-01T11:00:00.000Z")
    result = run.sync(hs_settings, "hubspot", "r2", base_url=hs_url(hs_server))

    opps = _opportunities(hs_settings)
    assert f"hubspot:{GLOBEX_DEAL}" not in opps and "hubspot:10444801" in opps
    archived_pages = [
        r.query.get("after")
        for r in hs_server.requests
        if r.path == "/crm/v3/objects/deals" and r.query.get("archived")
    ]
    assert archived_pages[-2:] == [None, "1"]  # the list API's `after` cursor, followed
    assert query(hs_settings, "select count(*) from raw_hubspot.deals_archived") == [(2,)]
    assert query(
        hs_settings,
        "select count(*) from conformed_hubspot.opportunity_history where opportunity_id = ?",
        [f"hubspot:{GLOBEX_DEAL}"],
    ) == [(0,)]
    # "45k" is not a number by the validator's rules: the deal is quarantined, not guessed (Initech's
    # "60000" in the same column is read)
    assert "hubspot:10444744" not in opps
    assert any("amount" in reason for reason in result.entities["opportunities"].reasons)


def _many_deals(n: int, same_instant: bool = False, cap: int = 10_000) -> HubSpotDemoApi:
    start = dt.datetime(2024, 1, 1, tzinfo=UTC)
    deals = []
    for i in range(n):
        moment = start if same_instant else start + dt.timedelta(minutes=i // 3)  # three deals per minute
        text = moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        deals.append({"id": str(20_000_000 + i), "properties": {"dealname": f"deal {i}", "hs_lastmodifieddate": text}})
    return HubSpotDemoApi({"deals": deals}, cap=cap)


def _search(server: FixtureServer, paginator: WindowedSearchPaginator) -> list[str]:
    body = {
        "filterGroups": [{"filters": [{"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": "0"}]}],
        "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
        "properties": ["dealname"],
        "limit": paginator.limit,
    }
    client = RESTClient(base_url=server.url + "/")
    ids: list[str] = []
    for page in client.paginate(
        "crm/v3/objects/deals/search", method="post", json=body, paginator=paginator, data_selector="results"
    ):
        ids += [row["id"] for row in page]
    return ids


def test_windowing_reads_past_the_10000_result_cap() -> None:
    api = _many_deals(10_450)
    with FixtureServer(api) as server:
        # the demo API enforces the cap as HubSpot does: the page after 10,000 results is HTTP 400
        refused = api.handle_post(server.url, "/crm/v3/objects/deals/search", {"limit": 100, "after": "10000"}, {})
        assert refused.status == 400
        paginator = WindowedSearchPaginator("hs_lastmodifieddate", limit=200)
        ids = _search(server, paginator)
    assert len(set(ids)) == 10_450  # every deal, though one query stops at 10,000
    assert paginator.windows == 2
    # the second window starts GTE the last value of the first: result 9,999 (0-based) was modified at
    # minute 9999 // 3 = 3333 = 2 days 7 h 33 min after the start; it alone of that minute was read
    # already, so it is the one row read twice (the merge absorbs it)
    second = [b for b in api.searches if b.get("after") is None][1]
    assert second["filterGroups"][0]["filters"][0]["value"] == epoch_ms("2024-01-03T07:33:00.000Z")
    assert len(ids) - len(set(ids)) == 1


def test_a_window_that_cannot_move_stops_the_run() -> None:
    # the same logic at a small cap (on both sides), to stay quick: 60 deals modified at one instant, cap 50
    api = _many_deals(60, same_instant=True, cap=50)
    with FixtureServer(api) as server, pytest.raises(StuckWindowError):
        _search(server, WindowedSearchPaginator("hs_lastmodifieddate", limit=10, cap=50))
