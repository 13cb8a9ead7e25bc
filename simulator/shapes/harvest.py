"""The demo firm (simulator.generate's canonical files) as Harvest v2 and Harvest Forecast would hold it.

Writes, under the output folder:
- harvest/<collection>.json and harvest_forecast/<collection>.json: `{"<collection>": [records]}` in
  the vendors' documented record shapes (cost_rates and invoice_payments keyed by parent id); the
  server (simulator.serve + shapes.harvest_api) pages and filters them as the APIs do;
- mappings/*.csv and wipcast.toml: what a firm would configure for the fields Harvest lacks
  (practice, region, legal entity, hire date, customer country, milestone amounts);
- _ids.csv: canonical id <-> vendor id, so a round trip can be compared row by row.

What Harvest cannot hold is lost here on purpose, as it would be in a real account (see
docs/connectors/harvest.md, "Round trip"): milestone and retainer billing become fixed fee, a
rejected timesheet is unsubmitted again, a capped time-and-materials project keeps its money cap
but not its hours budget, and there is no ERP posting time, opportunity or plan history.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import duckdb

HARVEST = "harvest"
FORECAST = "harvest_forecast"
LINE_KINDS = {
    "time": "Service",
    "fixed_fee": "Fixed Fee",
    "milestone": "Milestone",
    "retainer": "Retainer",
    "expense": "Expense",
    "other": "Product",
}
APPROVAL = {"draft": "unsubmitted", "submitted": "submitted", "approved": "approved", "rejected": "unsubmitted"}
INVOICE_STATE = {"draft": "draft", "open": "open", "paid": "paid", "void": "closed"}
ID_BASE = {
    "clients": 100_000,
    "users": 200_000,
    "projects": 300_000,
    "user_assignments": 400_000,
    "invoices": 500_000,
    "line_items": 600_000,
    "payments": 700_000,
    "cost_rates": 800_000,
    "people": 900_000,
    "forecast_projects": 1_100_000,
    "assignments": 1_200_000,
    "milestones": 1_300_000,
    "time_entries": 10_000_000,
}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


def _rows(con: duckdb.DuckDBPyConnection, folder: Path, entity: str) -> list[dict[str, Any]]:
    """An entity's rows as Python values (date, datetime, Decimal, None), from Parquet or CSV."""
    for suffix, reader in ((".parquet", "read_parquet"), (".csv", "read_csv_auto")):
        path = folder / f"{entity}{suffix}"
        if path.exists():
            rows: list[dict[str, Any]] = con.sql(f"SELECT * FROM {reader}('{path}')").to_arrow_table().to_pylist()
            return rows
    return []


def _day(value: Any) -> str | None:
    if value is None:
        return None
    return (value.date() if isinstance(value, dt.datetime) else value).isoformat()


def _stamp(value: Any, millis: bool = False) -> str:
    if isinstance(value, dt.datetime):
        moment = value.astimezone(dt.UTC)
    else:
        moment = dt.datetime.combine(value, dt.time(9, 0), tzinfo=dt.UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return text + (".000Z" if millis else "Z")


def _money(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


class _Ids:
    def __init__(self) -> None:
        self.maps: dict[str, dict[str, int]] = defaultdict(dict)

    def get(self, kind: str, canonical: str) -> int:
        found = self.maps[kind]
        if canonical not in found:
            found[canonical] = ID_BASE[kind] + len(found) + 1
        return found[canonical]


def _abbreviation(practice: str, taken: set[str]) -> str:
    letters = "".join(word[0] for word in practice.replace("&", " ").split() if word[0].isalnum()).upper() or "P"
    abbr, n = letters, 2
    while abbr in taken:
        abbr, n = f"{letters}{n}", n + 1
    taken.add(abbr)
    return abbr


def write_harvest_shape(
    canonical_dir: Path | str, out_dir: Path | str, as_of: dt.date, *, invoices: bool = True
) -> dict[str, int]:
    """Write the Harvest + Forecast shape of a canonical folder; return record counts per collection.

    invoices=False: the firm bills in its ERP, not in Harvest (a full stack with NetSuite holding the
    invoices, lines and payments): Harvest holds no invoice or payment, and no entry is marked billed.
    """
    src, out = Path(canonical_dir), Path(out_dir)
    con = duckdb.connect()
    data = {
        name: _rows(con, src, name)
        for name in (
            "legal_entities",
            "customers",
            "employees",
            "projects",
            "time_entries",
            "assignments",
            "milestones",
            "invoices",
            "invoice_lines",
            "payments",
        )
    }
    con.close()
    if not invoices:  # the ERP holds them: nothing billed in Harvest
        data.update(invoices=[], invoice_lines=[], payments=[])
        data["time_entries"] = [{**t, "invoice_id": None} for t in data["time_entries"]]
    ids = _Ids()
    prefixes: dict[str, tuple[str, str]] = {}
    harvest = _harvest(data, ids, as_of, prefixes)
    children, forecast = _children(data, ids), _forecast(data, ids, as_of)
    for folder, collections in ((HARVEST, harvest), (FORECAST, forecast)):
        (out / folder).mkdir(parents=True, exist_ok=True)
        for name, records in collections.items():
            (out / folder / f"{name}.json").write_text(json.dumps({name: records}, separators=(",", ":")))
    for name, by_parent in children.items():
        (out / HARVEST / f"{name}.json").write_text(json.dumps({name: by_parent}, separators=(",", ":")))
    _write_settings(out, data, ids, forecast, prefixes, as_of)
    _write_ids(out, ids)
    counts = {f"{HARVEST}/{k}": len(v) for k, v in harvest.items()}
    counts.update({f"{HARVEST}/{k}": sum(len(v) for v in by.values()) for k, by in children.items()})
    counts.update({f"{FORECAST}/{k}": len(v) for k, v in forecast.items()})
    return counts


# ---- Harvest ------------------------------------------------------------------------------
def _harvest(
    data: dict[str, list[dict[str, Any]]], ids: _Ids, as_of: dt.date, prefixes: dict[str, tuple[str, str]]
) -> dict[str, list[dict[str, Any]]]:
    """Harvest collections; fills `prefixes` (project code prefix -> practice, entity) for the mapping file."""
    entities = {e["entity_id"]: e for e in data["legal_entities"]}
    employees = {e["employee_id"]: e for e in data["employees"]}
    customers = {c["customer_id"]: c for c in data["customers"]}
    currency_of: dict[str, str] = {}
    for p in data["projects"]:
        if p["customer_id"]:
            currency_of.setdefault(p["customer_id"], p["currency"])
    for i in data["invoices"]:
        currency_of.setdefault(i["customer_id"], i["currency"])

    clients = [
        {
            "id": ids.get("clients", c["customer_id"]),
            "name": c["name"],
            "is_active": True,
            "address": "",
            "statement_key": f"demo{ids.get('clients', c['customer_id'])}",
            "created_at": "2020-01-01T00:00:00Z",
            "updated_at": "2020-01-01T00:00:00Z",
            "currency": currency_of.get(c["customer_id"], "USD"),
        }
        for c in sorted(customers.values(), key=lambda c: c["customer_id"])
    ]
    for e in sorted(entities.values(), key=lambda e: e["entity_id"]):  # the firm's own client per entity
        clients.append(
            {
                "id": ids.get("clients", f"internal:{e['entity_id']}"),
                "name": f"{e['name']} (internal)",
                "is_active": True,
                "address": "",
                "statement_key": f"internal{e['entity_id']}",
                "created_at": "2020-01-01T00:00:00Z",
                "updated_at": "2020-01-01T00:00:00Z",
                "currency": e["currency"],
            }
        )
    client_by_id = {c["id"]: c for c in clients}

    users = []
    for e in sorted(employees.values(), key=lambda e: e["employee_id"]):
        first, _, last = e["name"].partition(" ")
        ended = e["termination_date"] is not None and e["termination_date"] <= as_of
        users.append(
            {
                "id": ids.get("users", e["employee_id"]),
                "first_name": first,
                "last_name": last,
                "email": e["email"],
                "telephone": "",
                "timezone": "Eastern Time (US & Canada)",
                "has_access_to_all_future_projects": False,
                "is_contractor": e["employment_type"] == "contractor",
                "is_active": not ended,
                "created_at": _stamp(e["hire_date"]),
                "updated_at": _stamp(e["termination_date"] if ended else e["hire_date"]),
                "weekly_capacity": round(float(e["weekly_capacity_hours"]) * 3600),
                "default_hourly_rate": None,
                "cost_rate": _money(e["cost_rate"]),
                "roles": [e["role"]],
                "access_roles": ["member"],
                "avatar_url": "",
            }
        )

    projects, assignments = [], []
    practices: dict[str, str] = {}
    taken: set[str] = set()
    counter: dict[str, int] = defaultdict(int)
    for p in sorted(data["projects"], key=lambda p: p["project_id"]):
        abbr = practices.setdefault(p["practice"], _abbreviation(p["practice"], taken))
        prefix = f"{abbr}-{p['entity_id'].split('-')[-1]}-"
        prefixes[prefix] = (p["practice"], p["entity_id"])
        counter[prefix] += 1
        client_key = p["customer_id"] or f"internal:{p['entity_id']}"
        client = client_by_id[ids.get("clients", client_key)]
        billable = p["billing_type"] != "non_billable"
        fixed = p["billing_type"] in ("fixed_fee", "milestone", "retainer")
        capped = p["billing_type"] == "time_and_materials" and p["contract_value"] is not None
        budget_by = "project_cost" if capped else ("project" if p["budget_hours"] is not None else "none")
        created = _stamp(min(p["start_date"], as_of))
        project_id = ids.get("projects", p["project_id"])
        projects.append(
            {
                "id": project_id,
                "name": p["name"],
                "code": f"{prefix}{counter[prefix]:04d}",
                "is_active": p["status"] != "closed",
                "bill_by": "Project" if billable else "none",
                "budget": None if capped or p["budget_hours"] is None else float(p["budget_hours"]),
                "budget_by": budget_by,
                "budget_is_monthly": False,
                "notify_when_over_budget": False,
                "over_budget_notification_percentage": 80.0,
                "over_budget_notification_date": None,
                "show_budget_to_all": False,
                "created_at": created,
                "updated_at": created,
                "starts_on": _day(p["start_date"]),
                "ends_on": _day(p["end_date"]),
                "is_billable": billable,
                "is_fixed_fee": fixed,
                "notes": "",
                "client": {"id": client["id"], "name": client["name"], "currency": client["currency"]},
                "cost_budget": _money(p["contract_value"]) if capped else None,
                "cost_budget_include_expenses": False,
                "hourly_rate": None,
                "fee": _money(p["contract_value"]) if fixed else None,
            }
        )
        if p.get("project_manager_id"):
            manager = employees[p["project_manager_id"]]
            assignments.append(
                {
                    "id": ids.get("user_assignments", p["project_id"]),
                    "is_project_manager": True,
                    "is_active": True,
                    "use_default_rates": True,
                    "budget": None,
                    "created_at": created,
                    "updated_at": created,
                    "hourly_rate": None,
                    "project": {"id": project_id, "name": p["name"], "code": projects[-1]["code"]},
                    "user": {"id": ids.get("users", manager["employee_id"]), "name": manager["name"]},
                }
            )
    project_by_canonical = {p["project_id"]: p for p in data["projects"]}
    harvest_projects = {pr["id"]: pr for pr in projects}

    invoice_numbers = {i["invoice_id"]: ids.get("invoices", i["invoice_id"]) for i in data["invoices"]}
    entries = []
    for t in sorted(data["time_entries"], key=lambda t: t["time_entry_id"]):
        project = harvest_projects[ids.get("projects", t["project_id"])]
        employee = employees[t["employee_id"]]
        approved = t["approval_status"] == "approved"
        invoice = t["invoice_id"]
        entries.append(
            {
                "id": ids.get("time_entries", t["time_entry_id"]),
                "spent_date": _day(t["work_date"]),
                "user": {"id": ids.get("users", t["employee_id"]), "name": employee["name"]},
                "client": {"id": project["client"]["id"], "name": project["client"]["name"]},
                "project": {"id": project["id"], "name": project["name"]},
                "task": {"id": 1, "name": "Delivery"},
                "user_assignment": None,
                "task_assignment": None,
                "hours": float(t["hours"]),
                "hours_without_timer": float(t["hours"]),
                "rounded_hours": float(t["hours"]),
                "notes": None,
                "created_at": _stamp(t["updated_at"]),
                "updated_at": _stamp(t["updated_at"]),
                "is_locked": approved,
                "locked_reason": "Item Approved and Locked for this Time Period" if approved else None,
                "is_closed": approved,
                "is_billed": invoice is not None,
                "timer_started_at": None,
                "started_time": None,
                "ended_time": None,
                "is_running": False,
                "invoice": {"id": invoice_numbers[invoice], "number": invoice} if invoice in invoice_numbers else None,
                "external_reference": None,
                "billable": bool(t["billable"]),
                "budgeted": True,
                "billable_rate": _money(t["bill_rate"]),
                "cost_rate": _money(employee["cost_rate"]),
                "approval_status": APPROVAL[t["approval_status"]],
            }
        )

    lines_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in sorted(data["invoice_lines"], key=lambda line: line["invoice_line_id"]):
        lines_of[line["invoice_id"]].append(line)
    paid_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for pay in data["payments"]:
        paid_of[pay["invoice_id"]].append(pay)
    invoices = []
    for i in sorted(data["invoices"], key=lambda i: i["invoice_id"]):
        client = client_by_id[ids.get("clients", i["customer_id"])]
        paid = sum(float(p["amount"]) for p in paid_of[i["invoice_id"]])
        items = []
        for line in lines_of[i["invoice_id"]]:
            project = project_by_canonical[line["project_id"]]
            quantity = float(line["hours"]) if line["hours"] is not None else 1.0
            amount = float(line["amount"])
            items.append(
                {
                    "id": ids.get("line_items", line["invoice_line_id"]),
                    "kind": LINE_KINDS[line["line_type"]],
                    "description": project["name"],
                    "quantity": quantity,
                    "unit_price": round(amount / quantity, 4) if quantity else amount,
                    "amount": round(amount, 2),
                    "taxed": False,
                    "taxed2": False,
                    "project": {
                        "id": ids.get("projects", line["project_id"]),
                        "name": project["name"],
                        "code": harvest_projects[ids.get("projects", line["project_id"])]["code"],
                    },
                }
            )
        last_paid = max((p["payment_date"] for p in paid_of[i["invoice_id"]]), default=None)
        invoices.append(
            {
                "id": ids.get("invoices", i["invoice_id"]),
                "client_key": f"demo{ids.get('invoices', i['invoice_id'])}",
                "number": i["invoice_id"],
                "purchase_order": "",
                "amount": _money(i["amount"]),
                "due_amount": round(float(i["amount"]) - paid, 2),
                "tax": None,
                "tax_amount": 0.0,
                "tax2": None,
                "tax2_amount": 0.0,
                "discount": None,
                "discount_amount": 0.0,
                "subject": "",
                "notes": "",
                "state": INVOICE_STATE[i["status"]],
                "period_start": None,
                "period_end": None,
                "issue_date": _day(i["invoice_date"]),
                "due_date": _day(i["due_date"]),
                "payment_term": "custom",
                "sent_at": None if i["status"] == "draft" else _stamp(i["invoice_date"]),
                "paid_at": _stamp(last_paid) if i["status"] == "paid" and last_paid else None,
                "paid_date": _day(last_paid) if i["status"] == "paid" else None,
                "closed_at": None,
                "recurring_invoice_id": None,
                "created_at": _stamp(i.get("created_at") or i["invoice_date"]),
                "updated_at": _stamp(i["updated_at"]),
                "currency": i["currency"],
                "payment_options": [],
                "client": {"id": client["id"], "name": client["name"]},
                "estimate": None,
                "retainer": None,
                "creator": {"id": 0, "name": "Demo"},
                "line_items": items,
            }
        )
    return {
        "clients": clients,
        "users": users,
        "projects": projects,
        "user_assignments": assignments,
        "time_entries": entries,
        "invoices": invoices,
    }


def _children(data: dict[str, list[dict[str, Any]]], ids: _Ids) -> dict[str, dict[str, list[dict[str, Any]]]]:
    cost_rates = {
        str(ids.get("users", e["employee_id"])): [
            {
                "id": ids.get("cost_rates", e["employee_id"]),
                "amount": _money(e["cost_rate"]),
                "start_date": _day(e["hire_date"]),
                "end_date": None,
                "created_at": _stamp(e["hire_date"]),
                "updated_at": _stamp(e["hire_date"]),
            }
        ]
        for e in data["employees"]
    }
    payments: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in sorted(data["payments"], key=lambda p: p["payment_id"]):
        payments[str(ids.get("invoices", p["invoice_id"]))].append(
            {
                "id": ids.get("payments", p["payment_id"]),
                "amount": _money(p["amount"]),
                "paid_at": _stamp(p["payment_date"]),
                "paid_date": _day(p["payment_date"]),
                "recorded_by": "Demo",
                "recorded_by_email": "demo@example.com",
                "notes": "",
                "transaction_id": None,
                "created_at": _stamp(p["payment_date"]),
                "updated_at": _stamp(p["payment_date"]),
                "payment_gateway": {"id": None, "name": None},
            }
        )
    return {"cost_rates": cost_rates, "invoice_payments": dict(payments)}


# ---- Forecast -----------------------------------------------------------------------------
def _forecast(data: dict[str, list[dict[str, Any]]], ids: _Ids, as_of: dt.date) -> dict[str, list[dict[str, Any]]]:
    people = []
    for e in sorted(data["employees"], key=lambda e: e["employee_id"]):
        first, _, last = e["name"].partition(" ")
        people.append(
            {
                "id": ids.get("people", e["employee_id"]),
                "first_name": first,
                "last_name": last,
                "email": e["email"],
                "login": "enabled",
                "admin": False,
                "archived": e["termination_date"] is not None,
                "subscribed": False,
                "avatar_url": "",
                "teams": [e["practice"]],
                "roles": [e["role"]],
                "updated_at": _stamp(e["hire_date"], millis=True),
                "updated_by_id": 1,
                "harvest_user_id": ids.get("users", e["employee_id"]),
                "weekly_capacity": round(float(e["weekly_capacity_hours"]) * 3600),
                "working_days": {**dict.fromkeys(WEEKDAYS, True), "saturday": False, "sunday": False},
                "color_blind": False,
            }
        )
    projects = [
        {
            "id": ids.get("forecast_projects", p["project_id"]),
            "name": p["name"],
            "color": "blue",
            "code": None,
            "notes": None,
            "start_date": _day(p["start_date"]),
            "end_date": _day(p["end_date"]),
            "harvest_id": ids.get("projects", p["project_id"]),
            "archived": p["status"] == "closed",
            "budget_by": "none",
            "budget_is_monthly": False,
            "updated_at": _stamp(min(p["start_date"], as_of), millis=True),
            "updated_by_id": 1,
            "client_id": None,
            "tags": [],
        }
        for p in sorted(data["projects"], key=lambda p: p["project_id"])
    ]
    roles = sorted({a["role"] for a in data["assignments"] if a["employee_id"] is None})
    placeholders = [
        {
            "id": n,
            "name": f"{role} (to hire)",
            "archived": False,
            "teams": [],
            "roles": [role],
            "updated_at": "2020-01-01T00:00:00.000Z",
            "updated_by_id": 1,
        }
        for n, role in enumerate(roles, start=1)
    ]
    placeholder_of = {role: n for n, role in enumerate(roles, start=1)}
    assignments = [
        {
            "id": ids.get("assignments", a["assignment_id"]),
            "start_date": _day(a["start_date"]),
            "end_date": _day(a["end_date"]),
            "allocation": round(float(a["hours_per_week"]) * 3600 / len(WEEKDAYS)),
            "notes": None,
            "updated_at": _stamp(a["updated_at"], millis=True),
            "updated_by_id": 1,
            "project_id": ids.get("forecast_projects", a["project_id"]),
            "person_id": ids.get("people", a["employee_id"]) if a["employee_id"] else None,
            "placeholder_id": None if a["employee_id"] else placeholder_of[a["role"]],
            "repeated_assignment_set_id": None,
            "active_on_days_off": False,
        }
        for a in sorted(data["assignments"], key=lambda a: a["assignment_id"])
    ]
    milestones = [
        {
            "id": ids.get("milestones", m["milestone_id"]),
            "name": m["name"],
            "date": _day(m["due_date"]),
            "updated_at": "2020-01-01T00:00:00.000Z",
            "updated_by_id": 1,
            "project_id": ids.get("forecast_projects", m["project_id"]),
        }
        for m in sorted(data["milestones"], key=lambda m: m["milestone_id"])
    ]
    return {
        "people": people,
        "projects": projects,
        "placeholders": placeholders,
        "assignments": assignments,
        "milestones": milestones,
    }


# ---- settings and id map ------------------------------------------------------------------
def _csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(["" if v is None else v for v in row] for row in rows)


def _write_settings(
    out: Path,
    data: dict[str, list[dict[str, Any]]],
    ids: _Ids,
    forecast: dict[str, list[dict[str, Any]]],
    prefixes: dict[str, tuple[str, str]],
    as_of: dt.date,
) -> None:
    maps = out / "mappings"
    _csv(
        maps / "harvest_users.csv",
        [
            "harvest_user_id",
            "email",
            "practice",
            "region",
            "entity_id",
            "hire_date",
            "termination_date",
            "utilization_target",
            "role",
        ],
        [
            [
                ids.get("users", e["employee_id"]),
                e["email"],
                e["practice"],
                e["region"],
                e["entity_id"],
                _day(e["hire_date"]),
                _day(e["termination_date"]),
                e["utilization_target"],
                None,
            ]
            for e in sorted(data["employees"], key=lambda e: e["employee_id"])
        ],
    )
    _csv(
        maps / "harvest_clients.csv",
        ["harvest_client_id", "country", "region", "industry"],
        [
            [ids.get("clients", c["customer_id"]), c["country"], c["region"], c.get("industry")]
            for c in sorted(data["customers"], key=lambda c: c["customer_id"])
        ],
    )
    _csv(
        maps / "harvest_project_prefixes.csv",
        ["code_prefix", "practice", "entity_id"],
        [[k, v[0], v[1]] for k, v in sorted(prefixes.items())],
    )
    _csv(
        maps / "forecast_milestones.csv",
        ["forecast_milestone_id", "amount"],
        [[ids.get("milestones", m["milestone_id"]), f"{float(m['amount']):.2f}"] for m in data["milestones"]],
    )
    today = dt.date.today()
    starts = [dt.date.fromisoformat(a["start_date"]) for a in forecast["assignments"]] or [today]
    ends = [dt.date.fromisoformat(a["end_date"]) for a in forecast["assignments"]] or [today]
    dates = [dt.date.fromisoformat(m["date"]) for m in forecast["milestones"]]
    lookback = max(1, (today - min(starts + dates)).days + 31)
    horizon = max(1, (max(ends + dates) - today).days + 31)
    internal = [ids.get("clients", f"internal:{e['entity_id']}") for e in data["legal_entities"]]
    entities = "".join(
        f'\n[[connectors.harvest.legal_entities]]\nentity_id = "{e["entity_id"]}"\nname = "{e["name"]}"\n'
        f'country = "{e["country"]}"\ncurrency = "{e["currency"]}"\n'
        for e in sorted(data["legal_entities"], key=lambda e: e["entity_id"])
    )
    (out / "wipcast.toml").write_text(
        "# The demo firm as a Harvest + Forecast account: what a firm configures for what Harvest lacks.\n"
        "[wipcast]\n"
        f'as_of = "{as_of.isoformat()}"  # the demo history ends here: project statuses are judged on it\n\n'
        "[connectors.harvest]\n"
        'users_file = "mappings/harvest_users.csv"\n'
        'clients_file = "mappings/harvest_clients.csv"\n'
        'project_prefixes_file = "mappings/harvest_project_prefixes.csv"\n'
        f"internal_client_ids = [{', '.join(str(i) for i in internal)}]\n"
        f"{entities}\n"
        "[connectors.harvest_forecast]\n"
        'milestones_file = "mappings/forecast_milestones.csv"\n'
        f"lookback_days = {lookback}\n"
        f"horizon_days = {horizon}\n"
    )


def _write_ids(out: Path, ids: _Ids) -> None:
    kinds = {
        "clients": ("customers", HARVEST),
        "users": ("employees", HARVEST),
        "projects": ("projects", HARVEST),
        "time_entries": ("time_entries", HARVEST),
        "invoices": ("invoices", HARVEST),
        "line_items": ("invoice_lines", HARVEST),
        "payments": ("payments", HARVEST),
        "assignments": ("assignments", FORECAST),
        "milestones": ("milestones", FORECAST),
    }
    rows = [
        [entity, canonical, system, vendor_id]
        for kind, (entity, system) in kinds.items()
        for canonical, vendor_id in sorted(ids.maps[kind].items())
        if not canonical.startswith("internal:")
    ]
    _csv(out / "_ids.csv", ["entity", "canonical_id", "source_system", "source_id"], rows)
