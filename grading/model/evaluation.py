"""Repeated, grouped, stratified cross-validation of the candidate models against the rule grade.

Folds keep all of a client's grade events together (``StratifiedGroupKFold``), so every score is for clients the
model never saw. The split is repeated with different seeds, and in each repeat the out-of-fold predictions of all
folds are pooled before scoring: with a few dozen clients a single fold holds a handful of them, and a kappa over
a handful is noise. The metrics are then averaged over the repeats.

The anchored model is scored at every strength of :data:`~grading.model.candidates.ANCHOR_STRENGTHS` in the same
folds; the strength with the best (lowest) Brier score is its empirical-Bayes choice, and its scores are the
candidate's. Grades are weighted by recency in fitting, never in scoring: every held-out grade counts the same.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold

from grading.model.candidates import (
    ANCHOR_STRENGTHS,
    CANDIDATES,
    TREES_FROM_EVENTS,
    candidate_inputs,
    fit_candidate,
)
from grading.model.metrics import agreement_metrics, brier_score, calibration_error, grade_codes, suggested_codes
from grading.vocabulary import GRADES

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
    #: The anchored model's chosen pull towards the rules (None when it did not compete).
    anchor_strength: float | None = None


def competing(n_events: int, candidates: Sequence[str] = CANDIDATES) -> tuple[str, ...]:
    """Return the candidates worth cross-validating on ``n_events`` grade events (no trees on a few dozen)."""
    return tuple(name for name in candidates if name != "gradient_boosting" or n_events >= TREES_FROM_EVENTS)


def _variants(candidates: Sequence[str]) -> list[tuple[str, float | None]]:
    """Each candidate, the anchored one once per strength."""
    variants: list[tuple[str, float | None]] = []
    for name in candidates:
        strengths = ANCHOR_STRENGTHS if name == "rule_anchored" else (None,)
        variants.extend((name, strength) for strength in strengths)
    return variants




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
    candidates: Sequence[str] | None = None,
    weights: np.ndarray | None = None,
    n_repeats: int = 3,
    n_splits: int | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> Evaluation:
    """Score every candidate and the rule grade by repeated, grouped, stratified cross-validation.

    Parameters
    ----------
    inputs : pandas.DataFrame
        The model inputs, one row per grade event (with the rule's position for the anchored candidates).
    grades : ndarray of str
        The manual grade of each row.
    clients : ndarray
        The client of each row: the groups that are never split across folds.
    rule_grades : ndarray of str
        What the rules said for each row on the grade's date.
    candidates : sequence of str, optional
        Names from :data:`~grading.model.candidates.CANDIDATES` (default: :func:`competing` for these rows).
    weights : ndarray, optional
        Each row's weight in fitting (recency); default 1 each.
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
    candidates = competing(len(grades)) if candidates is None else tuple(candidates)
    weights = np.ones(len(grades)) if weights is None else np.asarray(weights, dtype="float64")
    truth_codes = grade_codes(grades)
    splits = n_splits or fold_count(grades, clients)
    # The rule grade is fitted too (fixed to the rules): its probabilities give the rules a confidence.
    variants = [*_variants(candidates), ("rule_grade", None)]
    oof_first: dict[tuple[str, float | None], np.ndarray] = {}
    per_repeat: dict[tuple[str, float | None], list[dict[str, float]]] = {variant: [] for variant in variants}
    steps = n_repeats * splits
    done = 0
    for repeat in range(n_repeats):
        splitter = StratifiedGroupKFold(n_splits=splits, shuffle=True, random_state=seed + repeat)
        pooled = {variant: np.zeros((len(inputs), len(GRADES))) for variant in variants}
        for train_rows, test_rows in splitter.split(inputs, grades, groups=clients):
            for name, strength in variants:
                model = fit_candidate(
                    name,
                    inputs.iloc[train_rows],
                    grades[train_rows],
                    weights[train_rows],
                    random_state=seed + repeat,
                    alpha=strength,
                )
                pooled[name, strength][test_rows] = _probabilities_in_grade_order(
                    model, candidate_inputs(name, inputs.iloc[test_rows])
                )
            done += 1
            if progress is not None:
                progress(done / steps, f"Cross-validation: repeat {repeat + 1} of {n_repeats}, fold {done}")
        for variant in variants:
            probabilities = pooled[variant]
            suggested = np.asarray(GRADES, dtype=object)[suggested_codes(probabilities)]
            scores = agreement_metrics(grades, suggested)
            scores["brier"] = brier_score(truth_codes, probabilities)
            scores["calibration_error"] = calibration_error(truth_codes, probabilities)
            per_repeat[variant].append(scores)
            if repeat == 0:
                oof_first[variant] = probabilities
    summaries = {variant: _metrics_summary(per_repeat[variant]) for variant in variants}
    rule_codes = grade_codes(rule_grades)
    for variant in variants:
        summaries[variant]["qwk_gain_se"] = gain_standard_error(
            truth_codes, suggested_codes(oof_first[variant]), rule_codes, np.asarray(clients), seed=seed
        )
    strength = None
    if "rule_anchored" in candidates:
        # Empirical Bayes: the pull towards the rules that predicts held-out grades best (Brier score), the
        # strongest on a tie: the rules are the better-known default.
        options = [(summaries["rule_anchored", alpha]["brier"], -alpha) for alpha in ANCHOR_STRENGTHS]
        strength = -min(options)[1]
    chosen_variant = {
        name: (name, strength if name == "rule_anchored" else None) for name in (*candidates, "rule_grade")
    }
    metrics = {name: summaries[variant] for name, variant in chosen_variant.items()}
    if strength is not None:
        metrics["rule_anchored"]["alpha"] = float(strength)
    oof = {name: oof_first[variant] for name, variant in chosen_variant.items()}
    # The rules do not learn, so every repeat agrees with the grades the same: one evaluation on all rows.
    metrics["rule_grade"] |= _metrics_summary([agreement_metrics(grades, rule_grades)])
    return Evaluation(
        metrics=metrics, oof_probabilities=oof, n_splits=splits, n_repeats=n_repeats, anchor_strength=strength
    )


def choose_model(evaluation: Evaluation, candidates: Sequence[str] | None = None) -> str:
    """Return the candidate with the highest mean cross-validated QWK, or ``rule_grade`` when none beats the rules.

    A model must beat the rule grade by more than the standard error of its gain (``qwk_gain_se``, when measured)
    to be used: with a few dozen grades a model can look better than the rules by luck of the folds, and the rules
    are the safer default. Ties go to the rule grade, then to the earlier, simpler candidate.
    """
    rule_qwk = evaluation.metrics["rule_grade"]["qwk"]
    rule_qwk = -np.inf if np.isnan(rule_qwk) else rule_qwk
    best, best_qwk = "rule_grade", rule_qwk
    for name in candidates or CANDIDATES:
        metrics = evaluation.metrics.get(name)
        if metrics is None or np.isnan(metrics["qwk"]):
            continue
        clears_the_rules = metrics["qwk"] > rule_qwk + float(metrics.get("qwk_gain_se", 0.0) or 0.0)
        if clears_the_rules and metrics["qwk"] > best_qwk:
            best, best_qwk = name, metrics["qwk"]
    return best


#: Bootstrap draws of clients for the standard error of a candidate's gain over the rule grade.
GAIN_DRAWS = 200

_QUADRATIC = (np.arange(len(GRADES))[:, None] - np.arange(len(GRADES))[None, :]) ** 2 / (len(GRADES) - 1) ** 2


def _kappas(counts: np.ndarray) -> np.ndarray:
    """Quadratic-weighted kappa of each confusion matrix in ``counts`` (draws x grades x grades)."""
    total = counts.sum(axis=(1, 2))
    expected = np.einsum("di,dj->dij", counts.sum(axis=2), counts.sum(axis=1)) / np.maximum(total, 1e-12)[:, None, None]
    disagreement = (expected * _QUADRATIC).sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        return 1.0 - (counts * _QUADRATIC).sum(axis=(1, 2)) / disagreement


def gain_standard_error(
    truth_codes: np.ndarray,
    model_codes: np.ndarray,
    rule_codes: np.ndarray,
    clients: np.ndarray,
    *,
    draws: int = GAIN_DRAWS,
    seed: int = 0,
) -> float:
    """Return the standard error of ``QWK(model) - QWK(rules)``, by drawing whole clients with replacement.

    The model's and the rule's grades are paired on the same rows, so what is measured is how much the gain
    itself would move with another sample of clients (a client's grades move together). Rows without a rule grade
    are left out. NaN when fewer than two clients remain.
    """
    known = (truth_codes >= 0) & (model_codes >= 0) & (rule_codes >= 0)
    client_of_row, distinct = pd.factorize(pd.Series(clients[known]))
    if distinct.size < 2:
        return float("nan")
    size = len(GRADES)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, distinct.size, (draws, distinct.size))
    client_weights = np.stack([np.bincount(row, minlength=distinct.size) for row in picks]).astype(float)
    row_weights = client_weights[:, client_of_row]
    gains = []
    for predicted in (model_codes[known], rule_codes[known]):
        cells = np.zeros((known.sum(), size * size))
        cells[np.arange(known.sum()), truth_codes[known] * size + predicted] = 1.0
        gains.append(_kappas((row_weights @ cells).reshape(draws, size, size)))
    difference = gains[0] - gains[1]
    difference = difference[np.isfinite(difference)]
    return float(np.std(difference, ddof=1)) if difference.size > 1 else float("nan")
