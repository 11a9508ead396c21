"""The suggested-vs-manual page: how the model's suggestions stand against the owner's grades, the disagreement
queue, the clients to grade next with the picker's labels, and the learning curve.

Pure shaping of the graded portfolio and the model card; :func:`decision_view` also reads the grade history
(through :func:`grading.model.agreement.grade_these_next`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from grading.charts.agreement import candidate_frame
from grading.charts.learning_curve import learning_curve_frame
from grading.formatting import percent
from grading.model.agreement import confusion_frame, grade_these_next
from grading.model.learning_curve import learning_curve_summary
from grading.vocabulary import GRADES

if TYPE_CHECKING:
    from grading.db.store import Store
    from grading.model.suggest import ModelState

#: How many clients "Grade these next" lists.
NEXT_UP = 15


def disagreement_queue(portfolio: pd.DataFrame) -> pd.DataFrame:
    """Return the clients whose suggested grade differs from their manual grade, the surest suggestions first.

    Returns
    -------
    pandas.DataFrame
        ``client_id``, ``name``, ``manual_grade``, ``suggested_grade``, ``suggested_confidence``, ``rule_grade``,
        ``grade_gap`` (how many grades apart, 1-3), ``manual_graded_on``, ``avg_monthly_revenue`` and
        ``suggestion_reasons``, on a fresh index; sorted by confidence (highest first), then the gap.
    """
    columns = [
        "client_id", "name", "manual_grade", "suggested_grade", "suggested_confidence", "rule_grade",
        "grade_gap", "manual_graded_on", "avg_monthly_revenue", "suggestion_reasons",
    ]
    manual = portfolio["manual_grade"].astype("object")
    suggested = portfolio["suggested_grade"].astype("object")
    both = manual.isin(GRADES) & suggested.isin(GRADES)
    queue = portfolio.loc[both & (manual != suggested)].copy()
    order = {grade: position for position, grade in enumerate(GRADES)}
    queue["grade_gap"] = (
        queue["manual_grade"].astype("object").map(order) - queue["suggested_grade"].astype("object").map(order)
    ).abs().astype("int64")
    queue = queue.sort_values(["suggested_confidence", "grade_gap"], ascending=[False, False], kind="stable")
    return queue[[column for column in columns if column in queue.columns]].reset_index(drop=True)


def decision_labels(portfolio: pd.DataFrame) -> dict[str, str]:
    """Return, per client id, a label for a picker: the name and its grades, e.g.
    ``"Alderbrook Dental (yours: C, suggested: B, rule: B)"``."""
    def grade_text(column: str) -> pd.Series:
        if column not in portfolio.columns:
            return pd.Series("none", index=portfolio.index)
        grades = portfolio[column].astype("object")
        return grades.where(grades.isin(GRADES), "none").astype(str)

    labels = (
        portfolio["name"].astype(str)
        + " (yours: " + grade_text("manual_grade")
        + ", suggested: " + grade_text("suggested_grade")
        + ", rule: " + grade_text("rule_grade") + ")"
    )
    return dict(zip(portfolio["client_id"].astype(str), labels))


def graded_by_both(portfolio: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Return the clients with a manual grade and a suggestion, and how many of them get the same grade from both."""
    both = portfolio.loc[portfolio["manual_grade"].notna() & portfolio["suggested_grade"].notna()]
    return both, int((both["manual_grade"] == both["suggested_grade"]).sum())


def latest_against_today(graded: pd.DataFrame) -> pd.DataFrame:
    """Return the confusion matrix of the owner's latest grades against today's suggestions (``graded`` is
    :func:`graded_by_both`'s frame)."""
    return confusion_frame(graded["manual_grade"], graded["suggested_grade"])


def decision_view(store: Store, shown: pd.DataFrame,
                  as_of: date) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """Return the disagreement queue, the clients to grade next and the client picker's labels.

    Parameters
    ----------
    store:
        The open store (the grade history decides who is due a grade).
    shown:
        The graded portfolio as shown (names replaced when anonymizing); neither list is ordered by name, so the
        aliases sort nothing differently.
    as_of:
        The day the page describes.
    """
    return (disagreement_queue(shown), grade_these_next(store, shown, as_of=as_of, limit=NEXT_UP),
            decision_labels(shown))


@dataclass(frozen=True)
class AgreementFigure:
    """One of the figures of how far to trust the suggestions: its label, value, change against the rule grade
    (``None`` where it has none) and a line of help."""

    label: str
    value: str
    delta: str | None
    help: str


def agreement_figures(card: dict[str, Any]) -> list[AgreementFigure]:
    """Return the model card's cross-validated agreement with the owner's grades, each against the rule grade's:
    QWK, accuracy, within one grade, and the rule grade's own QWK."""
    return [
        AgreementFigure(
            "QWK", f"{card['qwk']:.2f}", f"{card['qwk'] - card['rule_qwk']:+.2f} against the rule grade",
            "Quadratic-weighted kappa against your grades: 1 is perfect, 0 is chance; a miss by two grades "
            "counts four times a miss by one.",
        ),
        AgreementFigure(
            "Accuracy", percent(card["accuracy"]),
            f"{(card['accuracy'] - card['rule_accuracy']) * 100:+.0f} points against the rule grade",
            "Share of clients given exactly your grade.",
        ),
        AgreementFigure(
            "Within one grade", percent(card["within_one"]),
            f"{(card['within_one'] - card['rule_within_one']) * 100:+.0f} points against the rule grade",
            "Share of clients at most one grade from yours.",
        ),
        AgreementFigure(
            "Rule grade's QWK", f"{card['rule_qwk']:.2f}", None,
            f"For comparison; always guessing the most common grade gives {card['dummy_qwk']:.2f}.",
        ),
    ]


def learning_curve(state: ModelState) -> tuple[pd.DataFrame, str]:
    """Return the active model card's learning curve (one row per training size) and its sentence in plain words."""
    return learning_curve_frame(state.card), learning_curve_summary(state.card)


def model_candidates(state: ModelState) -> pd.DataFrame:
    """Return the candidates the active model was chosen from, with their cross-validated figures."""
    return candidate_frame(state.card)
