"""dbt build of the finance marts on the hand-made finance firm (finance_firm.py), as of
2024-03-31, and the numbers each mart must hold, computed by hand below."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal

import duckdb
import pytest

pytestmark = pytest.mark.slow

MAR = dt.date(2024, 3, 1)


def query(db_path, sql):
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_fixed_fee_cost_to_cost_from_the_plan_turns_into_a_loss_contract(finance_warehouse):
    # Plan: EMP1 full time in April = 22 working days x 8 h = 176 h x 50 = ETC 8,800 in every month.
    # Jan: cost 1,200, EAC 10,000, 12%     -> cumulative 1,440, revenue 1,440, margin 240
    # Feb: cost 3,200, EAC 12,000, 26.67%  -> cumulative 3,200, revenue 1,760, margin -240
    # Mar: cost 8,000, EAC 16,800, 47.62%  -> cumulative 12,000 x 8,000 / 16,800 = 5,714.29, revenue 2,514.29;
    #      expected loss 4,800; provision 5,714.29 - 8,000 + 4,800 = 2,514.29; margin -4,800
    rows = query(
        finance_warehouse,
        """
        select month_start, earned_revenue, cost, margin, loss_provision, estimate_at_completion,
               percent_complete, contract_asset
        from marts.mart_revenue_monthly where project_id = 'FFP' order by month_start""",
    )
    assert [(r[1], r[2], r[3], r[4], r[5]) for r in rows] == [
        (money(1440), money(1200), money(240), money(0), money(10000)),
        (money(1760), money(2000), money(-240), money(0), money(12000)),
        (money("2514.29"), money(4800), money(-4800), money("2514.29"), money(16800)),
    ]
    assert rows[2][6] == pytest.approx(8000 / 16800)
    assert rows[2][7] == money("5714.29")  # nothing billed: all of it is a contract asset


def test_project_financials_flag_the_loss_contract(finance_warehouse):
    ffp = query(
        finance_warehouse,
        """
        select remaining_planned_hours, etc_basis, estimate_at_completion, margin_at_completion,
               margin_to_date, is_loss_contract, is_over_budget, has_no_plan, actual_hours
        from marts.mart_project_financials where project_id = 'FFP'""",
    )[0]
    # cumulative margin = 240 - 240 - 4,800 = -4,800 = contract value - EAC
    assert ffp == (176.0, "plan_at_period_end", money(16800), money(-4800), money(-4800), True, False, False, 160.0)
    msx = query(
        finance_warehouse,
        """
        select earned_to_date, billed_to_date, contract_liability, margin_at_completion, has_no_plan
        from marts.mart_project_financials where project_id = 'MSX'""",
    )[0]
    assert msx == (money(3000), money(5000), money(2000), money(5000), True)


def test_capped_time_and_materials(finance_warehouse):
    # 400 + 400 + (400 of which 200 fits under the 1,000 cap); the void invoice is not billing.
    rows = query(
        finance_warehouse,
        """
        select month_start, earned_revenue, over_cap_value, cost, billed, cumulative_earned, contract_asset
        from marts.mart_revenue_monthly where project_id = 'TMC' order by month_start""",
    )
    assert [r[1:] for r in rows] == [
        (money(400), money(0), money(200), money(400), money(400), money(0)),
        (money(400), money(0), money(200), money(0), money(800), money(400)),
        # March cost: T3 4 h + submitted T4 2 h = 6 h x 50 = 300
        (money(200), money(200), money(300), money(0), money(1000), money(600)),
    ]


def test_milestone_and_retainer_with_currency(finance_warehouse):
    msx = query(
        finance_warehouse,
        """
        select month_start, earned_revenue, contract_liability from marts.mart_revenue_monthly
        where project_id = 'MSX' order by month_start""",
    )
    assert [r[1:] for r in msx] == [(money(0), money(5000)), (money(3000), money(2000)), (money(0), money(2000))]
    # retainer 100 EUR a day: Feb 15 days = 1,500 at 1.10 = 1,650 USD; Mar 31 days = 3,100 at 1.25 = 3,875 USD
    rtx = query(
        finance_warehouse,
        """
        select month_start, earned_revenue, earned_revenue_reporting, billed, contract_asset, contract_asset_reporting
        from marts.mart_revenue_monthly where project_id = 'RTX' order by month_start""",
    )
    assert [r[1:] for r in rtx] == [
        (money(1500), money(1650), money(1500), money(0), money(0)),
        (money(3100), money(3875), money(0), money(3100), money(3875)),
    ]


def test_unbilled_exposure_by_bucket(finance_warehouse):
    rows = query(
        finance_warehouse,
        """
        select project_id, ageing_bucket, approved_unbilled_value, pending_approval_value, over_cap_value,
               contract_asset, total_exposure_value, total_exposure_value_reporting
        from marts.mart_unbilled_exposure order by project_id, ageing_bucket_order""",
    )
    assert rows == [
        # FFP asset 5,714.29 first-in first-out: March 2,514.29 (age 0); Feb 1,760 (age 31) + Jan 1,440 (age 60)
        ("FFP", "0-30", money(0), money(0), money(0), money("2514.29"), money("2514.29"), money("2514.29")),
        ("FFP", "31-60", money(0), money(0), money(0), money(3200), money(3200), money(3200)),
        ("RTX", "0-30", money(0), money(0), money(0), money(3100), money(3100), money(3875)),
        # TMC: T3 (26 days) 200 within the cap + 200 over; T4 pending 200 (11 days); T2 (48 days) 400
        ("TMC", "0-30", money(200), money(200), money(200), money(0), money(600), money(600)),
        ("TMC", "31-60", money(400), money(0), money(0), money(0), money(400), money(400)),
    ]


def test_project_risks_rank_the_firm_by_money_at_stake(finance_warehouse):
    rows = query(
        finance_warehouse,
        """
        select risk_rank, project_id, at_risk, unbilled, expected_loss, overdue_milestones, money_at_stake,
               is_loss_contract, risk_reasons
        from marts.mart_project_risks order by risk_rank""",
    )
    # FFP: loss contract, margin at completion -4,800 -> expected loss 4,800; contract asset 2,514.29 + 3,200
    #      = 5,714.29 (above); 10,514.29 at stake.
    # RTX: contract asset 3,100 EUR x 1.25 (March) = 3,875; its margin at completion is positive.
    # TMC: at risk 200 over the cap; unbilled 200 + 400 approved + 200 pending = 800; 1,000 at stake
    #      (expected revenue 1,000 at the cap - EAC 700 = 300: no loss).
    # MSX: the open milestone M2 is due 15 May, not overdue; no contract asset. PINT is internal. Neither is listed.
    assert rows == [
        (
            1,
            "FFP",
            money(0),
            money("5714.29"),
            money(4800),
            money(0),
            money("10514.29"),
            True,
            "loss contract, unbilled",
        ),
        (2, "RTX", money(0), money(3875), money(0), money(0), money(3875), False, "unbilled"),
        (3, "TMC", money(200), money(800), money(0), money(0), money(1000), False, "at-risk time, unbilled"),
    ]


def test_receivables_and_dso(finance_warehouse):
    rows = query(
        finance_warehouse,
        """
        select invoice_id, open_amount, days_past_due, ageing_bucket, open_amount_reporting
        from marts.mart_receivables order by invoice_id""",
    )
    assert rows == [
        ("INV_M", money(0), 0, "settled", money(0)),
        ("INV_R", money(1000), 1, "1-30", money(1250)),  # 1,500 - 500 EUR, due 30 March; 1,000 x 1.25
        ("INV_T", money(400), 30, "1-30", money(400)),  # due 1 March
    ]
    dso = query(
        finance_warehouse,
        """
        select month_start, billings, receivables, trailing_3_month_billings, dso_days
        from marts.mart_dso_monthly order by month_start""",
    )
    # Jan: billed 400 + 5,000 = 5,400, nothing paid -> 91 days
    # Feb: billed 1,500 EUR x 1.10 = 1,650; receivables 400 + 1,650 = 2,050; trailing 7,050
    # Mar: nothing billed; receivables 400 + 1,000 EUR x 1.25 = 1,650; trailing 7,050
    assert [r[1:4] for r in dso] == [
        (money(5400), money(5400), money(5400)),
        (money(1650), money(2050), money(7050)),
        (money(0), money(1650), money(7050)),
    ]
    assert [r[4] for r in dso] == pytest.approx([91.0, 2050 * 91 / 7050, 1650 * 91 / 7050])


def test_revenue_vs_target(finance_warehouse):
    rows = query(
        finance_warehouse,
        """
        select month_start, earned_revenue, target_amount, variance_to_target, attainment
        from marts.mart_revenue_vs_target where practice = 'Data' and region = 'NA' order by month_start""",
    )
    # Jan 400 + 1,440; Feb 400 + 1,760 + 3,000 + 1,650; Mar 200 + 2,514.29 + 3,875 = 6,589.29 vs 10,000
    assert [r[:4] for r in rows] == [
        (dt.date(2024, 1, 1), money(1840), None, None),
        (dt.date(2024, 2, 1), money(6810), None, None),
        (MAR, money("6589.29"), money(10000), money("-3410.71")),
    ]
    assert rows[2][4] == pytest.approx(6589.285714 / 10000, abs=1e-6)


def test_every_mart_carries_the_as_of_date(finance_warehouse):
    for mart in (
        "mart_revenue_monthly",
        "mart_project_financials",
        "mart_unbilled_exposure",
        "mart_receivables",
        "mart_dso_monthly",
        "mart_revenue_vs_target",
        "mart_project_risks",
    ):
        assert query(finance_warehouse, f"select distinct as_of_date from marts.{mart}") == [(dt.date(2024, 3, 31),)]


def test_as_of_setting_gives_the_marts_as_they_stood_then(finance_warehouse_as_of_february):
    db = finance_warehouse_as_of_february
    assert query(db, "select distinct as_of_date from marts.mart_revenue_monthly") == [(dt.date(2024, 2, 29),)]
    # no March row; February as in the full run (cumulative 3,200 of FFP, 800 of TMC)
    rows = query(
        db,
        """
        select project_id, max(month_start), sum(earned_revenue), max(cumulative_earned)
        from marts.mart_revenue_monthly where project_id in ('FFP', 'TMC') group by project_id order by project_id""",
    )
    assert rows == [
        ("FFP", dt.date(2024, 2, 1), money(3200), money(3200)),
        ("TMC", dt.date(2024, 2, 1), money(800), money(800)),
    ]
    # on 29 February INV_T (due 1 March) is not yet due and INV_R (paid 15 March) is fully open, at 1.10
    rows = query(
        db,
        """
        select invoice_id, open_amount, ageing_bucket, open_amount_reporting
        from marts.mart_receivables order by invoice_id""",
    )
    assert rows == [
        ("INV_M", money(0), "settled", money(0)),
        ("INV_R", money(1500), "not_due", money(1650)),
        ("INV_T", money(400), "not_due", money(400)),
    ]
    # TMC: T2 (12 February) is 17 days old and unbilled
    rows = query(
        db,
        """
        select project_id, ageing_bucket, approved_unbilled_value from marts.mart_unbilled_exposure
        where project_id = 'TMC'""",
    )
    assert rows == [("TMC", "0-30", money(400))]


def test_singular_tests_catch_a_tampered_mart(finance_warehouse, tmp_path):
    """The invariants are not vacuous: corrupt a copy of the marts and they fail."""
    from finance_dbt import run_dbt

    db = tmp_path / "work.duckdb"
    shutil.copy(finance_warehouse, db)
    con = duckdb.connect(str(db))
    try:
        # 5 of revenue appear from nowhere on TMC, and FFP recognises more than its contract
        con.execute("""update marts.mart_revenue_monthly set earned_revenue = earned_revenue + 5
                       where project_id = 'TMC' and month_start = date '2024-02-01'""")
        con.execute("""update marts.mart_revenue_monthly set cumulative_earned = 12000.01
                       where project_id = 'FFP' and month_start = date '2024-03-01'""")
    finally:
        con.close()
    result = run_dbt(db, tmp_path, "test", "--select", "path:tests/finance", check=False)
    assert result.returncode != 0
    failed = {line.split(" FAIL ")[1].split()[1] for line in result.stdout.splitlines() if " FAIL " in line}
    assert {
        "assert_revenue_reconciles_to_facts",
        "assert_fixed_fee_cumulative_revenue_within_contract_value",
        "assert_contract_balances_consistent",
    } <= failed, result.stdout[-3000:]
    assert "assert_receivables_match_dso_balance" not in failed
