"""The graded portfolio: one frame with every client's rule, suggested, manual and effective grade.

This is what ``python -m grading grade`` writes and what the app's pages show, so they always agree: the features
as of a date, the scorecard and its reasons, the flags, the model's suggestion where a model is saved, and the
manual grade the owner had given by that date.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from grading import paths
from grading.features import DESCRIPTIVE_COLUMNS, FEATURE_COLUMNS, as_date, client_features
from grading.flags import flag_clients
from grading.scorecard import score_clients
from grading.settings import defaults, load_settings

if TYPE_CHECKING:
    from grading.store import Store

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

_MANUAL_GRADES_AS_OF = """
SELECT client_id, grade AS manual_grade, graded_on AS manual_graded_on
FROM grade_events
WHERE graded_on <= ?
QUALIFY row_number() OVER (PARTITION BY client_id ORDER BY graded_on DESC, event_id DESC) = 1
"""


def manual_grades_as_of(store: Store, as_of: date) -> pd.DataFrame:
    """Return each client's manual grade as it stood on ``as_of``: its latest grade event on or before that day.

    The rule is the ``current_grades`` view's (latest date; on one date, the event recorded last), applied only
    to events up to ``as_of``, so grading a past date shows what the owner had decided by then.

    Returns
    -------
    pandas.DataFrame
        Columns ``client_id``, ``manual_grade``, ``manual_graded_on`` (a date); clients never graded are absent.
    """
    frame = store.query(_MANUAL_GRADES_AS_OF, [as_of])
    frame["manual_graded_on"] = pd.to_datetime(frame["manual_graded_on"]).dt.date
    return frame


def suggestions_from_model(store: Store, features: pd.DataFrame, models_dir: Path) -> pd.DataFrame:
    """Return the model's suggested grades for the clients in ``features``; empty when there is no model module.

    The one place the portfolio calls the model: ``grading.model.suggest.suggest_for_features``, which returns
    ``client_id``, ``suggested_grade``, ``suggested_confidence`` and ``suggestion_reasons``.
    """
    try:
        from grading.model.suggest import suggest_for_features
    except ModuleNotFoundError as error:
        # Only a missing suggest module means "no suggestions yet"; a broken import inside it must surface.
        if error.name not in {"grading.model", "grading.model.suggest"}:
            raise
        return pd.DataFrame(columns=["client_id", "suggested_grade", "suggested_confidence", "suggestion_reasons"])
    return suggest_for_features(store, features, models_dir)


def grade_portfolio(
    store: Store,
    as_of: date | str | None = None,
    *,
    models_dir: Path | str | None = None,
    settings: Mapping[str, Any] | None = None,
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

    Returns
    -------
    pandas.DataFrame
        One row per client, ordered by ``client_id``, with :data:`LEADING_COLUMNS` first, then
        ``score_<criterion>`` and ``points_<criterion>``, then the other feature columns.
        ``effective_grade`` is the manual grade if set, else the suggested one, else the rule grade, and
        ``effective_grade_source`` says which.

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
    scored = score_clients(features, values).drop(columns="client_id")
    flagged = flag_clients(features, values)
    graded = pd.concat([features, scored, flagged], axis=1)

    manual = manual_grades_as_of(store, as_of)
    # The suggestion compares itself with the rule grade: hand it the one just scored rather than scoring twice.
    suggested = suggestions_from_model(store, features.assign(rule_grade=scored["rule_grade"]), models)
    suggested = suggested[["client_id", "suggested_grade", "suggested_confidence", "suggestion_reasons"]]
    graded = graded.merge(manual, on="client_id", how="left").merge(suggested, on="client_id", how="left")

    graded["suggested_grade"] = graded["suggested_grade"].astype("str")
    graded["suggested_confidence"] = pd.to_numeric(graded["suggested_confidence"]).astype("float64")
    graded["suggestion_reasons"] = graded["suggestion_reasons"].astype("str")
    graded["manual_grade"] = graded["manual_grade"].astype("str")
    effective = graded["manual_grade"].fillna(graded["suggested_grade"]).fillna(graded["rule_grade"])
    source = pd.Series(None, index=graded.index, dtype="str")
    source = source.mask(graded["rule_grade"].notna(), "rule")
    source = source.mask(graded["suggested_grade"].notna(), "suggested")
    source = source.mask(graded["manual_grade"].notna(), "manual")
    graded["effective_grade"] = effective
    graded["effective_grade_source"] = source

    criterion_columns = [column for column in scored.columns if column.startswith(("score_", "points_"))]
    leading = list(LEADING_COLUMNS)
    rest = [
        column
        for column in [*DESCRIPTIVE_COLUMNS, *FEATURE_COLUMNS, *flagged.columns]
        if column not in leading
    ]
    return graded[leading + criterion_columns + list(dict.fromkeys(rest))].reset_index(drop=True)
