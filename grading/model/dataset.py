"""The training set: every manual grade event, with the client's features as they were on the grade's date.

Each event is one row. Its features come from :func:`grading.features.features_at` at ``graded_on``, so nothing
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

from grading.features import features_at
from grading.model.metrics import GRADES

if TYPE_CHECKING:
    from grading.store import Store

#: Service models a client can be on; each becomes a 0/1 input so a linear model can weigh them.
SERVICE_MODELS: tuple[str, ...] = ("managed", "break_fix", "project", "hybrid")

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


def model_inputs(features: pd.DataFrame) -> pd.DataFrame:
    """Turn a features frame (from :mod:`grading.features`) into the model's numeric input frame.

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
    """The rows to learn from, all aligned: one per manual grade event."""

    events: pd.DataFrame
    features: pd.DataFrame
    inputs: pd.DataFrame
    grades: np.ndarray
    clients: np.ndarray
    rule_grades: np.ndarray

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
    from grading.scorecard import score_clients

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
    scored = score_clients(features, settings, explain=False)
    return TrainingSet(
        events=events,
        features=features,
        inputs=model_inputs(features),
        grades=events["grade"].astype(str).to_numpy(),
        clients=events["client_id"].astype(str).to_numpy(),
        rule_grades=np.asarray(scored["rule_grade"].astype(object)),
    )

