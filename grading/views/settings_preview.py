"""What a change of settings would do before it is saved: "with these settings, 4 clients change grade".

The settings editor shows this live, on every change of a draft value: the book as graded with the saved settings
is scored again with the draft, and every client whose rule grade moves is listed with its grade before and after,
its effective grade before and after (which moves only where no manual or suggested grade stands before the rule
grade), and why in a few words.

Only the scoring window and the labor cost rate change the clients' features (and with them the model's
suggestions): for any other setting the book already graded is scored again as it is, with no query, so a change
re-scores in milliseconds. :func:`book_for_preview` grades the book once per window and labor cost for the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from grading.formatting import count
from grading.settings import coerce, load_settings
from grading.vocabulary import GRADE_RANK

if TYPE_CHECKING:
    from grading.db.store import Store

PREVIEW_COLUMNS = ("client_id", "name", "rule_grade_before", "rule_grade_after", "grade_change", "rule_score_before",
                   "rule_score_after", "why", "effective_grade_before", "effective_grade_after", "effective_change")

#: The settings that change the clients' features (and so the model's suggestions), not only their scores.
FEATURE_SETTINGS = ("scoring_window_months", "labor_cost_rate")


@dataclass(frozen=True)
class SettingsPreview:
    """The clients whose rule grade the proposed settings change, and the settings that differ.

    Attributes
    ----------
    changed_settings:
        Name to ``(stored, proposed)`` for every setting that differs.
    clients:
        One row per client whose rule grade changes (:data:`PREVIEW_COLUMNS`), largest move first.
    """

    changed_settings: dict[str, tuple[Any, Any]]
    clients: pd.DataFrame
    #: Flag column to how many clients the draft raises it for and lowers it for (flags never change a grade).
    flag_moves: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def flag_sentence(self) -> str:
        """What the draft does to the flags beside the grades, in one sentence (``""`` when nothing changed)."""
        from grading.vocabulary import FLAGS

        if not self.changed_settings:
            return ""
        said = []
        for flag, (raised, lowered) in self.flag_moves.items():
            parts = ([f"raised for {count(raised, 'client')}"] if raised else []) + (
                [f"lowered for {count(lowered, 'client')}"] if lowered else [])
            if parts:
                said.append(f"{FLAGS[flag]} {' and '.join(parts)}")
        if not said:
            return "No flag is raised or lowered."
        return "Flags: " + "; ".join(said) + "."

    @property
    def count(self) -> int:
        """How many clients change rule grade."""
        return len(self.clients)

    @property
    def sentence(self) -> str:
        """The preview in one sentence."""
        if not self.changed_settings:
            return "These are the saved settings: no client changes grade."
        if not self.count:
            return "With these settings, no client changes grade."
        verb = "changes" if self.count == 1 else "change"
        return f"With these settings, {count(self.count, 'client')} {verb} grade."

    @property
    def effective_count(self) -> int:
        """How many of them change effective grade too (the others keep a manual or suggested grade)."""
        if not self.count:
            return 0
        before = self.clients["effective_grade_before"].astype("string").fillna("")
        return int((before != self.clients["effective_grade_after"].astype("string").fillna("")).sum())

    @property
    def effective_sentence(self) -> str:
        """What the change does to the effective grade (the one the pages colour by default), or ``""``."""
        if not self.count:
            return ""
        kept = self.count - self.effective_count
        if not kept:
            return "Each of them changes its effective grade as well: none has a manual or suggested grade."
        moving = "none" if not self.effective_count else f"{self.effective_count:,}"
        return (f"Of these, {moving} {'changes' if self.effective_count == 1 else 'change'} effective grade; "
                f"{count(kept, 'client')} {'keeps' if kept == 1 else 'keep'} a manual or suggested grade that "
                "stands before the rule grade.")


def changes_features(stored: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
    """Whether ``values`` (a draft, or every setting) move one of :data:`FEATURE_SETTINGS` from ``stored``: then
    the book must be graded again (:func:`book_for_preview`) rather than only scored again."""
    return any(name in values and values[name] != stored[name] for name in FEATURE_SETTINGS)


def book_for_preview(
    store: Store, as_of: date | str | None, models_dir: Path | str | None, window_months: int, labor_cost_rate: float
) -> pd.DataFrame:
    """Return the book graded on another scoring window or labor cost: the features, suggestions and manual grades
    that :func:`compare_grades` scores again with the draft (its own rule grades are not used).

    Only needed when the draft changes one of :data:`FEATURE_SETTINGS`; otherwise the book graded with the saved
    settings serves. The page keeps the result per window and labor cost, so it reads the month table once each.
    """
    from grading.scoring.portfolio import grade_portfolio

    return grade_portfolio(store, as_of, models_dir=models_dir, explain=False,
                           settings={"scoring_window_months": int(window_months),
                                     "labor_cost_rate": float(labor_cost_rate)})


def _criterion_labels() -> dict[str, str]:
    from grading.scoring.scorecard import CRITERIA

    return {f"points_{criterion.name}": criterion.label for criterion in CRITERIA}


def _why(before: pd.DataFrame, after: pd.DataFrame) -> list[str]:
    """Why each client's rule grade moved, in a few words: the small-client rule, the grade lines, or the
    criterion whose points moved most."""
    labels = _criterion_labels()
    points = [column for column in labels if column in before.columns and column in after.columns]
    moved_points = (after[points].fillna(0.0).to_numpy() - before[points].fillna(0.0).to_numpy()) if points else None
    # Plain arrays first: reading the frames cell by cell costs more than everything else here (10,000 clients).
    scores_before = before["rule_score"].to_numpy(dtype="float64")
    scores_after = after["rule_score"].to_numpy(dtype="float64")
    knocked_before = before["small_client_knockdown"].to_numpy(dtype="int64")
    knocked_after = after["small_client_knockdown"].to_numpy(dtype="int64")
    largest = np.abs(moved_points).argmax(axis=1) if points and len(before) else np.zeros(len(before), dtype=int)
    grades = {0: "no grade", 1: "one grade", 2: "two grades"}
    said = []
    for position in range(len(before)):
        score_before, score_after = scores_before[position], scores_after[position]
        if np.isnan(score_before) or np.isnan(score_after):
            said.append("No figures in one of the two windows: graded one way only")
            continue
        # The reason first (a narrow column shows its start), then the score.
        scores = f"score {score_before:.1f} → {score_after:.1f}"
        if knocked_before[position] != knocked_after[position]:
            said.append(f"Small-client rule takes {grades[int(knocked_after[position])]} off, not "
                        f"{grades[int(knocked_before[position])]}"
                        + ("" if abs(score_after - score_before) < 0.05 else f"; {scores}"))
        elif abs(score_after - score_before) < 0.05:
            said.append(f"The grade lines moved; score {score_after:.1f} as before")
        else:
            column = largest[position]
            said.append(f"{labels[points[column]]} {moved_points[position, column]:+.1f} points; {scores}")
    return said


def _change(before: pd.Series, after: pd.Series) -> list[str]:
    """Each grade's move as ``"A → B"``, or the grade alone where it stays (``"none"`` for a missing grade)."""
    said = []
    for old, new in zip(before.astype(object), after.astype(object), strict=True):
        old = old if isinstance(old, str) else "none"
        new = new if isinstance(new, str) else "none"
        said.append(old if old == new else f"{old} → {new}")
    return said


def compare_grades(
    saved: pd.DataFrame, book: pd.DataFrame, stored: Mapping[str, Any], proposed: Mapping[str, Any]
) -> SettingsPreview:
    """Score ``book`` with the draft settings and list the clients whose rule grade differs from ``saved``'s.

    Parameters
    ----------
    saved:
        The book graded with the saved settings (:func:`grading.scoring.portfolio.grade_portfolio`, without
        words).
    book:
        ``saved`` itself, or :func:`book_for_preview` when the draft changes the scoring window or the labor
        cost rate.
    stored:
        Every saved setting by name.
    proposed:
        Setting name to draft value; names left out keep their saved value.

    Returns
    -------
    SettingsPreview
        The clients whose rule grade moves, largest move first, then by name.

    Raises
    ------
    SettingError
        A draft value is invalid alone (the message names the setting), or the draft's thresholds contradict each
        other.
    """
    from grading.scoring.portfolio import effective_grades
    from grading.scoring.scorecard import score_clients

    checked = {name: coerce(name, value) for name, value in proposed.items()}
    changed = {name: (stored[name], value) for name, value in checked.items() if stored.get(name) != value}
    if not changed:
        return SettingsPreview(changed_settings={}, clients=pd.DataFrame(columns=list(PREVIEW_COLUMNS)))
    rescored = score_clients(book, {**stored, **checked}, explain=False)
    rule_after = rescored["rule_grade"]
    # The manual grade and the model's suggestion (on the book's features) still stand before the new rule grade.
    effective_after = effective_grades(book["manual_grade"], book["suggested_grade"], rule_after)
    after = pd.DataFrame({"client_id": book["client_id"].array, "rule_grade_after": rule_after.array,
                          "effective_grade_after": effective_after.array})
    before = saved[["client_id", "name", "rule_grade", "effective_grade"]].rename(
        columns={"rule_grade": "rule_grade_before", "effective_grade": "effective_grade_before"})
    both = before.merge(after, on="client_id", how="inner", validate="one_to_one")
    # A client without a rule grade (no figures) has none either way: missing equals missing here.
    moved = (both["rule_grade_before"].astype("string").fillna("")
             != both["rule_grade_after"].astype("string").fillna("")).to_numpy()
    rows = both.loc[moved].copy()
    saved_rows = saved.set_index("client_id").loc[rows["client_id"]]
    book_rows = pd.concat([book[["client_id"]], rescored.drop(columns="client_id", errors="ignore")], axis=1)
    rescored_rows = book_rows.set_index("client_id").loc[rows["client_id"]]
    rows["rule_score_before"] = saved_rows["rule_score"].to_numpy()
    rows["rule_score_after"] = rescored_rows["rule_score"].to_numpy()
    rows["why"] = _why(saved_rows, rescored_rows)
    # Each move in one short cell ("A → B"), for a list that has to fit beside the fields.
    rows["grade_change"] = _change(rows["rule_grade_before"], rows["rule_grade_after"])
    rows["effective_change"] = _change(rows["effective_grade_before"], rows["effective_grade_after"])
    def steps(grades: pd.Series) -> pd.Series:
        return pd.to_numeric(grades.astype(object).map(GRADE_RANK), errors="coerce")

    # A client graded only one way (no figures under the other window) sorts after the moves that can be counted.
    rows["_steps"] = (steps(rows["rule_grade_after"]) - steps(rows["rule_grade_before"])).abs().fillna(-1)
    rows = rows.sort_values(["_steps", "name"], ascending=[False, True], kind="stable")
    return SettingsPreview(changed_settings=changed, clients=rows[list(PREVIEW_COLUMNS)].reset_index(drop=True),
                           flag_moves=_flag_moves(saved, book, {**stored, **checked}))


def _flag_moves(saved: pd.DataFrame, book: pd.DataFrame, values: Mapping[str, Any]) -> dict[str, tuple[int, int]]:
    """How many clients each flag is raised and lowered for when ``book`` is flagged with ``values``."""
    from grading.scoring.flags import flag_clients
    from grading.vocabulary import FLAG_COLUMNS

    flagged = flag_clients(book, values, explain=False)
    before = saved.set_index("client_id").reindex(pd.Index(book["client_id"].array))
    moves = {}
    for flag in FLAG_COLUMNS:
        now = before[flag].fillna(False).to_numpy(dtype=bool)
        then = flagged[flag].to_numpy(dtype=bool)
        moves[flag] = (int((then & ~now).sum()), int((now & ~then).sum()))
    return moves


def preview_settings(
    store: Store,
    proposed: Mapping[str, Any],
    *,
    as_of: date | str | None = None,
    models_dir: Path | str | None = None,
) -> SettingsPreview:
    """Grade the book with the stored and with the proposed settings, and list the clients whose grade changes.

    What the settings editor shows live (it keeps the graded books between changes), in one call.

    Parameters
    ----------
    store:
        The open store (only read).
    proposed:
        Setting name to proposed value; names left out keep their stored value.
    as_of:
        The day to grade on (default today).
    models_dir:
        Where saved models are (for the suggested and so the effective grade).

    Returns
    -------
    SettingsPreview

    Raises
    ------
    SettingError
        A proposed value is invalid (the message names the setting).
    """
    from grading.scoring.portfolio import grade_portfolio

    stored = load_settings(store)
    checked = {name: coerce(name, value) for name, value in proposed.items()}
    if not any(stored.get(name) != value for name, value in checked.items()):
        return compare_grades(pd.DataFrame(), pd.DataFrame(), stored, {})
    saved = grade_portfolio(store, as_of, models_dir=models_dir, settings=stored, explain=False)
    values = {**stored, **checked}
    book = saved
    if changes_features(stored, checked):
        book = book_for_preview(store, as_of, models_dir, values["scoring_window_months"], values["labor_cost_rate"])
    return compare_grades(saved, book, stored, checked)
