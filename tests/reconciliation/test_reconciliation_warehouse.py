"""The reconciliation marts on generated firms (built once per session, tests/reconciliation/conftest.py):
recall and precision of the planted discrepancies on two seeds, exceptions persisting across runs and
`wipcast exceptions accept`, and a contract v1 warehouse (no ERP view) still building.

One module on purpose: `pytest -n 2 --dist loadfile` then builds the firms on one worker only."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from recon_build import RECONCILIATION, SEEDS, Built, build, dbt, query
from typer.testing import CliRunner

from wipcast.exceptions import accept, record_state
from wipcast.settings import load_settings
from wipcast.transform import dbt_vars

pytestmark = pytest.mark.slow

ERP_TYPES = {
    "posted_not_approved",
    "hours_mismatch",
    "duplicate_posting",
    "orphan_posting",
    "currency_mismatch",
    "closed_period_posting",
    "invoice_header_mismatch",
}


# --------------------------------------------------------------------------- planted discrepancies


@pytest.mark.parametrize("seed", SEEDS)
def test_recall_and_precision_of_planted_discrepancies_are_100_percent(firms: dict[int, Built], seed: int) -> None:
    built = firms[seed]
    want = {(d["type"], d["source"], d["record"]): d["amount"] for d in built.truth["discrepancies"]}
    rows = query(
        built.db,
        "select exception_type, source_system, record_id, cast(amount_at_risk_reporting as double) "
        "from marts.fct_sync_exceptions where is_detected",
    )
    got = {(t, s, r): a for t, s, r, a in rows}
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    assert not missing, f"{len(missing)} planted discrepancies not reported, e.g. {missing[:5]}"
    assert not extra, f"{len(extra)} exceptions that were not planted, e.g. {extra[:5]}"
    wrong = [(k, want[k], got[k]) for k in want if abs(want[k] - got[k]) > 0.011]
    assert not wrong, f"{len(wrong)} amounts differ (key, truth, mart), e.g. {wrong[:5]}"


@pytest.mark.parametrize("seed", SEEDS)
def test_every_type_is_planted_in_realistic_proportions(firms: dict[int, Built], seed: int) -> None:
    counts = Counter(d["type"] for d in firms[seed].truth["discrepancies"])
    assert ERP_TYPES | {"approved_not_posted"} <= set(counts), sorted(ERP_TYPES - set(counts))
    postings = query(firms[seed].db, "select count(*) from raw_canonical.erp_time_postings")[0][0]
    assert sum(counts.values()) < 0.05 * postings  # most postings are fine
    assert 6 <= counts["duplicate_posting"] <= 12  # one interrupted export, re-run


def test_the_unmapped_project_is_reported_with_its_reason(firms: dict[int, Built]) -> None:
    built = firms[7]
    project = built.truth["planted"]["unmapped_project"]
    reasons = query(
        built.db,
        "select distinct reason_code from marts.mart_unposted_approved_time where project_id = ? and is_overdue",
        [project],
    )
    assert reasons == [("no_project_mapping",)]


def test_postings_without_entry_ids_match_on_project_employee_and_date(firms: dict[int, Built]) -> None:
    built = firms[7]
    entity = built.truth["planted"]["entity_without_entry_ids"]
    methods = dict(
        query(
            built.db,
            "select coalesce(match_method, 'none'), count(*) from intermediate.int_recon_postings "
            "where entity_id = ? and is_live group by 1",
            [entity],
        )
    )
    assert methods.get("project_employee_date", 0) > 0.9 * sum(methods.values()), methods


def test_close_control_ties_to_the_time_reconciliation(firms: dict[int, Built]) -> None:
    """Approved time per entity and month is one number in both marts (each project-month is rounded
    to cents before the sum on one side, so they may differ by half a cent per project)."""
    rows = query(
        firms[11].db,
        """
        with by_project as (
            select p.entity_id, t.work_month, sum(t.approved_value) as approved, count(*) as projects
            from marts.mart_time_reconciliation_monthly as t
            join intermediate.int_projects as p on p.project_id = t.project_id
            group by 1, 2
        )
        select c.entity_id, c.month_start, c.approved_time_value, b.approved, b.projects
        from marts.mart_close_control_monthly as c
        join by_project as b on b.entity_id = c.entity_id and b.work_month = c.month_start
        """,
    )
    assert len(rows) >= 20  # 3 entities x 10 months
    off = [r for r in rows if abs(r[2] - r[3]) > Decimal("0.005") * r[4] + Decimal("0.005")]
    assert not off, off[:3]


# --------------------------------------------------------------------------- persistence across runs

SECOND_RUN = "2026-11-02 06:00:00+00:00"


def _state(db: Path) -> dict[str, tuple]:
    rows = query(
        db,
        "select exception_id, status, occurrences, cast(first_seen_at as varchar), cast(last_seen_at as varchar), "
        "cast(resolved_at as varchar), amount_at_risk_reporting, accepted_reason, is_open "
        "from marts.fct_sync_exceptions",
    )
    return {r[0]: r[1:] for r in rows}


def _rebuild(db: Path, work: Path, seen_at: str) -> None:
    build(db, work, seen_at, RECONCILIATION)
    con = duckdb.connect(str(db))
    try:
        record_state(con)
    finally:
        con.close()


def test_exceptions_persist_resolve_and_stay_accepted_across_runs(
    firms: dict[int, Built], tmp_path: Path, dbt_work: Path
) -> None:
    """Three exceptions of seed 11 are changed between two runs; the rest stay as they were. (That a
    resolved exception stays resolved over later runs is a unit test of fct_sync_exceptions.)"""
    built = firms[11]
    db = built.copy(tmp_path)
    work = dbt_work
    first = _state(db)
    by_type: dict[str, list[str]] = {}
    for exception_id in sorted(first):
        by_type.setdefault(exception_id.split(":")[0], []).append(exception_id)
    kept = by_type["approved_not_posted"][0]  # accepted, amount unchanged: stays accepted
    changed = by_type["duplicate_posting"][0]  # accepted, then its amount changes: open again
    fixed = by_type["hours_mismatch"][0]  # corrected in the ERP: resolved
    assert {first[e][0] for e in (kept, changed, fixed)} == {"open"}
    assert first[kept][1:4] == (1, "2026-11-01 06:00:00+00", "2026-11-01 06:00:00+00")

    con = duckdb.connect(str(db))
    try:
        accept(con, kept, "written off with the client")
        accept(con, changed, "the re-run export is reversed next week")
        assert _state_in(con, kept)[:2] == ("accepted", False)  # out of the open count at once
        posting = fixed.split(":")[-1]
        con.execute(
            "update raw_canonical.erp_time_postings set hours = ("
            "  select t.hours from raw_canonical.time_entries t"
            "  where t.time_entry_id = raw_canonical.erp_time_postings.time_entry_id) where posting_id = ?",
            [posting],
        )
        con.execute(
            "update raw_canonical.erp_time_postings set amount = amount + 10 where posting_id = ?",
            [changed.split(":")[-1]],
        )
    finally:
        con.close()

    _rebuild(db, work, SECOND_RUN)
    second = _state(db)
    assert second[kept][:2] == ("accepted", 2) and second[kept][6] == "written off with the client"
    assert second[kept][7] is False
    assert second[changed][0] == "open" and second[changed][6] is None  # the acceptance lapsed
    assert second[changed][5] > first[changed][5]
    # resolved at the time it was last seen (the first run), not when it was found gone
    assert second[fixed][:5] == (
        "resolved",
        1,
        "2026-11-01 06:00:00+00",
        "2026-11-01 06:00:00+00",
        "2026-11-01 06:00:00+00",
    )
    untouched = [e for e in first if e not in (kept, changed, fixed)]
    assert {second[e][:2] for e in untouched} == {("open", 2)}
    assert {second[e][3] for e in untouched} == {"2026-11-02 06:00:00+00"}


def _state_in(con: duckdb.DuckDBPyConnection, exception_id: str) -> tuple:
    return con.execute(
        "select status, is_open from marts.fct_sync_exceptions where exception_id = ?", [exception_id]
    ).fetchall()[0]


def test_exceptions_command_lists_and_accepts(firms: dict[int, Built], tmp_path: Path) -> None:
    from cli.console import options
    from cli.main import app

    built = firms[7]
    built.copy(tmp_path)
    target = sorted(e for e in _state(tmp_path / "work.duckdb") if e.startswith("orphan_posting:"))[0]
    saved = dict(options.overrides)
    try:
        runner = CliRunner()
        listed = runner.invoke(
            app, ["--warehouse-dir", str(tmp_path), "exceptions", "list", "--type", "orphan_posting"]
        )
        assert listed.exit_code == 0, listed.output
        assert "3 open exceptions" in listed.output  # the three planted orphans
        done = runner.invoke(
            app,
            ["--warehouse-dir", str(tmp_path), "exceptions", "accept", target, "--reason", "manual journal, agreed"],
        )
        assert done.exit_code == 0, done.output
        assert "accepted" in done.output
        again = runner.invoke(
            app, ["--warehouse-dir", str(tmp_path), "exceptions", "accept", "nope:x:y", "--reason", "r"]
        )
        assert again.exit_code != 0
        assert "no exception 'nope:x:y'" in str(again.exception) or "no exception" in again.output
    finally:
        options.overrides = saved
    state = query(
        tmp_path / "work.duckdb",
        "select status, accepted_reason from ops.exception_state where exception_id = ?",
        [target],
    )
    assert state == [("accepted", "manual journal, agreed")]


def test_owners_from_wipcast_toml_route_the_exceptions(firms: dict[int, Built], tmp_path: Path, dbt_work: Path) -> None:
    """A firm's own routing, written in wipcast.toml, reaches fct_sync_exceptions: a rule for a type
    replaces the seed's owner of every practice, a rule for one practice only that practice's."""
    built = firms[7]
    db = built.copy(tmp_path)
    seed_owner = dict(query(db, "select exception_type, min(owner) from marts.fct_sync_exceptions group by 1"))
    practices = sorted(
        p
        for (p,) in query(
            db,
            "select distinct practice from marts.fct_sync_exceptions "
            "where exception_type = 'approved_not_posted' and practice is not null",
        )
    )
    assert len(practices) >= 2  # so that one practice's rule can be seen to leave the others alone
    (tmp_path / "wipcast.toml").write_text(
        '[[exceptions.owners]]\ntype = "duplicate_posting"\nowner = "netsuite-admins"\n'
        f'[[exceptions.owners]]\ntype = "approved_not_posted"\npractice = "{practices[0]}"\nowner = "jane.doe"\n'
    )
    owners = dbt_vars(load_settings(cwd=tmp_path))["exception_owners"]
    dbt(
        db,
        dbt_work,
        "build",
        "-s",
        *RECONCILIATION.split(),
        "--exclude-resource-type",
        "test",
        "unit_test",
        variables={"exceptions_seen_at": SECOND_RUN, "exception_owners": owners},
    )
    routed = query(db, "select exception_type, practice, owner from marts.fct_sync_exceptions")
    by_type: dict[str, set[str]] = {}
    for kind, practice, owner in routed:
        by_type.setdefault(kind if kind != "approved_not_posted" else f"{kind}/{practice == practices[0]}", set()).add(
            owner
        )
    assert by_type["duplicate_posting"] == {"netsuite-admins"}
    assert by_type["approved_not_posted/True"] == {"jane.doe"}
    assert by_type["approved_not_posted/False"] == {seed_owner["approved_not_posted"]}
    assert by_type["orphan_posting"] == {seed_owner["orphan_posting"]}  # no rule: the seed's owner
    assert seed_owner["duplicate_posting"] != "netsuite-admins"


# --------------------------------------------------------------------------- contract v1


def test_a_v1_warehouse_without_an_erp_view_builds_and_uses_erp_posted_at(v1_firm: Built) -> None:
    types = dict(query(v1_firm.db, "select exception_type, count(*) from marts.fct_sync_exceptions group by 1"))
    assert not ERP_TYPES & set(types), types
    # without an ERP view the PSA's erp_posted_at says what was posted: the unmapped project's entries
    # (exported as far as the PSA knows) are no longer missing, the never-exported ones still are
    expected = query(
        v1_firm.db,
        """
        select count(*) from intermediate.int_recon_time_entries
        where is_approved and erp_posted_at is null and as_of_date_placeholder > posting_due_date
        """.replace("as_of_date_placeholder", "(select as_of_date from intermediate.int_as_of)"),
    )[0][0]
    assert types.get("approved_not_posted", 0) == expected > 0
    reasons = {r[0] for r in query(v1_firm.db, "select distinct reason_code from marts.mart_unposted_approved_time")}
    assert not reasons & {"no_project_mapping", "no_employee_mapping"}
    assert query(v1_firm.db, "select count(*) from marts.mart_close_control_monthly where posted_time_value <> 0") == [
        (0,)
    ]
