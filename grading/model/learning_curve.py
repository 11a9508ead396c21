"""The learning curve: how well suggestions agree with the owner's grades after 12, 24, 48 ... of them.

An owner asks "how many more grades until the suggestions are worth reading?". The curve answers from the owner's
own history: clients are split into grouped folds; for each fold the model learns from the *first* ``n`` grade
events of the other clients, in the order the owner gave them, and suggests grades for the fold's clients. The
held-out suggestions of all folds are pooled and scored by quadratic-weighted kappa, beside the rule grade's kappa
on the same rows. Where the first ``n`` grades are too few to train (:func:`grading.model.training.training_needs`),
the app suggests the rule grade, and so does the curve.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold

from grading.model.candidates import candidate_inputs, fit_candidate
from grading.model.dataset import TrainingSet, recency_weights
from grading.model.metrics import grade_codes, quadratic_weighted_kappa, suggested_codes
from grading.vocabulary import GRADES

CURVE_COLUMNS: tuple[str, ...] = ("n_grades", "qwk", "rule_qwk", "n_scored")

#: The numbers of grades the curve is drawn at (up to what the history holds): one review, two, four ...
CURVE_POINTS: tuple[int, ...] = (12, 24, 48, 96, 192, 384, 768)


def curve_points(n_events: int) -> list[int]:
    """Return the grade counts to measure at: :data:`CURVE_POINTS` below ``n_events``, and ``n_events`` itself."""
    return [point for point in CURVE_POINTS if point < n_events] + [n_events]


def learning_curve(
    training: TrainingSet,
    candidate: str = "rule_anchored",
    *,
    alpha: float | None = None,
    n_splits: int = 4,
    seed: int = 0,
) -> pd.DataFrame:
    """Return agreement with the owner's grades against the number of grades learned from, and the rule's line.

    Parameters
    ----------
    training : TrainingSet
        Every grade event (its ``events`` carry ``graded_on``, which orders them as the owner gave them).
    candidate : str
        The model to draw the curve of (a name for :func:`~grading.model.candidates.make_candidate`).
    alpha : float, optional
        The anchored model's pull towards the rules.
    n_splits : int
        Grouped folds of clients (fewer when a grade has fewer clients).
    seed : int
        Seed of the folds and of the models' randomness.

    Returns
    -------
    pandas.DataFrame
        One row per point: ``n_grades`` (grades learned from, at most), ``qwk`` (the suggestions' pooled
        held-out QWK), ``rule_qwk`` (the rule grade's on the same rows) and ``n_scored`` (held-out grades).
        Empty (with these columns) when the history is too small to hold any client out.
    """
    from grading.model.evaluation import fold_count
    from grading.model.training import training_needs

    grades = np.asarray(training.grades, dtype=object)
    order = np.argsort(pd.to_datetime(training.events["graded_on"]).to_numpy(), kind="stable")
    splits = min(n_splits, fold_count(grades, training.clients))
    if training.n_clients < 2 * splits:
        return pd.DataFrame(columns=list(CURVE_COLUMNS))
    folds = list(
        StratifiedGroupKFold(n_splits=splits, shuffle=True, random_state=seed).split(
            training.inputs, grades, groups=training.clients
        )
    )
    largest = max(len(train) for train, _ in folds)
    rows = []
    for n_grades in curve_points(largest):
        suggested = np.full(grades.size, "", dtype=object)
        for train_rows, test_rows in folds:
            in_train = np.zeros(grades.size, dtype=bool)
            in_train[train_rows] = True
            first = order[in_train[order]][:n_grades]
            clients_needed, grades_needed = training_needs(training.events.iloc[first])
            if clients_needed or grades_needed:
                suggested[test_rows] = training.rule_grades[test_rows]
                continue
            weights = recency_weights(training.events["graded_on"].iloc[first])
            model = fit_candidate(
                candidate, training.inputs.iloc[first], grades[first], weights, random_state=seed, alpha=alpha
            )
            probabilities = np.zeros((test_rows.size, len(GRADES)))
            raw = model.predict_proba(candidate_inputs(candidate, training.inputs.iloc[test_rows]))
            probabilities[:, grade_codes(model.classes_)] = raw
            suggested[test_rows] = np.asarray(GRADES, dtype=object)[suggested_codes(probabilities)]
        rows.append(
            {
                "n_grades": int(n_grades),
                "qwk": quadratic_weighted_kappa(grades, suggested),
                "rule_qwk": quadratic_weighted_kappa(grades, training.rule_grades),
                "n_scored": int(grades.size),
            }
        )
    return pd.DataFrame(rows, columns=list(CURVE_COLUMNS))


def learning_curve_summary(card: dict | None) -> str:
    """Say in one sentence what the card's learning curve shows, or ``""`` when it has none.

    Parameters
    ----------
    card : dict or None
        The active model's card.

    Returns
    -------
    str
        E.g. "After your first 24 grades the suggestions agreed with your grades at QWK 0.74 (the rule grade
        0.70); after all 61, 0.83. More grades move the line further only where you differ from the rules."
    """
    points = ((card or {}).get("learning_curve") or {}).get("points") or []
    if not points:
        return ""
    frame = pd.DataFrame(points)
    last = frame.iloc[-1]
    early = frame[frame["n_grades"] == 24]
    rule = float(last["rule_qwk"])
    said = []
    if not early.empty and int(last["n_grades"]) > 24:
        said.append(f"After your first 24 grades the suggestions agreed with your grades at QWK "
                    f"{float(early['qwk'].iloc[0]):.2f} (the rule grade {rule:.2f}); after all "
                    f"{int(last['n_grades'])}, {float(last['qwk']):.2f}.")
    else:
        said.append(f"After {int(last['n_grades'])} grades the suggestions agreed with your grades at QWK "
                    f"{float(last['qwk']):.2f} (the rule grade {rule:.2f}).")
    gain = float(last["qwk"]) - rule
    if gain > 0.02:
        said.append("Your grades differ from the rules, and the suggestions have learned some of how: more grades "
                    "sharpen them further.")
    else:
        said.append("So far your grades agree with the rules about as well as any model does, so the suggestions "
                    "stay close to the rule grade; more grades show whether you differ.")
    return " ".join(said)
