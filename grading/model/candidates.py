"""The models that compete to suggest grades, each a scikit-learn ``Pipeline`` built fresh by name.

- ``dummy``: always the most common grade, with the grade mix as its probabilities (the floor to beat).
- ``logistic_regression``: multinomial logistic regression on imputed, standardised features.
- ``ordinal_logit``: the cumulative-logit model of :mod:`grading.model.ordinal`, which knows A > B > C > D.
- ``gradient_boosting``: shallow histogram gradient boosting, which can find thresholds and interactions
  (it handles missing values itself, so it needs no imputation or scaling).

The rule grade competes too, but it is not a model: :mod:`grading.model.evaluation` scores it on the same rows.
"""

from __future__ import annotations

from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from grading.model.ordinal import OrdinalLogisticRegression

CANDIDATES: tuple[str, ...] = ("dummy", "logistic_regression", "ordinal_logit", "gradient_boosting")

#: How each candidate is named to the owner (model card, app).
CANDIDATE_TITLES: dict[str, str] = {
    "rule_grade": "the rule grade itself",
    "dummy": "always the most common grade",
    "logistic_regression": "multinomial logistic regression",
    "ordinal_logit": "ordinal (cumulative-logit) regression",
    "gradient_boosting": "shallow gradient-boosted trees",
}


def make_candidate(name: str, *, random_state: int = 0) -> Pipeline:
    """Return a new, unfitted pipeline for the candidate called ``name``.

    Parameters
    ----------
    name : str
        One of :data:`CANDIDATES`.
    random_state : int
        Seed of the candidates that draw random numbers (gradient boosting).

    Returns
    -------
    sklearn.pipeline.Pipeline
        Its last step is named ``model``.

    Raises
    ------
    ValueError
        ``name`` is not a known candidate.
    """
    if name == "dummy":
        return Pipeline([("model", DummyClassifier(strategy="prior"))])
    if name == "logistic_regression":
        return Pipeline(
            [
                ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                ("scale", StandardScaler()),
                ("model", LogisticRegression(C=0.3, max_iter=2000)),
            ]
        )
    if name == "ordinal_logit":
        return Pipeline(
            [
                ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                ("scale", StandardScaler()),
                ("model", OrdinalLogisticRegression(alpha=3.0)),
            ]
        )
    if name == "gradient_boosting":
        # Shallow and few: a few hundred labels support little more than a handful of splits per tree, and
        # each boosting round costs time in every cross-validation fold.
        return Pipeline(
            [
                (
                    "model",
                    HistGradientBoostingClassifier(
                        max_depth=2,
                        max_leaf_nodes=4,
                        learning_rate=0.1,
                        max_iter=40,
                        min_samples_leaf=10,
                        l2_regularization=1.0,
                        early_stopping=False,
                        random_state=random_state,
                    ),
                )
            ]
        )
    raise ValueError(f"There is no candidate model called '{name}'; the candidates are {', '.join(CANDIDATES)}.")
