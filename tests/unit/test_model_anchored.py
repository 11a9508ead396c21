"""The model that starts from the rules: the rule's grade as a number, the anchored ordinal model, monotone weights,
recency weights, the rule grade as a candidate that must be beaten, habit reasons and the learning curve."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from grading.model.candidates import fit_candidate, make_candidate
from grading.model.dataset import MODEL_INPUTS, MONOTONE, RULE_INPUT, inputs_for, recency_weights, rule_position
from grading.model.evaluation import Evaluation, choose_model, gain_standard_error
from grading.model.learning_curve import CURVE_COLUMNS, curve_points, learning_curve, learning_curve_summary
from grading.model.metrics import suggested_codes
from grading.vocabulary import GRADES
from grading.model.ordinal import OrdinalLogisticRegression
from grading.model.reasons import habit_reasons
from grading.model.suggest import suggested_grades
from grading.scoring.scorecard import grade_index, score_clients, small_client_knockdown
from grading.settings import defaults
from tests.owner_judgement import graded_book, training_set


@pytest.mark.parametrize("knockdown", [0, 1, 2])
def test_rounding_the_rule_position_half_down_gives_the_rule_grade_back(knockdown):
    settings = defaults()
    scores = np.concatenate([np.linspace(0, 100, 2001), [25.0, 55.0, 75.0, 24.999, 54.999, 74.999]])
    before = grade_index(scores, settings)
    expected = np.minimum(before + knockdown, 3)
    position = rule_position(scores, np.full(scores.size, knockdown), settings)
    assert np.array_equal(np.ceil(position - 0.5).astype(int), expected)
    # Higher scores never sit further from A.
    plain = rule_position(np.linspace(0, 100, 501), np.zeros(501), settings)
    assert np.all(np.diff(plain) <= 0)


def test_a_missing_rule_score_has_no_position():
    assert np.isnan(rule_position(np.array([np.nan]), np.array([0]), defaults()))[0]


def _prior_sample(seed: int = 0, n: int = 300, flip: float = 0.0):
    """Samples whose class is the rounded prior, except a share ``flip`` moved by the second column."""
    rng = np.random.default_rng(seed)
    prior = rng.uniform(-0.5, 3.5, n)
    other = rng.normal(size=n)
    codes = np.clip(np.ceil(prior - 0.5).astype(int) + np.where(rng.uniform(size=n) < flip, np.sign(other), 0), 0, 3)
    return np.column_stack([prior, other]), np.asarray(GRADES)[codes.astype(int)]


def test_with_the_prior_fixed_the_middle_class_is_the_prior_class():
    X, y = _prior_sample(flip=0.3)
    model = OrdinalLogisticRegression(alpha=np.inf, offset_column=0).fit(X, y)
    assert model.coef_[1] == 0
    probe = np.column_stack([np.linspace(-0.49, 3.49, 200), np.full(200, 2.0)])
    expected = np.ceil(probe[:, 0] - 0.5).astype(int)
    assert np.array_equal(suggested_codes(model.predict_proba(probe)), expected)
    assert model.coef_[0] > 0


def test_a_strong_pull_keeps_the_model_near_the_prior_and_a_weak_one_learns_the_difference():
    X, y = _prior_sample(flip=0.5)
    strong = OrdinalLogisticRegression(alpha=1e4, offset_column=0, standardize=True).fit(X, y)
    weak = OrdinalLogisticRegression(alpha=0.1, offset_column=0, standardize=True).fit(X, y)
    assert abs(strong.coef_[1]) < 0.01 < weak.coef_[1]


def test_monotone_weights_stay_on_their_certain_side():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 2))
    # The grades rise with the first column, yet the first weight is held <= 0 and the second >= 0.
    y = np.asarray(GRADES)[np.digitize(X[:, 0] - 0.3 * X[:, 1] + rng.logistic(size=400) * 0.3, [-1, 0, 1])]
    model = OrdinalLogisticRegression(alpha=0.1, monotone=[-1, 1]).fit(X, y)
    assert model.coef_[0] <= 0 and model.coef_[1] >= 0
    free = OrdinalLogisticRegression(alpha=0.1).fit(X, y)
    assert free.coef_[0] > 0 > free.coef_[1]


def test_a_higher_effective_rate_never_lowers_the_anchored_suggestion():
    graded = graded_book("contrarian", seed=1)
    training = training_set(graded.events, graded.features)
    model = make_candidate("rule_anchored", alpha=2.0).fit(
        training.inputs, training.grades, model__sample_weight=training.weights
    )
    coef = dict(zip((*MODEL_INPUTS, RULE_INPUT), model[-1].coef_, strict=True))
    for feature, sign in MONOTONE.items():
        assert coef[feature] * sign >= 0, feature
    assert coef[RULE_INPUT] > 0


def test_a_grade_twice_as_heavy_counts_as_two():
    X, y = _prior_sample(seed=5, flip=0.3)
    weights = np.where(np.arange(len(y)) % 3 == 0, 2.0, 1.0)
    weighted = OrdinalLogisticRegression(alpha=1.0, offset_column=0).fit(X, y, sample_weight=weights)
    repeated = np.repeat(np.arange(len(y)), weights.astype(int))
    doubled = OrdinalLogisticRegression(alpha=1.0, offset_column=0).fit(X[repeated], y[repeated])
    np.testing.assert_allclose(weighted.coef_, doubled.coef_, atol=1e-4)


def test_recent_grades_weigh_more_halving_every_year():
    days = pd.Series(pd.to_datetime(["2024-06-01", "2023-06-02", "2022-06-02"]))
    np.testing.assert_allclose(recency_weights(days), [1.0, 0.5, 0.25], rtol=1e-2)


def _evaluation(qwks: dict[str, float]) -> Evaluation:
    return Evaluation(
        metrics={name: {"qwk": value} for name, value in qwks.items()}, oof_probabilities={}, n_splits=2, n_repeats=1
    )


@pytest.mark.parametrize(
    ("qwks", "chosen"),
    [
        ({"rule_grade": 0.8, "dummy": 0.0, "ordinal_logit": 0.79, "rule_anchored": 0.8}, "rule_grade"),
        ({"rule_grade": 0.8, "dummy": 0.0, "ordinal_logit": 0.79, "rule_anchored": 0.81}, "rule_anchored"),
        ({"rule_grade": float("nan"), "dummy": 0.0, "ordinal_logit": 0.5}, "ordinal_logit"),
    ],
)
def test_a_model_must_beat_the_rule_grade_to_be_used(qwks, chosen):
    assert choose_model(_evaluation(qwks)) == chosen


def test_habit_reasons_name_the_figure_that_moves_the_grade_away_from_the_rules():
    features = pd.DataFrame(
        {"after_hours_share": [0.3, 0.02, 0.1], "avg_monthly_revenue": [900.0, 6000.0, 2000.0]}
    )
    effects = pd.DataFrame(0.0, index=features.index, columns=["after_hours_share", "avg_monthly_revenue"])
    effects.loc[0, "after_hours_share"] = 0.8  # towards D
    effects.loc[1, "avg_monthly_revenue"] = -0.9  # towards A
    typical = {"after_hours_share": 0.1, "avg_monthly_revenue": 2000.0}
    said = habit_reasons(
        effects, features, typical, np.asarray(["D", "A", "B"]), np.asarray(["C", "B", "C"])
    )
    assert said[0] == (
        "The rules give C; from your grades, D: you hold after-hours calls 30% (typical 10%) against the client "
        "more than the rules do."
    )
    assert said[1].startswith("The rules give B; from your grades, A: you count monthly revenue 6000")
    assert said[2] == "The rules give C; from your grades, B: you draw the grade lines more generously than the rules."


def test_habit_reasons_say_when_the_suggestion_is_the_rule_grade():
    features = pd.DataFrame({"after_hours_share": [0.3]})
    effects = pd.DataFrame({"after_hours_share": [0.4]})
    said = habit_reasons(effects, features, {"after_hours_share": 0.1}, np.asarray(["C"]), np.asarray(["C"]))
    assert said[0].startswith("Same as the rule grade")


def test_the_learning_curve_runs_from_few_grades_to_all_beside_the_rules_line():
    graded = graded_book("relationship_first", seed=2, n_clients=90)
    training = training_set(graded.events, graded.features)
    curve = learning_curve(training, "rule_anchored", alpha=8.0)
    assert list(curve.columns) == list(CURVE_COLUMNS)
    assert curve["n_grades"].tolist() == sorted(curve["n_grades"])
    assert curve["n_grades"].iloc[0] == 12 and curve["n_grades"].iloc[-1] > 96
    assert curve["rule_qwk"].nunique() == 1
    # With twelve grades, too few to train, the suggestion is the rule; with all of them this owner is learned.
    assert curve["qwk"].iloc[0] == pytest.approx(curve["rule_qwk"].iloc[0])
    assert curve["qwk"].iloc[-1] > curve["rule_qwk"].iloc[-1] + 0.05


def test_curve_points_double_up_to_the_whole_history():
    assert curve_points(100) == [12, 24, 48, 96, 100]
    assert curve_points(12) == [12]


def test_small_client_knockdown_is_part_of_the_position():
    settings = defaults()
    knock = small_client_knockdown(np.array([300.0, 800.0, 5000.0]), settings)
    position = rule_position(np.full(3, 90.0), knock, settings)
    assert np.ceil(position - 0.5).astype(int).tolist() == [2, 1, 0]


def test_the_learning_curve_is_said_in_one_plain_sentence():
    card = {"learning_curve": {"points": [
        {"n_grades": 12, "qwk": 0.70, "rule_qwk": 0.70},
        {"n_grades": 24, "qwk": 0.74, "rule_qwk": 0.70},
        {"n_grades": 61, "qwk": 0.83, "rule_qwk": 0.70},
    ]}}
    said = learning_curve_summary(card)
    assert said.startswith(
        "After your first 24 grades the suggestions agreed with your grades at QWK 0.74 (the rule grade 0.70); "
        "after all 61, 0.83."
    )
    assert "learned some of how" in said
    flat = {"learning_curve": {"points": [{"n_grades": 20, "qwk": 0.7, "rule_qwk": 0.7}]}}
    assert "stay close to the rule grade" in learning_curve_summary(flat)
    assert learning_curve_summary({}) == ""


def test_a_model_must_beat_the_rules_by_more_than_the_standard_error_of_its_gain():
    evaluation = _evaluation({"rule_grade": 0.80, "dummy": 0.0, "ordinal_logit": 0.84, "rule_anchored": 0.83})
    evaluation.metrics["ordinal_logit"]["qwk_gain_se"] = 0.05  # a gain of 0.04 could be luck of the folds
    evaluation.metrics["rule_anchored"]["qwk_gain_se"] = 0.02
    assert choose_model(evaluation) == "rule_anchored"
    evaluation.metrics["rule_anchored"]["qwk_gain_se"] = 0.04
    assert choose_model(evaluation) == "rule_grade"


def test_the_gains_standard_error_shrinks_with_more_clients_and_is_zero_for_a_copy_of_the_rules():
    rng = np.random.default_rng(0)

    def spread(n_clients: int) -> float:
        truth = rng.integers(0, 4, n_clients)
        model = np.clip(truth + rng.integers(-1, 2, n_clients), 0, 3)
        rules = np.clip(truth + rng.integers(-2, 3, n_clients), 0, 3)
        return gain_standard_error(truth, model, rules, np.arange(n_clients))

    assert spread(400) < spread(40)
    truth = rng.integers(0, 4, 50)
    assert gain_standard_error(truth, truth, truth, np.arange(50)) == 0


def test_the_rule_grade_as_a_fitted_model_suggests_exactly_the_rule_grade_with_a_learned_confidence():
    graded = graded_book("contrarian", seed=4)
    training = training_set(graded.events, graded.features)
    model = fit_candidate("rule_grade", training.inputs, training.grades, training.weights)
    rules = score_clients(graded.current, defaults(), explain=False)["rule_grade"].to_numpy(dtype=object)
    assert (suggested_grades(model, graded.current) == rules).all()
    # The confidence is learned: this owner often disagrees with the rules, so it is far from certain.
    probabilities = model.predict_proba(inputs_for(model, graded.current, defaults()))
    assert 0.3 < probabilities.max(axis=1).mean() < 0.9
