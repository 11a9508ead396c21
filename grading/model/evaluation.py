"""Repeated, grouped, stratified cross-validation of the candidate models against the rule grade.

Folds keep all of a client's grade events together (``StratifiedGroupKFold``), so every score is for clients the
model never saw. The split is repeated with different seeds, and in each repeat the out-of-fold predictions of all
folds are pooled before scoring: with a few dozen clients a single fold holds a handful of them, and a kappa over
a handful is noise. The metrics are then averaged over the repeats.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold

from grading.model.candidates import CANDIDATES, make_candidate
from grading.model.metrics import (
    GRADES,
    agreement_metrics,
    brier_score,
    calibration_error,
    grade_codes,
)

Progress = Callable[[float, str], None]


@dataclass
class Evaluation:
    """What cross-validation found.

    ``metrics`` holds one dict per candidate (and ``rule_grade``): the mean and standard deviation over repeats
    of ``qwk``, ``accuracy`` and ``within_one``, and for the models the ``brier`` score and calibration error of
    their pooled out-of-fold probabilities. ``oof_probabilities`` holds, per model, the out-of-fold probabilities
    of the first repeat (rows as in the training set, columns A-D), for the reliability table.
    """

    metrics: dict[str, dict[str, float]]
    oof_probabilities: dict[str, np.ndarray] = field(repr=False)
    n_splits: int
    n_repeats: int


def fold_count(grades: np.ndarray, clients: np.ndarray, most: int = 5) -> int:
    """Return how many folds the data supports: at most ``most``, at most the clients of the rarest grade, >= 2."""
    pairs = pd.DataFrame({"grade": grades, "client": clients}).drop_duplicates()
    rarest = int(pairs.groupby("grade")["client"].size().min()) if len(pairs) else 0
    return int(max(2, min(most, rarest, pd.unique(clients).size)))


def _probabilities_in_grade_order(model, inputs: pd.DataFrame) -> np.ndarray:
    """Predicted probabilities as columns A-D, zero for a grade the model never saw in its training fold."""
    raw = model.predict_proba(inputs)
    full = np.zeros((len(inputs), len(GRADES)))
    full[:, grade_codes(model.classes_)] = raw
    return full


def _metrics_summary(per_repeat: list[dict[str, float]]) -> dict[str, float]:
    frame = pd.DataFrame(per_repeat)
    summary: dict[str, float] = {}
    for column in frame.columns:
        summary[column] = float(frame[column].mean())
        summary[f"{column}_std"] = float(frame[column].std(ddof=0))
    return summary


def cross_validate(
    inputs: pd.DataFrame,
    grades: np.ndarray,
    clients: np.ndarray,
    rule_grades: np.ndarray,
    *,
    candidates: Sequence[str] = CANDIDATES,
    n_repeats: int = 3,
    n_splits: int | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> Evaluation:
    """Score every candidate and the rule grade by repeated, grouped, stratified cross-validation.

    Parameters
    ----------
    inputs : pandas.DataFrame
        The model inputs, one row per grade event.
    grades : ndarray of str
        The manual grade of each row.
    clients : ndarray
        The client of each row: the groups that are never split across folds.
    rule_grades : ndarray of str
        What the rules said for each row on the grade's date.
    candidates : sequence of str
        Names from :data:`~grading.model.candidates.CANDIDATES`.
    n_repeats : int
        How many times the folds are drawn anew (with seeds ``seed``, ``seed + 1``, ...).
    n_splits : int, optional
        Folds per repeat (default: :func:`fold_count`).
    seed : int
        First seed of the splits and of the candidates' own randomness.
    progress : callable, optional
        Called as ``progress(fraction, text)`` after each fold.

    Returns
    -------
    Evaluation
    """
    grades = np.asarray(grades, dtype=object)
    truth_codes = grade_codes(grades)
    splits = n_splits or fold_count(grades, clients)
    oof_first: dict[str, np.ndarray] = {}
    per_repeat: dict[str, list[dict[str, float]]] = {name: [] for name in candidates}
    steps = n_repeats * splits
    done = 0
    for repeat in range(n_repeats):
        splitter = StratifiedGroupKFold(n_splits=splits, shuffle=True, random_state=seed + repeat)
        pooled = {name: np.zeros((len(inputs), len(GRADES))) for name in candidates}
        for train_rows, test_rows in splitter.split(inputs, grades, groups=clients):
            for name in candidates:
                model = make_candidate(name, random_state=seed + repeat).fit(
                    inputs.iloc[train_rows], grades[train_rows]
                )
                pooled[name][test_rows] = _probabilities_in_grade_order(model, inputs.iloc[test_rows])
            done += 1
            if progress is not None:
                progress(done / steps, f"Cross-validation: repeat {repeat + 1} of {n_repeats}, fold {done}")
        for name in candidates:
            probabilities = pooled[name]
            suggested = np.asarray(GRADES, dtype=object)[probabilities.argmax(axis=1)]
            scores = agreement_metrics(grades, suggested)
            scores["brier"] = brier_score(truth_codes, probabilities)
            scores["calibration_error"] = calibration_error(truth_codes, probabilities)
            per_repeat[name].append(scores)
            if repeat == 0:
                oof_first[name] = probabilities
    metrics = {name: _metrics_summary(per_repeat[name]) for name in candidates}
    # The rules do not learn, so every repeat scores them the same: one evaluation on all rows.
    metrics["rule_grade"] = _metrics_summary([agreement_metrics(grades, rule_grades)])
    return Evaluation(metrics=metrics, oof_probabilities=oof_first, n_splits=splits, n_repeats=n_repeats)


def choose_model(evaluation: Evaluation, candidates: Sequence[str] = CANDIDATES) -> str:
    """Return the candidate with the highest mean cross-validated QWK (ties go to the earlier, simpler one)."""
    scores = [evaluation.metrics[name]["qwk"] for name in candidates]
    scores = [-np.inf if np.isnan(score) else score for score in scores]
    return candidates[int(np.argmax(scores))]
