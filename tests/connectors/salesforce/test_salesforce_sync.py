"""Salesforce against the documented org: the mapping, nextRecordsUrl paging, the SystemModstamp cursor
(API `+0000` values, SOQL `Z` literals), deletes through queryAll, and a missing custom field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ingest.connectors import run
from simulator.serve import FixtureServer
from simulator.shapes.salesforce_api import SalesforceDemoApi
from wipcast.settings import Settings

from ..helpers import query
from .conftest import WIPCAST_TOML, sf_url

GLOBEX_OPP, GLOBEX = "0065w000025aEL1AAM", "0015w00002TgezZAAR"
UTC = dt.UTC


def _opportunities(settings: Settings) -> dict[str, tuple[object, ...]]:
    rows = query(
        settings,
        "select opportunity_id, customer_id, account_name, practice, region, currency, amount, stage, probability, "
        "created_date, close_date, expected_start_date, expected_duration_weeks, status, updated_at "
        "from conformed_salesforce.opportunities",
    )
    return {str(r[0]): r[1:] for r in rows}


def test_the_documented_org_maps_to_customers_opportunities_and_history(
    sf_settings: Settings, sf_server: FixtureServer
) -> None:
    result = run.sync(sf_settings, "salesforce", "r1", base_url=sf_url(sf_server))

    # customers: the two accounts whose Type is a customer type; the prospect and untyped accounts are not
    customers = query(sf_settings, "select customer_id, name, country, region from conformed_salesforce.customers")
    assert sorted(customers) == [
        (f"salesforce:{GLOBEX}", "Globex Corporation", "DE", "North America"),
        ("salesforce:0015w00002Tgf0aAAB", "Initech", "US", "North America"),
    ]
    opps = _opportunities(sf_settings)
    assert opps[f"salesforce:{GLOBEX_OPP}"] == (
        f"salesforce:{GLOBEX}",
        "Globex Corporation",
        "Data & Analytics",
        "North America",  # no region field configured: default_region
        "EUR",  # CurrencyIsoCode (multi_currency = true)
        125000,
        "Negotiation/Review",
        0.9,  # Probability 90.0 / 100
        dt.date(2024, 1, 5),  # the UTC day of CreatedDate 2024-01-05T08:01:11.000+0000
        dt.date(2024, 3, 29),
        dt.date(2024, 4, 15),
        12.0,
        "open",
        dt.datetime(2024, 1, 9, 17, 45, 33, tzinfo=UTC),  # SystemModstamp, read from +0000
    )
    amazon = opps["salesforce:0065w000025aEK6AAM"]
    assert amazon[0] is None and amazon[1] == "Amazon" and amazon[7] == 0.1  # a prospect's deal: new customer
    initech = opps["salesforce:0065w000025aEM2AAM"]
    assert initech[0] == "salesforce:0015w00002Tgf0aAAB" and initech[7] == 1.0 and initech[12] == "won"
    # the documented lead has no custom fields (nor account nor amount): quarantined, naming the first to fill
    assert len(opps) == 3
    assert dict(result.entities["opportunities"].reasons) == {
        "practice is empty (Salesforce has no such field); set connectors.salesforce.fields.practice "
        "(the custom field's API name) or connectors.salesforce.default_practice": 1
    }

    history = query(
        sf_settings,
        "select changed_at, stage, probability, amount, status, expected_start_date "
        "from conformed_salesforce.opportunity_history order by changed_at",
    )
    assert history == [
        (dt.datetime(2024, 1, 5, 8, 1, 11, tzinfo=UTC), "Qualification", 0.1, 100000, "open", dt.date(2024, 4, 15)),
        (
            dt.datetime(2024, 1, 8, 10, 15, 40, tzinfo=UTC),
            "Proposal/Price Quote",
            0.75,
            125000,
            "open",
            dt.date(2024, 4, 15),
        ),
        (
            dt.datetime(2024, 1, 9, 17, 45, 33, tzinfo=UTC),
            "Negotiation/Review",
            0.9,
            125000,
            "open",
            dt.date(2024, 4, 15),
        ),
    ]

    # paging: each object's first batch from queryAll, then nextRecordsUrl until a batch has none
    paths = [r.path for r in sf_server.requests if r.method == "GET"]
    assert paths.count("/services/data/v62.0/queryAll") == 3 and paths.count("/services/data/v62.0/query") == 1
    followed = [p for p in paths if p.startswith("/services/data/v62.0/query/")]
    # 5 accounts, 4 opportunities, 3 history rows, 10 stages in batches of 2: 2 + 1 + 1 + 4 further batches
    assert len(followed) == 8
    loaded = query(sf_settings, "select entity, rows_loaded, rows_quarantined from ops.load_log order by entity")
    assert loaded == [("customers", 2, 0), ("opportunities", 3, 1), ("opportunity_history", 3, 0)]


def test_a_missing_custom_field_quarantines_naming_the_setting(
    sf_settings: Settings, sf_server: FixtureServer, sf_workdir: Path, sf_api: SalesforceDemoApi
) -> None:
    # also a single-currency org: CurrencyIsoCode is not selected (it would be INVALID_FIELD), org_currency fills in
    toml = WIPCAST_TOML.replace('expected_start_date = "Expected_Start_Date__c"\n', "")
    (sf_workdir / "wipcast.toml").write_text(toml.replace("multi_currency = true", 'org_currency = "USD"'))
    result = run.sync(sf_settings, "salesforce", "r1", base_url=sf_url(sf_server))
    opp_query = next(q for q in sf_api.queries if " FROM Opportunity " in q)
    assert "CurrencyIsoCode" not in opp_query and "Expected_Start_Date__c" not in opp_query
    expected = (
        "expected_start_date is empty (Salesforce has no such field); set "
        "connectors.salesforce.fields.expected_start_date (the custom field's API name)"
    )
    assert result.entities["opportunities"].reasons[expected] == 3
    assert query(sf_settings, "select count(*) from conformed_salesforce.opportunities") == [(0,)]
    held = query(sf_settings, "select raw_row from ops.quarantine where entity = 'opportunities'")
    assert len(held) == 4 and all('"currency": "USD"' in row[0] for row in held)  # EUR deal included: org currency
    # their history is set aside with them, naming the same setting
    history = result.entities["opportunity_history"]
    assert history.valid.num_rows == 0 and all(expected in r for r in history.reasons)


def test_the_cursor_reads_only_changes_and_sends_soql_literals(
    sf_settings: Settings, sf_server: FixtureServer, sf_api: SalesforceDemoApi
) -> None:
    run.sync(sf_settings, "salesforce", "r1", base_url=sf_url(sf_server))
    opp = next(o for o in sf_api.objects["Opportunity"] if o["Id"] == GLOBEX_OPP)
    opp.update(StageName="Closed Won", Probability=100.0, IsClosed=True, IsWon=True)
    opp["SystemModstamp"] = opp["LastModifiedDate"] = "2024-03-01T10:00:00.000+0000"
    sf_api.queries.clear()
    second = run.sync(sf_settings, "salesforce", "r2", base_url=sf_url(sf_server))

    # the stored cursor is the API's value (2024-02-02T11:30:00.000+0000, the latest opportunity); the
    # query carries it as a SOQL literal: unquoted, UTC, Z (the demo API, like Salesforce, refuses +0000)
    opp_query = next(q for q in sf_api.queries if " FROM Opportunity " in q)
    assert "WHERE SystemModstamp >= 2024-02-02T11:30:00Z ORDER BY SystemModstamp, Id" in opp_query
    assert second.cursors_after["opportunities"] == "2024-03-01T10:00:00.000+0000"
    assert second.extracted["opportunities"] == 1  # the changed deal (the boundary row is deduplicated)
    assert _opportunities(sf_settings)[f"salesforce:{GLOBEX_OPP}"][12] == "won"

    refused = sf_api.handle(
        "http://x",
        "/services/data/v62.0/query",
        {"q": "SELECT Id FROM Opportunity WHERE SystemModstamp >= 2024-02-02T11:30:00.000+0000"},
    )
    assert refused.status == 400 and refused.body[0]["errorCode"] == "INVALID_FIELD"


def test_deleted_rows_come_back_from_query_all_and_leave_the_conformed_output(
    sf_settings: Settings, sf_server: FixtureServer, sf_api: SalesforceDemoApi
) -> None:
    run.sync(sf_settings, "salesforce", "r1", base_url=sf_url(sf_server))
    opp = next(o for o in sf_api.objects["Opportunity"] if o["Id"] == GLOBEX_OPP)
    opp.update(IsDeleted=True, SystemModstamp="2024-03-02T08:00:00.000+0000")
    for row in sf_api.objects["OpportunityHistory"]:  # deleting an opportunity deletes its history
        row.update(IsDeleted=True, SystemModstamp="2024-03-02T08:00:00.000+0000")
    run.sync(sf_settings, "salesforce", "r2", base_url=sf_url(sf_server))

    assert f"salesforce:{GLOBEX_OPP}" not in _opportunities(sf_settings)
    assert query(sf_settings, "select count(*) from conformed_salesforce.opportunity_history") == [(0,)]
    # raw keeps the row, flagged as Salesforce flagged it
    assert query(sf_settings, "select is_deleted from raw_salesforce.opportunities where id = ?", [GLOBEX_OPP]) == [
        (True,)
    ]
