"""The demo firm's CRM (simulator.generate's customers, opportunities, opportunity_history) as a
multi-currency HubSpot portal holds it.

Writes, under the output folder:
- hubspot/companies.json, hubspot/deals.json, hubspot/pipelines.json (`{"results": [...]}`) in the CRM
  v3 record shape: every property value a string, datetimes as ISO text with milliseconds and `Z`;
  each deal also carries its `propertiesWithHistory` (newest version first) and its company
  association, which the demo API (shapes.hubspot_api) serves only when asked for them;
- wipcast.toml: the portal's custom properties for practice, region, expected start, duration and the
  PSA project (`[connectors.hubspot.properties]`);
- mappings/hubspot_identity.csv (off in wipcast.toml, as for Salesforce) and _ids.csv.

Companies: one per customer (lifecyclestage "customer") and one per prospect a new-customer deal names
("lead"). A new-customer deal has dealtype "newbusiness", the others "existingbusiness". The pipeline
is the simulator's stage ladder with its CRM probabilities, then closed won and closed lost.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from simulator import params as P

FOLDER = "hubspot"
PIPELINE = "default"
PROPERTIES = {
    "practice": "practice",
    "region": "sales_region",
    "expected_start_date": "expected_start_date",
    "expected_duration_weeks": "expected_duration_weeks",
    "project_id": "psa_project_id",
    "company_region": "sales_region",
}


def stamp(value: Any) -> str:
    """HubSpot datetime text: `2024-01-09T17:45:33.000Z` (UTC)."""
    if isinstance(value, dt.datetime):
        moment = value.astimezone(dt.UTC)
    else:
        moment = dt.datetime.combine(value, dt.time(9, 0), tzinfo=dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float | Decimal):
        return format(Decimal(str(value)).normalize(), "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def stage_id(label: str) -> str:
    return "".join(ch for ch in label.lower() if ch.isalnum())


def _stages() -> list[dict[str, Any]]:
    ladder = [(name, p, False) for name, p in zip(P.STAGES, P.STAGE_CRM_PROBABILITY, strict=True)]
    ladder += [(P.CLOSED_WON, 1.0, True), (P.CLOSED_LOST, 0.0, True)]
    return [
        {
            "label": name,
            "displayOrder": n,
            "metadata": {"isClosed": "true" if closed else "false", "probability": str(float(probability))},
            "id": stage_id(name),
            "createdAt": "1970-01-01T00:00:00Z",
            "updatedAt": "1970-01-01T00:00:00Z",
            "archived": False,
        }
        for n, (name, probability, closed) in enumerate(ladder)
    ]


def _rows(con: duckdb.DuckDBPyConnection, folder: Path, entity: str) -> list[dict[str, Any]]:
    for suffix, reader in ((".parquet", "read_parquet"), (".csv", "read_csv_auto")):
        path = folder / f"{entity}{suffix}"
        if path.exists():
            rows: list[dict[str, Any]] = con.sql(f"SELECT * FROM {reader}('{path}')").to_arrow_table().to_pylist()
            return rows
    return []


def _record(record_id: str, props: dict[str, Any], created: str, modified: str) -> dict[str, Any]:
    return {
        "id": record_id,
        "properties": {**props, "createdate": created, "hs_lastmodifieddate": modified, "hs_object_id": record_id},
        "createdAt": created,
        "updatedAt": modified,
        "archived": False,
    }


def write_hubspot_shape(canonical_dir: Path | str, out_dir: Path | str, as_of: dt.date) -> dict[str, int]:
    """Write the HubSpot shape of a canonical folder; return record counts per collection."""
    src, out = Path(canonical_dir), Path(out_dir)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    customers = sorted(_rows(con, src, "customers"), key=lambda r: r["customer_id"])
    opportunities = sorted(_rows(con, src, "opportunities"), key=lambda r: r["opportunity_id"])
    history = sorted(_rows(con, src, "opportunity_history"), key=lambda r: (r["opportunity_id"], r["changed_at"]))
    con.close()
    by_opp: dict[str, list[dict[str, Any]]] = {}
    for h in history:
        by_opp.setdefault(h["opportunity_id"], []).append(h)
    names = {c["name"]: c["customer_id"] for c in customers}
    stage_probability = {s["label"]: s["metadata"]["probability"] for s in _stages()}

    companies: list[dict[str, Any]] = []
    company_of: dict[str, str] = {}
    opened: dict[str, Any] = {}
    for o in opportunities:
        key = o["customer_id"] or names.get(o["account_name"]) or f"prospect:{o['account_name']}"
        opened[key] = min(opened.get(key, o["created_date"]), o["created_date"])
    fallback = as_of - dt.timedelta(days=365)
    for c in customers:
        company_id = str(5_100_000_000 + len(company_of) + 1)
        company_of[c["customer_id"]] = company_id
        day = stamp(opened.get(c["customer_id"], fallback))
        props = {
            "name": c["name"],
            "industry": c.get("industry"),
            "country": c["country"],
            "lifecyclestage": "customer",
            PROPERTIES["company_region"]: c["region"],
        }
        companies.append(_record(company_id, props, day, day))

    deals, ids = [], [["customers", c["customer_id"], FOLDER, company_of[c["customer_id"]]] for c in customers]
    for n, o in enumerate(opportunities, start=1):
        key = o["customer_id"] or names.get(o["account_name"]) or f"prospect:{o['account_name']}"
        if key not in company_of:
            company_id = str(5_100_000_000 + len(company_of) + 1)
            company_of[key] = company_id
            props = {
                "name": o["account_name"],
                "industry": None,
                "country": None,
                "lifecyclestage": "lead",
                PROPERTIES["company_region"]: o["region"],
            }
            companies.append(_record(company_id, props, stamp(opened[key]), stamp(opened[key])))
        deal_id = str(10_400_000_000 + n)
        ids.append(["opportunities", o["opportunity_id"], FOLDER, deal_id])
        changes = by_opp.get(o["opportunity_id"], [])
        created = (
            changes[0]["changed_at"]
            if changes and changes[0]["changed_at"].date() == o["created_date"]
            else o["created_date"]
        )
        props = {
            "dealname": o["name"],
            "amount": _text(o["amount"]),
            "dealstage": stage_id(o["stage"]),
            "pipeline": PIPELINE,
            "closedate": o["close_date"].isoformat() + "T00:00:00.000Z",
            "dealtype": "newbusiness" if o["customer_id"] is None else "existingbusiness",
            "deal_currency_code": o["currency"],
            "hs_forecast_probability": _text(o["probability"]),
            "hs_deal_stage_probability": stage_probability[o["stage"]],
            "hs_is_closed": "true" if o["status"] != "open" else "false",
            "hs_is_closed_won": "true" if o["status"] == "won" else "false",
            PROPERTIES["practice"]: o["practice"],
            PROPERTIES["region"]: o["region"],
            PROPERTIES["expected_start_date"]: o["expected_start_date"].isoformat(),
            PROPERTIES["expected_duration_weeks"]: _text(o["expected_duration_weeks"]),
            PROPERTIES["project_id"]: o["project_id"],
        }
        record = _record(deal_id, props, stamp(created), stamp(o["updated_at"]))
        record["propertiesWithHistory"] = _history(changes, stage_probability)
        record["associations"] = {"companies": {"results": [{"id": company_of[key], "type": "deal_to_company"}]}}
        deals.append(record)
    collections = {"companies": companies, "deals": deals, "pipelines": [_pipeline()]}
    (out / FOLDER).mkdir(parents=True, exist_ok=True)
    for name, records in collections.items():
        (out / FOLDER / f"{name}.json").write_text(json.dumps({"results": records}, separators=(",", ":")))
    _write_settings(out, as_of, customers, company_of)
    ids.sort()
    _csv(out / "_ids.csv", ["entity", "canonical_id", "source_system", "source_id"], ids)
    return {f"{FOLDER}/{k}": len(v) for k, v in collections.items()}


def _history(changes: list[dict[str, Any]], stage_probability: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """A version of each tracked property whenever a history row changed it (HubSpot keeps newest first)."""
    values = {
        "dealstage": lambda h: stage_id(h["stage"]),
        "amount": lambda h: _text(h["amount"]),
        "closedate": lambda h: h["close_date"].isoformat() + "T00:00:00.000Z",
        "hs_forecast_probability": lambda h: _text(h["probability"]),
        "hs_deal_stage_probability": lambda h: stage_probability[h["stage"]],
        PROPERTIES["expected_start_date"]: lambda h: h["expected_start_date"].isoformat(),
    }
    versions: dict[str, list[dict[str, Any]]] = {name: [] for name in values}
    for h in changes:
        for name, value_of in values.items():
            value = value_of(h)
            if not versions[name] or versions[name][-1]["value"] != value:
                versions[name].append(
                    {
                        "value": value,
                        "timestamp": stamp(h["changed_at"]),
                        "sourceType": "CRM_UI",
                        "updatedByUserId": 31337,
                    }
                )
    return {name: list(reversed(v)) for name, v in versions.items()}


def _pipeline() -> dict[str, Any]:
    return {"label": "Sales Pipeline", "displayOrder": 0, "id": PIPELINE, "stages": _stages(), "archived": False}


def _csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def _write_settings(out: Path, as_of: dt.date, customers: list[dict[str, Any]], company_of: dict[str, str]) -> None:
    _csv(
        out / "mappings" / "hubspot_identity.csv",
        ["entity", "source_system", "source_id", "canonical_id"],
        [["customers", FOLDER, company_of[c["customer_id"]], c["customer_id"]] for c in customers],
    )
    props = "".join(f'{key} = "{name}"\n' for key, name in PROPERTIES.items())
    (out / "wipcast.toml").write_text(
        "# The demo firm's CRM as a HubSpot portal: its custom properties.\n"
        "[wipcast]\n"
        f'as_of = "{as_of.isoformat()}"  # the demo history ends here\n\n'
        "[connectors]\n"
        "# a firm that also keeps its customers in files or a PSA ties its companies to them:\n"
        '# identity_map = "mappings/hubspot_identity.csv"\n\n'
        "[connectors.hubspot]\n"
        'customer_lifecycle_stages = ["customer", "evangelist"]\n\n'
        "[connectors.hubspot.properties]\n"
        f"{props}"
    )
