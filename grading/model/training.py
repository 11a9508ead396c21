"""Training the suggestion model: from the manual grade history to an active, saved model with its card.

:func:`train_if_possible` is the one entry point (the CLI's ``train``, the app's retrain button and the demo's
first start all call it). It builds the training set (each grade event with the features as of its date),
cross-validates every candidate and the rule grade, picks the candidate with the best mean QWK among those that
beat the rule grade by more than the standard error of their gain (else the rule grade itself, fitted to give it a
confidence), fits it on all events weighted by recency, draws the learning curve, measures how much the model and
the rules lean on each figure, and saves the model, its card and its registry row. With too few grades it trains
nothing and says which grades are missing.
"""

from __future__ import annotations

import math
import platform
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

import grading
from grading.model.candidates import CANDIDATE_TITLES, CANDIDATES, fit_candidate
from grading.model.dataset import (
    MODEL_INPUTS,
    TrainingSet,
    build_training_set,
    grade_events,
    grade_mix,
    inputs_for,
)
from grading.model.evaluation import choose_model, cross_validate
from grading.model.learning_curve import learning_curve
from grading.model.metrics import grade_codes, reliability_table
from grading.model.persistence import save_model
from grading.model.reasons import (
    expected_grade,
    feature_effects,
    grade_probabilities,
    reliance_shares,
    set_typical_feature,
    typical_values,
)
from grading.settings import SETTINGS, defaults, load_settings

if TYPE_CHECKING:
    from grading.db.store import Store

Progress = Callable[[float, str], None]

#: Fewer graded clients than this, and no model is trained.
MIN_GRADED_CLIENTS = 12
#: Every grade needs at least this many clients graded so, or the model cannot learn (or test) it.
MIN_CLIENTS_PER_GRADE = 2
#: Up to this many grade events, cross-validation repeats more often: it is cheap and the scores are noisier.
SMALL_DATA_EVENTS = 1000
#: The learning curve is drawn for the chosen model if it is one of these, else for the rule-anchored model (what
#: learns the owner's difference with more grades). The trees are left out: refitting them at every point of the
#: curve in every fold would take longer than the training itself.
LEARNING_CANDIDATES = frozenset({"logistic_regression", "ordinal_logit", "rule_anchored"})
#: Most grade events used to measure how much the model and the rules lean on each figure.
RELIANCE_SAMPLE = 1000


@dataclass
class TrainingOutcome:
    """What :func:`train_if_possible` did.

    ``trained`` is False on a cold start; then ``clients_needed`` (more graded clients) and ``grades_needed``
    (per grade, more clients graded so) say what is missing, and ``message`` says it in words.
    """

    trained: bool
    message: str
    n_labels: int
    n_clients: int
    clients_needed: int = 0
    grades_needed: dict[str, int] = field(default_factory=dict)
    model: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    card: dict[str, Any] | None = None

    def summary(self) -> dict[str, Any]:
        """Return the outcome as a JSON-ready dict (what ``python -m grading train`` prints)."""
        result: dict[str, Any] = {
            "trained": self.trained,
            "message": self.message,
            "n_labels": self.n_labels,
            "n_clients": self.n_clients,
            "model": self.model,
        }
        result.update(self.metrics)
        if not self.trained:
            result["clients_needed"] = self.clients_needed
            result["grades_needed"] = self.grades_needed
        else:
            result["model_id"] = self.card["model_id"] if self.card else None
        return _json_ready(result)


def _json_ready(value: Any) -> Any:
    """Return ``value`` with NaN and infinities as ``None`` and numpy scalars as Python ones (strict JSON)."""
    if isinstance(value, Mapping):
        return {str(key): _json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(item) for item in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def training_needs(events: pd.DataFrame) -> tuple[int, dict[str, int]]:
    """Return how many more graded clients, and per grade how many more clients graded so, training needs.

    Parameters
    ----------
    events : pandas.DataFrame
        Grade events with ``client_id`` and ``grade``.

    Returns
    -------
    tuple
        ``(clients_needed, grades_needed)``; both zero / empty when there is enough to train.
    """
    graded_clients = int(events["client_id"].nunique())
    per_grade = grade_mix(events)["clients"]
    grades_needed = {
        grade: MIN_CLIENTS_PER_GRADE - count for grade, count in per_grade.items() if count < MIN_CLIENTS_PER_GRADE
    }
    return max(0, MIN_GRADED_CLIENTS - graded_clients), grades_needed


def cold_start_message(clients_needed: int, grades_needed: Mapping[str, int]) -> str:
    """Say in words what is missing before a model can be trained."""
    parts = []
    if clients_needed:
        parts.append(
            f"{clients_needed} more graded client{'s' if clients_needed != 1 else ''} "
            f"(at least {MIN_GRADED_CLIENTS} in all)"
        )
    for grade, count in grades_needed.items():
        parts.append(f"{count} more client{'s' if count != 1 else ''} graded {grade}")
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return (
        "Not enough manual grades to train a model yet: it needs "
        + listed
        + f" (every grade needs at least {MIN_CLIENTS_PER_GRADE} clients). Until then grades come from the rules."
    )


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version(), "clientgrade": grading.__version__}
    for package in ("scikit-learn", "skops", "numpy", "pandas", "scipy"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "unknown"
    return versions


def scorecard_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Return the scorecard's settings out of ``settings`` (what the rule grade depends on)."""
    return {item.name: settings[item.name] for item in SETTINGS if item.group == "scorecard" and item.name in settings}


def _rule_score_badness(settings: Mapping[str, Any]) -> Callable[[pd.DataFrame], np.ndarray]:
    """A function of raw features that is higher where the rules think worse (minus the rule score)."""
    from grading.scoring.scorecard import score_clients

    def badness(features: pd.DataFrame) -> np.ndarray:
        return -score_clients(features, settings, explain=False)["rule_score"].to_numpy(dtype="float64")

    return badness


def _reliance(
    model, training: TrainingSet, typical: Mapping[str, Any], settings: Mapping[str, Any], seed: int = 0
) -> dict:
    """How much the model, and the rules, lean on each figure over the graded clients (shares summing to 1).

    An average over at most :data:`RELIANCE_SAMPLE` grade events: more rows only move the shares in the second
    decimal, and each row costs a prediction per figure.
    """
    rows = np.arange(training.n_labels)
    if rows.size > RELIANCE_SAMPLE:
        rows = np.sort(np.random.default_rng(seed).choice(rows, RELIANCE_SAMPLE, replace=False))
    # Asked of the raw figures, so a model that reads the rule's grade is asked through the rules too.
    model_effects = feature_effects(
        lambda frame: expected_grade(grade_probabilities(model, inputs_for(model, frame, settings))),
        training.features.iloc[rows],
        typical,
        set_typical=set_typical_feature,
    )
    rule_effects = feature_effects(
        _rule_score_badness(settings), training.features.iloc[rows], typical, set_typical=set_typical_feature
    )
    return {"model": reliance_shares(model_effects), "rules": reliance_shares(rule_effects)}


def _card(
    training: TrainingSet,
    chosen: str,
    evaluation,
    settings: Mapping[str, Any],
    typical: Mapping[str, Any],
    reliance: Mapping[str, Any],
    classes: list[str],
) -> dict[str, Any]:
    chosen_metrics = evaluation.metrics[chosen]
    rule_metrics = evaluation.metrics["rule_grade"]
    dummy_metrics = evaluation.metrics["dummy"]
    oof = evaluation.oof_probabilities[chosen]
    truth = grade_codes(training.grades)
    reliability = reliability_table(truth, oof)
    graded_on = pd.to_datetime(training.events["graded_on"])
    return _json_ready(
        {
            "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "model": chosen,
            "model_title": CANDIDATE_TITLES[chosen],
            "n_labels": training.n_labels,
            "n_clients": training.n_clients,
            "graders": sorted(training.events["grader"].astype(str).unique().tolist()),
            "graded_from": graded_on.min().date().isoformat(),
            "graded_to": graded_on.max().date().isoformat(),
            "grade_mix": grade_mix(training.events),
            "classes": classes,
            "features": list(MODEL_INPUTS),
            "qwk": chosen_metrics["qwk"],
            "accuracy": chosen_metrics["accuracy"],
            "within_one": chosen_metrics["within_one"],
            "rule_qwk": rule_metrics["qwk"],
            "rule_accuracy": rule_metrics["accuracy"],
            "rule_within_one": rule_metrics["within_one"],
            "dummy_qwk": dummy_metrics["qwk"],
            "beats_rules": bool(chosen != "rule_grade" and chosen_metrics["qwk"] > rule_metrics["qwk"]),
            "cross_validation": {
                "method": "repeated stratified group k-fold (all of a client's grades in one fold); metrics on "
                "the pooled out-of-fold predictions of each repeat, averaged over repeats",
                "n_splits": evaluation.n_splits,
                "n_repeats": evaluation.n_repeats,
                "candidates": {
                    name: evaluation.metrics[name] for name in (*CANDIDATES, "rule_grade") if name in evaluation.metrics
                },
                "anchor_strength": evaluation.anchor_strength,
            },
            "calibration": {
                "source": "out-of-fold probabilities of the chosen model (first repeat)",
                "calibration_error": chosen_metrics.get("calibration_error"),
                "brier": chosen_metrics.get("brier"),
                "reliability": reliability.to_dict(orient="records"),
            },
            "typical_values": dict(typical),
            "reliance": dict(reliance),
            "settings": {
                "scoring_window_months": int(settings["scoring_window_months"]),
                "labor_cost_rate": float(settings["labor_cost_rate"]),
            },
            # The rules the anchored models started from: suggestions read the rule's grade under these, so a
            # later change of the scorecard settings does not shift what the model learned.
            "scorecard_settings": scorecard_settings(settings),
            "versions": _versions(),
        }
    )


def select_and_fit(
    training: TrainingSet,
    *,
    n_repeats: int | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> tuple[str, Any, Any]:
    """Cross-validate every candidate against the rule grade, pick the best and fit it on all of ``training``.

    The part of :func:`train_if_possible` that needs no database: the owner-judgement tests call it on books
    made in code.

    Parameters
    ----------
    training : TrainingSet
        The grade events with their point-in-time features and rule grades.
    n_repeats : int, optional
        Cross-validation repeats (default 5 up to :data:`SMALL_DATA_EVENTS` grade events, else 3).
    seed : int
        Seed of the folds and of the models' own randomness.
    progress : callable, optional
        Called as ``progress(fraction, text)``, the fraction running from 0.1 to 0.85.

    Returns
    -------
    tuple
        ``(chosen, model, evaluation)``: the chosen candidate's name, its pipeline fitted on every event, and
        the :class:`~grading.model.evaluation.Evaluation`.
    """

    def report(fraction: float, text: str) -> None:
        if progress is not None:
            progress(fraction, text)

    repeats = n_repeats or (5 if training.n_labels <= SMALL_DATA_EVENTS else 3)
    evaluation = cross_validate(
        training.inputs,
        training.grades,
        training.clients,
        training.rule_grades,
        weights=training.weights,
        n_repeats=repeats,
        seed=seed,
        progress=lambda fraction, text: report(0.1 + 0.7 * fraction, text),
    )
    chosen = choose_model(evaluation)
    report(0.82, f"Fitting {CANDIDATE_TITLES[chosen]} on all {training.n_labels} grades")
    model = fit_candidate(
        chosen, training.inputs, training.grades, training.weights, random_state=seed, alpha=evaluation.anchor_strength
    )
    return chosen, model, evaluation


def train_if_possible(
    store: Store,
    models_dir: str | Path,
    *,
    settings: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    n_repeats: int | None = None,
    seed: int = 0,
) -> TrainingOutcome:
    """Train, save and activate a suggestion model when there are enough manual grades.

    Parameters
    ----------
    store : Store
        The open store; its ``grade_events`` are the labels.
    models_dir : path
        Where the model file and its card go.
    settings : mapping, optional
        The settings (default: :func:`grading.settings.load_settings` of ``store``).
    progress : callable, optional
        Called as ``progress(fraction, text)`` with a fraction from 0 to 1 (the app's progress bar).
    n_repeats : int, optional
        Cross-validation repeats (default 5 up to :data:`SMALL_DATA_EVENTS` grade events, else 3).
    seed : int
        Seed of the folds and of the models' own randomness.

    Returns
    -------
    TrainingOutcome
        ``trained`` False on a cold start (fewer than :data:`MIN_GRADED_CLIENTS` graded clients, or a grade with
        fewer than :data:`MIN_CLIENTS_PER_GRADE` clients); nothing is saved then.

    Raises
    ------
    StoreError
        The database refused a read or the registry write (then no model file is left behind).
    """

    def report(fraction: float, text: str) -> None:
        if progress is not None:
            progress(float(min(max(fraction, 0.0), 1.0)), text)

    values = defaults() | dict(load_settings(store) if settings is None else settings)
    report(0.0, "Reading the manual grade history")
    events = grade_events(store)
    n_labels, n_clients = len(events), int(events["client_id"].nunique())
    clients_needed, grades_needed = training_needs(events)
    if clients_needed or grades_needed:
        report(1.0, "Not enough manual grades yet")
        return TrainingOutcome(
            trained=False,
            message=cold_start_message(clients_needed, grades_needed),
            n_labels=n_labels,
            n_clients=n_clients,
            clients_needed=clients_needed,
            grades_needed=grades_needed,
        )

    report(0.05, f"Computing the features of {n_labels} grades as of their dates")
    training = build_training_set(store, values, events)
    # One thread for BLAS and OpenMP: on a few thousand rows their start-up costs more than it saves, and with
    # other programs busy on the same cores their spinning threads slow training down several times over.
    with threadpool_limits(limits=1):
        chosen, model, evaluation = select_and_fit(training, n_repeats=n_repeats, seed=seed, progress=report)
        report(0.86, "Measuring how agreement grows with the number of grades")
        curve_candidate = chosen if chosen in LEARNING_CANDIDATES else "rule_anchored"
        curve = learning_curve(training, curve_candidate, alpha=evaluation.anchor_strength, seed=seed)
        report(0.9, "Measuring which figures the model and the rules lean on")
        typical = typical_values(training.features)
        reliance = _reliance(model, training, typical, values, seed)
    classes = [str(grade) for grade in model.classes_]
    card = _card(training, chosen, evaluation, values, typical, reliance, classes)
    card["learning_curve"] = _json_ready(
        {
            "candidate": curve_candidate,
            "title": CANDIDATE_TITLES[curve_candidate],
            "points": curve.to_dict(orient="records"),
        }
    )
    report(0.95, "Saving the model and its card")
    saved = save_model(store, models_dir, model, card)
    report(1.0, "Model trained")
    metrics = {
        key: saved[key]
        for key in ("qwk", "accuracy", "within_one", "rule_qwk", "rule_accuracy", "rule_within_one", "dummy_qwk")
    }
    if chosen == "rule_grade":
        message = (
            f"No model beat the rule grade on {n_labels} grades of {n_clients} clients (cross-validated QWK "
            f"{_shown(saved['rule_qwk'])}), so suggestions are the rule grade, with a confidence learned from your "
            "grades. More grades let a model learn where you differ from the rules."
        )
    else:
        verdict = "beats" if saved["beats_rules"] else "does not beat"
        message = (
            f"Trained {CANDIDATE_TITLES[chosen]} on {n_labels} grades of {n_clients} clients: cross-validated QWK "
            f"{_shown(saved['qwk'])} ({verdict} the rule grade's {_shown(saved['rule_qwk'])}; always guessing the "
            f"most common grade gives {_shown(saved['dummy_qwk'])})."
        )
    return TrainingOutcome(
        trained=True,
        message=message,
        n_labels=n_labels,
        n_clients=n_clients,
        model=chosen,
        metrics=metrics,
        card=saved,
    )


def _shown(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"

