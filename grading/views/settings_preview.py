"""What a change of settings would do before it is saved: "with these settings, 4 clients change grade".

The settings editor shows this live: the book is graded with the stored settings and with the proposed ones, and
every client whose rule grade moves is listed with its grade before and after (and its effective grade, which
moves only where no manual or suggested grade stands before the rule grade).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from grading.formatting import count
from grading.settings import coerce, load_settings

if TYPE_CHECKING:
    from grading.db.store import Store

PREVIEW_COLUMNS = ("client_id", "name", "rule_score_before", "rule_score_after", "rule_grade_before",
                   "rule_grade_after", "effective_grade_before", "effective_grade_after")


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


def preview_settings(
    store: Store,
    proposed: Mapping[str, Any],
    *,
    as_of: date | str | None = None,
    models_dir: Path | str | None = None,
) -> SettingsPreview:
    """Grade the book with the stored and with the proposed settings, and list the clients whose grade changes.

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
    changed = {name: (stored[name], value) for name, value in checked.items() if stored.get(name) != value}
    columns = ["client_id", "name", "rule_score", "rule_grade", "effective_grade"]
    if not changed:
        return SettingsPreview(changed_settings={}, clients=pd.DataFrame(columns=list(PREVIEW_COLUMNS)))
    before = grade_portfolio(store, as_of, models_dir=models_dir, settings=stored, explain=False)[columns]
    after = grade_portfolio(store, as_of, models_dir=models_dir, settings={**stored, **checked}, explain=False)
    both = before.merge(after[columns].drop(columns="name"), on="client_id", suffixes=("_before", "_after"))
    # A client without a rule grade (no figures) has none either way: missing equals missing here.
    grade_before = both["rule_grade_before"].astype("string").fillna("")
    grade_after = both["rule_grade_after"].astype("string").fillna("")
    moved = both.loc[(grade_before != grade_after).to_numpy()].copy()
    rank = {"A": 0, "B": 1, "C": 2, "D": 3}
    moved["_steps"] = (moved["rule_grade_after"].map(rank) - moved["rule_grade_before"].map(rank)).abs()
    moved = moved.sort_values(["_steps", "name"], ascending=[False, True], kind="stable")
    return SettingsPreview(changed_settings=changed,
                           clients=moved[list(PREVIEW_COLUMNS)].reset_index(drop=True))
