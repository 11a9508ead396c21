"""How consistent the grades are: between graders, between the model and the owner, and which clients to grade next.

- :func:`rater_agreement`: where two graders graded the same clients, their quadratic-weighted kappa, so an owner
  sees how consistent the "truth" the model learns from is.
- :func:`grade_these_next`: the clients whose manual grade would teach the model most: never graded or graded more
  than six months ago, ranked by how unsure the model is and how far it and the rules disagree.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from grading.formatting import percent
from grading.model.metrics import accuracy, confusion_frame, grade_codes, quadratic_weighted_kappa, within_one
from grading.vocabulary import GRADES

if TYPE_CHECKING:
    from grading.db.store import Store

__all__ = ["confusion_frame", "grade_these_next", "quadratic_weighted_kappa", "rater_agreement"]

#: A manual grade older than this many months is due for a fresh look.
STALE_AFTER_MONTHS = 6

RATER_COLUMNS: tuple[str, ...] = ("grader_a", "grader_b", "n_clients", "qwk", "accuracy", "within_one")

# Each grader's latest grade per client; graders without a name count as one unnamed grader.
_LATEST_BY_GRADER = """
SELECT client_id, grader, grade
FROM grade_events
QUALIFY row_number() OVER (PARTITION BY client_id, grader ORDER BY graded_on DESC, event_id DESC) = 1
"""


def rater_agreement(store: Store) -> pd.DataFrame:
    """Return the agreement of every pair of graders on the clients both graded (each one's latest grade).

    Parameters
    ----------
    store : Store
        The open store.

    Returns
    -------
    pandas.DataFrame
        One row per pair of graders with at least one client in common: ``grader_a``, ``grader_b``,
        ``n_clients``, ``qwk`` (NaN when undefined, e.g. both gave everyone the same grade), ``accuracy``
        (same grade) and ``within_one``. Empty (with these columns) when no two graders share a client.
    """
    latest = store.query(_LATEST_BY_GRADER)
    pairs = latest.merge(latest, on="client_id", suffixes=("_a", "_b"))
    pairs = pairs[pairs["grader_a"] < pairs["grader_b"]]
    if pairs.empty:
        return pd.DataFrame({column: pd.Series(dtype="float64") for column in RATER_COLUMNS}).astype(
            {"grader_a": "str", "grader_b": "str", "n_clients": "int64"}
        )
    rows = []
    # One group per pair of graders (a handful), each scored on whole arrays.
    for (grader_a, grader_b), shared in pairs.groupby(["grader_a", "grader_b"], sort=True):
        rows.append(
            {
                "grader_a": grader_a,
                "grader_b": grader_b,
                "n_clients": len(shared),
                "qwk": quadratic_weighted_kappa(shared["grade_a"], shared["grade_b"]),
                "accuracy": accuracy(shared["grade_a"], shared["grade_b"]),
                "within_one": within_one(shared["grade_a"], shared["grade_b"]),
            }
        )
    return pd.DataFrame(rows, columns=list(RATER_COLUMNS))


def _months_before(day: date, months: int) -> date:
    return (pd.Timestamp(day) - pd.DateOffset(months=months)).date()


def grade_these_next(store: Store, portfolio_frame: pd.DataFrame, *, as_of: date | str, limit: int | None = 20):
    """Rank the clients whose manual grade would teach the model most.

    Candidates are clients never graded and clients whose latest manual grade (on or before ``as_of``) is older
    than :data:`STALE_AFTER_MONTHS` months. Each gets a priority from 0 to about 3:

    - the model's uncertainty, ``1 - suggested_confidence`` (1 when there is no suggestion);
    - plus half the number of grades between the rule grade and the suggestion (they disagree: one is wrong);
    - plus 0.5 for a client never graded (a new example teaches more than a refreshed one).

    Parameters
    ----------
    store : Store
        The open store (the grade history).
    portfolio_frame : pandas.DataFrame
        The graded portfolio (:func:`grading.scoring.portfolio.grade_portfolio`): ``client_id`` and, where present,
        ``name``, ``rule_grade``, ``suggested_grade``, ``suggested_confidence``.
    as_of : date or str
        The day to judge staleness on.
    limit : int, optional
        How many clients to return (``None``: all candidates).

    Returns
    -------
    pandas.DataFrame
        Ranked, highest priority first: ``client_id``, ``name``, ``rule_grade``, ``suggested_grade``,
        ``suggested_confidence``, ``last_graded_on`` (missing if never), ``priority`` and ``why`` (plain words).
    """
    day = pd.Timestamp(as_of).date()
    latest = store.query(
        "SELECT client_id, max(graded_on) AS last_graded_on FROM grade_events WHERE graded_on <= ? "
        "GROUP BY client_id",
        [day],
    )
    latest["last_graded_on"] = pd.to_datetime(latest["last_graded_on"]).dt.date
    frame = portfolio_frame.copy()
    for column in ("name", "rule_grade", "suggested_grade"):
        if column not in frame.columns:
            frame[column] = None
    if "suggested_confidence" not in frame.columns:
        frame["suggested_confidence"] = np.nan
    frame = frame[["client_id", "name", "rule_grade", "suggested_grade", "suggested_confidence"]].merge(
        latest, on="client_id", how="left"
    )
    never = frame["last_graded_on"].isna().to_numpy()
    cutoff = _months_before(day, STALE_AFTER_MONTHS)
    stale = ~never & (pd.to_datetime(frame["last_graded_on"]) < pd.Timestamp(cutoff)).to_numpy()
    frame = frame[never | stale].copy()
    never = frame["last_graded_on"].isna().to_numpy()

    confidence = pd.to_numeric(frame["suggested_confidence"], errors="coerce").to_numpy(dtype="float64")
    uncertainty = np.where(np.isnan(confidence), 1.0, 1.0 - confidence)
    rule_codes = grade_codes(frame["rule_grade"])
    suggested_codes = grade_codes(frame["suggested_grade"])
    both = (rule_codes >= 0) & (suggested_codes >= 0)
    gap = np.where(both, np.abs(rule_codes - suggested_codes), 0)
    frame["priority"] = uncertainty + 0.5 * gap + 0.5 * never

    grade_names = np.asarray(GRADES, dtype=object)
    last_graded = frame["last_graded_on"].astype("string").fillna("").to_numpy(dtype=object)
    why_grade = np.where(never, "never graded", "last graded " + last_graded)
    why_model = np.where(
        np.isnan(confidence),
        "no suggestion",
        np.array(["the model is " + percent(value) + " sure" for value in np.nan_to_num(confidence)], dtype=object),
    )
    why_gap = np.where(
        gap > 0,
        "; rules say "
        + grade_names[np.clip(rule_codes, 0, 3)]
        + ", the model "
        + grade_names[np.clip(suggested_codes, 0, 3)],
        "",
    )
    frame["why"] = why_grade + "; " + why_model + why_gap
    frame = frame.sort_values(["priority", "client_id"], ascending=[False, True], kind="stable")
    if limit is not None:
        frame = frame.head(limit)
    return frame[
        [
            "client_id",
            "name",
            "rule_grade",
            "suggested_grade",
            "suggested_confidence",
            "last_graded_on",
            "priority",
            "why",
        ]
    ].reset_index(drop=True)
