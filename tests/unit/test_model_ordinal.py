"""The ordinal estimator follows scikit-learn's conventions and learns an ordered target."""

from __future__ import annotations

from unittest import SkipTest

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from grading.model.ordinal import OrdinalLogisticRegression


@parametrize_with_checks(
    [OrdinalLogisticRegression(), OrdinalLogisticRegression(alpha=4.0, offset_column=0, standardize=True)]
)
def test_ordinal_estimator_passes_scikit_learn_checks(estimator, check):
    try:
        check(estimator)
    except SkipTest:
        # scikit-learn runs its array-API check only when SCIPY_ARRAY_API was set before SciPy loaded; without
        # it, what holds is that the model does not claim array-API support (so the check does not apply).
        assert "check_array_api_input" in str(check)
        assert not estimator.__sklearn_tags__().array_api_support


def _ordered_sample(seed: int = 0, n: int = 600):
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(n, 3))
    latent = features @ np.array([1.5, -1.0, 0.0]) + rng.logistic(size=n)
    grades = np.array(["A", "B", "C", "D"])[np.digitize(latent, [-2.0, 0.0, 2.0])]
    return features, grades


def test_ordinal_model_recovers_the_direction_of_an_ordered_target():
    features, grades = _ordered_sample()
    model = OrdinalLogisticRegression(alpha=0.01).fit(features, grades)
    assert model.coef_[0] > 1.0 and model.coef_[1] < -0.6 and abs(model.coef_[2]) < 0.3
    assert np.all(np.diff(model.thresholds_) > 0)


def test_ordinal_probabilities_sum_to_one_and_follow_the_classes_order():
    features, grades = _ordered_sample(seed=1)
    model = OrdinalLogisticRegression().fit(features, grades)
    probabilities = model.predict_proba(features)
    assert list(model.classes_) == ["A", "B", "C", "D"]
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    assert (probabilities >= 0).all()
    # The further along the latent score, the later the expected class.
    expected = probabilities @ np.arange(4)
    order = np.argsort(model.latent_score(features))
    assert np.all(np.diff(expected[order]) >= -1e-12)


def test_a_stronger_penalty_shrinks_the_weights():
    features, grades = _ordered_sample(seed=2)
    loose = OrdinalLogisticRegression(alpha=0.01).fit(features, grades)
    tight = OrdinalLogisticRegression(alpha=500.0).fit(features, grades)
    assert np.linalg.norm(tight.coef_) < 0.5 * np.linalg.norm(loose.coef_)


def test_unfitted_ordinal_model_refuses_to_predict():
    with pytest.raises(NotFittedError):
        OrdinalLogisticRegression().predict(np.zeros((2, 3)))


@pytest.mark.parametrize("alpha", [-1.0, "strong"])
def test_a_bad_penalty_is_refused(alpha):
    features, grades = _ordered_sample(n=50)
    with pytest.raises(ValueError, match="alpha"):
        OrdinalLogisticRegression(alpha=alpha).fit(features, grades)


def test_a_model_saved_before_the_anchor_existed_still_predicts():
    features, grades = _ordered_sample()
    model = OrdinalLogisticRegression().fit(features, grades)
    expected = model.predict_proba(features)
    del model.intercept_shift_  # what a model file written by the earlier version holds
    np.testing.assert_allclose(model.predict_proba(features), expected)
