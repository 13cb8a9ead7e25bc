"""Pipeline: calibrated win probability, start slip and revenue profile of open opportunities.

Win probability: logistic regression on the states of opportunities that were open at past
month ends and have since closed (features known at that month end only), with Platt
(sigmoid) calibration on grouped cross-validation folds. Falls back to the CRM's probability
when there are too few closed deals to learn from.
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from forecasting.frames import ordered
from forecasting.inputs import Inputs

if TYPE_CHECKING:
    import pandas as pd
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.pipeline import Pipeline

MIN_TRAIN_ROWS = 40
MIN_CLASS_ROWS = 8
NUMERIC = ["crm_logit", "log_amount", "age_years", "years_in_stage", "years_to_close", "new_customer"]
CATEGORICAL = ["stage", "practice"]


def features(states: pl.DataFrame, fx_latest: pl.DataFrame, state_date_col: str = "state_date") -> pl.DataFrame:
    """Model features of opportunity states (each known at its state date)."""
    s = states.join(fx_latest.rename({"fx": "_fx"}), on="currency", how="left", maintain_order="left")
    p = pl.col("probability").fill_null(0.5).clip(0.01, 0.99)
    return (
        s.with_columns(
            (p / (1 - p)).log().alias("crm_logit"),
            (pl.col("amount").fill_null(0.0) * pl.col("_fx").fill_null(1.0)).alias("amount_reporting"),
            ((pl.col(state_date_col) - pl.col("created_date")).dt.total_days() / 365.0).alias("age_years"),
            (
                (
                    pl.col(state_date_col)
                    - pl.coalesce(
                        pl.col("stage_since") if "stage_since" in states.columns else pl.lit(None, pl.Date),
                        pl.col("created_date"),
                    )
                )
                .dt.total_days()
                .clip(0, None)
                / 365.0
            ).alias("years_in_stage"),
            ((pl.col("close_date") - pl.col(state_date_col)).dt.total_days().clip(-730, 730) / 365.0).alias(
                "years_to_close"
            ),
            pl.col("customer_id").is_null().cast(pl.Float64).alias("new_customer"),
            pl.col("stage").fill_null("unknown"),
            pl.col("practice").fill_null("unknown"),
        )
        .with_columns((pl.col("amount_reporting") + 1.0).log().alias("log_amount"))
        .drop("_fx")
    )


def training_rows(inputs: Inputs, fx_latest: pl.DataFrame) -> pl.DataFrame:
    """Open states at past month ends of opportunities that closed (won or lost) by the as-of date."""
    outcome = inputs.opportunities.filter(pl.col("status").is_in(["won", "lost"])).select(
        "opportunity_id", (pl.col("status") == "won").cast(pl.Int8).alias("won")
    )
    st = inputs.opportunity_states.filter(pl.col("status") == "open").join(outcome, on="opportunity_id", how="inner")
    return features(st, fx_latest).sort("opportunity_id", "state_date")


def _model() -> Pipeline:
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    pre = ColumnTransformer(
        [
            ("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
            ("num", StandardScaler(), NUMERIC),
        ]
    )
    return make_pipeline(pre, LogisticRegression(C=1.0, solver="liblinear", max_iter=500, random_state=0))


def _weights(X: pd.DataFrame) -> np.ndarray:
    """sqrt(amount) sample weights: revenue matters more than deal count for a revenue forecast, but
    full amount weighting would let a few large deals dominate the probability calibration."""
    w = np.sqrt(np.exp(X["log_amount"].to_numpy()))
    weights: np.ndarray = w / w.mean()
    return weights


def _calibrated(X: pd.DataFrame, y: np.ndarray, groups: np.ndarray) -> CalibratedClassifierCV:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.model_selection import GroupKFold

    n_groups = len(np.unique(groups))
    folds: list[tuple[np.ndarray, np.ndarray]] = list(GroupKFold(n_splits=min(3, n_groups)).split(X, y, groups))
    # Folds where the training part has one class only cannot be fitted; fall back to 3-fold plain CV.
    cv: list[tuple[np.ndarray, np.ndarray]] | int = folds
    if any(len(np.unique(y[tr])) < 2 for tr, _ in folds):
        cv = 3
    model = CalibratedClassifierCV(_model(), method="sigmoid", cv=cv)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y, sample_weight=_weights(X))
    return model


class WinModel:
    """Calibrated win probability; `.method` says whether it is learned or the CRM fallback."""

    def __init__(self, train: pl.DataFrame, diagnose: bool = True) -> None:
        self.method = "crm_fallback"
        self.model: CalibratedClassifierCV | None = None
        self.diagnostics: dict[str, float] = {"win_model.training_rows": float(train.height)}
        self.oof: np.ndarray | None = None  # out-of-fold calibrated probabilities of the training rows (diagnose=True)
        if train.height < MIN_TRAIN_ROWS:
            return
        y = train["won"].to_numpy()
        if min(int(y.sum()), int(len(y) - y.sum())) < MIN_CLASS_ROWS:
            return
        X = train.select(CATEGORICAL + NUMERIC).to_pandas()
        groups = train["opportunity_id"].to_numpy()
        try:
            self.model = _calibrated(X, y, groups)
            self.method = "logistic_platt"
        except Exception:  # noqa: BLE001 — any fit failure falls back to the CRM's opinion, recorded
            self.model = None
            return
        if diagnose:
            self.diagnostics.update(
                self._cross_validated_brier(X, y, groups, train["probability"].fill_null(0.5).to_numpy())
            )

    def _cross_validated_brier(
        self, X: pd.DataFrame, y: np.ndarray, groups: np.ndarray, crm: np.ndarray
    ) -> dict[str, float]:
        from sklearn.model_selection import GroupKFold

        oof = np.full(len(y), np.nan)
        for tr, te in GroupKFold(n_splits=min(3, len(np.unique(groups)))).split(X, y, groups):
            if len(np.unique(y[tr])) < 2:
                continue
            try:
                m = _calibrated(X.iloc[tr], y[tr], groups[tr])
                oof[te] = m.predict_proba(X.iloc[te])[:, 1]
            except Exception:  # noqa: BLE001
                continue
        self.oof = oof
        ok = ~np.isnan(oof)
        if ok.sum() == 0:
            return {}
        return {
            "win_model.brier_calibrated_cv": float(np.mean((oof[ok] - y[ok]) ** 2)),
            "win_model.brier_crm": float(np.mean((crm[ok] - y[ok]) ** 2)),
            "win_model.base_rate": float(y.mean()),
        }

    def predict(self, rows: pl.DataFrame) -> np.ndarray:
        crm = rows["probability"].fill_null(0.5).to_numpy().astype(float)
        if self.model is None or not rows.height:
            return crm
        p: np.ndarray = self.model.predict_proba(rows.select(CATEGORICAL + NUMERIC).to_pandas())[:, 1]
        return p


def start_slips(inputs: Inputs, first_work: pl.DataFrame) -> np.ndarray:
    """Days from the expected start an open deal showed at a month end to the day its project first
    logged time, over every open month-end state of deals later won whose project has started. Taken
    from the open states (not the final record) because expected dates drift later while a deal is
    open, and the forecast applies the slip to open deals as they stand."""
    won = inputs.opportunities.filter((pl.col("status") == "won") & pl.col("project_id").is_not_null()).select(
        "opportunity_id", "project_id"
    )
    states = inputs.opportunity_states.filter(pl.col("status") == "open").select(
        "opportunity_id", "expected_start_date"
    )
    w = states.join(won, on="opportunity_id", how="inner").join(first_work, on="project_id", how="inner")
    if not w.height:  # no history of states: the final record's expected start
        w = inputs.opportunities.filter(pl.col("status") == "won").join(first_work, on="project_id", how="inner")
    slips = (w["first_work"] - w["expected_start_date"]).dt.total_days().drop_nulls().to_numpy()
    days: np.ndarray = np.clip(slips, -90, 540).astype(float)
    return days


def revenue_profile(history: pl.DataFrame, projects: pl.DataFrame, bins: int = 10) -> np.ndarray:
    """Average share of a project's revenue earned in each tenth of its life, over closed projects
    with at least three months of revenue. Flat when there are none."""
    closed = projects.filter(pl.col("closed")).select("project_id")
    h = history.join(closed, on="project_id", how="semi").filter(pl.col("revenue") > 0).sort("project_id", "month")
    shares = np.zeros(bins)
    n = 0
    for _, g in h.group_by("project_id", maintain_order=True):
        v = g["revenue"].to_numpy()
        if len(v) < 3 or v.sum() <= 0:
            continue
        edges = np.linspace(0, len(v), bins + 1)
        cum = np.concatenate([[0], np.cumsum(v)]) / v.sum()
        shares += np.diff(np.interp(edges, np.arange(len(v) + 1), cum))
        n += 1
    profile: np.ndarray = shares / n if n else np.full(bins, 1.0 / bins)
    return profile


def realization(history: pl.DataFrame, inputs: Inputs) -> tuple[float, float]:
    """(revenue / won amount, actual months / expected months) over closed projects won from deals."""
    won = inputs.opportunities.filter(pl.col("status") == "won").select(
        "opportunity_id", "project_id", "amount", "currency", "expected_duration_weeks"
    )
    closed = inputs.projects.filter(pl.col("closed")).select("project_id", pl.col("currency").alias("pccy"))
    rev = (
        history.filter(pl.col("revenue_pc") != 0)
        .pipe(ordered)
        .group_by("project_id", maintain_order=True)
        .agg(pl.col("revenue_pc").sum(), pl.col("month").n_unique().alias("months"))
    )
    j = (
        won.join(closed, on="project_id", how="inner")
        .join(rev, on="project_id", how="inner")
        .filter(pl.col("currency") == pl.col("pccy"))
        .pipe(ordered)
    )
    if j.height < 5:
        return 1.0, 1.0
    real = float(j["revenue_pc"].sum()) / max(float(j["amount"].sum()), 1e-9)
    dur = float(j["months"].sum()) / max(float((j["expected_duration_weeks"] / 4.345).sum()), 1e-9)
    return float(np.clip(real, 0.3, 2.0)), float(np.clip(dur, 0.5, 2.5))


def profile_shares(profile: np.ndarray, n_months: int) -> np.ndarray:
    """Share of revenue in each of n_months equal months, from a profile over equal fractions of life."""
    cum = np.concatenate([[0], np.cumsum(profile)])
    x = np.linspace(0, 1, len(profile) + 1)
    return np.diff(np.interp(np.linspace(0, 1, n_months + 1), x, cum))


def duration_months(weeks: float | None, duration_ratio: float) -> int:
    if weeks is None or not math.isfinite(weeks):
        weeks = 26.0
    return max(1, int(round(weeks / 4.345 * duration_ratio)))
