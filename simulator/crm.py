"""CRM pipeline: opportunities and their change history.

Every opportunity walks the stage ladder; at each stage it advances with the true
probability implied by STAGE_TRUE_WIN_* or is lost. Reps enter the CRM default probability
of the stage (sometimes a notch higher), which is above the true chance at every stage.
Reps also expect deals to close sooner than they do and push the close date each time it
lapses; won deals start later than the CRM said. Winners are matched to the client projects
that plans.py staffed, so every won deal becomes a project and the win date is the day the
project was booked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np

from . import params as P
from .plans import DAY_US
from .projects import Customers, Projects

N_STAGES = len(P.STAGES)


def _advance_probs(win_from_stage: Sequence[float]) -> np.ndarray:
    w = np.append(np.asarray(win_from_stage, dtype=float), 1.0)
    probs: np.ndarray = w[:-1] / w[1:]
    return probs


def _simulate_paths(rng: np.random.Generator, n: int, new: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entry stage, exit stage (last stage reached) and outcome of n opportunities."""
    entry_p = (0.7, 0.3, 0, 0, 0, 0) if new else (0.3, 0.5, 0.2, 0, 0, 0)
    entry = rng.choice(N_STAGES, n, p=np.array(entry_p))
    adv = _advance_probs(P.STAGE_TRUE_WIN_NEW if new else P.STAGE_TRUE_WIN_EXISTING)
    u = rng.random((n, N_STAGES))
    passed = (u < adv[None, :]) | (np.arange(N_STAGES)[None, :] < entry[:, None])
    # exit = first stage >= entry not passed; won if all passed.
    fail = ~passed
    won = cast(np.ndarray, ~fail.any(axis=1))
    exit_ = np.where(won, N_STAGES - 1, fail.argmax(axis=1))
    return entry, exit_, won


def _candidates(rng: np.random.Generator, n_winners: int, new: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Simulate opportunities until n_winners have been won; keep every loser drawn before
    the last needed winner, so the won/lost mix is the true one."""
    rate = P.STAGE_TRUE_WIN_NEW[0] if new else P.STAGE_TRUE_WIN_EXISTING[0]
    entries: list[np.ndarray] = []
    exits: list[np.ndarray] = []
    wons: list[np.ndarray] = []
    got = 0
    while got < n_winners or not entries:
        m = int((n_winners - got) / rate * 1.2) + 20
        e, x, w = _simulate_paths(rng, m, new)
        entries.append(e)
        exits.append(x)
        wons.append(w)
        got += int(w.sum())
    entry, exit_, won = (np.concatenate(a) for a in (entries, exits, wons))
    cut = int(len(won) * 0.3) if n_winners == 0 else int(np.flatnonzero(won)[n_winners - 1]) + 1
    return entry[:cut], exit_[:cut], won[:cut]


@dataclass
class Opportunities:
    # one row per opportunity (all drawn, including those created after as_of)
    project: np.ndarray  # project index for winners, -1 for losers
    customer: np.ndarray  # customer index or -1 (new customer)
    account: list[str]
    practice: np.ndarray
    region: np.ndarray
    amount_final: np.ndarray
    duration_weeks: np.ndarray
    entry: np.ndarray
    exit: np.ndarray
    won: np.ndarray
    created: np.ndarray
    resolved: np.ndarray  # day won or lost
    first_close: np.ndarray  # close date the rep entered at creation
    lead: np.ndarray  # days from close to expected start
    expected_start_final: np.ndarray  # expected start recorded at resolution
    bias: np.ndarray  # the rep's add-on to the CRM default probability
    # history events
    ev_opp: np.ndarray
    ev_ts: np.ndarray  # µs
    ev_stage: np.ndarray  # stage names
    ev_prob: np.ndarray
    ev_amount: np.ndarray
    ev_close: np.ndarray
    ev_start: np.ndarray
    ev_status: np.ndarray  # open, won, lost


def build_opportunities(
    rng: np.random.Generator, projects: Projects, customers: Customers, window_start: int, as_of: int
) -> Opportunities:
    win_idx = np.flatnonzero(projects.opp_backed)
    new_mask = projects.new_customer[win_idx]
    parts = []
    for new in (True, False):
        proj = win_idx[new_mask == new]
        proj = proj[rng.permutation(len(proj))]
        entry, exit_, won = _candidates(rng, len(proj), new)
        project = np.full(len(won), -1)
        project[won] = proj
        parts.append((entry, exit_, won, project, np.full(len(won), new)))
    entry, exit_, won, project, is_new = (np.concatenate(a) for a in zip(*parts, strict=True))
    n = len(won)

    dwell = np.maximum(
        1,
        np.round(
            np.array(P.STAGE_MEAN_DWELL_DAYS)[None, :]
            * rng.lognormal(-(P.STAGE_DWELL_SIGMA**2) / 2, P.STAGE_DWELL_SIGMA, (n, N_STAGES))
        ),
    ).astype(np.int64)
    stages = np.arange(N_STAGES)[None, :]
    on_path = (stages >= entry[:, None]) & (stages <= exit_[:, None])
    dwell = np.where(on_path, dwell, 0)
    cycle = dwell.sum(axis=1)
    lead = rng.integers(14, 46, n)

    # Winners: timing runs backwards from the project's actual start.
    slip = np.where(
        rng.random(n) < 0.25,
        0,
        np.where(
            rng.random(n) < 0.13, -rng.integers(1, 11, n), np.round(rng.lognormal(np.log(18), 0.7, n)).astype(np.int64)
        ),
    )
    p_start = np.where(project >= 0, projects.start[np.maximum(project, 0)], 0)
    exp_start_final = p_start - slip
    resolved_w = np.minimum(exp_start_final - lead, p_start - 1)
    created_w = resolved_w - cycle
    # Lost deals are created over the same span as the won ones (those created after the
    # as-of date are dropped later, like won ones), so the won/lost mix is the true one.
    lo = int(created_w[won].min()) if won.any() else window_start - 120
    hi = max(int(created_w[won].max()) if won.any() else as_of, lo + 1)
    created_l = rng.integers(lo, hi + 1, n)
    created = np.where(won, created_w, created_l)
    # Dead deals linger: reps mark a deal lost weeks after it stalled.
    linger = np.round(rng.lognormal(np.log(P.LOST_LINGER_MEDIAN_DAYS), 0.8, n)).astype(np.int64)
    resolved = np.where(won, resolved_w, created_l + cycle + linger)
    exp_start_final = np.where(won, exp_start_final, resolved + lead)

    # The rep's close estimate: the remaining ladder at an optimistic pace.
    remaining_mean = np.cumsum(np.array(P.STAGE_MEAN_DWELL_DAYS)[::-1])[::-1][entry]
    first_close = created + np.maximum(
        7, np.round(remaining_mean * P.CLOSE_ESTIMATE_OPTIMISM * rng.uniform(0.7, 1.3, n))
    ).astype(np.int64)
    step = rng.integers(14, 46, n)

    # Customers and amounts.
    customer = np.where(project >= 0, projects.customer[np.maximum(project, 0)], -1)
    region = np.where(
        project >= 0,
        projects.region[np.maximum(project, 0)],
        rng.choice(len(P.REGIONS), n, p=np.array(P.REGION_WEIGHTS)),
    )
    practice = np.where(
        project >= 0,
        projects.practice[np.maximum(project, 0)],
        rng.choice(len(P.PRACTICES), n, p=np.array(P.PRACTICE_WEIGHTS)),
    )
    losers = np.flatnonzero(~won)
    for r in range(len(P.REGIONS)):
        pool = np.flatnonzero(customers.region == r)
        sel = losers[(region[losers] == r) & ~is_new[losers]]
        if len(pool):
            customer[sel] = pool[rng.integers(0, len(pool), len(sel))]
    value = np.where(np.isnan(projects.contract_value), projects.planned_value * 0.9, projects.contract_value)
    duration = np.round((projects.end - projects.start + 3) / 7.0)
    winners = np.flatnonzero(won)
    ref = winners[rng.integers(0, max(1, len(winners)), n)] if len(winners) else np.zeros(n, dtype=np.int64)
    ref_proj = project[ref]
    if len(winners):
        loser_amount = np.round(value[ref_proj] * rng.lognormal(0, 0.4, n), -2)
        loser_duration = duration[ref_proj]
    else:
        loser_amount = np.round(rng.lognormal(np.log(200_000), 0.8, n), -2)
        loser_duration = np.full(n, 16.0)
    amount_final = np.where(won, np.round(value[np.maximum(project, 0)], 2), np.maximum(loser_amount, 1000.0))
    duration_weeks = np.where(won, duration[np.maximum(project, 0)], loser_duration)
    amount0 = np.round(amount_final * rng.lognormal(0, 0.25, n), -2)
    amount1 = np.where(won, np.round(amount_final * rng.lognormal(0, 0.08, n), -2), amount_final)
    bias = np.where(rng.random(n) < 0.7, 0.0, np.where(rng.random(n) < 0.67, 0.05, 0.10))
    account = []
    prospects = rng.integers(0, 10_000, n)
    for i in range(n):
        c = int(customer[i])
        account.append(customers.names[c] if c >= 0 else f"Prospect {prospects[i]:04d} Holdings")
    customer = np.where(is_new, -1, customer)  # new-customer deals carry no customer id in the CRM

    # ---- history events ----
    # stage_start[s] is the day stage s was entered, for stages on the path (the entry stage
    # is entered at creation because dwell is zero before it). Creation is the first event.
    stage_start = created[:, None] + np.concatenate(
        [np.zeros((n, 1), np.int64), np.cumsum(dwell, axis=1)[:, :-1]], axis=1
    )
    st_opp, st_stage = np.nonzero(on_path)
    st_day = stage_start[st_opp, st_stage]
    # pushes
    overdue = resolved - first_close - 1
    n_push = np.where(overdue > 0, -(-overdue // step), 0)
    pu_opp = np.repeat(np.arange(n), n_push)
    pj = np.arange(n_push.sum()) - np.repeat(np.cumsum(n_push) - n_push, n_push)
    pu_day = first_close[pu_opp] + pj * step[pu_opp] + 1
    # stage at a push = last stage entered on or before that day
    entered = on_path[pu_opp] & (stage_start[pu_opp] <= pu_day[:, None])
    pu_stage = N_STAGES - 1 - np.argmax(entered[:, ::-1], axis=1)
    pu_close = first_close[pu_opp] + (pj + 1) * step[pu_opp]

    # close date in effect at a stage entry
    def close_at(opp: np.ndarray, day: np.ndarray) -> np.ndarray:
        k = np.where(day > first_close[opp], -(-(day - first_close[opp] - 1) // step[opp]), 0)
        close: np.ndarray = first_close[opp] + k * step[opp]
        return close

    ev_opp = np.concatenate([st_opp, pu_opp, np.arange(n)])
    ev_day = np.concatenate([st_day, pu_day, resolved])
    kind = np.concatenate([np.zeros(len(st_opp), np.int8), np.ones(len(pu_opp), np.int8), np.full(n, 2, np.int8)])
    ev_stage_i = np.concatenate([st_stage, pu_stage, np.full(n, -1)])
    close_open = np.concatenate([close_at(st_opp, st_day), pu_close])
    ev_close = np.concatenate([close_open, resolved])
    ev_start = np.concatenate([close_open + lead[np.concatenate([st_opp, pu_opp])], exp_start_final])
    # Resolution happens on the close day, after any stage change that day.
    order = np.lexsort((kind, ev_day, ev_opp))
    ev_opp, ev_day, kind, ev_stage_i, ev_close, ev_start = (
        a[order] for a in (ev_opp, ev_day, kind, ev_stage_i, ev_close, ev_start)
    )
    rank = np.arange(len(ev_opp)) - np.searchsorted(ev_opp, ev_opp)
    ev_ts = ev_day * DAY_US + (9 * 60 + 7 * rank) * 60_000_000 + rng.integers(0, 6, len(ev_opp)) * 60_000_000
    crm_p = np.array(P.STAGE_CRM_PROBABILITY)
    is_res = kind == 2
    prob = np.where(
        is_res, np.where(won[ev_opp], 1.0, 0.0), np.minimum(0.99, crm_p[np.maximum(ev_stage_i, 0)] + bias[ev_opp])
    )
    amount = np.where(
        is_res,
        np.where(won[ev_opp], amount_final[ev_opp], amount1[ev_opp]),
        np.where(ev_stage_i >= 3, amount1[ev_opp], amount0[ev_opp]),
    )
    # a stage entered later than the proposal stage keeps the revised amount
    stage_names = np.array(list(P.STAGES) + [P.CLOSED_WON, P.CLOSED_LOST])
    stage_idx = np.where(is_res, np.where(won[ev_opp], N_STAGES, N_STAGES + 1), ev_stage_i)
    status = np.where(is_res, np.where(won[ev_opp], "won", "lost"), "open")
    return Opportunities(
        project=project,
        customer=customer,
        account=account,
        practice=practice,
        region=region,
        amount_final=amount_final,
        duration_weeks=duration_weeks,
        entry=entry,
        exit=exit_,
        won=won,
        created=created,
        resolved=resolved,
        first_close=first_close,
        lead=lead,
        expected_start_final=exp_start_final,
        bias=bias,
        ev_opp=ev_opp,
        ev_ts=ev_ts,
        ev_stage=stage_names[stage_idx],
        ev_prob=np.round(prob, 4),
        ev_amount=np.round(amount, 2),
        ev_close=ev_close,
        ev_start=ev_start,
        ev_status=status,
    )
