"""Fixed shape of the demo firm: practices, regions, role ladder, CRM stages and the
design values of the behaviours the simulator draws from.

Keeping every tunable number here makes the truth file easy to audit: `_truth.json`
reports these design values next to the values realised in the generated data.
"""

from __future__ import annotations

REPORTING_CURRENCY = "USD"

PRACTICES = ("Strategy", "Data & Analytics", "Cloud Engineering", "Digital Experience", "Managed Services")
PRACTICE_WEIGHTS = (0.16, 0.26, 0.24, 0.20, 0.14)
# How far a practice's people deliver against plan relative to the role baseline.
PRACTICE_DELIVERY_MULT = (0.94, 1.00, 1.03, 0.97, 1.05)

# region, legal entity id, entity name, country, currency, weekly capacity, share of headcount,
# summer leave block in working days (Europe takes long summers).
REGIONS = ("North America", "Europe", "UK & Ireland")
REGION_ENTITY = ("LE-US", "LE-EU", "LE-UK")
ENTITY_NAMES = ("Wipcast Demo Consulting Inc.", "Wipcast Demo Beratung GmbH", "Wipcast Demo Consulting Ltd")
REGION_COUNTRY = ("US", "DE", "GB")
REGION_CURRENCY = ("USD", "EUR", "GBP")
REGION_CAPACITY = (40.0, 40.0, 37.5)
REGION_WEIGHTS = (0.45, 0.32, 0.23)
REGION_SUMMER_DAYS = (7, 15, 10)
# currency -> rate_to_reporting (USD) at the start of the history; the walk drifts from here.
FX_START = {"EUR": 1.08, "GBP": 1.27}
FX_DAILY_VOL = 0.0045
# Local price/cost level relative to USD list prices (EUR and GBP price lists are set in
# their own currency, so they are not a plain fx conversion).
CURRENCY_PRICE_LEVEL = {"USD": 1.0, "EUR": 0.92, "GBP": 0.79}

# Role ladder: name, share of headcount, USD cost rate, USD firm-card bill rate, utilization
# target, billable allocation of a stint, design delivery factor (hours worked / hours planned
# at the start of an assignment, before leave).
ROLES = ("Analyst", "Consultant", "Senior Consultant", "Manager", "Senior Manager", "Director", "Partner")
ROLE_WEIGHTS = (0.20, 0.25, 0.20, 0.15, 0.09, 0.06, 0.05)
ROLE_COST_USD = (55.0, 72.0, 92.0, 115.0, 138.0, 165.0, 205.0)
ROLE_BILL_USD = (125.0, 160.0, 200.0, 245.0, 295.0, 345.0, 420.0)
ROLE_UTIL_TARGET = (0.82, 0.80, 0.78, 0.72, 0.65, 0.55, 0.40)
ROLE_ALLOCATION = (1.0, 1.0, 1.0, 0.9, 0.8, 0.6, 0.45)
ROLE_DELIVERY = (0.95, 0.93, 0.91, 0.88, 0.85, 0.80, 0.76)
# Contractors are hired into ladder roles or as "Specialist", a role with no rate card at all:
# their entries carry their own bill_rate, or none (no resolvable rate).
SPECIALIST_ROLE = "Specialist"
SPECIALIST_COST_USD = 150.0
SPECIALIST_DELIVERY = 0.93
CONTRACTOR_SHARE = 0.08  # of the active headcount
CONTRACTOR_SHARE_OF_HIRES = 0.22
SPECIALIST_SHARE_OF_CONTRACTORS = 0.35
SPECIALIST_WITH_OWN_RATE = 0.55  # the rest log time with no resolvable rate

ANNUAL_RATE_INCREASE = 0.04
ANNUAL_ATTRITION = 0.13  # employees
ANNUAL_CONTRACTOR_TURNOVER = 0.45
ANNUAL_HEADCOUNT_GROWTH = 0.06

# Plans: hours_per_week in a snapshot made L weeks before an assignment starts is
# final × (1 + inflation_a × min(L, 12) / 12), inflation_a ~ U(0, 2 × PLAN_INFLATION_MEAN).
PLAN_INFLATION_MEAN = 0.12
# Early plans (made more than four weeks before an assignment ends) carry an end date that
# is usually later than the real one: engagements get cut short more often than extended.
END_SHIFT_LATER_SHARE, END_SHIFT_EARLIER_SHARE = 0.55, 0.15
CANCELLED_ASSIGNMENT_SHARE = 0.06
PLACEHOLDER_SHARE = 0.35  # of assignments starting > 3 weeks after a snapshot
PLAN_HORIZON_DAYS = 400  # plans and pipeline extend this far past as_of

# Seasonality and absence.
YEAR_END_LEAVE_SHARE = 0.65  # people off between Christmas and New Year
RANDOM_ABSENCE = 0.03  # sick days and odd days off
BENCH_INTERNAL_SHARE = 0.55  # share of a day's capacity booked to internal work while on the bench

# Timesheet workflow.
REJECTED_SHARE = 0.015
APPROVAL_LAG_MEDIAN_DAYS = 1.5
APPROVAL_LAG_SIGMA = 1.0
APPROVAL_STUCK_SHARE = 0.04  # approvals forgotten for weeks (the long tail)
ERP_NEVER_POSTED_SHARE = 0.015
NON_BILLABLE_ON_CLIENT_SHARE = 0.03
LATE_ENTRIES_PROJECT_SHARE = 0.25  # closed projects that get time after their end_date

# Billing.
BILLING_TYPES = ("time_and_materials", "fixed_fee", "milestone", "retainer")
BILLING_TYPE_WEIGHTS = (0.50, 0.25, 0.13, 0.12)
TM_CAPPED_SHARE = 0.35
PROJECT_CARD_SHARE = 0.25  # USD projects with a negotiated card (EUR/GBP projects always have one)
FIXED_FEE_OVERRUN_MEAN = 1.12  # actual hours / budget hours at completion (design)
TM_UNBILLED_SHARE = 0.03  # approved billable T&M entries never invoiced (leakage)
TM_LATE_BILLING_SHARE = 0.08  # project-months billed one or two cycles late
INVOICE_VOID_SHARE = 0.01
BAD_DEBT_SHARE = 0.02
PARTIAL_PAYMENT_SHARE = 0.05
DAYS_TO_PAY_MEDIAN = 38.0

# CRM: stages with the default probability the CRM enters, and the true chance of winning
# from each stage (new versus existing customers). Every true rate is below the CRM's.
STAGES = ("Prospecting", "Qualification", "Needs Analysis", "Proposal", "Negotiation", "Verbal Commit")
STAGE_CRM_PROBABILITY = (0.10, 0.25, 0.40, 0.60, 0.75, 0.90)
STAGE_TRUE_WIN_NEW = (0.03, 0.10, 0.20, 0.34, 0.50, 0.72)
STAGE_TRUE_WIN_EXISTING = (0.05, 0.16, 0.28, 0.42, 0.58, 0.78)
STAGE_MEAN_DWELL_DAYS = (20.0, 18.0, 21.0, 25.0, 18.0, 10.0)
STAGE_DWELL_SIGMA = 0.6
CLOSE_ESTIMATE_OPTIMISM = 0.6  # reps expect the cycle to take this share of its true length
LOST_LINGER_MEDIAN_DAYS = 30.0  # a lost deal stays open this long after it stalled
CLOSED_WON, CLOSED_LOST = "Closed Won", "Closed Lost"
DIRECT_PROJECT_SHARE = 0.10  # small projects booked without an opportunity (unplanned work)

INDUSTRIES = (
    "Financial Services",
    "Healthcare",
    "Retail",
    "Manufacturing",
    "Public Sector",
    "Technology",
    "Energy",
    "Media",
    "Telecommunications",
    "Logistics",
)
