"""An ordinal classifier for grades: cumulative-logit (proportional-odds) logistic regression.

Grades are ordered (A > B > C > D), and a plain multinomial model throws that order away: it must learn four
separate directions from few labels. The cumulative-logit model learns one direction ``w`` and ``K - 1`` ordered
cut points ``theta``::

    P(y <= k | x) = sigmoid(theta_k - x . w)

so every label teaches the same weights, and a confusion of A with D costs more than one of A with B.

Anchored to a prior score (``offset_column``): one column is a score already on the scale of the classes (for
grades, the rule's position: 0 is the middle of A, 1 of B ...). Then the model is::

    P(y <= k | x) = sigmoid(theta_k - gamma * r - z . w)

and the penalty pulls ``w`` to zero and the cut points to ``gamma * (k + 1/2)``, which is the prior score's own
classes. With a strong penalty (or ``alpha=inf``) the median class is the prior's class and only ``gamma``, how
sharp the prior is, is learned; with a weak one the owner's grades move the model away from it as far as they
justify. Sign constraints (``monotone``) keep weights on the side where the domain is certain. It follows
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
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

_TINY = 1e-12


def _cut_points(raw: np.ndarray) -> np.ndarray:
    """Ordered cut points from unconstrained ``raw``: the first as is, then positive steps ``exp(raw[1:])``."""
    return raw[0] + np.concatenate(([0.0], np.cumsum(np.exp(raw[1:]))))


class OrdinalLogisticRegression(ClassifierMixin, BaseEstimator):
    """Cumulative-logit (proportional-odds) classifier with an L2 penalty, optionally anchored to a prior score.

    Parameters
    ----------
    alpha : float, default=1.0
        Strength of the L2 penalty on the feature weights (and, with ``offset_column``, on the cut points'
        distance from the prior's); larger is smoother. The penalty is ``0.5 * alpha * ||w||^2`` added to the
        summed (sample-weighted) negative log-likelihood, so it weighs less as labels accumulate. ``inf`` with
        ``offset_column`` fixes the weights at zero and the cut points at the prior's: only its sharpness is fitted.
    offset_column : int, str or None, default=None
        The column holding the prior score (class ``k`` centred on ``k``), by index or, when ``X`` has column
        names, by name; its weight ``gamma`` is fitted (kept positive) and not penalised nor standardised.
    monotone : sequence or dict of {-1, 0, 1}, or None, default=None
        Per column of ``X`` (a sequence), or per column name (a dict; unnamed columns are free): +1 keeps that
        weight >= 0 (a higher value never moves a sample to an earlier class), -1 keeps it <= 0, 0 leaves it
        free. The offset column's entry is ignored.
    standardize : bool, default=False
        Centre and scale the columns (other than the offset) on their weighted mean and spread before fitting,
        so ``alpha`` means the same for every column without a scaler in front.
    max_iter : int, default=500
        Most L-BFGS iterations.
    tol : float, default=1e-6
        Gradient tolerance of L-BFGS.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels in their ordinal order (as sorted by ``numpy.unique``).
    coef_ : ndarray of shape (n_features,)
        The weight of each column on its input scale (standardisation folded in); a positive weight moves a
        sample towards the later classes. The offset column's entry is ``gamma``.
    intercept_shift_ : float
        What standardisation subtracts from the latent score (``0`` without it).
    thresholds_ : ndarray of shape (n_classes - 1,)
        The increasing cut points between neighbouring classes.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names seen in ``fit``, when ``X`` had string column names.
    n_iter_ : int
        Iterations L-BFGS used.
    """

    def __init__(
        self,
        alpha: float = 1.0,
        offset_column: int | None = None,
        monotone=None,
        standardize: bool = False,
        max_iter: int = 500,
        tol: float = 1e-6,
    ):
        self.alpha = alpha
        self.offset_column = offset_column
        self.monotone = monotone
        self.standardize = standardize
        self.max_iter = max_iter
        self.tol = tol

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # The common checks score classifiers on blobs whose class labels have no order; a model that assumes
        # ordered classes cannot (and should not) separate them like a multinomial one.
        tags.classifier_tags.poor_score = True
        return tags

    def _check_parameters(self, n_features: int) -> tuple[float, int | None, np.ndarray]:
        alpha = self.alpha
        if not (isinstance(alpha, (int, float, np.floating, np.integer)) and alpha >= 0 and not np.isnan(alpha)):
            raise ValueError(f"alpha must be a number >= 0; got {alpha!r}.")
        names = [str(name) for name in getattr(self, "feature_names_in_", [])]
        offset = self.offset_column
        if isinstance(offset, str):
            if offset not in names:
                raise ValueError(f"offset_column {offset!r} is not a column of X (its columns: {names}).")
            offset = names.index(offset)
        elif offset is not None:
            if not isinstance(offset, (int, np.integer)) or not 0 <= offset < n_features:
                raise ValueError(f"offset_column must be a column index below {n_features}; got {offset!r}.")
            offset = int(offset)
        elif np.isinf(alpha):
            raise ValueError("alpha=inf needs an offset_column (it keeps the prior score alone).")
        signs = np.zeros(n_features)
        if isinstance(self.monotone, dict):
            # By column name: columns not named are free, names that are not columns are ignored.
            signs = np.array([float(self.monotone.get(name, 0)) for name in names]) if names else signs
        elif self.monotone is not None:
            signs = np.asarray(self.monotone, dtype=float).ravel()
            if signs.size != n_features:
                raise ValueError(
                    f"monotone must hold -1, 0 or 1 for each of the {n_features} columns; got {self.monotone!r}."
                )
        if not np.isin(signs, (-1.0, 0.0, 1.0)).all():
            raise ValueError(f"monotone must hold only -1, 0 or 1; got {self.monotone!r}.")
        return float(alpha), offset, signs

    def fit(self, X, y, sample_weight=None):
        """Fit the weights and cut points by penalized maximum likelihood.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric features without missing values (impute them in a ``Pipeline`` first).
        y : array-like of shape (n_samples,)
            Ordinal labels.
        sample_weight : array-like of shape (n_samples,), optional
            Weight of each sample in the likelihood (e.g. more for recent grades); default 1 each.

        Returns
        -------
        self : OrdinalLogisticRegression
            The fitted estimator.

        Raises
        ------
        ValueError
            A parameter is out of range, ``X`` holds NaN or infinity, or ``y`` is not a classification target.
        """
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=False)
        check_classification_targets(y)
        weights_of_samples = _check_sample_weight(sample_weight, X, dtype=np.float64)
        alpha, offset, signs = self._check_parameters(X.shape[1])
        self.classes_, codes = np.unique(y, return_inverse=True)
        n_classes = self.classes_.size
        n_features = X.shape[1]
        learned = np.array([column != offset for column in range(n_features)], dtype=bool)
        prior = X[:, offset] if offset is not None else np.zeros(X.shape[0])
        Z = X[:, learned]
        center, scale = np.zeros(Z.shape[1]), np.ones(Z.shape[1])
        if self.standardize and Z.shape[1] and weights_of_samples.sum() > 0:
            center = np.average(Z, axis=0, weights=weights_of_samples)
            spread = np.sqrt(np.average((Z - center) ** 2, axis=0, weights=weights_of_samples))
            scale = np.where(spread > 1e-12, spread, 1.0)
            Z = (Z - center) / scale
        if n_classes == 1:
            # Nothing to order: predict the one class seen.
            self._set_fitted(np.zeros(Z.shape[1]), 0.0, np.zeros(0), learned, offset, center, scale, 0)
            return self
        fitter = _Fit(Z, prior, codes, weights_of_samples, n_classes, alpha, offset is not None)
        start, bounds = fitter.start(signs[learned])
        result = minimize(
            fitter.loss_and_gradient,
            start,
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": int(self.max_iter), "gtol": float(self.tol)},
        )
        weights, gamma, cuts = fitter.unpack(result.x)
        self._set_fitted(weights, gamma, cuts, learned, offset, center, scale, int(result.nit))
        return self

    def _set_fitted(self, weights, gamma, cuts, learned, offset, center, scale, n_iter) -> None:
        coef = np.zeros(learned.size)
        coef[learned] = weights / scale
        if offset is not None:
            coef[offset] = gamma
        self.coef_ = coef
        self.intercept_shift_ = float(np.sum(weights * center / scale))
        self.thresholds_ = np.asarray(cuts, dtype=float)
        self.n_iter_ = n_iter

    def latent_score(self, X) -> np.ndarray:
        """Return the latent score of each sample: higher means a later class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        # A model saved before standardisation existed has no shift: its latent score is X . w alone.
        return X @ self.coef_ - getattr(self, "intercept_shift_", 0.0)

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
        return np.maximum(np.diff(edges, axis=1), 0.0)

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


class _Fit:
    """The penalised negative log-likelihood of one fit and its gradient, over a flat parameter vector.

    Parameters are ``[w (n_learned), raw cuts (n_classes - 1), gamma (with a prior)]``; the cut points are
    ``raw_0 + cumsum(exp(raw_1...))`` so they always increase. With ``alpha=inf`` and a prior, the vector is
    ``[gamma]`` alone: no weights, and the cut points are the prior's, ``gamma * (k + 1/2)``.
    """

    def __init__(self, Z, prior, codes, sample_weight, n_classes, alpha, has_prior):
        self.Z, self.prior, self.codes, self.sample_weight = Z, prior, codes, sample_weight
        self.n_classes, self.alpha, self.has_prior = n_classes, alpha, has_prior
        self.n_learned = Z.shape[1]
        self.fixed = has_prior and np.isinf(alpha)
        self.centres = np.arange(n_classes - 1) + 0.5

    def start(self, signs: np.ndarray):
        """Starting parameters and L-BFGS-B bounds (signs of monotone weights; gamma kept positive)."""
        gamma_bound = (1e-3, None)
        if self.fixed:
            return np.array([2.0]), [gamma_bound]
        if self.has_prior:
            start_cuts = 2.0 * self.centres
        else:
            # The cut points that reproduce the class mix with zero weights.
            counts = np.bincount(self.codes, weights=self.sample_weight, minlength=self.n_classes)
            shares = counts / max(counts.sum(), _TINY)
            cumulative = np.clip(np.cumsum(shares)[:-1], 1e-3, 1 - 1e-3)
            start_cuts = np.log(cumulative / (1 - cumulative))
        steps = np.maximum(np.diff(start_cuts), 1e-3)
        weight_bounds = [(0.0, None) if sign > 0 else (None, 0.0) if sign < 0 else (None, None) for sign in signs]
        start = np.concatenate((np.zeros(self.n_learned), [start_cuts[0]], np.log(steps)))
        bounds = weight_bounds + [(None, None)] * (self.n_classes - 1)
        if self.has_prior:
            start = np.append(start, 2.0)
            bounds.append(gamma_bound)
        return start, bounds

    def unpack(self, params: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
        """``(weights, gamma, cuts)`` of a parameter vector."""
        if self.fixed:
            gamma = float(params[0])
            return np.zeros(self.n_learned), gamma, gamma * self.centres
        weights = params[: self.n_learned]
        raw = params[self.n_learned : self.n_learned + self.n_classes - 1]
        gamma = float(params[-1]) if self.has_prior else 0.0
        return weights, gamma, _cut_points(raw)

    def loss_and_gradient(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        weights, gamma, cuts = self.unpack(params)
        codes, sample_weight = self.codes, self.sample_weight
        bounded = np.concatenate(([-np.inf], cuts, [np.inf]))
        latent = self.Z @ weights + gamma * self.prior
        upper, lower = expit(bounded[codes + 1] - latent), expit(bounded[codes] - latent)
        likelihood = np.maximum(upper - lower, _TINY)
        density_upper, density_lower = upper * (1 - upper), lower * (1 - lower)
        loss = -np.sum(sample_weight * np.log(likelihood))
        # d(-log p)/d latent = (f(upper) - f(lower)) / p
        d_latent = sample_weight * (density_upper - density_lower) / likelihood
        # d(-log p)/d cut_j collects -f(upper)/p where j is the upper cut, +f(lower)/p where j is the lower.
        grad_cuts = np.zeros(self.n_classes + 1)
        np.add.at(grad_cuts, codes + 1, -sample_weight * density_upper / likelihood)
        np.add.at(grad_cuts, codes, sample_weight * density_lower / likelihood)
        grad_cuts = grad_cuts[1:-1]
        grad_gamma = float(d_latent @ self.prior)
        if self.fixed:
            # cut_k = gamma * centre_k
            return float(loss), np.array([grad_gamma + grad_cuts @ self.centres])
        grad_weights = self.Z.T @ d_latent
        if np.isfinite(self.alpha):
            loss += 0.5 * self.alpha * weights @ weights
            grad_weights = grad_weights + self.alpha * weights
            if self.has_prior:
                gap = cuts - gamma * self.centres
                loss += 0.5 * self.alpha * gap @ gap
                grad_cuts = grad_cuts + self.alpha * gap
                grad_gamma -= self.alpha * float(gap @ self.centres)
        # Chain rule through cut_j = raw_0 + sum_{m<=j, m>=1} exp(raw_m).
        raw = params[self.n_learned : self.n_learned + self.n_classes - 1]
        tail_sums = np.cumsum(grad_cuts[::-1])[::-1]
        grad_raw = np.concatenate(([tail_sums[0]], tail_sums[1:] * np.exp(raw[1:])))
        gradient = np.concatenate((grad_weights, grad_raw))
        if self.has_prior:
            gradient = np.append(gradient, grad_gamma)
        return float(loss), gradient
