"""The demo firm (simulator.generate's canonical files) as a Kantata (Mavenlink) v1 account holds it.

Writes, under the output folder:
- kantata/<type>.json: `{"<type>": [records]}` in the documented record shapes (ids as strings,
  money in integer cents, time in minutes, timestamps with the account's UTC offset: the firm's
  account runs on America/Los_Angeles time); the server (simulator.serve + shapes.kantata_api)
  wraps them in Kantata's envelope and pages them;
- mappings/*.csv and wipcast.toml: what a firm configures for what Kantata lacks (practice,
  region, legal entity, hire date, capacity, customer country);
- _ids.csv: canonical id <-> vendor id, so a round trip can be compared row by row.

What Kantata cannot hold is lost here on purpose (docs/connectors/kantata.md, "Round trip"):
milestone and retainer workspaces are fixed fee, a rejected timesheet is open (draft) again, an
entry's own rate is the only rate it carries (the demo leaves card rates unresolved), there are no
invoices, payments or milestones, no ERP posting time, opportunity or plan history.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from simulator.shapes.harvest import _rows

KANTATA = "kantata"
ZONE = ZoneInfo("America/Los_Angeles")
FIRM_ACCOUNT = 2953995
CLIENT_ACCOUNT_BASE = 2960000
ID_BASE = {
    "workspace_groups": 100_000,
    "users": 4_500_000,
    "client_users": 4_600_000,
    "workspaces": 4_800_000,
    "stories": 68_000_000,
    "workspace_resources": 88_000_000,
    "workspace_allocations": 2_200_000,
    "invoices": 7_700_000,
    "time_entries": 300_000_000,
}
STATUS = {  # canonical status -> Kantata's workspace status (color, message, key) and stage
    "planned": ({"color": "grey", "message": "Not Started", "key": 305}, "planning"),
    "active": ({"color": "green", "message": "In Progress", "key": 310}, "in_progress"),
    "on_hold": ({"color": "yellow", "message": "On Hold", "key": 320}, "in_progress"),
    "closed": ({"color": "blue", "message": "Completed", "key": 350}, "completed"),
}


class _Ids:
    """Kantata ids per kind, numbered from the kind's base in the order first asked for."""

    def __init__(self) -> None:
        self.maps: dict[str, dict[str, int]] = defaultdict(dict)

    def get(self, kind: str, canonical: str) -> int:
        found = self.maps[kind]
        if canonical not in found:
            found[canonical] = ID_BASE[kind] + len(found) + 1
        return found[canonical]


def _stamp(value: Any) -> str:
    """A canonical instant (or a date, at 09:00 UTC) in the account's local time with its offset."""
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    else:
        moment = dt.datetime.combine(value, dt.time(9, 0), tzinfo=dt.UTC)
    return moment.astimezone(ZONE).isoformat(timespec="seconds")


def _day(value: Any) -> str | None:
    if value is None:
        return None
    return (value.date() if isinstance(value, dt.datetime) else value).isoformat()


def _cents(value: Any) -> int | None:
    return None if value is None else round(float(value) * 100)


def weekdays(start: dt.date, end: dt.date) -> int:
    """Monday-Friday days in [start, end]: what an allocation's minutes are spread over."""
    return sum(1 for n in range((end - start).days + 1) if (start + dt.timedelta(days=n)).isoweekday() <= 5)


def write_kantata_shape(canonical_dir: Path | str, out_dir: Path | str, as_of: dt.date) -> dict[str, int]:
    """Write the Kantata shape of a canonical folder; return record counts per collection."""
    import duckdb

    src, out = Path(canonical_dir), Path(out_dir)
    con = duckdb.connect()
    data = {
        name: _rows(con, src, name)
        for name in ("legal_entities", "customers", "employees", "projects", "time_entries", "assignments")
    }
    con.close()
    ids = _Ids()
    collections = _collections(data, ids, as_of)
    (out / KANTATA).mkdir(parents=True, exist_ok=True)
    for name, records in collections.items():
        (out / KANTATA / f"{name}.json").write_text(json.dumps({name: records}, separators=(",", ":")))
    _write_settings(out, data, ids, as_of)
    _write_ids(out, ids)
    return {f"{KANTATA}/{k}": len(v) for k, v in collections.items()}


def _collections(data: dict[str, list[dict[str, Any]]], ids: _Ids, as_of: dt.date) -> dict[str, list[dict[str, Any]]]:
    employees = {e["employee_id"]: e for e in data["employees"]}
    groups = [
        {
            "id": str(ids.get("workspace_groups", c["customer_id"])),
            "name": c["name"],
            "company": True,
            "created_at": _stamp(dt.date(2020, 1, 1)),
            "updated_at": _stamp(dt.date(2020, 1, 1)),
        }
        for c in sorted(data["customers"], key=lambda c: c["customer_id"])
    ]
    # a plain folder group (not a company) that holds the internal workspaces
    groups.append(
        {
            "id": str(ids.get("workspace_groups", "internal")),
            "name": "Internal",
            "company": False,
            "created_at": _stamp(dt.date(2020, 1, 1)),
            "updated_at": _stamp(dt.date(2020, 1, 1)),
        }
    )
    users = [
        {
            "id": str(ids.get("users", e["employee_id"])),
            "full_name": e["name"],
            "photo_path": "",
            "email_address": e["email"],
            "headline": e["role"],
            "disabled": e["termination_date"] is not None and e["termination_date"] <= as_of,
            "account_id": str(FIRM_ACCOUNT),
            "role_id": None,
            "account_membership_id": None,
            "custom_field_value_ids": [],
            "external_reference_ids": [],
        }
        for e in sorted(employees.values(), key=lambda e: e["employee_id"])
    ]
    for n, c in enumerate(sorted(data["customers"], key=lambda c: c["customer_id"]), start=1):
        users.append(  # the client's counterpart: a user on the client's own account, not an employee
            {
                "id": str(ids.get("client_users", c["customer_id"])),
                "full_name": f"{c['name']} contact",
                "photo_path": "",
                "email_address": f"contact{n}@client.example",
                "headline": "",
                "disabled": False,
                "account_id": str(CLIENT_ACCOUNT_BASE + n),
                "role_id": None,
                "account_membership_id": None,
                "custom_field_value_ids": [],
                "external_reference_ids": [],
            }
        )

    workspaces, stories = [], []
    for p in sorted(data["projects"], key=lambda p: p["project_id"]):
        wid = str(ids.get("workspaces", p["project_id"]))
        status, stage = STATUS[p["status"]]
        created = _stamp(min(p["start_date"], as_of))
        maven = str(ids.get("users", p["project_manager_id"])) if p.get("project_manager_id") else None
        counterpart = str(ids.get("client_users", p["customer_id"])) if p["customer_id"] else None
        group = str(ids.get("workspace_groups", p["customer_id"] or "internal"))
        workspaces.append(
            {
                "id": wid,
                "title": p["name"],
                "account_id": FIRM_ACCOUNT,
                "archived": p["status"] == "closed",
                "description": "",
                "start_date": _day(p["start_date"]),
                "due_date": _day(p["end_date"]),
                "effective_due_date": _day(p["end_date"]) or "",
                "budgeted": p["contract_value"] is not None,
                "currency": p["currency"],
                "currency_symbol": "",
                "currency_base_unit": 100,
                "price": "TBD" if p["contract_value"] is None else f"{float(p['contract_value']):,.2f}",
                "price_in_cents": _cents(p["contract_value"]),
                "stage": stage,
                "status": status,
                "stories_are_fixed_fee_by_default": p["billing_type"] in ("fixed_fee", "milestone", "retainer"),
                "tasks_default_non_billable": p["billing_type"] == "non_billable",
                "require_time_approvals": True,
                "creator_id": maven,
                "primary_counterpart_id": counterpart,
                "primary_maven_id": maven,
                "participant_ids": [x for x in (maven, counterpart) if x],
                "workspace_group_ids": [group],
                "custom_field_value_ids": [],
                "external_reference_ids": [],
                "created_at": created,
                "updated_at": created,
            }
        )
        if p["budget_hours"] is not None:
            minutes = round(float(p["budget_hours"]) * 60)
            root = str(ids.get("stories", p["project_id"]))
            for sid, parent, title, story_type, estimate in (
                (root, None, "Delivery", "milestone", minutes),
                # a task under it: its estimate is part of the milestone's, not added to it
                (str(ids.get("stories", p["project_id"] + ":task")), root, "Kick-off", "task", minutes // 4),
            ):
                stories.append(
                    {
                        "id": sid,
                        "workspace_id": wid,
                        "parent_id": parent,
                        "root_id": root,
                        "title": title,
                        "story_type": story_type,
                        "state": "started",
                        "archived": False,
                        "deleted_at": None,
                        "billable": p["billing_type"] != "non_billable",
                        "start_date": _day(p["start_date"]),
                        "due_date": _day(p["end_date"]),
                        "time_estimate_in_minutes": estimate,
                        "created_at": created,
                        "updated_at": created,
                    }
                )

    resources: dict[tuple[str, str | None, str], dict[str, Any]] = {}
    allocations = []
    for a in sorted(data["assignments"], key=lambda a: a["assignment_id"]):
        key = (a["project_id"], a["employee_id"], a["role"])
        if key not in resources:
            employee = employees.get(a["employee_id"]) if a["employee_id"] else None
            resources[key] = {
                "id": str(ids.get("workspace_resources", "|".join(str(k) for k in key))),
                "workspace_id": str(ids.get("workspaces", a["project_id"])),
                "user_id": str(ids.get("users", a["employee_id"])) if a["employee_id"] else None,
                "role_id": None,
                "label": employee["name"] if employee else f"Unnamed Resource - {a['role']}",
                "role_name": a["role"],
                "full_name": employee["name"] if employee else None,
                "is_foreign_user": False,
                "created_at": _stamp(a["updated_at"]),
                "updated_at": _stamp(a["updated_at"]),
            }
        days = weekdays(a["start_date"], a["end_date"])
        per_day = float(a["hours_per_week"]) * 60 / 5
        allocations.append(
            {
                "id": str(ids.get("workspace_allocations", a["assignment_id"])),
                "workspace_id": str(ids.get("workspaces", a["project_id"])),
                "workspace_resource_id": resources[key]["id"],
                "start_date": _day(a["start_date"]),
                "end_date": _day(a["end_date"]),
                "minutes": round(per_day * days),
                "percentage": round(float(a["hours_per_week"]) / 40 * 100, 2),
                "hard": True,
                "notes": None,
                "created_at": _stamp(a["updated_at"]),
                "updated_at": _stamp(a["updated_at"]),
            }
        )

    project_currency = {p["project_id"]: p["currency"] for p in data["projects"]}
    entries = []
    for t in sorted(data["time_entries"], key=lambda t: t["time_entry_id"]):
        employee = employees[t["employee_id"]]
        invoice = t["invoice_id"]
        entries.append(
            {
                "id": str(ids.get("time_entries", t["time_entry_id"])),
                "workspace_id": str(ids.get("workspaces", t["project_id"])),
                "story_id": None,
                "user_id": str(ids.get("users", t["employee_id"])),
                "role_id": None,
                "date_performed": _day(t["work_date"]),
                "time_in_minutes": round(float(t["hours"]) * 60),
                "billable": bool(t["billable"]),
                "notes": "",
                "rate_in_cents": _cents(t["bill_rate"])
                if t["bill_rate"] is not None
                else (None if t["billable"] else 0),
                "cost_rate_in_cents": _cents(employee["cost_rate"]),
                "currency": project_currency[t["project_id"]],
                "currency_base_unit": 100,
                "approved": t["approval_status"] == "approved",
                "is_invoiced": invoice is not None,
                "invoice_id": str(ids.get("invoices", invoice)) if invoice else None,
                "active_submission_id": f"sub-{t['time_entry_id']}" if t["approval_status"] == "submitted" else None,
                "external_reference_ids": [],
                "created_at": _stamp(t["updated_at"]),
                "updated_at": _stamp(t["updated_at"]),
            }
        )
    return {
        "workspace_groups": groups,
        "workspaces": workspaces,
        "users": users,
        "workspace_resources": sorted(resources.values(), key=lambda r: int(r["id"])),
        "workspace_allocations": allocations,
        "stories": stories,
        "time_entries": entries,
    }


def _csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(["" if v is None else v for v in row] for row in rows)


def _write_settings(out: Path, data: dict[str, list[dict[str, Any]]], ids: _Ids, as_of: dt.date) -> None:
    maps = out / "mappings"
    _csv(
        maps / "kantata_users.csv",
        [
            "kantata_user_id",
            "email",
            "practice",
            "region",
            "entity_id",
            "hire_date",
            "termination_date",
            "utilization_target",
            "role",
            "weekly_capacity_hours",
            "cost_rate",
            "employment_type",
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
                e["role"],
                e["weekly_capacity_hours"],
                e["cost_rate"],
                e["employment_type"],
            ]
            for e in sorted(data["employees"], key=lambda e: e["employee_id"])
        ],
    )
    _csv(
        maps / "kantata_customers.csv",
        ["kantata_group_id", "country", "region", "industry"],
        [
            [ids.get("workspace_groups", c["customer_id"]), c["country"], c["region"], c.get("industry")]
            for c in sorted(data["customers"], key=lambda c: c["customer_id"])
        ],
    )
    _csv(
        maps / "kantata_workspaces.csv",
        ["kantata_workspace_id", "practice", "entity_id"],
        [
            [ids.get("workspaces", p["project_id"]), p["practice"], p["entity_id"]]
            for p in sorted(data["projects"], key=lambda p: p["project_id"])
        ],
    )
    entities = "".join(
        f'\n[[connectors.kantata.legal_entities]]\nentity_id = "{e["entity_id"]}"\nname = "{e["name"]}"\n'
        f'country = "{e["country"]}"\ncurrency = "{e["currency"]}"\n'
        for e in sorted(data["legal_entities"], key=lambda e: e["entity_id"])
    )
    (out / "wipcast.toml").write_text(
        "# The demo firm as a Kantata account: what a firm configures for what Kantata lacks.\n"
        "[wipcast]\n"
        f'as_of = "{as_of.isoformat()}"  # the demo history ends here: project statuses are judged on it\n\n'
        "[connectors.kantata]\n"
        'users_file = "mappings/kantata_users.csv"\n'
        'customers_file = "mappings/kantata_customers.csv"\n'
        'workspaces_file = "mappings/kantata_workspaces.csv"\n'
        f"{entities}"
    )


def _write_ids(out: Path, ids: _Ids) -> None:
    kinds = {
        "workspace_groups": "customers",
        "users": "employees",
        "workspaces": "projects",
        "time_entries": "time_entries",
        "invoices": "invoices",
        "workspace_allocations": "assignments",
    }
    rows = [
        [entity, canonical, KANTATA, vendor_id]
        for kind, entity in kinds.items()
        for canonical, vendor_id in sorted(ids.maps[kind].items())
        if canonical != "internal"
    ]
    _csv(out / "_ids.csv", ["entity", "canonical_id", "source_system", "source_id"], rows)
