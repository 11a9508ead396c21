"""Agreement metrics: kappa, accuracy, within-one, confusion and calibration."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from grading.model.agreement import confusion_frame, quadratic_weighted_kappa
from grading.model.metrics import (
    accuracy,
    brier_score,
    calibration_error,
    grade_codes,
    reliability_table,
    suggested_codes,
    within_one,
)


def test_kappa_matches_scikit_learns_quadratic_kappa():
    rng = np.random.default_rng(4)
    first = rng.choice(list("ABCD"), 80)
    second = np.where(rng.random(80) < 0.6, first, rng.choice(list("ABCD"), 80))
    expected = cohen_kappa_score(first, second, weights="quadratic", labels=list("ABCD"))
    assert quadratic_weighted_kappa(first, second) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        (list("ABCD"), list("ABCD"), 1.0),
        (list("AABBCCDD"), list("AAAAAAAA"), 0.0),
        (list("AD"), list("DA"), -1.0),
    ],
)
def test_kappa_of_known_cases(first, second, expected):
    assert quadratic_weighted_kappa(first, second) == pytest.approx(expected)


def test_kappa_is_undefined_when_both_give_everyone_one_grade():
    assert np.isnan(quadratic_weighted_kappa(list("BBB"), list("BBB")))


def test_missing_grades_are_left_out_of_every_metric():
    manual = ["A", None, "C", "D"]
    suggested = ["A", "B", float("nan"), "B"]
    assert accuracy(manual, suggested) == pytest.approx(0.5)
    assert within_one(manual, suggested) == pytest.approx(0.5)
    assert confusion_frame(manual, suggested).to_numpy().sum() == 2


def test_a_miss_by_two_grades_costs_more_than_a_miss_by_one():
    manual = list("AABBCCDD")
    near = list("BABBCCDC")
    far = list("CABBCCDB")
    assert quadratic_weighted_kappa(manual, near) > quadratic_weighted_kappa(manual, far)


def test_confusion_frame_counts_manual_rows_against_suggested_columns():
    frame = confusion_frame(["A", "A", "D"], ["A", "B", "D"])
    assert frame.loc["A", "B"] == 1 and frame.loc["A", "A"] == 1 and frame.loc["D", "D"] == 1
    assert frame.index.name == "manual_grade" and frame.columns.name == "suggested_grade"


def test_grade_codes_mark_unknown_grades():
    assert grade_codes(["A", "D", None, "x"]).tolist() == [0, 3, -1, -1]


def test_reliability_of_a_perfectly_calibrated_model_shows_no_gap():
    rng = np.random.default_rng(0)
    n = 20_000
    # A holds at least half the probability, so A is the suggested (middle) grade and its probability the confidence.
    confidence = rng.uniform(0.5, 1.0, n)
    correct = rng.random(n) < confidence
    probabilities = np.zeros((n, 4))
    probabilities[:, 0] = confidence
    probabilities[:, 1:] = ((1 - confidence) / 3)[:, None]
    truth = np.where(correct, 0, 1)
    table = reliability_table(truth, probabilities)
    assert (table["mean_confidence"] - table["share_correct"]).abs().max() < 0.03
    assert calibration_error(truth, probabilities) < 0.02
    assert table["n"].sum() == n


def test_an_overconfident_model_shows_a_large_calibration_error():
    probabilities = np.tile([0.97, 0.01, 0.01, 0.01], (100, 1))
    truth = np.array([0] * 50 + [1] * 50)
    assert calibration_error(truth, probabilities) == pytest.approx(0.47)
    assert brier_score(truth, probabilities) > brier_score(truth, np.full((100, 4), 0.25))


def test_the_suggested_grade_is_the_middle_of_the_distribution_not_the_single_most_probable():
    probabilities = np.array(
        [
            [0.4, 0.05, 0.3, 0.25],  # A is the most probable, but half the probability lies at C or below
            [0.1, 0.4, 0.1, 0.4],  # the middle is B
            [0.0, 0.0, 0.5, 0.5],  # exactly half at C or better: C
            [0.7, 0.1, 0.1, 0.1],
        ]
    )
    assert suggested_codes(probabilities).tolist() == [2, 1, 2, 0]
    table = reliability_table(np.array([2, 1, 2, 0]), probabilities)
    assert table["share_correct"].eq(1.0).all()
    # The confidence is the suggested grade's own probability: 0.3 for the first row, not its A's 0.4.
    assert (table["mean_confidence"] * table["n"]).sum() == pytest.approx(0.3 + 0.4 + 0.5 + 0.7)
