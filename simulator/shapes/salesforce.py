"""The demo firm's CRM (simulator.generate's customers, opportunities, opportunity_history) as a
multi-currency Salesforce org holds it.

Writes, under the output folder:
- salesforce/<Object>.json (`{"records": [...]}`) for Account, Opportunity, OpportunityHistory and
  OpportunityStage, in the REST API's record shape (attributes, `+0000` datetimes, Probability in
  percent, 18-character ids); the server (simulator.serve + shapes.salesforce_api) answers SOQL
  over them as the query resource does;
- wipcast.toml: the org's custom fields for practice, region, expected start, duration and the PSA
  project (`[connectors.salesforce.fields]`), and the account types that are customers;
- mappings/salesforce_identity.csv: each customer's account -> the firm's customer id, for a firm
  that also keeps its customers elsewhere (files, a PSA); off in wipcast.toml, as a Salesforce-only
  firm has no other customers to tie to;
- _ids.csv: canonical id <-> Salesforce id, so a round trip can be compared row by row.

Accounts: one per customer (Type "Customer - Direct"), plus one per prospect named by a new-customer
opportunity (Type "Prospect"). An opportunity for a new customer has Type "New Customer" (it keeps no
customer id even once its account became a customer), the others "Existing Customer - Upgrade".
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import duckdb

from simulator import params as P

FOLDER = "salesforce"
API_VERSION = "62.0"
CUSTOMER_TYPE, PROSPECT_TYPE = "Customer - Direct", "Prospect"
NEW_TYPE, EXISTING_TYPE = "New Customer", "Existing Customer - Upgrade"
FIELDS = {
    "practice": "Practice__c",
    "region": "Region__c",
    "expected_start_date": "Expected_Start_Date__c",
    "expected_duration_weeks": "Expected_Duration_Weeks__c",
    "project_id": "PSA_Project_Id__c",
    "account_region": "Sales_Region__c",
}
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
OWNER = "0055w00000BiLWwAAN"


def sfid(prefix: str, n: int) -> str:
    """An 18-character Salesforce id: key prefix, a 12-character number, the case-checksum suffix."""
    base = f"{prefix}5w{n:010d}"
    suffix = ""
    for chunk in (base[0:5], base[5:10], base[10:15]):
        bits = sum(1 << i for i, ch in enumerate(chunk) if ch.isupper())
        suffix += _SUFFIX[bits]
    return base + suffix


def stamp(value: Any) -> str:
    """A REST API datetime: `2024-01-09T17:45:33.000+0000` (UTC)."""
    if isinstance(value, dt.datetime):
        moment = value.astimezone(dt.UTC)
    else:
        moment = dt.datetime.combine(value, dt.time(9, 0), tzinfo=dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _rows(con: duckdb.DuckDBPyConnection, folder: Path, entity: str) -> list[dict[str, Any]]:
    for suffix, reader in ((".parquet", "read_parquet"), (".csv", "read_csv_auto")):
        path = folder / f"{entity}{suffix}"
        if path.exists():
            rows: list[dict[str, Any]] = con.sql(f"SELECT * FROM {reader}('{path}')").to_arrow_table().to_pylist()
            return rows
    return []


def _attributes(obj: str, record_id: str) -> dict[str, str]:
    return {"type": obj, "url": f"/services/data/v{API_VERSION}/sobjects/{obj}/{record_id}"}


def _percent(probability: Any) -> float:
    return round(float(probability) * 100, 6)


def _money(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


def write_salesforce_shape(canonical_dir: Path | str, out_dir: Path | str, as_of: dt.date) -> dict[str, int]:
    """Write the Salesforce shape of a canonical folder; return record counts per object."""
    src, out = Path(canonical_dir), Path(out_dir)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    customers = _rows(con, src, "customers")
    opportunities = sorted(_rows(con, src, "opportunities"), key=lambda r: r["opportunity_id"])
    history = sorted(_rows(con, src, "opportunity_history"), key=lambda r: (r["opportunity_id"], r["changed_at"]))
    con.close()

    first_change: dict[str, dt.datetime] = {}
    for h in history:
        first_change.setdefault(h["opportunity_id"], h["changed_at"])

    def created(o: dict[str, Any]) -> Any:
        first = first_change.get(o["opportunity_id"])
        return first if first is not None and first.date() == o["created_date"] else o["created_date"]

    accounts: list[dict[str, Any]] = []
    account_of: dict[str, str] = {}  # customer id or "prospect:<name>" -> account id
    opened: dict[str, Any] = {}
    for o in opportunities:
        key = o["customer_id"] or _by_name(customers, o["account_name"]) or f"prospect:{o['account_name']}"
        opened[key] = min(opened.get(key, o["created_date"]), o["created_date"])
    fallback = as_of - dt.timedelta(days=365)
    for i, c in enumerate(sorted(customers, key=lambda r: r["customer_id"]), start=1):
        account_id = sfid("001", i)
        account_of[c["customer_id"]] = account_id
        day = stamp(opened.get(c["customer_id"], fallback))
        accounts.append(
            {
                "attributes": _attributes("Account", account_id),
                "Id": account_id,
                "Name": c["name"],
                "Type": CUSTOMER_TYPE,
                "Industry": c.get("industry"),
                "BillingCountryCode": c["country"],
                FIELDS["account_region"]: c["region"],
                "IsDeleted": False,
                "CreatedDate": day,
                "SystemModstamp": day,
            }
        )

    opp_records, history_records, ids = [], [], []
    for c in customers:
        ids.append(["customers", c["customer_id"], FOLDER, account_of[c["customer_id"]]])
    for n, o in enumerate(opportunities, start=1):
        key = o["customer_id"] or _by_name(customers, o["account_name"]) or f"prospect:{o['account_name']}"
        if key not in account_of:  # a prospect's account, created with its first opportunity
            account_id = sfid("001", len(account_of) + 1)
            account_of[key] = account_id
            day = stamp(opened[key])
            accounts.append(
                {
                    "attributes": _attributes("Account", account_id),
                    "Id": account_id,
                    "Name": o["account_name"],
                    "Type": PROSPECT_TYPE,
                    "Industry": None,
                    "BillingCountryCode": None,
                    FIELDS["account_region"]: o["region"],
                    "IsDeleted": False,
                    "CreatedDate": day,
                    "SystemModstamp": day,
                }
            )
        opp_id = sfid("006", n)
        ids.append(["opportunities", o["opportunity_id"], FOLDER, opp_id])
        account_id = account_of[key]
        modstamp = stamp(o["updated_at"])
        opp_records.append(
            {
                "attributes": _attributes("Opportunity", opp_id),
                "Id": opp_id,
                "Name": o["name"],
                "AccountId": account_id,
                "Account": {"attributes": _attributes("Account", account_id), "Name": o["account_name"]},
                "Type": NEW_TYPE if o["customer_id"] is None else EXISTING_TYPE,
                "StageName": o["stage"],
                "Probability": _percent(o["probability"]),
                "Amount": _money(o["amount"]),
                "ExpectedRevenue": _money(float(o["amount"]) * float(o["probability"])),
                "CloseDate": o["close_date"].isoformat(),
                "IsClosed": o["status"] != "open",
                "IsWon": o["status"] == "won",
                "IsDeleted": False,
                "CurrencyIsoCode": o["currency"],
                "ForecastCategoryName": _forecast_category(o["status"], float(o["probability"])),
                "OwnerId": OWNER,
                "CreatedDate": stamp(created(o)),
                "LastModifiedDate": modstamp,
                "SystemModstamp": modstamp,
                FIELDS["practice"]: o["practice"],
                FIELDS["region"]: o["region"],
                FIELDS["expected_start_date"]: o["expected_start_date"].isoformat(),
                FIELDS["expected_duration_weeks"]: float(o["expected_duration_weeks"]),
                FIELDS["project_id"]: o["project_id"],
            }
        )
    opp_ids = {o["opportunity_id"]: r["Id"] for o, r in zip(opportunities, opp_records, strict=True)}
    previous: dict[str, dict[str, Any]] = {}
    for n, h in enumerate(history, start=1):
        record_id = sfid("008", n)
        prev = previous.get(h["opportunity_id"])
        history_records.append(
            {
                "attributes": _attributes("OpportunityHistory", record_id),
                "Id": record_id,
                "OpportunityId": opp_ids[h["opportunity_id"]],
                "StageName": h["stage"],
                "Amount": _money(h["amount"]),
                "ExpectedRevenue": _money(float(h["amount"]) * float(h["probability"])),
                "CloseDate": h["close_date"].isoformat(),
                "Probability": _percent(h["probability"]),
                "ForecastCategory": _forecast_category(h["status"], float(h["probability"])),
                "PrevAmount": None if prev is None else _money(prev["amount"]),
                "PrevCloseDate": None if prev is None else prev["close_date"].isoformat(),
                "IsDeleted": False,
                "CreatedById": OWNER,
                "CreatedDate": stamp(h["changed_at"]),
                "SystemModstamp": stamp(h["changed_at"]),
            }
        )
        previous[h["opportunity_id"]] = h
    collections = {
        "Account": accounts,
        "Opportunity": opp_records,
        "OpportunityHistory": history_records,
        "OpportunityStage": _stages(),
    }
    (out / FOLDER).mkdir(parents=True, exist_ok=True)
    for name, records in collections.items():
        (out / FOLDER / f"{name}.json").write_text(json.dumps({"records": records}, separators=(",", ":")))
    _write_settings(out, as_of, customers, account_of)
    ids.sort()
    _csv(out / "_ids.csv", ["entity", "canonical_id", "source_system", "source_id"], ids)
    return {f"{FOLDER}/{k}": len(v) for k, v in collections.items()}


def _by_name(customers: list[dict[str, Any]], name: str) -> str | None:
    """A new customer's opportunity sits on the account that became the customer, when there is one."""
    for c in customers:
        if c["name"] == name:
            return str(c["customer_id"])
    return None


def _forecast_category(status: str, probability: float) -> str:
    if status == "won":
        return "Closed"
    if status == "lost":
        return "Omitted"
    return "Commit" if probability >= 0.9 else "Best Case" if probability >= 0.6 else "Pipeline"


def _stages() -> list[dict[str, Any]]:
    """The firm's sales process: the simulator's ladder with its CRM probabilities, then won and lost."""
    ladder = [(name, p, False, False) for name, p in zip(P.STAGES, P.STAGE_CRM_PROBABILITY, strict=True)]
    ladder += [(P.CLOSED_WON, 1.0, True, True), (P.CLOSED_LOST, 0.0, True, False)]
    records = []
    for n, (name, probability, closed, won) in enumerate(ladder, start=1):
        record_id = sfid("01J", n)
        records.append(
            {
                "attributes": _attributes("OpportunityStage", record_id),
                "Id": record_id,
                "MasterLabel": name,
                "ApiName": name,
                "IsActive": True,
                "SortOrder": n,
                "IsClosed": closed,
                "IsWon": won,
                "ForecastCategoryName": _forecast_category("won" if won else "lost" if closed else "open", probability),
                "DefaultProbability": _percent(probability),
                "Description": None,
                "SystemModstamp": "2021-05-27T13:40:02.000+0000",
            }
        )
    return records


def _csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def _write_settings(out: Path, as_of: dt.date, customers: list[dict[str, Any]], account_of: dict[str, str]) -> None:
    _csv(
        out / "mappings" / "salesforce_identity.csv",
        ["entity", "source_system", "source_id", "canonical_id"],
        [["customers", FOLDER, account_of[c["customer_id"]], c["customer_id"]] for c in customers],
    )
    fields = "".join(f'{key} = "{name}"\n' for key, name in FIELDS.items())
    (out / "wipcast.toml").write_text(
        "# The demo firm's CRM as a Salesforce org: its custom fields and customer account types.\n"
        "[wipcast]\n"
        f'as_of = "{as_of.isoformat()}"  # the demo history ends here\n\n'
        "[connectors]\n"
        "# a firm that also keeps its customers in files or a PSA ties its accounts to them:\n"
        '# identity_map = "mappings/salesforce_identity.csv"\n\n'
        "[connectors.salesforce]\n"
        "multi_currency = true\n"
        f'api_version = "{API_VERSION}"\n'
        'customer_account_types = ["Customer - Direct", "Customer - Channel"]\n\n'
        "[connectors.salesforce.fields]\n"
        f"{fields}"
    )
