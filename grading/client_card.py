"""What the client detail card shows: the monthly figures for a sparkline, the scorecard's criteria one by one,
and the manual grade history.

Pure functions over the store (through :class:`~grading.db.store.Store` methods) and over one row of the graded
portfolio; nothing here draws.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from grading.scoring import reasons
from grading.errors import ClientGradeError
from grading.grade_history import grade_history
from grading.scoring.scorecard import CRITERIA, Criterion, criterion_thresholds
from grading.settings import defaults

if TYPE_CHECKING:
    from grading.db.store import Store

GROUP_LABELS: dict[str, str] = {"financial": "Financial", "relationship": "Relationship", "caller_id": "Caller-ID"}

#: The columns of :func:`monthly_series`.
MONTHLY_COLUMNS: tuple[str, ...] = (
    "month",
    "revenue",
    "labor_hours",
    "direct_costs",
    "effective_hourly_rate",
    "tickets",
    "days_to_pay",
)

_MONTHLY_SQL = """
SELECT month, revenue, labor_hours, direct_costs,
       (revenue - coalesce(direct_costs, 0)) / nullif(labor_hours, 0) AS effective_hourly_rate,
       tickets, days_to_pay
FROM monthly_metrics
WHERE client_id = ? AND month >= ? AND month < ?
ORDER BY month
"""


def _month_start(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value).strip())
        except ValueError as error:
            raise ClientGradeError(f"'{value}' is not a date; write it as YYYY-MM-DD.") from error
    return value.replace(day=1)


def monthly_series(store: Store, client_id: str, as_of: date | datetime | str, *, months: int = 24) -> pd.DataFrame:
    """Return a client's monthly figures for the ``months`` full months before the month of ``as_of``.

    Parameters
    ----------
    store:
        The open store.
    client_id:
        The client.
    as_of:
        The day the card describes; its own month is left out (it is not over yet), as in the scorecard.
    months:
        How many months back to go (at least 1).

    Returns
    -------
    pandas.DataFrame
        :data:`MONTHLY_COLUMNS`, oldest month first, ``month`` as a timestamp; only months with figures.
        ``effective_hourly_rate`` is NaN for a month without hours.

    Raises
    ------
    ClientGradeError
        ``as_of`` is not a date or ``months`` is below 1.
    """
    if int(months) != months or months < 1:
        raise ClientGradeError(f"The sparkline needs at least one month; got {months}.")
    end = _month_start(as_of)
    start = (pd.Timestamp(end) - pd.DateOffset(months=int(months))).date()
    frame = store.query(_MONTHLY_SQL, [str(client_id), start, end])
    frame["month"] = pd.to_datetime(frame["month"])
    for column in MONTHLY_COLUMNS[1:]:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame[list(MONTHLY_COLUMNS)].reset_index(drop=True)


def _first(texts: Any) -> str:
    """The first of the texts a vectorised formatter returned (a Series or an array)."""
    return str(np.asarray(texts)[0])


def _threshold_text(criterion: Criterion, value: float, currency: str) -> str:
    """A threshold in the unit the owner reads the criterion in (money, percent, days, survey points)."""
    if criterion.value_format == "money":
        return _first(reasons.money(np.array([value]), currency))
    if criterion.value_format == "percent":
        return _first(reasons.numbers(np.array([value * 100]))) + "%"
    if criterion.value_format == "caller_id":
        return {0.0: "dread", 50.0: "neutral", 100.0: "happy"}.get(value, _first(reasons.numbers(np.array([value]))))
    return _first(reasons.numbers(np.array([value]), 1))


def criteria_breakdown(
    client: Mapping[str, Any] | pd.Series,
    settings: Mapping[str, Any] | None = None,
    criteria: tuple[Criterion, ...] = CRITERIA,
) -> pd.DataFrame:
    """Return the scorecard criteria of one client: what was measured, the score (0-100) and the points it gave.

    Parameters
    ----------
    client:
        One row of the graded portfolio (with ``score_<criterion>``, ``points_<criterion>`` and the features).
    settings:
        The settings: the currency and the thresholds shown beside each criterion; names left out take their
        defaults.
    criteria:
        The scorecard's criteria.

    Returns
    -------
    pandas.DataFrame
        One row per criterion, in scorecard order: ``group``, ``criterion``, ``measured`` (in plain words, e.g.
        ``"pays in 41 days on average"``; ``"no data"`` where the feature is missing), ``value`` (the feature,
        NaN where missing), ``zero_at`` and ``full_at`` (the thresholds as text), ``score`` (0-100), ``points``
        (its part of the rule score; NaN where it did not count) and ``counted``.
    """
    values = defaults() | dict(settings or {})
    row = pd.Series(client)
    one_client = pd.DataFrame([row.to_dict()])

    def number(name: str) -> float:
        value = pd.to_numeric(pd.Series([row.get(name, np.nan)]), errors="coerce").iloc[0]
        return float(value) if pd.notna(value) else float("nan")

    measured_values = [number(criterion.feature) for criterion in criteria]
    phrases = [
        _first(reasons.criterion_phrases(criterion, one_client, values)) if not np.isnan(value) else "no data"
        for criterion, value in zip(criteria, measured_values)
    ]
    thresholds = [criterion_thresholds(criterion, values) for criterion in criteria]
    currency = values["currency"]
    frame = pd.DataFrame(
        {
            "group": [GROUP_LABELS.get(criterion.group, criterion.group) for criterion in criteria],
            "criterion": [criterion.label for criterion in criteria],
            "measured": phrases,
            "value": measured_values,
            "zero_at": [
                _threshold_text(criterion, zero, currency) for criterion, (zero, _) in zip(criteria, thresholds)
            ],
            "full_at": [
                _threshold_text(criterion, full, currency) for criterion, (_, full) in zip(criteria, thresholds)
            ],
            "score": [number(f"score_{criterion.name}") for criterion in criteria],
            "points": [number(f"points_{criterion.name}") for criterion in criteria],
        }
    )
    frame["counted"] = frame["points"].notna()
    return frame


def display_grade(value: Any) -> str:
    """Return a grade for a card (``"-"`` where there is none)."""
    return str(value) if isinstance(value, str) and value else "-"


def display_score(value: Any) -> str:
    """Return a 0-100 score for a card, rounded (``"-"`` where there is none)."""
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return f"{number:.0f}" if pd.notna(number) else "-"


def client_summary(client: Mapping[str, Any] | pd.Series) -> str:
    """Return one line about the client: service model, seats, client since, flags."""
    row = pd.Series(client)
    parts = [f"{str(row.get('service_model') or 'unknown').replace('_', '/')} client"]
    seats = pd.to_numeric(pd.Series([row.get("seats")]), errors="coerce").iloc[0]
    if pd.notna(seats):
        parts.append(f"{int(seats):,} seats")
    since = row.get("client_since")
    if since is not None and pd.notna(since):
        parts.append(f"client since {pd.Timestamp(since):%B %Y}")
    flags = row.get("flags")
    text = ", ".join(parts) + "."
    return f"{text} Flags: {flags}." if isinstance(flags, str) and flags else f"{text} No flags."


def client_grade_history(store: Store, client_id: str, as_of: date | None = None) -> pd.DataFrame:
    """Return one client's manual grades, newest first: ``graded_on``, ``grade``, ``grader``, ``note``, ``source``.

    With ``as_of``, only those given on or before it (the card shows the client as of the sidebar's date).
    """
    history = grade_history(store, client_id, as_of=as_of)
    return history[["graded_on", "grade", "grader", "note", "source"]]


def client_row(portfolio: pd.DataFrame, client_id: str) -> pd.Series:
    """Return the graded portfolio's row of ``client_id``.

    Raises
    ------
    ClientGradeError
        No client in the portfolio has that id.
    """
    matches = portfolio.loc[portfolio["client_id"].astype(str) == str(client_id)]
    if matches.empty:
        raise ClientGradeError(f"There is no client with id '{client_id}' in the portfolio.")
    return matches.iloc[0]


def suggestion_differs(client: Mapping[str, Any] | pd.Series) -> bool:
    """Return True when the model suggested a grade and it differs from the owner's manual grade or, without one,
    from the rule grade."""
    row = pd.Series(client)
    suggested = row.get("suggested_grade")
    if suggested is None or pd.isna(suggested) or str(suggested) == "":
        return False
    manual = row.get("manual_grade")
    compare_with = manual if manual is not None and pd.notna(manual) and str(manual) != "" else row.get("rule_grade")
    return compare_with is None or pd.isna(compare_with) or str(compare_with) != str(suggested)
