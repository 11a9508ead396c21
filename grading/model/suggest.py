"""Suggested grades for clients from the active model, with confidence and reasons in plain words.

Suggestions never stop grading: with no active model, or a model file that is refused (altered, unreadable,
untrusted types), every suggestion is empty and the app falls back to the rule grade; :func:`model_state` and
:func:`active_model_status` say why, in words the app can show.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from grading.errors import ClientGradeError, ModelFileError
from grading.model.candidates import CANDIDATE_TITLES
from grading.model.dataset import model_inputs
from grading.model.metrics import GRADES
from grading.model.persistence import load_active_model
from grading.model.reasons import grade_probabilities, model_feature_effects, suggestion_reasons
from grading.reasons import pandas_text, text

if TYPE_CHECKING:
    from grading.store import Store

SUGGESTION_COLUMNS: tuple[str, ...] = ("client_id", "suggested_grade", "suggested_confidence", "suggestion_reasons")


@dataclass(frozen=True)
class ModelState:
    """The active model's state: ``status`` is ``active``, ``none`` or ``refused``; ``message`` says it in words."""

    status: str
    message: str
    card: dict[str, Any] | None = None


def _load(store: Store, models_dir: str | os.PathLike) -> tuple[Any, dict[str, Any] | None, ModelState]:
    """Load the active model, turning every reason not to use it into a state instead of an exception."""
    try:
        loaded = load_active_model(store, models_dir)
    except ModelFileError as error:
        return None, None, ModelState("refused", str(error))
    if loaded is None:
        return None, None, ModelState(
            "none", "No model has been trained yet: train one (python -m grading train, or Retrain); until then "
            "grades come from the rules."
        )
    model, card = loaded
    title = CANDIDATE_TITLES.get(card.get("model", ""), card.get("model", "a model"))
    qwk = card.get("qwk")
    rule_qwk = card.get("rule_qwk")
    quality = (
        f" Cross-validated QWK {qwk:.2f} against your grades (rule grade {rule_qwk:.2f})."
        if isinstance(qwk, float) and isinstance(rule_qwk, float)
        else ""
    )
    message = (
        f"Suggestions come from {title}, trained {str(card.get('trained_at', ''))[:10]} on "
        f"{card.get('n_labels')} manual grades.{quality}"
    )
    return model, card, ModelState("active", message, card)


def model_state(store: Store, models_dir: str | os.PathLike) -> ModelState:
    """Return the active model's state (active, none, or refused with the reason).

    Parameters
    ----------
    store : Store
        The open store (its model registry says which model is active).
    models_dir : path
        The models folder.
    """
    return _load(store, models_dir)[2]


def active_model_status(store: Store, models_dir: str | os.PathLike) -> str:
    """Return one sentence on the active model the app can show: which it is and how good, or why there is none."""
    return model_state(store, models_dir).message


def empty_suggestions(features: pd.DataFrame) -> pd.DataFrame:
    """Return suggestions with every value missing, one row per client of ``features``."""
    return pd.DataFrame(
        {
            "client_id": features["client_id"].to_numpy() if "client_id" in features else pd.Series(dtype="str"),
            "suggested_grade": pd.Series([None] * len(features), dtype="str"),
            "suggested_confidence": np.full(len(features), np.nan),
            "suggestion_reasons": pd.Series([None] * len(features), dtype="str"),
        },
        index=features.index,
    )


def _rule_grades(store: Store, features: pd.DataFrame) -> np.ndarray | None:
    """The rule grades to compare with: from ``features`` if it carries them, else from the scorecard."""
    if "rule_grade" in features.columns:
        return np.asarray(features["rule_grade"].astype(object))
    from grading.scorecard import score_clients
    from grading.settings import load_settings

    try:
        return np.asarray(score_clients(features, load_settings(store))["rule_grade"].astype(object))
    except ClientGradeError:
        return None


def _without_data(features: pd.DataFrame) -> np.ndarray:
    """Clients with no figures in the window and no survey: a suggestion for them would be a guess."""
    no_months = features.get("months_with_data", pd.Series(1.0, index=features.index)).fillna(0) <= 0
    no_survey = features.get("assessors", pd.Series(1.0, index=features.index)).fillna(0) <= 0
    return (no_months & no_survey).to_numpy()


def suggest_for_features(store: Store, features: pd.DataFrame, models_dir: str | os.PathLike) -> pd.DataFrame:
    """Suggest a grade for every client in ``features`` with the active model.

    Parameters
    ----------
    store : Store
        The open store (model registry; settings for the rule grade when ``features`` lacks ``rule_grade``).
    features : pandas.DataFrame
        Client features as from :func:`grading.features.client_features` (``client_id``, ``service_model`` and
        the feature columns), optionally with ``rule_grade``.
    models_dir : path
        The models folder.

    Returns
    -------
    pandas.DataFrame
        On ``features``' index: ``client_id``, ``suggested_grade`` (A-D), ``suggested_confidence`` (0-1, the
        calibrated probability of the suggested grade) and ``suggestion_reasons`` (plain words). All missing
        when there is no active model or its file is refused (see :func:`model_state`), and for clients with
        no figures and no survey.
    """
    model, card, _ = _load(store, models_dir)
    if model is None or features.empty:
        return empty_suggestions(features)
    inputs = model_inputs(features)
    # One BLAS/OpenMP thread: predictions on blocks of a few hundred thousand rows gain little from more, and
    # the app's other sessions share the cores.
    with threadpool_limits(limits=1):
        probabilities = grade_probabilities(model, inputs)
        effects = model_feature_effects(model, inputs, card["typical_values"])
    suggested = text(GRADES)[probabilities.argmax(axis=1)]
    confidence = probabilities.max(axis=1)
    reliance = card.get("reliance", {})
    reasons = suggestion_reasons(
        effects,
        features,
        card["typical_values"],
        suggested,
        _rule_grades(store, features),
        reliance.get("model", {}),
        reliance.get("rules", {}),
    )
    result = pd.DataFrame(
        {
            # The ids stay in pandas' own text array: turning them into Python strings costs one object per row.
            "client_id": features["client_id"].array,
            "suggested_grade": pandas_text(suggested),
            "suggested_confidence": confidence,
            "suggestion_reasons": reasons.array,
        },
        index=features.index,
    )
    unknown = _without_data(features)
    result.loc[unknown, ["suggested_grade", "suggestion_reasons"]] = None
    result.loc[unknown, "suggested_confidence"] = np.nan
    return result
