"""The graded portfolio: one frame with every client's rule, suggested, manual and effective grade.

This is what ``python -m grading grade`` writes and what the app's pages show, so they always agree: the features
as of a date, the scorecard and its reasons, the flags, the model's suggestion where a model is saved, and the
manual grade the owner had given by that date.

The words (reasons, suggestion reasons, flags, notes) cost more than all the numbers together, and a page shows
a few dozen rows: ``grade_portfolio(..., explain=False)`` computes every number, grade and flag without them, and
:func:`explain_portfolio` writes them for the rows that are read, identical to what the full grading writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from grading.db import paths
from grading.errors import ClientGradeError
from grading.grade_history import grades_as_of
from grading.scoring.features import DESCRIPTIVE_COLUMNS, FEATURE_COLUMNS, as_date, calendar_dates, client_features
from grading.scoring.flags import book_median_rate, flag_clients, flag_words
from grading.scoring.scorecard import score_clients, score_words
from grading.settings import defaults, load_settings

if TYPE_CHECKING:
    from grading.model.suggest import SuggestingModel
    from grading.db.store import Store

#: The columns every caller can count on, first and in this order; the per-criterion scores and points and the
#: remaining features follow.
LEADING_COLUMNS: tuple[str, ...] = (
    "client_id",
    "name",
    "service_model",
    "seats",
    "rule_score",
    "rule_grade",
    "suggested_grade",
    "suggested_confidence",
    "manual_grade",
    "manual_graded_on",
    "effective_grade",
    "effective_grade_source",
    "revenue",
    "direct_costs",
    "labor_hours",
    "gross_profit",
    "gross_margin",
    "effective_hourly_rate",
    "financial_score",
    "relationship_score",
    "caller_id_score",
    "grade_before_knockdown",
    "small_client_knockdown",
    "incomplete",
    "strongest",
    "weakest",
    "small_client_note",
    "reasons",
    "suggestion_reasons",
    "problem_client",
    "flight_risk",
    "concentration",
    "data_gaps",
    "revenue_share",
    "flags",
)

_AS_MANUAL = {"grade": "manual_grade", "graded_on": "manual_graded_on"}

def manual_grades_as_of(store: Store, as_of: date) -> pd.DataFrame:
    """Return each client's manual grade as it stood on ``as_of``: its latest grade event on or before that day.

    The rule is :func:`grading.grade_history.grades_as_of`'s (latest date; on one date, the event recorded last),
    so grading a past date shows what the owner had decided by then.

    Returns
    -------
    pandas.DataFrame
        Columns ``client_id``, ``manual_grade``, ``manual_graded_on`` (a date); clients never graded are absent.
    """
    frame = grades_as_of(store, as_of).rename(columns=_AS_MANUAL)
    frame["manual_graded_on"] = calendar_dates(frame["manual_graded_on"])
    return frame


def _manual_grades_beside(store: Store, as_of: date, client_ids: pd.Series) -> pd.DataFrame:
    """Each client's manual grade as of ``as_of``, row for row beside ``client_ids`` (missing where none)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    latest = grades_as_of(store, as_of).rename(columns=_AS_MANUAL)
    # Each client's row among the latest grades (-1 where it has none), found by Arrow's hash lookup: pandas'
    # reindex on the client ids cost three times as much (a second of a million clients' grading).
    rows = (
        pc.index_in(
            pa.array(client_ids.astype("str").array, type=pa.large_string()),
            value_set=pa.array(latest["client_id"].astype("str").array, type=pa.large_string()),
        )
        .fill_null(-1)
        .to_numpy(zero_copy_only=False)
    )
    graded_on = pd.Series(latest["manual_graded_on"].array.take(rows, allow_fill=True))
    frame = pd.DataFrame(
        {
            "client_id": client_ids.array,
            "manual_grade": latest["manual_grade"].array.take(rows, allow_fill=True),
            # NaN where a client has no grade, as a left merge would leave it.
            "manual_graded_on": calendar_dates(graded_on, missing=np.nan).array,
        }
    )
    return frame.set_axis(client_ids.index)


#: The columns that are words for the owner to read, in :data:`LEADING_COLUMNS` order. ``grade_portfolio(...,
#: explain=False)`` leaves them out; :func:`explain_portfolio` writes them for the rows wanted.
TEXT_COLUMNS: tuple[str, ...] = (
    "incomplete",
    "strongest",
    "weakest",
    "small_client_note",
    "reasons",
    "suggestion_reasons",
    "flags",
)

# Where a graded frame keeps what its words need beyond its own rows (see GradingContext).
_CONTEXT = "clientgrade.grading"


@dataclass(frozen=True, eq=False)
class GradingContext:
    """What a graded portfolio's words need besides its rows' own figures, kept in the frame's ``attrs``.

    pandas carries ``attrs`` into row selections (``loc``, ``iloc``, masks, ``sort_values``, ``head``, copies and
    pickles), so any rows taken from a graded frame can still be explained; a ``merge`` with another frame drops them.

    Attributes
    ----------
    settings:
        The settings the portfolio was graded with (all names).
    median_rate:
        The portfolio's median effective hourly rate, which a flight risk's words quote.
    model:
        The model that suggested the grades, or None.
    """

    settings: dict[str, Any]
    median_rate: float
    model: SuggestingModel | None

    # Immutable by intent: pandas deep-copies ``attrs`` on every operation, and one shared context is enough.
    def __copy__(self) -> GradingContext:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> GradingContext:
        return self


def suggestions_from_model(
    store: Store, features: pd.DataFrame, models_dir: Path
) -> tuple[pd.DataFrame, SuggestingModel | None]:
    """Return the model's suggested grades for the clients in ``features``, and the model that made them.

    The one place the portfolio calls the model: ``grading.model.suggest.suggest_grades``, which returns
    ``client_id``, ``suggested_grade`` and ``suggested_confidence`` on ``features``' index; with no model module,
    every suggestion is missing.
    """
    try:
        from grading.model.suggest import suggest_grades
    except ModuleNotFoundError as error:
        # Only a missing suggest module means "no suggestions yet"; a broken import inside it must surface.
        if error.name not in {"grading.model", "grading.model.suggest"}:
            raise
        empty = pd.DataFrame(
            {
                "client_id": features["client_id"].array,
                "suggested_grade": pd.Series([None] * len(features), dtype="str", index=features.index),
                "suggested_confidence": np.full(len(features), np.nan),
            },
            index=features.index,
        )
        return empty, None
    return suggest_grades(store, features, models_dir)


def effective_grades(manual: pd.Series, suggested: pd.Series, rule: pd.Series) -> pd.Series:
    """Return the effective grade per client: the owner's manual grade, else the model's suggestion, else the rule
    grade (all three on one index)."""
    return manual.fillna(suggested).fillna(rule)


def grade_portfolio(
    store: Store,
    as_of: date | str | None = None,
    *,
    models_dir: Path | str | None = None,
    settings: Mapping[str, Any] | None = None,
    explain: bool = True,
) -> pd.DataFrame:
    """Grade every client as of a date: rule, suggested, manual and effective grade, reasons, flags and features.

    Parameters
    ----------
    store:
        The open store.
    as_of:
        The day to grade on (a date or ``YYYY-MM-DD``); default today. Metrics count for the full months before
        it (the scoring window), assessments and manual grades on or before it.
    models_dir:
        Where saved models are (default: ``$CLIENTGRADE_MODELS``, else ``models/``).
    settings:
        The settings to grade with (default: :func:`grading.settings.load_settings` of ``store``); names left
        out take their defaults.
    explain:
        Write the words (:data:`TEXT_COLUMNS`) for every client. Without them every number, grade and flag is
        still there, and :func:`explain_portfolio` writes the words later for the rows someone reads.

    Returns
    -------
    pandas.DataFrame
        One row per client, ordered by ``client_id``, with :data:`LEADING_COLUMNS` first (but
        :data:`TEXT_COLUMNS` without ``explain``), then ``score_<criterion>`` and ``points_<criterion>``, then
        the other feature columns. ``effective_grade`` is the manual grade if set, else the suggested one, else
        the rule grade, and ``effective_grade_source`` says which. Its ``attrs`` hold what
        :func:`explain_portfolio` needs.

    Raises
    ------
    ClientGradeError
        ``as_of`` is not a date.
    SettingError
        The scorecard's thresholds contradict each other.
    """
    as_of = date.today() if as_of is None else as_date(as_of)
    values = defaults() | dict(load_settings(store) if settings is None else settings)
    models = paths.models_dir(models_dir)

    features = client_features(
        store, as_of, window_months=int(values["scoring_window_months"]), labor_cost_rate=values["labor_cost_rate"]
    )
    scored = score_clients(features, values, explain=False).drop(columns="client_id")
    flagged = flag_clients(features, values, explain=False)
    # The suggestion compares itself with the rule grade: hand it the one just scored rather than scoring twice.
    suggested, model = suggestions_from_model(store, features.assign(rule_grade=scored["rule_grade"]), models)

    # Every piece is on the features' index, in client order: columns are placed side by side, not merged.
    manual = _manual_grades_beside(store, as_of, features["client_id"])
    manual_grade = manual["manual_grade"].astype("str")
    suggested_grade = suggested["suggested_grade"].astype("str")
    rule_grade = scored["rule_grade"]
    source = pd.Series(None, index=features.index, dtype="str")
    source = source.mask(rule_grade.notna(), "rule")
    source = source.mask(suggested_grade.notna(), "suggested")
    source = source.mask(manual_grade.notna(), "manual")
    decided = pd.DataFrame(
        {
            "suggested_grade": suggested_grade,
            # Whole percents: a table and a sentence then round the same number the same way (56% in one place
            # and "57% sure" in the other was a confidence of 0.565 rounded two ways).
            "suggested_confidence": pd.to_numeric(suggested["suggested_confidence"]).astype("float64").round(2),
            "manual_grade": manual_grade,
            "manual_graded_on": manual["manual_graded_on"],
            "effective_grade": effective_grades(manual_grade, suggested_grade, rule_grade),
            "effective_grade_source": source,
        },
        index=features.index,
    )
    graded = pd.concat([features, scored, flagged, decided], axis=1)

    criterion_columns = [column for column in scored.columns if column.startswith(("score_", "points_"))]
    leading = [column for column in LEADING_COLUMNS if column not in TEXT_COLUMNS]
    rest = [
        column
        for column in [*DESCRIPTIVE_COLUMNS, *FEATURE_COLUMNS, *flagged.columns]
        if column not in LEADING_COLUMNS
    ]
    graded = graded[leading + criterion_columns + list(dict.fromkeys(rest))].reset_index(drop=True)
    graded.attrs[_CONTEXT] = GradingContext(values, book_median_rate(features), model)
    return explain_portfolio(graded) if explain else graded


def explain_portfolio(graded: pd.DataFrame) -> pd.DataFrame:
    """Return ``graded`` with the words added: :data:`TEXT_COLUMNS`, as ``grade_portfolio`` writes them.

    Parameters
    ----------
    graded:
        A frame from ``grade_portfolio(..., explain=False)``, or any rows of it with all its columns (taken with
        ``loc``, ``iloc``, a mask, ``sort_values``, ``head``...: they keep the frame's ``attrs``); columns added
        to it stay, after the leading ones. The words of a row depend on its
        own figures and on what the whole portfolio was graded with, never on the other rows passed, so a page
        explains only the rows it shows and gets the words the full portfolio would have. No query is made; the
        model that suggested the grades is read back (from memory after its first use) only for rows that have
        a suggestion.

    Returns
    -------
    pandas.DataFrame
        ``graded``'s rows, on its index, with :data:`LEADING_COLUMNS` first (text columns included, replacing any
        already there) and its other columns after, in their order.

    Raises
    ------
    ClientGradeError
        ``graded`` did not come from :func:`grade_portfolio` (or lost its ``attrs`` in a merge).
    """
    context = graded.attrs.get(_CONTEXT)
    if not isinstance(context, GradingContext):
        raise ClientGradeError(
            "These rows do not carry what their words need: pass rows taken from grade_portfolio's frame "
            "(a merge drops it; explain first, or take the rows from the graded frame)."
        )
    words = score_words(graded, context.settings)
    words["flags"] = flag_words(graded, context.settings, median_rate=context.median_rate)
    if context.model is not None and graded["suggested_grade"].notna().any():
        from grading.model.suggest import explain_suggestions

        # Written for the rows with a suggestion only; missing for the others.
        words["suggestion_reasons"] = explain_suggestions(graded, graded["suggested_grade"], context.model).array
    else:
        words["suggestion_reasons"] = pd.Series([None] * len(graded), index=graded.index, dtype="str")
    present = [column for column in TEXT_COLUMNS if column in graded.columns]
    explained = pd.concat([graded.drop(columns=present) if present else graded, words], axis=1)
    order = [*LEADING_COLUMNS, *(column for column in graded.columns if column not in LEADING_COLUMNS)]
    explained = explained[[column for column in order if column in explained.columns]]
    explained.attrs = graded.attrs
    return explained
