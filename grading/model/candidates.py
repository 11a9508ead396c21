"""The models that compete to suggest grades, each a scikit-learn ``Pipeline`` built fresh by name.

- ``dummy``: always the most common grade, with the grade mix as its probabilities (the floor to beat).
- ``logistic_regression``: multinomial logistic regression on imputed, standardised features.
- ``ordinal_logit``: the cumulative-logit model of :mod:`grading.model.ordinal`, which knows A > B > C > D.
- ``gradient_boosting``: shallow histogram gradient boosting, which can find thresholds and interactions
  (it handles missing values itself, so it needs no imputation or scaling).
- ``rule_anchored``: the ordinal model started from the rules: the rule's grade (:data:`RULE_INPUT`) is its
  prior, and what it learns from the owner's grades is the owner's difference from the rules, pulled back
  towards the rules with a strength (``alpha``) chosen by cross-validation from :data:`ANCHOR_STRENGTHS`.

The rule grade competes too, and a model must beat it to be used. Scored in cross-validation it is the rule
grade itself; when it wins, :func:`make_candidate` ``("rule_grade")`` is the anchored model with the rules
fixed (``alpha=inf``): it suggests the rule grade exactly, with a confidence learned from the owner's grades.

Both ordinal models keep the weights of :data:`~grading.model.dataset.MONOTONE` figures on their certain side.
"""

from __future__ import annotations

from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from grading.model.dataset import MONOTONE, RULE_INPUT
from grading.model.ordinal import OrdinalLogisticRegression
from grading.model.titles import CANDIDATE_TITLES  # noqa: F401 - named here too, beside the candidates

CANDIDATES: tuple[str, ...] = ("dummy", "logistic_regression", "ordinal_logit", "gradient_boosting", "rule_anchored")

#: The candidates that read the rule's grade (:data:`RULE_INPUT`) besides the figures.
USES_RULE: frozenset[str] = frozenset({"rule_anchored", "rule_grade"})

#: Strengths of the pull towards the rules that cross-validation chooses from (in grades' worth of evidence:
#: with 24 grades, 16 is strong; with 400 it is light).
ANCHOR_STRENGTHS: tuple[float, ...] = (2.0, 8.0, 32.0)

#: Fewer grade events than this, and the gradient-boosted trees do not compete: a few hundred labels support no
#: trees worth the name (on books of about 190 grades drawn in tests/owner_judgement.py they won the folds and then
#: did worse on new clients than the ordinal models), and their folds are the slowest part of training.
TREES_FROM_EVENTS = 500


#: Candidates fitted without the recency weights: with sample weights scikit-learn's histogram gradient boosting
#: runs about six times slower (measured on 4,000 grades), and the trees compete only on long histories, where
#: old grades are outnumbered anyway.
UNWEIGHTED: frozenset[str] = frozenset({"gradient_boosting"})


def fit_candidate(name: str, inputs, grades, weights=None, *, random_state: int = 0, alpha: float | None = None):
    """Return candidate ``name`` fitted on the columns of ``inputs`` it reads, each grade weighted by ``weights``.

    Parameters
    ----------
    name : str
        A candidate for :func:`make_candidate`.
    inputs : pandas.DataFrame
        Model inputs, with :data:`RULE_INPUT` for the candidates that read it.
    grades : array-like of str
        The grade of each row.
    weights : array-like, optional
        Each row's weight (recency); ignored by :data:`UNWEIGHTED` candidates.
    random_state : int
        Seed of the candidates' randomness.
    alpha : float, optional
        The anchored model's pull towards the rules.
    """
    model = make_candidate(name, random_state=random_state, alpha=alpha)
    if weights is None or name in UNWEIGHTED:
        return model.fit(candidate_inputs(name, inputs), grades)
    return model.fit(candidate_inputs(name, inputs), grades, model__sample_weight=weights)


def candidate_inputs(name: str, inputs):
    """Return the columns of ``inputs`` candidate ``name`` reads: the rule's grade only for :data:`USES_RULE`."""
    if name in USES_RULE or RULE_INPUT not in inputs.columns:
        return inputs
    return inputs.drop(columns=RULE_INPUT)




def make_candidate(name: str, *, random_state: int = 0, alpha: float | None = None) -> Pipeline:
    """Return a new, unfitted pipeline for the candidate called ``name``.

    Parameters
    ----------
    name : str
        One of :data:`CANDIDATES`, or ``rule_grade`` (the anchored model with the rules fixed).
    random_state : int
        Seed of the candidates that draw random numbers (gradient boosting).
    alpha : float, optional
        The anchored model's pull towards the rules (default: the middle of :data:`ANCHOR_STRENGTHS`).

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
                # Frames all the way, so the model knows the columns by name (its sign constraints are by name).
                ("impute", SimpleImputer(strategy="median", keep_empty_features=True).set_output(transform="pandas")),
                ("scale", StandardScaler().set_output(transform="pandas")),
                ("model", OrdinalLogisticRegression(alpha=3.0, monotone=dict(MONOTONE))),
            ]
        )
    if name in ("rule_anchored", "rule_grade"):
        strength = float("inf") if name == "rule_grade" else ANCHOR_STRENGTHS[1] if alpha is None else alpha
        return Pipeline(
            [
                ("impute", SimpleImputer(strategy="median", keep_empty_features=True).set_output(transform="pandas")),
                (
                    "model",
                    OrdinalLogisticRegression(
                        alpha=strength, offset_column=RULE_INPUT, monotone=dict(MONOTONE), standardize=True
                    ),
                ),
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
