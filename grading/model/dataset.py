"""The training set: every manual grade event, with the client's features as they were on the grade's date.

Each event is one row. Its features come from :func:`grading.scoring.features.features_at` at ``graded_on``, so nothing
recorded for a later month, or assessed after that day, reaches the row (no leakage), and its rule grade is what
the scorecard would have said on that day. A client graded three times gives three rows; evaluation keeps a
client's rows together (grouped folds), so the model is always tested on clients it has not seen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from grading.scoring.features import features_at
from grading.vocabulary import GRADES, SERVICE_MODELS

if TYPE_CHECKING:
    from grading.db.store import Store


#: The point-in-time features the model learns from. Book-keeping columns (months of data, missing months,
#: days since the survey, number of assessors, single months' margins) are left out: they describe the data,
#: not the client, and would let the model learn when the owner happened to grade.
LEARNED_FEATURES: tuple[str, ...] = (
    "seats",
    "avg_monthly_revenue",
    "avg_monthly_hours",
    "gross_margin",
    "effective_hourly_rate",
    "contribution_per_hour",
    "revenue_per_seat",
    "hours_per_seat",
    "tickets_per_seat",
    "after_hours_share",
    "emergency_share",
    "avg_days_to_pay",
    "disputed_invoices_per_year",
    "revenue_trend",
    "hours_trend",
    "pays_on_time",
    "values_service",
    "trusted_advisor",
    "follows_process",
    "open_to_recommendations",
    "caller_id_value",
)

#: Amounts spread over orders of magnitude (a 5-seat and a 500-seat client): the model sees their logarithm,
#: so one very large client does not dominate a linear model.
_LOGGED = frozenset({"seats", "avg_monthly_revenue", "avg_monthly_hours", "revenue_per_seat", "hours_per_seat"})

SERVICE_MODEL_INPUTS: tuple[str, ...] = tuple(f"service_model_{name}" for name in SERVICE_MODELS)

#: The columns of the model's input frame, in order.
MODEL_INPUTS: tuple[str, ...] = LEARNED_FEATURES + SERVICE_MODEL_INPUTS

#: The rule's grade as a number, the input the rule-anchored models start from (see :func:`rule_position`).
RULE_INPUT = "rule_position"

#: Where the domain is certain which way a figure moves a grade, all else equal: -1 where a higher value never
#: makes the grade worse (a higher effective rate, margin, survey score or caller-ID), +1 where it never makes
#: it better (slower payment, more disputes, more emergency and after-hours tickets). Size, hours, trends and
#: the service model have no certain direction: owners disagree, so the model is free there.
MONOTONE: dict[str, int] = {
    "effective_hourly_rate": -1,
    "contribution_per_hour": -1,
    "gross_margin": -1,
    "pays_on_time": -1,
    "values_service": -1,
    "trusted_advisor": -1,
    "follows_process": -1,
    "open_to_recommendations": -1,
    "caller_id_value": -1,
    "avg_days_to_pay": 1,
    "disputed_invoices_per_year": 1,
    "emergency_share": 1,
    "after_hours_share": 1,
}

#: A grade given this many days before the newest one counts half as much (owners' judgment changes).
RECENCY_HALF_LIFE_DAYS = 365.0


def model_inputs(features: pd.DataFrame) -> pd.DataFrame:
    """Turn a features frame (from :mod:`grading.scoring.features`) into the model's numeric input frame.

    Parameters
    ----------
    features : pandas.DataFrame
        Has :data:`LEARNED_FEATURES` and ``service_model``; missing values stay missing (the pipelines impute).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`MODEL_INPUTS`, float64, with the index of ``features``.

    Raises
    ------
    KeyError
        A needed column is missing.
    """
    missing = [column for column in (*LEARNED_FEATURES, "service_model") if column not in features.columns]
    if missing:
        raise KeyError(f"The features lack the column(s) {', '.join(missing)}.")
    inputs = features.loc[:, list(LEARNED_FEATURES)].apply(pd.to_numeric, errors="coerce").astype("float64")
    logged = sorted(_LOGGED)
    inputs[logged] = np.log1p(inputs[logged].clip(lower=0))
    service_model = features["service_model"].astype("string")
    for name, column in zip(SERVICE_MODELS, SERVICE_MODEL_INPUTS, strict=True):
        inputs[column] = (service_model == name).fillna(False).astype("float64")
    return inputs


def rule_position(rule_score: np.ndarray, knockdown: np.ndarray, settings: Mapping[str, Any]) -> np.ndarray:
    """Return the rule's grade of each client as one number: 0 is the middle of A, 1 of B, 2 of C, 3 of D.

    Within a grade's band of rule scores the position runs in a straight line, from ``g - 1/2`` at the top of
    the band to ``g + 1/2`` at its threshold (so a client just above the B threshold sits at 1.5, next to C);
    the small-client rule then adds its one or two grades, never past D. Rounding the position half down gives
    the rule grade back, so a model that starts from it starts from the rule.

    Parameters
    ----------
    rule_score : ndarray
        Rule scores 0-100 (NaN where the scorecard had no data).
    knockdown : ndarray
        Grades the small-client rule took off (0, 1 or 2).
    settings : mapping
        With ``grade_a_min``, ``grade_b_min`` and ``grade_c_min``.

    Returns
    -------
    ndarray of float
        NaN where the rule score is missing.
    """
    a_min, b_min, c_min = (float(settings[name]) for name in ("grade_a_min", "grade_b_min", "grade_c_min"))
    score = np.asarray(rule_score, dtype="float64")
    position = np.interp(score, [0.0, c_min, b_min, a_min, 100.0], [3.5, 2.5, 1.5, 0.5, -0.5])
    # np.interp is continuous: a score exactly on a threshold belongs to the better grade, as in the scorecard.
    position = np.where(score >= a_min, np.clip(position, -0.5 + 1e-9, 0.5), position)
    position = np.where((score >= b_min) & (score < a_min), np.clip(position, 0.5 + 1e-9, 1.5), position)
    position = np.where((score >= c_min) & (score < b_min), np.clip(position, 1.5 + 1e-9, 2.5), position)
    position = np.where(score < c_min, np.maximum(position, 2.5 + 1e-9), position)
    shifted = position + np.nan_to_num(np.asarray(knockdown, dtype="float64"))
    return np.where(np.isnan(score), np.nan, np.minimum(shifted, 3.5))


def inputs_for(model: Any, features: pd.DataFrame, settings: Mapping[str, Any]) -> pd.DataFrame:
    """Return the input frame ``model`` was fitted on, for clients with ``features``.

    :func:`model_inputs`, and :data:`RULE_INPUT` (the rule's position under ``settings``, which should be the
    scorecard settings the model was trained with) when the model reads it.
    """
    from grading.scoring.scorecard import score_clients

    inputs = model_inputs(features)
    if RULE_INPUT not in list(getattr(model, "feature_names_in_", ())):
        return inputs
    scored = score_clients(features, settings, explain=False)
    inputs[RULE_INPUT] = rule_position(
        scored["rule_score"].to_numpy(dtype="float64"),
        scored["small_client_knockdown"].to_numpy(dtype="float64"),
        settings,
    )
    return inputs


def recency_weights(graded_on: pd.Series, half_life_days: float = RECENCY_HALF_LIFE_DAYS) -> np.ndarray:
    """Return each grade's weight: 1 for the newest, halving every ``half_life_days`` before it."""
    days = pd.to_datetime(graded_on)
    if days.empty:
        return np.zeros(0)
    age = (days.max() - days).dt.days.to_numpy(dtype="float64")
    return 0.5 ** (age / float(half_life_days))


def raw_to_input(feature: str, values: np.ndarray | float) -> np.ndarray | float:
    """Map raw values of one learned feature to the model's input scale (the logarithm for amounts)."""
    if feature in _LOGGED:
        return np.log1p(np.clip(values, 0, None))
    return values


def grade_events(store: Store) -> pd.DataFrame:
    """Return every manual grade event: ``event_id``, ``client_id``, ``graded_on``, ``grade``, ``grader``.

    Ordered by client, date and event, so the training set is the same however the events were imported.
    """
    return store.query(
        "SELECT event_id, client_id, graded_on, grade, grader FROM grade_events "
        "ORDER BY client_id, graded_on, event_id"
    )


def grade_mix(events: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Return, per grade, how many events and how many distinct clients carry it.

    Returns
    -------
    dict
        ``{"events": {"A": n, ...}, "clients": {"A": n, ...}}`` with every grade present (zero if unused).
    """
    counts = {
        "events": events.groupby("grade")["client_id"].size(),
        "clients": events.groupby("grade")["client_id"].nunique(),
    }
    return {kind: {grade: int(series.get(grade, 0)) for grade in GRADES} for kind, series in counts.items()}


@dataclass(frozen=True)
class TrainingSet:
    """The rows to learn from, all aligned: one per manual grade event.

    ``inputs`` are :data:`MODEL_INPUTS` and :data:`RULE_INPUT`; ``weights`` weigh each grade by its recency
    (:func:`recency_weights`). Every grade event is a row: a client's earlier grades and a second grader's grade
    of the same client are evidence too, each with the figures of its own day.
    """

    events: pd.DataFrame
    features: pd.DataFrame
    inputs: pd.DataFrame
    grades: np.ndarray
    clients: np.ndarray
    rule_grades: np.ndarray
    weights: np.ndarray

    @property
    def n_labels(self) -> int:
        """Number of grade events (rows)."""
        return int(self.grades.size)

    @property
    def n_clients(self) -> int:
        """Number of distinct graded clients."""
        return int(pd.unique(self.clients).size)


def build_training_set(store: Store, settings: Mapping[str, Any], events: pd.DataFrame | None = None) -> TrainingSet:
    """Return the training set: each grade event with its point-in-time features and rule grade.

    Parameters
    ----------
    store : Store
        The open store.
    settings : mapping
        The settings (``scoring_window_months``, ``labor_cost_rate`` and the scorecard's), as from
        :func:`grading.settings.load_settings`.
    events : pandas.DataFrame, optional
        The grade events to use (default: all of :func:`grade_events`).

    Returns
    -------
    TrainingSet
    """
    if events is None:
        events = grade_events(store)
    events = events.reset_index(drop=True)
    points = pd.DataFrame({"client_id": events["client_id"], "as_of": events["graded_on"]})
    features = features_at(
        store,
        points,
        window_months=int(settings["scoring_window_months"]),
        labor_cost_rate=float(settings["labor_cost_rate"]),
    )
    return training_set(events, features, settings)


def training_set(events: pd.DataFrame, features: pd.DataFrame, settings: Mapping[str, Any]) -> TrainingSet:
    """Return the training set of grade ``events`` and the ``features`` of each as of its date (aligned rows).

    The part of :func:`build_training_set` after the database: the owner-judgement tests call it directly.
    """
    from grading.scoring.scorecard import score_clients

    events = events.reset_index(drop=True)
    features = features.reset_index(drop=True)
    scored = score_clients(features, settings, explain=False)
    inputs = model_inputs(features)
    inputs[RULE_INPUT] = rule_position(
        scored["rule_score"].to_numpy(dtype="float64"),
        scored["small_client_knockdown"].to_numpy(dtype="float64"),
        settings,
    )
    return TrainingSet(
        events=events,
        features=features,
        inputs=inputs,
        grades=events["grade"].astype(str).to_numpy(),
        clients=events["client_id"].astype(str).to_numpy(),
        rule_grades=np.asarray(scored["rule_grade"].astype(object)),
        weights=recency_weights(events["graded_on"]),
    )

