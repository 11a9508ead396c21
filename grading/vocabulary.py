"""ClientGrade's words, defined once: the grades, where a grade comes from, the flags, the service models and the
caller-ID answers, each with the words the app shows for it, and :func:`grade_labels`, which turns a grade
column into those labels.

Every other module imports these from here (a unit test greps the tree for a second definition), so a new flag or
service model is added in one place. The database schema's CHECK constraints are migrations written once and
never edited; they repeat the stored values on purpose.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

#: The grades, best first.
GRADES: tuple[str, ...] = ("A", "B", "C", "D")
#: Each grade's place, best first (A is 0): how many steps lie between two grades.
GRADE_RANK: dict[str, int] = {grade: place for place, grade in enumerate(GRADES)}
#: How a client without a (valid) grade is shown and counted: in tables, charts, shares and the simulation.
UNGRADED = "not graded"
#: The grades and then the ungraded, the order of every table and legend.
GRADE_ORDER: tuple[str, ...] = (*GRADES, UNGRADED)

#: Where a grade comes from, and how the sidebar names it.
GRADE_SOURCE_LABELS: dict[str, str] = {
    "effective": "Effective (manual, else suggested, else rule)",
    "manual": "Manual (your own grades)",
    "rule": "Rule (the scorecard)",
    "suggested": "Suggested (the model)",
}
GRADE_SOURCES: tuple[str, ...] = tuple(GRADE_SOURCE_LABELS)
#: The graded portfolio's column of each grade source, e.g. ``"effective_grade"``.
GRADE_COLUMNS: tuple[str, ...] = tuple(f"{source}_grade" for source in GRADE_SOURCES)

#: The flags: the graded portfolio's boolean column -> the flag's name in words.
FLAGS: dict[str, str] = {
    "problem_client": "problem client",
    "flight_risk": "flight risk",
    "concentration": "concentration",
    "data_gaps": "data gaps",
}
FLAG_COLUMNS: tuple[str, ...] = tuple(FLAGS)

#: The service models a client can have, and how a sentence names them.
SERVICE_MODEL_WORDS: dict[str, str] = {
    "managed": "managed services",
    "break_fix": "break/fix",
    "project": "project work",
    "hybrid": "hybrid",
}
SERVICE_MODELS: tuple[str, ...] = tuple(SERVICE_MODEL_WORDS)

#: The caller-ID test's answers ("how do you feel when this client calls?") and how the app writes them.
CALLER_ID_ANSWERS: dict[str, str] = {"happy": "Happy", "neutral": "Neutral", "dread": "Dread"}
CALLER_IDS: tuple[str, ...] = tuple(CALLER_ID_ANSWERS)


def grade_labels(grades: pd.Series) -> pd.Series:
    """Return ``grades`` as ordered categories A, B, C, D and :data:`UNGRADED` (for missing or unknown grades).

    The one way a grade column becomes the label that tables, charts, shares and counts group by.

    Parameters
    ----------
    grades:
        Grades as text; case and surrounding spaces are ignored.

    Returns
    -------
    pandas.Series
        A categorical series with the categories of :data:`GRADE_ORDER`, on the index of ``grades``.
    """
    # Imported here so that importing the vocabulary (which every module does, the CLI's start-up included) does not
    # load pandas; whoever passes a Series has loaded it already.
    import pandas as pd

    text = grades.astype("string").str.strip().str.upper()
    labelled = text.where(text.isin(GRADES), UNGRADED).fillna(UNGRADED)
    return pd.Series(pd.Categorical(labelled, categories=GRADE_ORDER, ordered=True), index=grades.index)
