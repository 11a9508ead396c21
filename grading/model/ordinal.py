"""An ordinal classifier for grades: cumulative-logit (proportional-odds) logistic regression.

Grades are ordered (A > B > C > D), and a plain multinomial model throws that order away: it must learn four
separate directions from few labels. The cumulative-logit model learns one direction ``w`` and ``K - 1`` ordered
cut points ``theta``::

    P(y <= k | x) = sigmoid(theta_k - x . w)

so every label teaches the same weights, and a confusion of A with D costs more than one of A with B. It follows
scikit-learn's conventions (parameters in ``__init__``, fitted attributes ending in ``_``, ``check_is_fitted``)
and passes ``parametrize_with_checks``; classes are ordered as ``numpy.unique`` sorts them, so for grades the
order is A, B, C, D.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

_TINY = 1e-12


def _cut_points(raw: np.ndarray) -> np.ndarray:
    """Ordered cut points from unconstrained ``raw``: the first as is, then positive steps ``exp(raw[1:])``."""
    return raw[0] + np.concatenate(([0.0], np.cumsum(np.exp(raw[1:]))))


class OrdinalLogisticRegression(ClassifierMixin, BaseEstimator):
    """Cumulative-logit (proportional-odds) classifier with an L2 penalty on the weights.

    Parameters
    ----------
    alpha : float, default=1.0
        Strength of the L2 penalty on the feature weights (not on the cut points); larger is smoother. The
        penalty is ``0.5 * alpha * ||w||^2`` added to the summed negative log-likelihood, so it weighs less as
        labels accumulate.
    max_iter : int, default=500
        Most L-BFGS iterations.
    tol : float, default=1e-6
        Gradient tolerance of L-BFGS.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels in their ordinal order (as sorted by ``numpy.unique``).
    coef_ : ndarray of shape (n_features,)
        The weights; a positive weight moves a sample towards the later classes.
    thresholds_ : ndarray of shape (n_classes - 1,)
        The increasing cut points between neighbouring classes.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names seen in ``fit``, when ``X`` had string column names.
    n_iter_ : int
        Iterations L-BFGS used.
    """

    def __init__(self, alpha: float = 1.0, max_iter: int = 500, tol: float = 1e-6):
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # The common checks score classifiers on blobs whose class labels have no order; a model that assumes
        # ordered classes cannot (and should not) separate them like a multinomial one.
        tags.classifier_tags.poor_score = True
        return tags

    def fit(self, X, y):
        """Fit the weights and cut points by penalized maximum likelihood.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric features without missing values (impute them in a ``Pipeline`` first).
        y : array-like of shape (n_samples,)
            Ordinal labels.

        Returns
        -------
        self : OrdinalLogisticRegression
            The fitted estimator.

        Raises
        ------
        ValueError
            ``alpha`` is negative, ``X`` holds NaN or infinity, or ``y`` is not a classification target.
        """
        if not (isinstance(self.alpha, (int, float, np.floating, np.integer)) and self.alpha >= 0):
            raise ValueError(f"alpha must be a number >= 0; got {self.alpha!r}.")
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=False)
        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        n_classes = self.classes_.size
        n_features = X.shape[1]
        if n_classes == 1:
            # Nothing to order: predict the one class seen.
            self.coef_ = np.zeros(n_features)
            self.thresholds_ = np.zeros(0)
            self.n_iter_ = 0
            return self

        # Start from the cut points that reproduce the class mix with zero weights.
        shares = np.bincount(codes, minlength=n_classes) / codes.size
        cumulative = np.clip(np.cumsum(shares)[:-1], 1e-3, 1 - 1e-3)
        start_cuts = np.log(cumulative / (1 - cumulative))
        steps = np.maximum(np.diff(start_cuts), 1e-3)
        start = np.concatenate((np.zeros(n_features), [start_cuts[0]], np.log(steps)))

        alpha = float(self.alpha)

        def loss_and_gradient(params: np.ndarray) -> tuple[float, np.ndarray]:
            weights, raw = params[:n_features], params[n_features:]
            cuts = np.concatenate(([-np.inf], _cut_points(raw), [np.inf]))
            latent = X @ weights
            upper_arg = cuts[codes + 1] - latent
            lower_arg = cuts[codes] - latent
            upper, lower = expit(upper_arg), expit(lower_arg)
            likelihood = np.maximum(upper - lower, _TINY)
            density_upper = upper * (1 - upper)
            density_lower = lower * (1 - lower)
            loss = -np.sum(np.log(likelihood)) + 0.5 * alpha * weights @ weights
            # d(-log p)/d latent = (f(upper) - f(lower)) / p
            d_latent = (density_upper - density_lower) / likelihood
            grad_weights = X.T @ d_latent + alpha * weights
            # d(-log p)/d cut_j collects -f(upper)/p where j is the upper cut, +f(lower)/p where j is the lower.
            grad_cuts = np.zeros(n_classes + 1)
            np.add.at(grad_cuts, codes + 1, -density_upper / likelihood)
            np.add.at(grad_cuts, codes, density_lower / likelihood)
            grad_cuts = grad_cuts[1:-1]
            # Chain rule through cut_j = raw_0 + sum_{m<=j, m>=1} exp(raw_m).
            tail_sums = np.cumsum(grad_cuts[::-1])[::-1]
            grad_raw = np.concatenate(([tail_sums[0]], tail_sums[1:] * np.exp(raw[1:])))
            return float(loss), np.concatenate((grad_weights, grad_raw))

        result = minimize(
            loss_and_gradient,
            start,
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": int(self.max_iter), "gtol": float(self.tol)},
        )
        self.coef_ = result.x[:n_features]
        self.thresholds_ = _cut_points(result.x[n_features:])
        self.n_iter_ = int(result.nit)
        return self

    def latent_score(self, X) -> np.ndarray:
        """Return the latent score ``x . w`` of each sample: higher means a later class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return X @ self.coef_

    def predict_proba(self, X) -> np.ndarray:
        """Return the probability of each class, columns in the order of ``classes_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        latent = self.latent_score(X)
        if self.classes_.size == 1:
            return np.ones((latent.size, 1))
        cumulative = expit(self.thresholds_[np.newaxis, :] - latent[:, np.newaxis])
        edges = np.hstack((np.zeros((latent.size, 1)), cumulative, np.ones((latent.size, 1))))
        return np.diff(edges, axis=1)

    def predict(self, X) -> np.ndarray:
        """Return the most probable class of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
