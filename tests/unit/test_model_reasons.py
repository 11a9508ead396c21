"""Reasons for a suggestion: the fast ways of measuring effects agree with asking the model once per figure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from grading.model.candidates import CANDIDATES, USES_RULE, make_candidate
from grading.model.dataset import LEARNED_FEATURES, RULE_INPUT, model_inputs
from grading.vocabulary import SERVICE_MODELS
from grading.model.reasons import (
    REASON_FEATURES,
    expected_grade,
    feature_effects,
    grade_probabilities,
    model_feature_effects,
    set_typical_input,
    suggestion_reasons,
    typical_values,
)


def _features(n: int, seed: int = 8) -> pd.DataFrame:
    """Raw features with every learned figure, some of them missing, and a service model."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({feature: rng.gamma(2.0, 10.0, n) for feature in LEARNED_FEATURES})
    frame.loc[rng.random(n) < 0.1, "avg_days_to_pay"] = np.nan
    frame.loc[rng.random(n) < 0.2, "pays_on_time"] = np.nan
    frame["service_model"] = rng.choice(list(SERVICE_MODELS), n)
    frame["client_id"] = [f"C{number:04d}" for number in range(n)]
    return frame


def _fitted(name: str, features: pd.DataFrame):
    inputs = model_inputs(features)
    score = inputs["avg_days_to_pay"].fillna(30) - inputs["effective_hourly_rate"] + 2 * inputs["service_model_project"]
    grades = np.asarray(["A", "B", "C", "D"])[pd.qcut(score, 4, labels=False).to_numpy()]
    if name in USES_RULE:
        # A rule that half agrees: the model learns the rest of the difference from the figures.
        inputs[RULE_INPUT] = pd.qcut(inputs["avg_days_to_pay"].fillna(30), 4, labels=False).to_numpy() * 1.0
    return make_candidate(name).fit(inputs, grades), inputs


def _asked_once_per_figure(model, inputs: pd.DataFrame, typical) -> pd.DataFrame:
    """The plain way: one copied frame per figure, each predicted by the whole model."""
    return feature_effects(
        lambda frame: expected_grade(grade_probabilities(model, frame)),
        inputs,
        typical,
        set_typical=lambda block, feature, values: set_typical_input(block, feature, values),
    )


@pytest.mark.parametrize("name", [name for name in CANDIDATES if name != "dummy"])
def test_model_effects_match_asking_the_model_once_per_figure(name):
    features = _features(300)
    model, inputs = _fitted(name, features)
    typical = typical_values(features.iloc[:100])

    fast = model_feature_effects(model, inputs, typical)
    plain = _asked_once_per_figure(model, inputs, typical)

    assert list(fast.columns) == list(REASON_FEATURES)
    assert fast.index.equals(inputs.index)
    np.testing.assert_allclose(fast.to_numpy(), plain.to_numpy(), rtol=0, atol=1e-12)
    assert np.abs(plain.to_numpy()).max() > 0.05


def test_stacked_effects_match_one_frame_per_figure_in_small_chunks():
    features = _features(50)
    model, inputs = _fitted("gradient_boosting", features)
    typical = typical_values(features)
    predict = lambda frame: expected_grade(grade_probabilities(model, frame))  # noqa: E731

    stacked = feature_effects(predict, inputs, typical, chunk_rows=100)
    plain = feature_effects(
        predict, inputs, typical, set_typical=lambda b, f, v: set_typical_input(b, f, v), chunk_rows=100
    )

    np.testing.assert_array_equal(stacked.to_numpy(), plain.to_numpy())


def test_effects_of_no_rows_are_an_empty_frame():
    features = _features(40)
    model, inputs = _fitted("logistic_regression", features)

    effects = model_feature_effects(model, inputs.iloc[:0], typical_values(features))

    assert effects.shape == (0, len(REASON_FEATURES))


@pytest.mark.parametrize("noise", [1e-15, -1e-15])
def test_equally_strong_figures_are_named_in_a_fixed_order_whatever_the_rounding(noise):
    features = _features(1)
    effects = pd.DataFrame(np.zeros((1, len(REASON_FEATURES))), columns=list(REASON_FEATURES))
    effects["effective_hourly_rate"] = -0.4
    effects["contribution_per_hour"] = -0.4 + noise
    effects["avg_days_to_pay"] = 0.3

    said = suggestion_reasons(
        effects, features, typical_values(features), np.asarray(["B"]), None, {}, {}
    ).iloc[0]

    assert said.startswith("Pushed up by effective hourly rate")
    assert said.index("effective hourly rate") < said.index("contribution per hour")
    assert "Pushed down by days to pay" in said


def test_a_client_whose_figures_move_nothing_is_called_close_to_typical():
    features = _features(2)
    effects = pd.DataFrame(np.full((2, len(REASON_FEATURES)), 0.01), columns=list(REASON_FEATURES))

    said = suggestion_reasons(effects, features, typical_values(features), np.asarray(["A", "B"]), None, {}, {})

    assert list(said) == ["No single figure stands out: the client is close to typical."] * 2
