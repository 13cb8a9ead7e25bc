"""The demo firm simulator: contract validity, determinism, arguments, and the realism properties
the demo data must show (hiring and attrition, plans above hours worked, optimistic CRM probabilities,
slipping dates, approval lags, billing and payments, seasonality) as statistical assertions computed
independently from the files."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from contract_check import check_folder
from demo_firm_args import AS_OF, FIRM_ARGS

from simulator import generate
from wipcast.contract import ENTITIES
from wipcast.errors import InputError

AS_OF_TS = pd.Timestamp(AS_OF, tz="UTC") + pd.Timedelta(days=1)
WINDOW_START = dt.date(2025, 11, 1)  # 12 months ending 2026-10-31


def days(series) -> np.ndarray:
    return pd.to_datetime(series).values.astype("datetime64[D]")


# ---------------------------------------------------------------- files and contract


def test_writes_every_entity_and_the_truth_file(firm):
    for e in ENTITIES:
        assert (firm.folder / f"{e.name}.parquet").exists(), e.name
        assert firm.summary.rows[e.name] == len(firm[e.name]), e.name
        assert len(firm[e.name]) > 0, f"{e.name} is empty"
    assert (firm.folder / "_truth.json").exists()
    assert firm.summary.seconds > 0


def test_every_file_satisfies_the_contract(firm):
    assert check_folder(firm.folder) == []


def test_same_seed_gives_byte_identical_files_and_another_seed_differs(firm, tmp_path):
    again = tmp_path / "again"
    generate(again, **FIRM_ARGS)
    for f in sorted(firm.folder.iterdir()):
        assert (again / f.name).read_bytes() == f.read_bytes(), f.name
    other = tmp_path / "other"
    generate(other, **{**FIRM_ARGS, "seed": FIRM_ARGS["seed"] + 1})
    assert (other / "time_entries.parquet").read_bytes() != (firm.folder / "time_entries.parquet").read_bytes()


def test_csv_format_satisfies_the_contract_with_iso_text(tmp_path):
    out = tmp_path / "csv"
    summary = generate(out, employees=10, months=3, as_of=AS_OF, seed=1, fmt="csv")
    assert summary.rows["time_entries"] > 0
    assert check_folder(out) == []
    header, first = (out / "time_entries.csv").read_text().splitlines()[:2]
    assert header.startswith('"time_entry_id","employee_id"')
    assert "T" in first.split(",")[7] and first.split(",")[7].endswith('Z"')  # approved_at ISO 8601
    assert ",true," in (out / "time_entries.csv").read_text() or ",false," in (out / "time_entries.csv").read_text()


@pytest.mark.parametrize(
    "kwargs, word",
    [
        (dict(employees=4), "employees"),
        (dict(employees=2.5), "employees"),
        (dict(months=2), "months"),
        (dict(as_of="2026-13-01"), "as-of"),
        (dict(seed=-1), "seed"),
        (dict(fmt="xlsx"), "format"),
    ],
)
def test_bad_arguments_raise_input_error(tmp_path, kwargs, word):
    with pytest.raises(InputError) as err:
        generate(tmp_path / "x", **kwargs)
    assert word in err.value.one_line()
    assert not (tmp_path / "x" / "time_entries.parquet").exists()


def test_output_path_that_is_a_file_is_refused(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        generate(f, employees=5, months=3)


def test_progress_reports_rising_to_the_total(firm):
    calls = firm.progress_calls
    assert calls and calls[-1][1] == calls[-1][2]
    completed = [c for _, c, _ in calls]
    assert completed == sorted(completed)


# ---------------------------------------------------------------- time boundaries


def test_nothing_in_actuals_is_dated_after_as_of(firm):
    te = firm["time_entries"]
    assert days(te.work_date).max() <= np.datetime64(AS_OF)
    assert days(te.work_date).min() >= np.datetime64(WINDOW_START)
    for col in ("approved_at", "erp_posted_at", "updated_at"):
        assert te[col].dropna().max() < AS_OF_TS, col
    assert days(firm["invoices"].invoice_date).max() <= np.datetime64(AS_OF)
    assert days(firm["payments"].payment_date).max() <= np.datetime64(AS_OF)
    assert firm["opportunity_history"].changed_at.max() < AS_OF_TS
    assert days(firm["opportunities"].created_date).max() <= np.datetime64(AS_OF)
    assert days(firm["milestones"].completed_date.dropna()).max() <= np.datetime64(AS_OF)
    assert days(firm["fx_rates"].rate_date).max() <= np.datetime64(AS_OF)
    assert firm["assignments"].updated_at.max() < AS_OF_TS
    assert days(firm["assignment_snapshots"].snapshot_date).max() <= np.datetime64(AS_OF)
    emp = firm["employees"]
    assert days(emp.termination_date.dropna()).max() <= np.datetime64(AS_OF)


def test_plans_pipeline_and_targets_extend_into_the_future(firm):
    a = firm["assignments"]
    assert (days(a.end_date) > np.datetime64(AS_OF) + 60).sum() > 5
    assert (days(a.start_date) > np.datetime64(AS_OF)).sum() > 0
    assert firm["assignment_snapshots"].employee_id.isna().sum() > 0  # unnamed placeholders
    o = firm["opportunities"]
    open_ = o[o.status == "open"]
    assert len(open_) > 10 and (days(open_.expected_start_date) > np.datetime64(AS_OF)).mean() > 0.5
    assert days(firm["revenue_targets"].month).max() >= np.datetime64("2027-10-01")


# ---------------------------------------------------------------- firm shape


def test_firm_shape_practices_regions_entities_roles_contractors(firm):
    emp, le = firm["employees"], firm["legal_entities"]
    assert emp.practice.nunique() >= 4
    assert emp.region.nunique() >= 3
    assert sorted(le.currency) == ["EUR", "GBP", "USD"] and len(le) == 3
    assert (emp.employment_type == "contractor").sum() > 0
    ladder = emp[emp.employment_type == "employee"].groupby("role").cost_rate.median()
    assert ladder["Partner"] > ladder["Manager"] > ladder["Consultant"] > ladder["Analyst"]
    firm_card = firm["rate_cards"][firm["rate_cards"].project_id.isna() & (firm["rate_cards"].currency == "USD")]
    latest = firm_card[firm_card.valid_to.isna()].set_index("role").bill_rate
    assert latest["Partner"] > latest["Manager"] > latest["Analyst"]


def test_hiring_and_attrition_within_the_history(firm):
    emp = firm["employees"]
    hired = days(emp.hire_date) >= np.datetime64(WINDOW_START)
    left = days(emp.termination_date.dropna()) >= np.datetime64(WINDOW_START)
    assert hired.sum() >= 5 and left.sum() >= 3


def test_all_billing_types_internal_projects_and_won_deals_become_projects(firm):
    p, o = firm["projects"], firm["opportunities"]
    assert set(p.billing_type) == {"time_and_materials", "fixed_fee", "milestone", "retainer", "non_billable"}
    internal = p[p.billing_type == "non_billable"]
    assert len(internal) > 0 and internal.customer_id.isna().all()
    assert p[p.billing_type != "non_billable"].customer_id.notna().all()
    won = o[o.status == "won"]
    assert len(won) > 10 and won.project_id.notna().all()
    linked = p.dropna(subset=["opportunity_id"]).set_index("opportunity_id").project_id
    assert (linked.loc[won.opportunity_id].values == won.project_id.values).all()
    assert o[o.status != "won"].project_id.isna().all()


def test_fx_rates_daily_random_walk_for_each_non_reporting_currency(firm):
    fx = firm["fx_rates"]
    assert set(fx.currency) == {"EUR", "GBP"}
    for cur, g in fx.groupby("currency"):
        d = np.sort(days(g.rate_date))
        assert (np.diff(d).astype(int) == 1).all(), f"{cur} has gaps"
        assert d[0] <= np.datetime64(WINDOW_START) and d[-1] == np.datetime64(AS_OF)
        steps = np.diff(np.log(g.sort_values("rate_date").rate_to_reporting.values))
        assert 0.001 < steps.std() < 0.02


def test_holidays_differ_by_region_and_nobody_logs_time_on_them(firm):
    h = firm["holidays"]
    sets = {r: set(g.holiday_date) for r, g in h.groupby("region")}
    assert len(sets) == 3
    regions = list(sets)
    for i in range(3):
        for j in range(i + 1, 3):
            assert sets[regions[i]] != sets[regions[j]]
    te = firm["time_entries"].merge(firm["employees"][["employee_id", "region"]], on="employee_id")
    on_holiday = te.merge(h, left_on=["work_date", "region"], right_on=["holiday_date", "region"])
    assert len(on_holiday) == 0
    assert (pd.to_datetime(te.work_date).dt.day_of_week < 5).all()


def test_revenue_targets_cover_every_practice_region_and_month(firm):
    t = firm["revenue_targets"]
    n_months = t.month.nunique()
    assert len(t) == n_months * t.practice.nunique() * t.region.nunique()
    assert t.practice.nunique() >= 4 and t.region.nunique() >= 3
    assert (t.amount >= 0).all() and (t.amount > 0).mean() > 0.8  # a cell with nobody in it has no target


# ---------------------------------------------------------------- utilization and plans


def _capacity_hours(firm) -> pd.Series:
    emp, hol = firm["employees"], firm["holidays"]
    cap = {}
    for region, g in emp.groupby("region"):
        hd = days(hol[hol.region == region].holiday_date)
        lo = np.maximum(days(g.hire_date), np.datetime64(WINDOW_START))
        term = days(g.termination_date.fillna(pd.Timestamp(AS_OF)))
        hi = np.minimum(term, np.datetime64(AS_OF)) + 1
        n = np.where(hi > lo, np.busday_count(lo, np.maximum(hi, lo), holidays=hd), 0)
        cap.update(dict(zip(g.employee_id, g.weekly_capacity_hours.values * n / 5, strict=True)))
    return pd.Series(cap)


def test_billable_utilization_lands_in_a_plausible_band(firm):
    te = firm["time_entries"]
    billable = te[te.billable & (te.approval_status != "rejected")].groupby("employee_id").hours.sum()
    cap = _capacity_hours(firm)
    util = billable.sum() / cap.sum()
    assert 0.60 <= util <= 0.80, util
    truth = json.loads((firm.folder / "_truth.json").read_text())
    assert abs(truth["utilization"]["realized_overall"] - util) < 0.005


def test_planned_hours_run_above_hours_worked_by_role_and_practice(firm):
    a = firm["assignments"].dropna(subset=["employee_id"])
    a = a[(days(a.end_date) <= np.datetime64(AS_OF)) & (days(a.start_date) >= np.datetime64(WINDOW_START))]
    emp = firm["employees"].set_index("employee_id")
    hol = firm["holidays"]
    a = a.assign(region=emp.region.loc[a.employee_id].values, role=emp.role.loc[a.employee_id].values)
    a["planned"] = 0.0
    for region, idx in a.groupby("region").groups.items():
        hd = days(hol[hol.region == region].holiday_date)
        rows = a.loc[idx]
        a.loc[idx, "planned"] = (
            rows.hours_per_week.values
            / 5
            * np.busday_count(days(rows.start_date), days(rows.end_date) + 1, holidays=hd)
        )
    te = firm["time_entries"]
    te = te[te.approval_status != "rejected"]
    m = a.merge(te[["employee_id", "project_id", "work_date", "hours"]], on=["employee_id", "project_id"])
    m = m[(m.work_date >= m.start_date) & (m.work_date <= m.end_date)]
    worked = m.groupby("assignment_id").hours.sum()
    a["worked"] = worked.reindex(a.assignment_id).fillna(0).values
    assert a.worked.sum() / a.planned.sum() < 0.92
    level = np.where(
        a.role.isin(["Analyst", "Consultant"]),
        "junior",
        np.where(a.role.isin(["Manager", "Senior Manager", "Director", "Partner"]), "senior", "other"),
    )
    by_level = a.groupby(level)[["worked", "planned"]].sum()
    ratio = by_level.worked / by_level.planned
    assert ratio["junior"] > ratio["senior"] + 0.03
    projects = firm["projects"].set_index("project_id")
    a["practice"] = projects.practice.loc[a.project_id].values
    by_practice = a.groupby("practice")[["worked", "planned"]].sum()
    pr = by_practice.worked / by_practice.planned
    assert pr.max() - pr.min() > 0.03


def test_snapshots_revise_plans_over_time(firm):
    s = firm["assignment_snapshots"]
    assert s.snapshot_date.nunique() >= 50
    assert (pd.to_datetime(s.snapshot_date).dt.day_of_week == 0).all()  # weekly, Mondays
    per = s.groupby("assignment_id").agg(
        hmax=("hours_per_week", "max"),
        hmin=("hours_per_week", "min"),
        emax=("end_date", "max"),
        emin=("end_date", "min"),
        named=("employee_id", lambda x: x.notna().sum()),
        n=("employee_id", "size"),
    )
    assert (per.hmax > per.hmin).mean() > 0.2  # hours revised
    assert (per.emax > per.emin).mean() > 0.2  # end dates moved
    assert ((per.named > 0) & (per.named < per.n)).sum() > 0  # placeholders named later
    cancelled = set(s.assignment_id) - set(firm["assignments"].assignment_id)
    assert len(cancelled) > 0


def test_truth_delivery_factor_follows_its_definition(firm):
    """Recompute the horizon-0 factor by role from the files, as a forecaster would."""
    truth = json.loads((firm.folder / "_truth.json").read_text())["delivery_factor"]
    s = firm["assignment_snapshots"].dropna(subset=["employee_id"])
    emp = firm["employees"].set_index("employee_id")
    hol = firm["holidays"]
    s = s[days(s.snapshot_date) + 6 <= np.datetime64(AS_OF)].copy()
    s["region"] = emp.region.loc[s.employee_id].values
    s["role"] = emp.role.loc[s.employee_id].values
    s["planned"] = 0.0
    for region, idx in s.groupby("region").groups.items():
        hd = days(hol[hol.region == region].holiday_date)
        r = s.loc[idx]
        lo = np.maximum(days(r.snapshot_date), days(r.start_date))
        hi = np.minimum(days(r.snapshot_date) + 6, days(r.end_date)) + 1
        s.loc[idx, "planned"] = (
            r.hours_per_week.values / 5 * np.where(hi > lo, np.busday_count(lo, np.maximum(lo, hi), holidays=hd), 0)
        )
    s = s[s.planned > 0]
    plan = s.groupby(["snapshot_date", "employee_id", "project_id", "role"], as_index=False).planned.sum()
    te = firm["time_entries"]
    te = te[te.approval_status != "rejected"].copy()
    wd = pd.to_datetime(te.work_date)
    te["week"] = (wd - pd.to_timedelta(wd.dt.day_of_week, unit="D")).dt.date
    worked = te.groupby(["week", "employee_id", "project_id"], as_index=False).hours.sum()
    m = plan.merge(
        worked,
        left_on=["snapshot_date", "employee_id", "project_id"],
        right_on=["week", "employee_id", "project_id"],
        how="left",
    ).fillna({"hours": 0})
    overall = m.hours.sum() / m.planned.sum()
    assert abs(overall - truth["realized"]["overall"]["0"]) < 0.002
    by_role = m.groupby("role")[["hours", "planned"]].sum()
    for role, row in by_role.iterrows():
        if row.planned > 500:
            assert abs(row.hours / row.planned - truth["realized"]["by_role"][role]["0"]) < 0.002, role
    # further ahead, plans overstate more
    o = truth["realized"]["overall"]
    assert o["12"] < o["4"] < o["0"] < 1


# ---------------------------------------------------------------- CRM


def test_crm_probability_is_above_the_true_win_rate_at_every_stage(firm):
    h, o = firm["opportunity_history"], firm["opportunities"]
    closed = o[o.status.isin(["won", "lost"])].set_index("opportunity_id").status
    open_rows = h[h.status == "open"]
    above, gaps = 0, []
    for stage, g in open_rows.groupby("stage"):
        reached = closed.reindex(g.opportunity_id.unique()).dropna()
        if len(reached) < 30:
            continue
        win_rate = (reached == "won").mean()
        se = np.sqrt(max(win_rate * (1 - win_rate), 0.01) / len(reached))
        entered = g.probability.mean()
        assert entered > win_rate - 2 * se, (stage, entered, win_rate)  # never credibly below
        above += entered > win_rate
        gaps.append(entered - win_rate)
    assert above >= 5 and np.mean(gaps) > 0.04, gaps


def test_close_dates_slip_and_start_dates_slip(firm):
    h, o, p = firm["opportunity_history"], firm["opportunities"], firm["projects"]
    h = h.sort_values(["opportunity_id", "changed_at"])
    first_close = h.groupby("opportunity_id").close_date.first()
    won = o[o.status == "won"].set_index("opportunity_id")
    slip = (days(won.close_date) - days(first_close.loc[won.index])).astype(int)
    assert np.median(slip) > 7 and (slip > 0).mean() > 0.6
    pushes = h[h.status == "open"].groupby("opportunity_id").close_date.nunique()
    assert (pushes > 1).mean() > 0.3
    start = p.dropna(subset=["opportunity_id"]).set_index("opportunity_id").start_date
    start_slip = (days(start.loc[won.index]) - days(won.expected_start_date)).astype(int)
    assert start_slip.mean() > 5 and (start_slip > 0).mean() > 0.5


# ---------------------------------------------------------------- timesheets


def test_approval_lag_has_a_long_tail_and_some_entries_are_rejected(firm):
    te = firm["time_entries"]
    ap = te[te.approval_status == "approved"]
    lag = (days(ap.approved_at.dt.tz_convert("UTC").dt.tz_localize(None)) - days(ap.work_date)).astype(int)
    assert np.percentile(lag, 95) > 3 * np.median(lag)
    assert lag.min() >= 0
    rejected = te[te.approval_status == "rejected"]
    assert 0.005 < len(rejected) / len(te) < 0.05
    assert rejected.approved_at.isna().all() and rejected.invoice_id.isna().all()
    recent = te[days(te.work_date) >= np.datetime64(AS_OF) - 6]
    assert {"draft", "submitted"} & set(recent.approval_status)


def test_time_on_closed_projects_after_their_end(firm):
    te = firm["time_entries"].merge(firm["projects"][["project_id", "status", "end_date"]], on="project_id")
    late = te[(te.status == "closed") & (te.work_date > te.end_date)]
    assert len(late) > 0


def test_some_entries_have_no_resolvable_rate(firm):
    te = firm["time_entries"].merge(firm["employees"][["employee_id", "role"]], on="employee_id")
    te = te.merge(firm["projects"][["project_id", "billing_type", "currency"]], on="project_id")
    rc = firm["rate_cards"]
    client = te[te.billing_type != "non_billable"]
    carded_roles = set(rc.role)
    no_rate = client[client.bill_rate.isna() & ~client.role.isin(carded_roles)]
    assert len(no_rate) > 0
    assert (client.bill_rate.notna()).sum() > 0  # and some carry their own rate


def test_erp_posting_lags_and_some_approved_time_is_never_posted(firm):
    te = firm["time_entries"]
    ap = te[te.approval_status == "approved"]
    posted = ap.dropna(subset=["erp_posted_at"])
    assert (posted.erp_posted_at >= posted.approved_at).all()
    assert (posted.erp_posted_at - posted.approved_at).dt.days.median() >= 2
    old = ap[days(ap.approved_at.dt.tz_localize(None)) < np.datetime64(AS_OF) - 60]
    assert 0 < old.erp_posted_at.isna().mean() < 0.05
    assert te[te.approval_status != "approved"].erp_posted_at.isna().all()


# ---------------------------------------------------------------- billing and cash


def test_time_and_materials_invoiced_monthly_in_arrears_some_late_some_never(firm):
    te = firm["time_entries"].merge(firm["projects"][["project_id", "billing_type"]], on="project_id")
    tm = te[(te.billing_type == "time_and_materials") & te.billable & (te.approval_status == "approved")]
    inv = firm["invoices"].set_index("invoice_id")
    billed = tm.dropna(subset=["invoice_id"])
    assert len(billed) > 0 and billed.invoice_id.isin(inv.index).all()
    work = pd.to_datetime(billed.work_date)
    inv_d = pd.to_datetime(inv.invoice_date.loc[billed.invoice_id].values)
    lag_months = (inv_d.year * 12 + inv_d.month).values - (work.dt.year * 12 + work.dt.month).values
    assert (lag_months >= 1).all()  # in arrears
    assert (lag_months >= 2).sum() > 0  # some billed late
    old_unbilled = tm[tm.invoice_id.isna() & (days(tm.work_date) < np.datetime64("2026-09-01"))]
    assert len(old_unbilled) > 0
    # invoice lines carry the time per project, and invoices add up to their lines to the cent
    lines = firm["invoice_lines"]
    time_lines = lines[lines.line_type == "time"].set_index(["invoice_id", "project_id"]).hours
    hrs = billed.groupby(["invoice_id", "project_id"]).hours.sum()
    assert np.allclose(time_lines.loc[hrs.index].values, hrs.values)
    sums = lines.groupby("invoice_id").amount.sum().round(2)
    assert np.allclose(sums.loc[inv.index].values, inv.amount.values, atol=0.005)


def test_time_lines_price_hours_by_the_rate_resolution_rule(firm):
    """Entry rate, else the project card for the role valid that day, else the firm card."""
    te = firm["time_entries"].dropna(subset=["invoice_id"])
    te = te.merge(firm["employees"][["employee_id", "role"]], on="employee_id")
    te = te.merge(firm["projects"][["project_id", "currency"]], on="project_id")
    rc = firm["rate_cards"].copy()
    rc["valid_to"] = rc.valid_to.fillna(dt.date(2999, 12, 31))
    proj_card = te.merge(rc.dropna(subset=["project_id"]), on=["project_id", "role"], suffixes=("", "_card"))
    proj_card = proj_card[(proj_card.work_date >= proj_card.valid_from) & (proj_card.work_date <= proj_card.valid_to)]
    firm_card = te.merge(
        rc[rc.project_id.isna()].drop(columns="project_id"), on=["role", "currency"], suffixes=("", "_card")
    )
    firm_card = firm_card[(firm_card.work_date >= firm_card.valid_from) & (firm_card.work_date <= firm_card.valid_to)]
    assert proj_card.time_entry_id.is_unique and firm_card.time_entry_id.is_unique
    rate = te.bill_rate.copy()
    rate = rate.fillna(te.time_entry_id.map(proj_card.set_index("time_entry_id").bill_rate_card))
    rate = rate.fillna(te.time_entry_id.map(firm_card.set_index("time_entry_id").bill_rate_card))
    assert rate.notna().all()
    expected = (te.hours * rate).groupby([te.invoice_id, te.project_id]).sum().round(2)
    lines = firm["invoice_lines"]
    actual = lines[lines.line_type == "time"].set_index(["invoice_id", "project_id"]).amount
    assert np.allclose(actual.loc[expected.index].values, expected.values, atol=0.011)


def test_fixed_fees_on_schedule_and_milestones_on_completion(firm):
    lines, inv, p = firm["invoice_lines"], firm["invoices"].set_index("invoice_id"), firm["projects"]
    live = lines[inv.status.loc[lines.invoice_id].values != "void"]
    ff = live[live.line_type == "fixed_fee"].merge(p[["project_id", "contract_value", "status"]], on="project_id")
    assert len(ff) > 0
    billed = ff.groupby("project_id").agg(
        total=("amount", "sum"), cv=("contract_value", "first"), status=("status", "first")
    )
    assert (billed.total <= billed.cv + 0.01).all()
    done = billed[billed.status == "closed"]
    assert len(done) > 0 and np.allclose(done.total, done.cv, atol=0.01)
    ms = firm["milestones"]
    completed = ms.dropna(subset=["completed_date"])
    invoiced = completed.dropna(subset=["invoice_id"])
    assert len(invoiced) > 0 and ms[ms.completed_date.isna()].invoice_id.isna().all()
    assert (days(inv.invoice_date.loc[invoiced.invoice_id]) >= days(invoiced.completed_date)).all()
    assert (live.line_type == "retainer").sum() > 0


def test_payments_spread_and_receivables_open(firm):
    inv, pay = firm["invoices"].set_index("invoice_id"), firm["payments"]
    paid = inv[inv.status == "paid"]
    last_pay = pay.groupby("invoice_id").payment_date.max()
    dtp = (days(last_pay.loc[paid.index]) - days(paid.invoice_date)).astype(int)
    assert np.percentile(dtp, 10) < 25 and np.percentile(dtp, 90) > 50
    assert (pay.groupby("invoice_id").amount.sum().loc[paid.index].round(2) == paid.amount.round(2)).all()
    assert (inv.status == "open").sum() > 0 and (inv.status == "void").sum() >= 0


def test_seasonality_year_end_and_summer(firm):
    te = firm["time_entries"]
    hours = te[te.billable].groupby(pd.to_datetime(te[te.billable].work_date)).hours.sum()
    weekday_hours = hours[hours.index.day_of_week < 5]
    christmas = weekday_hours["2025-12-27":"2025-12-31"].mean()
    autumn = weekday_hours["2026-09-07":"2026-10-16"].mean()
    summer = weekday_hours["2026-07-20":"2026-08-14"].mean()
    assert christmas < 0.6 * autumn
    assert summer < 0.95 * autumn


def test_truth_file_documents_every_parameter(firm):
    truth = json.loads((firm.folder / "_truth.json").read_text())
    for key in (
        "delivery_factor",
        "win_rates",
        "close_date_slip_days",
        "start_date_slip_days",
        "approval_lag_days",
        "days_to_pay",
        "fixed_fee_overrun_factor",
        "milestone_slip_days",
        "utilization",
    ):
        assert key in truth and "definition" in truth[key], key
    wr = truth["win_rates"]
    for stage, crm in wr["crm_probability_by_stage"].items():
        assert wr["design_win_rate_from_stage_new_customer"][stage] < crm
        assert wr["design_win_rate_from_stage_existing_customer"][stage] < crm
    assert truth["generator"]["as_of"] == AS_OF.isoformat()


def test_generating_over_files_of_the_other_format_needs_replace(tmp_path):
    from wipcast.errors import InputError

    out = tmp_path / "firm"
    generate(out, employees=5, months=3, seed=1, fmt="csv")
    with pytest.raises(InputError, match=r"already holds contract files in another format \(accounting_periods.csv"):
        generate(out, employees=5, months=3, seed=1, fmt="parquet")
    assert not list(out.glob("*.parquet"))  # nothing was written
    assert (out / "customers.csv").exists()
    generate(out, employees=5, months=3, seed=1, fmt="parquet", replace=True)
    assert not list(out.glob("*.csv")) and (out / "customers.parquet").exists()
