"""How well a grade suggestion agrees with the owner's grades: kappa, accuracy, within-one, confusion, calibration.

Grades are ordinal, so the headline is the quadratic-weighted kappa (QWK): 1 is perfect agreement, 0 is what
chance agreement with the same grade mix gives, and a miss by two grades costs four times a miss by one.
Everything here is vectorised over whole arrays of grades.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from grading.vocabulary import GRADES


#: Up to this many grades, :func:`grade_codes` looks each up in a dict rather than through pandas.
_LOOKUPS_IN_PYTHON = 2_000


def grade_codes(grades, labels: Sequence[str] = GRADES) -> np.ndarray:
    """Return the position of each grade in ``labels`` (A=0 ... D=3), or -1 where it is missing or unknown.

    Parameters
    ----------
    grades : array-like of str
        Grades; missing values (None, NaN, pd.NA) are allowed.
    labels : sequence of str
        The grades in order, best first.

    Returns
    -------
    ndarray of int
    """
    values = np.asarray(grades, dtype=object).ravel()
    if values.size > _LOOKUPS_IN_PYTHON:
        # A hash lookup in C: a million grades of a large book in a few tens of milliseconds.
        return np.asarray(pd.Categorical(values, categories=list(labels)).codes, dtype=int)
    # A model's classes or a few hundred grades (cross-validation asks thousands of times): a dict lookup each,
    # where building a Series or a Categorical costs more than the lookups themselves.
    positions = {label: position for position, label in enumerate(labels)}
    return np.fromiter((positions.get(value, -1) for value in values), dtype=int, count=values.size)


def _paired_codes(a, b, labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Codes of two equally long grade arrays, keeping only the pairs where both are known."""
    first, second = grade_codes(a, labels), grade_codes(b, labels)
    if first.shape != second.shape:
        raise ValueError(f"The two grade lists differ in length ({first.size} and {second.size}).")
    known = (first >= 0) & (second >= 0)
    return first[known], second[known]


def confusion_counts(a, b, labels: Sequence[str] = GRADES) -> np.ndarray:
    """Return the ``len(labels)`` square matrix of counts: rows are ``a``'s grades, columns ``b``'s.

    Pairs where either grade is missing are left out.
    """
    first, second = _paired_codes(a, b, labels)
    size = len(labels)
    return np.bincount(first * size + second, minlength=size * size).reshape(size, size)


def quadratic_weighted_kappa(a, b, labels: Sequence[str] = GRADES) -> float:
    """Return Cohen's kappa with quadratic weights between two lists of grades.

    Parameters
    ----------
    a, b : array-like of str
        Grades of the same clients by two raters (or rater and model), in the same order. Pairs with a missing
        grade are left out.
    labels : sequence of str
        The grades in their order.

    Returns
    -------
    float
        From -1 to 1; ``nan`` when there are no pairs or both raters gave every client the same one grade (then
        agreement beyond chance is undefined).

    Raises
    ------
    ValueError
        The two lists differ in length.
    """
    observed = confusion_counts(a, b, labels).astype(float)
    total = observed.sum()
    if total == 0:
        return float("nan")
    size = len(labels)
    positions = np.arange(size)
    weights = (positions[:, None] - positions[None, :]) ** 2 / (size - 1) ** 2
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / total
    expected_disagreement = (weights * expected).sum()
    if expected_disagreement == 0:
        return float("nan")
    return float(1.0 - (weights * observed).sum() / expected_disagreement)


def accuracy(a, b, labels: Sequence[str] = GRADES) -> float:
    """Return the share of pairs with the same grade (``nan`` when there are no pairs)."""
    first, second = _paired_codes(a, b, labels)
    return float(np.mean(first == second)) if first.size else float("nan")


def within_one(a, b, labels: Sequence[str] = GRADES) -> float:
    """Return the share of pairs at most one grade apart (``nan`` when there are no pairs)."""
    first, second = _paired_codes(a, b, labels)
    return float(np.mean(np.abs(first - second) <= 1)) if first.size else float("nan")


def agreement_metrics(truth, suggested, labels: Sequence[str] = GRADES) -> dict[str, float]:
    """Return ``qwk``, ``accuracy`` and ``within_one`` of ``suggested`` against ``truth`` in one dict."""
    return {
        "qwk": quadratic_weighted_kappa(truth, suggested, labels),
        "accuracy": accuracy(truth, suggested, labels),
        "within_one": within_one(truth, suggested, labels),
    }


def confusion_frame(manual, suggested, labels: Sequence[str] = GRADES) -> pd.DataFrame:
    """Return the confusion matrix as a frame: one row per manual grade, one column per suggested grade.

    Parameters
    ----------
    manual, suggested : array-like of str
        The owner's grades and the suggestions for the same clients; pairs with a missing grade are left out.

    Returns
    -------
    pandas.DataFrame
        Counts; the index is named ``manual_grade`` and the columns ``suggested_grade``.
    """
    counts = confusion_counts(manual, suggested, labels)
    return pd.DataFrame(
        counts,
        index=pd.Index(list(labels), name="manual_grade"),
        columns=pd.Index(list(labels), name="suggested_grade"),
    )


def suggested_codes(probabilities: np.ndarray) -> np.ndarray:
    """Return the suggested grade of each row of grade probabilities (columns A-D) as a code (A=0 ... D=3).

    The suggestion is the middle grade of the distribution: the first grade at which the cumulative probability
    reaches one half. Grades are ordered, and the middle grade makes the fewest grades of error on average, where
    the single most probable grade can jump from A to C when B and C share the middle. For a model anchored to
    the rules and fixed there, it is exactly the rule grade.
    """
    cumulative = np.cumsum(probabilities, axis=1)
    reached = cumulative >= 0.5 - 1e-9
    reached[:, -1] = True
    return reached.argmax(axis=1)


def reliability_table(truth_codes: np.ndarray, probabilities: np.ndarray, n_bins: int = 5) -> pd.DataFrame:
    """Return how often the suggested grade was right, by how confident the model was.

    Parameters
    ----------
    truth_codes : ndarray of int, shape (n,)
        The true grade of each sample as a column index of ``probabilities``.
    probabilities : ndarray, shape (n, n_grades)
        Predicted probabilities (out-of-fold, so the model never saw the sample).
    n_bins : int
        Equal-width bins of confidence between 0 and 1.

    Returns
    -------
    pandas.DataFrame
        One row per non-empty bin: ``confidence_from``, ``confidence_to``, ``n``, ``mean_confidence`` and
        ``share_correct``. The confidence is the probability of the suggested grade (:func:`suggested_codes`);
        a calibrated model has ``share_correct`` close to ``mean_confidence``.
    """
    suggested = suggested_codes(probabilities)
    confidence = probabilities[np.arange(suggested.size), suggested]
    correct = suggested == truth_codes
    edges = np.round(np.linspace(0.0, 1.0, n_bins + 1), 6)
    bins = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, n_bins - 1)
    # Per bin: its count and sums, as plain array sums (a groupby costs more than the table for a few hundred rows).
    counts = np.bincount(bins, minlength=n_bins)
    confidence_sums = np.bincount(bins, weights=confidence, minlength=n_bins)
    correct_sums = np.bincount(bins, weights=correct.astype(float), minlength=n_bins)
    used = np.flatnonzero(counts)
    return pd.DataFrame({
        "confidence_from": edges[used],
        "confidence_to": edges[used + 1],
        "n": counts[used],
        "mean_confidence": confidence_sums[used] / counts[used],
        "share_correct": correct_sums[used] / counts[used],
    })


def calibration_error(truth_codes: np.ndarray, probabilities: np.ndarray, n_bins: int = 5) -> float:
    """Return the expected calibration error: the sample-weighted gap between confidence and share correct."""
    table = reliability_table(truth_codes, probabilities, n_bins)
    if table.empty:
        return float("nan")
    gaps = (table["mean_confidence"] - table["share_correct"]).abs()
    return float((gaps * table["n"]).sum() / table["n"].sum())


def brier_score(truth_codes: np.ndarray, probabilities: np.ndarray) -> float:
    """Return the multi-class Brier score (mean squared error of the probability vectors; lower is better)."""
    onehot = np.zeros_like(probabilities, dtype=float)
    onehot[np.arange(truth_codes.size), truth_codes] = 1.0
    return float(np.mean(np.sum((probabilities - onehot) ** 2, axis=1)))
