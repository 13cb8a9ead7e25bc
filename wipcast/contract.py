"""Canonical input contract v2: the vendor-neutral shape every source is conformed to.

v2 is additive to v1 (a v1 folder loads unchanged): the optional erp_time_postings and
accounting_periods files (the ERP's side of time, for reconciliation) and the optional
source_system column of invoices and invoice lines.

This module is the single source of truth for entity names, columns, types, keys,
enumerations and parent references. The ingest step validates files against it, the
demo simulator writes files that satisfy it, and docs/canonical-contract.md describes it.
It is plain data so that every layer can import it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CONTRACT_VERSION = "2"

# Logical column types and the warehouse type each is stored as.
STRING = "string"
DATE = "date"  # ISO YYYY-MM-DD
TIMESTAMP = "timestamp"  # ISO 8601; stored as UTC
MONEY = "money"  # decimal number in the row's currency
NUMBER = "number"  # hours, rates of capacity, probabilities
INTEGER = "integer"
BOOLEAN = "boolean"  # true / false
CURRENCY = "currency"  # ISO 4217 code, three upper-case letters

WAREHOUSE_TYPES = {
    STRING: "VARCHAR",
    DATE: "DATE",
    TIMESTAMP: "TIMESTAMP WITH TIME ZONE",
    MONEY: "DECIMAL(18,4)",
    NUMBER: "DOUBLE",
    INTEGER: "BIGINT",
    BOOLEAN: "BOOLEAN",
    CURRENCY: "VARCHAR",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    meaning: str
    nullable: bool = False  # may a value be empty (null)?
    optional: bool = False  # may the column be absent from the file? (opt)
    enum: tuple[str, ...] | None = None  # allowed values when set
    min_value: float | None = None  # inclusive lower bound for numbers
    max_value: float | None = None  # inclusive upper bound for numbers
    references: str | None = None  # "entity.column" that must exist (nulls pass)


@dataclass(frozen=True)
class Entity:
    name: str
    meaning: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    optional_file: bool = False
    checks: tuple[str, ...] = field(default_factory=tuple)  # extra row rules, by name

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")


def _c(name: str, type_: str, meaning: str, **kw: Any) -> Column:
    return Column(name=name, type=type_, meaning=meaning, **kw)


EMPLOYMENT_TYPES = ("employee", "contractor")
BILLING_TYPES = ("time_and_materials", "fixed_fee", "milestone", "retainer", "non_billable")
PROJECT_STATUSES = ("planned", "active", "on_hold", "closed")
APPROVAL_STATUSES = ("draft", "submitted", "approved", "rejected")
INVOICE_STATUSES = ("draft", "open", "paid", "void")
LINE_TYPES = ("time", "milestone", "fixed_fee", "retainer", "expense", "other")
OPPORTUNITY_STATUSES = ("open", "won", "lost")
POSTING_STATUSES = ("posted", "reversed")

# One meaning of source_system wherever a row carries it: the system the row came from. A file may
# name it (e.g. the PSA and the ERP view of one invoice); the union models fill it in with the
# source ("canonical" for files that leave it empty, the vendor for a connector).
SOURCE_SYSTEM_MEANING = "System the row came from (e.g. psa, erp, netsuite); empty means the source that loaded it."

ENTITIES: tuple[Entity, ...] = (
    Entity(
        "legal_entities",
        "The firm's legal entities; each books in one functional currency.",
        (
            _c("entity_id", STRING, "Identifier of the legal entity."),
            _c("name", STRING, "Registered name."),
            _c("country", STRING, "Country of registration (ISO 3166-1 alpha-2)."),
            _c("currency", CURRENCY, "Functional currency; employee cost rates are in it."),
        ),
        ("entity_id",),
    ),
    Entity(
        "customers",
        "Clients the firm bills.",
        (
            _c("customer_id", STRING, "Identifier of the customer."),
            _c("name", STRING, "Customer name."),
            _c("industry", STRING, "Industry of the customer.", nullable=True, optional=True),
            _c("country", STRING, "Customer country (ISO 3166-1 alpha-2)."),
            _c("region", STRING, "Sales region that owns the customer."),
        ),
        ("customer_id",),
    ),
    Entity(
        "employees",
        "People who log time: staff and contractors, current and former.",
        (
            _c("employee_id", STRING, "Identifier of the person."),
            _c("name", STRING, "Full name."),
            _c("email", STRING, "Work e-mail address.", nullable=True),
            _c("role", STRING, "Role on the ladder (matches rate card roles)."),
            _c("practice", STRING, "Practice (service line) the person belongs to."),
            _c("region", STRING, "Region; decides which public holidays apply."),
            _c("entity_id", STRING, "Employing legal entity.", references="legal_entities.entity_id"),
            _c("employment_type", STRING, "employee or contractor.", enum=EMPLOYMENT_TYPES),
            _c("hire_date", DATE, "First day of employment."),
            _c("termination_date", DATE, "Last day of employment; empty while employed.", nullable=True),
            _c("weekly_capacity_hours", NUMBER, "Contracted hours in a full working week.", min_value=0, max_value=168),
            _c("cost_rate", MONEY, "Fully loaded hourly cost in the entity's currency.", min_value=0),
            _c("utilization_target", NUMBER, "Billable utilization target, 0 to 1.", min_value=0, max_value=1),
        ),
        ("employee_id",),
        checks=("termination_not_before_hire",),
    ),
    Entity(
        "projects",
        "Engagements (and internal work) that time is logged against.",
        (
            _c("project_id", STRING, "Identifier of the project."),
            _c("name", STRING, "Project name."),
            _c(
                "customer_id",
                STRING,
                "Customer billed; empty for internal work.",
                nullable=True,
                references="customers.customer_id",
            ),
            _c("entity_id", STRING, "Contracting legal entity.", references="legal_entities.entity_id"),
            _c("practice", STRING, "Practice that delivers the project."),
            _c("billing_type", STRING, "How the project earns revenue.", enum=BILLING_TYPES),
            _c("currency", CURRENCY, "Contract currency; amounts of the project are in it."),
            _c(
                "contract_value",
                MONEY,
                "Contract value or cap; empty for uncapped time and materials.",
                nullable=True,
                min_value=0,
            ),
            _c("budget_hours", NUMBER, "Budgeted hours.", nullable=True, min_value=0),
            _c("start_date", DATE, "Planned or actual start."),
            _c("end_date", DATE, "Planned or actual end.", nullable=True),
            _c("status", STRING, "Lifecycle status.", enum=PROJECT_STATUSES),
            _c("opportunity_id", STRING, "CRM opportunity the project was won from.", nullable=True, optional=True),
            _c(
                "project_manager_id",
                STRING,
                "Employee who manages the project.",
                nullable=True,
                optional=True,
                references="employees.employee_id",
            ),
        ),
        ("project_id",),
        checks=("end_not_before_start",),
    ),
    Entity(
        "rate_cards",
        "Bill rates by role: a project's own card or the firm-wide card (empty project).",
        (
            _c("rate_card_id", STRING, "Identifier of the rate card row."),
            _c(
                "project_id",
                STRING,
                "Project the rate applies to; empty for the firm-wide card.",
                nullable=True,
                references="projects.project_id",
            ),
            _c("role", STRING, "Role the rate applies to."),
            _c("bill_rate", MONEY, "Hourly bill rate.", min_value=0),
            _c("currency", CURRENCY, "Currency of the bill rate."),
            _c("valid_from", DATE, "First day the rate applies."),
            _c("valid_to", DATE, "Last day the rate applies; empty means open-ended.", nullable=True),
        ),
        ("rate_card_id",),
        checks=("valid_to_not_before_valid_from",),
    ),
    Entity(
        "time_entries",
        "Hours logged by people against projects.",
        (
            _c("time_entry_id", STRING, "Identifier of the time entry."),
            _c("employee_id", STRING, "Who worked.", references="employees.employee_id"),
            _c("project_id", STRING, "Project worked on.", references="projects.project_id"),
            _c("work_date", DATE, "Day the work was done."),
            _c("hours", NUMBER, "Hours worked, 0 to 24.", min_value=0, max_value=24),
            _c("billable", BOOLEAN, "Whether the time is billable to the customer."),
            _c("approval_status", STRING, "Approval workflow state.", enum=APPROVAL_STATUSES),
            _c("approved_at", TIMESTAMP, "When the entry was approved; empty until then.", nullable=True),
            _c("bill_rate", MONEY, "Entry's own bill rate; empty means use the rate card.", nullable=True, min_value=0),
            _c("invoice_id", STRING, "Invoice that billed the entry; empty while unbilled.", nullable=True),
            _c("erp_posted_at", TIMESTAMP, "When the entry was posted to the ERP; empty if never.", nullable=True),
            _c("updated_at", TIMESTAMP, "Last change in the source system."),
        ),
        ("time_entry_id",),
    ),
    Entity(
        "assignments",
        "Resource plan: who (or which unnamed placeholder) is planned on a project, how much.",
        (
            _c("assignment_id", STRING, "Identifier of the assignment."),
            _c("project_id", STRING, "Project planned.", references="projects.project_id"),
            _c(
                "employee_id",
                STRING,
                "Person planned; empty for an unnamed placeholder.",
                nullable=True,
                references="employees.employee_id",
            ),
            _c("role", STRING, "Role planned (sets the bill rate)."),
            _c("start_date", DATE, "First planned day."),
            _c("end_date", DATE, "Last planned day."),
            _c("hours_per_week", NUMBER, "Planned hours per full working week.", min_value=0, max_value=168),
            _c("updated_at", TIMESTAMP, "Last change in the source system."),
        ),
        ("assignment_id",),
        checks=("end_not_before_start",),
    ),
    Entity(
        "assignment_snapshots",
        "The resource plan as it stood on each snapshot date (optional file).",
        (
            _c("snapshot_date", DATE, "Date the plan was captured."),
            _c("assignment_id", STRING, "Identifier of the assignment."),
            _c("project_id", STRING, "Project planned.", references="projects.project_id"),
            _c(
                "employee_id",
                STRING,
                "Person planned; empty for an unnamed placeholder.",
                nullable=True,
                references="employees.employee_id",
            ),
            _c("role", STRING, "Role planned."),
            _c("start_date", DATE, "First planned day."),
            _c("end_date", DATE, "Last planned day."),
            _c("hours_per_week", NUMBER, "Planned hours per full working week.", min_value=0, max_value=168),
            _c("updated_at", TIMESTAMP, "Last change in the source system as of the snapshot."),
        ),
        ("snapshot_date", "assignment_id"),
        optional_file=True,
        checks=("end_not_before_start",),
    ),
    Entity(
        "milestones",
        "Billing milestones of milestone projects.",
        (
            _c("milestone_id", STRING, "Identifier of the milestone."),
            _c("project_id", STRING, "Project the milestone belongs to.", references="projects.project_id"),
            _c("name", STRING, "Milestone name."),
            _c("amount", MONEY, "Amount earned on completion, in the project currency.", min_value=0),
            _c("due_date", DATE, "Contractual due date."),
            _c("completed_date", DATE, "Day it was completed; empty while open.", nullable=True),
            _c("invoice_id", STRING, "Invoice that billed it; empty while unbilled.", nullable=True),
        ),
        ("milestone_id",),
    ),
    Entity(
        "invoices",
        "Customer invoices from the ERP.",
        (
            _c("invoice_id", STRING, "Identifier of the invoice."),
            _c("customer_id", STRING, "Customer invoiced.", references="customers.customer_id"),
            _c(
                "project_id",
                STRING,
                "Project invoiced; empty when the invoice spans projects.",
                nullable=True,
                references="projects.project_id",
            ),
            _c("entity_id", STRING, "Issuing legal entity.", references="legal_entities.entity_id"),
            _c("invoice_date", DATE, "Invoice date."),
            _c("due_date", DATE, "Payment due date."),
            _c("currency", CURRENCY, "Invoice currency."),
            _c("amount", MONEY, "Invoice total."),
            _c("status", STRING, "Invoice state.", enum=INVOICE_STATUSES),
            _c("updated_at", TIMESTAMP, "Last change in the source system."),
            _c(
                "created_at",
                TIMESTAMP,
                "When the invoice was entered in the source system (empty: on its invoice date); an invoice"
                " dated before a month end but entered after it is not in that close's report.",
                nullable=True,
                optional=True,
            ),
            _c(
                "invoice_number",
                STRING,
                "Number printed on the invoice; the PSA and ERP rows of one invoice share it (empty: the id).",
                nullable=True,
                optional=True,
            ),
            _c("source_system", STRING, SOURCE_SYSTEM_MEANING, nullable=True, optional=True),
        ),
        ("invoice_id",),
        checks=("due_not_before_invoice",),
    ),
    Entity(
        "invoice_lines",
        "Lines of invoices, each attributed to a project.",
        (
            _c("invoice_line_id", STRING, "Identifier of the invoice line."),
            _c("invoice_id", STRING, "Invoice the line belongs to.", references="invoices.invoice_id"),
            _c("project_id", STRING, "Project the line bills.", references="projects.project_id"),
            _c("line_type", STRING, "What the line bills.", enum=LINE_TYPES),
            _c("hours", NUMBER, "Hours billed on time lines; empty otherwise.", nullable=True, min_value=0),
            _c("amount", MONEY, "Line amount in the invoice currency."),
            _c("source_system", STRING, SOURCE_SYSTEM_MEANING, nullable=True, optional=True),
        ),
        ("invoice_line_id",),
    ),
    Entity(
        "payments",
        "Customer payments applied to invoices.",
        (
            _c("payment_id", STRING, "Identifier of the payment."),
            _c("invoice_id", STRING, "Invoice paid.", references="invoices.invoice_id"),
            _c("payment_date", DATE, "Day the payment was received."),
            _c("amount", MONEY, "Amount paid, in the invoice currency."),
        ),
        ("payment_id",),
    ),
    Entity(
        "opportunities",
        "CRM opportunities (pipeline), in their current state.",
        (
            _c("opportunity_id", STRING, "Identifier of the opportunity."),
            _c(
                "customer_id",
                STRING,
                "Existing customer; empty for a new customer.",
                nullable=True,
                references="customers.customer_id",
            ),
            _c("account_name", STRING, "Account name as entered in the CRM."),
            _c("name", STRING, "Opportunity name."),
            _c("practice", STRING, "Practice that would deliver the work."),
            _c("region", STRING, "Sales region."),
            _c("currency", CURRENCY, "Currency of the amount."),
            _c("amount", MONEY, "Expected contract value.", min_value=0),
            _c("stage", STRING, "Sales stage as named in the CRM."),
            _c("probability", NUMBER, "Win probability as entered in the CRM, 0 to 1.", min_value=0, max_value=1),
            _c("created_date", DATE, "Day the opportunity was created."),
            _c("close_date", DATE, "Expected (or actual, once closed) close date."),
            _c("expected_start_date", DATE, "Expected start of delivery."),
            _c("expected_duration_weeks", NUMBER, "Expected delivery duration in weeks.", min_value=0),
            _c("status", STRING, "open, won or lost.", enum=OPPORTUNITY_STATUSES),
            _c("project_id", STRING, "Project created when won; empty until then.", nullable=True),
            _c("updated_at", TIMESTAMP, "Last change in the source system."),
        ),
        ("opportunity_id",),
    ),
    Entity(
        "opportunity_history",
        "Every change of an opportunity's stage, probability, amount or dates (optional file).",
        (
            _c("opportunity_id", STRING, "Opportunity changed.", references="opportunities.opportunity_id"),
            _c("changed_at", TIMESTAMP, "When the change was made."),
            _c("stage", STRING, "Stage after the change."),
            _c("probability", NUMBER, "CRM probability after the change, 0 to 1.", min_value=0, max_value=1),
            _c("amount", MONEY, "Amount after the change.", min_value=0),
            _c("close_date", DATE, "Expected close date after the change."),
            _c("expected_start_date", DATE, "Expected start after the change."),
            _c("status", STRING, "open, won or lost after the change.", enum=OPPORTUNITY_STATUSES),
        ),
        ("opportunity_id", "changed_at"),
        optional_file=True,
    ),
    Entity(
        "fx_rates",
        "Daily exchange rates into the reporting currency.",
        (
            _c("rate_date", DATE, "Day of the rate."),
            _c("currency", CURRENCY, "Currency converted."),
            _c(
                "rate_to_reporting", NUMBER, "Value of one unit of the currency in the reporting currency.", min_value=0
            ),
        ),
        ("rate_date", "currency"),
        checks=("rate_positive",),
    ),
    Entity(
        "holidays",
        "Public holidays by region.",
        (
            _c("holiday_date", DATE, "Day of the holiday."),
            _c("region", STRING, "Region observing it."),
            _c("name", STRING, "Name of the holiday."),
        ),
        ("holiday_date", "region"),
    ),
    Entity(
        "revenue_targets",
        "Monthly revenue targets by practice and region, in the reporting currency.",
        (
            _c("month", DATE, "First day of the month."),
            _c("practice", STRING, "Practice."),
            _c("region", STRING, "Region."),
            _c("amount", MONEY, "Target revenue in the reporting currency."),
        ),
        ("month", "practice", "region"),
        checks=("month_is_first_day",),
    ),
    Entity(
        "erp_time_postings",
        "Time as the ERP booked it, one row per posting (optional file; the ERP's side of time_entries).",
        (
            _c("posting_id", STRING, "Identifier of the posting in the ERP."),
            _c(
                "time_entry_id",
                STRING,
                "PSA time entry the posting claims to post; empty when the ERP does not carry it.",
                nullable=True,
            ),
            # no references: a posting the PSA does not know (an orphan) must load to be reported
            _c("project_id", STRING, "Project the ERP booked the time to (may be unknown to the PSA)."),
            _c(
                "employee_id",
                STRING,
                "Person the ERP booked the time for; empty when it does not carry one.",
                nullable=True,
            ),
            _c("work_date", DATE, "Day the work was done, as the ERP holds it."),
            _c("hours", NUMBER, "Hours posted.", min_value=0),
            _c("amount", MONEY, "Amount posted, in the posting currency."),
            _c("currency", CURRENCY, "Currency of the amount."),
            _c("posted_at", TIMESTAMP, "When the ERP booked the posting."),
            _c(
                "accounting_period", DATE, "Accounting period booked into (any day of it; its first day by convention)."
            ),
            _c(
                "status",
                STRING,
                "posted, or reversed (cancelled in the ERP; counts for nothing).",
                enum=POSTING_STATUSES,
            ),
            _c("source_system", STRING, SOURCE_SYSTEM_MEANING, nullable=True, optional=True),
        ),
        ("posting_id",),
        optional_file=True,
    ),
    Entity(
        "accounting_periods",
        "The ERP's monthly accounting periods per legal entity and when each was closed (optional file).",
        (
            _c("entity_id", STRING, "Legal entity of the period.", references="legal_entities.entity_id"),
            _c("period_start", DATE, "First day of the period (a calendar month)."),
            _c("closed_at", TIMESTAMP, "When the period was closed to postings; empty while open.", nullable=True),
        ),
        ("entity_id", "period_start"),
        optional_file=True,
    ),
)

ENTITIES_BY_NAME: dict[str, Entity] = {e.name: e for e in ENTITIES}

# Load order: parents before children, so references can be checked as files are read.
LOAD_ORDER: tuple[str, ...] = tuple(e.name for e in ENTITIES)

RAW_SCHEMA = "raw_canonical"


def entity(name: str) -> Entity:
    try:
        return ENTITIES_BY_NAME[name]
    except KeyError:
        known = ", ".join(sorted(ENTITIES_BY_NAME))
        raise KeyError(f"unknown entity {name!r}; the contract knows: {known}") from None
