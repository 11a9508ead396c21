"""The client card, one builder for the two pages that show it: the portfolio matrix (the detail card) and the live
review (the same card in large type, a view of it).

:func:`client_card` shapes one row of the graded portfolio into a :class:`ClientCard` (grades, figures, reasons,
flags); :func:`monthly_series` is the card's one read of the monthly figures (the matrix's sparkline and the
review's revenue-against-hours chart); :func:`criteria_breakdown` and :func:`client_grade_history` are the matrix
card's criteria and grade history. Nothing here draws.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from grading.errors import ClientGradeError
from grading.formatting import hourly_rate, hours, money, percent
from grading.grade_history import grade_history
from grading.review import ReviewError
from grading.scoring import reasons
from grading.scoring.scorecard import CRITERIA, Criterion, criterion_thresholds
from grading.settings import defaults
from grading.vocabulary import SERVICE_MODEL_WORDS

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
        ``effective_hourly_rate`` is NaN for a month without hours. The review's chart reads ``month``,
        ``revenue`` and ``labor_hours`` of the same frame.

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


def _text(value: object) -> str:
    """A text cell of the portfolio, ``""`` where it is missing."""
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _number(row: pd.Series, column: str) -> float | None:
    value = pd.to_numeric(pd.Series([row.get(column)]), errors="coerce").iloc[0]
    return float(value) if pd.notna(value) else None


#: The review shows these three grades, the matrix all four.
REVIEW_GRADES: tuple[str, ...] = ("Rule", "Suggested", "Manual")


@dataclass(frozen=True)
class ClientCard:
    """One client as its card shows it, on the matrix page and (as :meth:`review_grades` and the window figures) in
    the live review.

    Attributes
    ----------
    client_id, name:
        The client (``name`` is already an alias when the page anonymizes).
    about:
        Service model and seats in words, e.g. ``"break/fix, 12 seats"`` (the review's line under the name).
    summary:
        :func:`client_summary`: service model, seats, client since and flags (the matrix card's caption).
    grades:
        ``Rule``, ``Suggested``, ``Manual`` and ``Effective`` grade, in that order (``"-"`` where there is none).
    rule_score:
        The rule score (0-100) rounded, ``"-"`` where there is none.
    confidence:
        The model's confidence in its suggestion as a percentage (``"n/a"`` without one).
    effective_source:
        Which grade the effective grade was taken from.
    monthly_figures:
        Label to formatted figure, per month: revenue, hours, effective hourly rate, gross margin, and the gross
        profit over the scoring window (the matrix card).
    window_figures:
        Label to formatted figure over the scoring window: revenue, labor hours, effective hourly rate, gross
        margin, gross profit (the review card).
    reasons:
        The scorecard's reasons as one text (``""`` without any).
    reason_lines:
        The same reasons one phrase a line (strongest, weakest, small-client rule, what is missing).
    incomplete:
        What data is missing, in words (``""`` when nothing is).
    suggestion_reasons:
        Why the model suggests its grade, where that grade differs from the manual (else the rule) grade;
        ``None`` where it does not differ.
    flags:
        The raised flags in words (``""`` when none).
    """

    client_id: str
    name: str
    about: str
    summary: str
    grades: dict[str, str]
    rule_score: str
    confidence: str
    effective_source: str
    monthly_figures: dict[str, str]
    window_figures: dict[str, str]
    reasons: str
    reason_lines: list[str]
    incomplete: str
    suggestion_reasons: str | None
    flags: str

    @property
    def review_grades(self) -> dict[str, str]:
        """The grades the review shows: rule, suggested and manual."""
        return {label: self.grades[label] for label in REVIEW_GRADES}

    @property
    def model_confidence(self) -> str:
        """The model's confidence in words for the review (``""`` without a suggestion)."""
        return f"{self.confidence} sure" if self.confidence != "n/a" else ""


def _figures(row: pd.Series, currency: str, *, per_month: bool) -> dict[str, str]:
    """The card's five figures, label to text: revenue and hours per month (the matrix) or over the scoring window
    (the review), then the rate, the margin and the window's gross profit."""
    revenue, labor = ("avg_monthly_revenue", "avg_monthly_hours") if per_month else ("revenue", "labor_hours")
    labels = (("Revenue per month", "Hours per month", "Gross profit (window)") if per_month
              else ("Revenue (window)", "Labor hours (window)", "Gross profit (window)"))
    return {
        labels[0]: money(_number(row, revenue), currency),
        labels[1]: hours(_number(row, labor)),
        "Effective hourly rate": hourly_rate(_number(row, "effective_hourly_rate"), currency),
        "Gross margin": percent(_number(row, "gross_margin")),
        labels[2]: money(_number(row, "gross_profit"), currency),
    }


def client_card(client: Mapping[str, Any] | pd.Series, currency: str = "EUR") -> ClientCard:
    """Return the card of one client.

    Parameters
    ----------
    client:
        The client's row of the graded portfolio with its words (pass a row of the display frame to show
        aliases); :func:`client_row` finds it.
    currency:
        The currency the amounts are written in.
    """
    row = pd.Series(client)
    seats = pd.to_numeric(pd.Series([row.get("seats")]), errors="coerce").iloc[0]
    model = SERVICE_MODEL_WORDS.get(_text(row.get("service_model")), _text(row.get("service_model")) or "service n/a")
    labels = {"strongest": "Strongest: ", "weakest": "Weakest: "}
    reason_lines = [
        (labels.get(column, "") + _text(row.get(column))).strip()
        for column in ("strongest", "weakest", "small_client_note", "incomplete")
        if _text(row.get(column))
    ]
    return ClientCard(
        client_id=str(row.get("client_id")),
        name=_text(row.get("name")) or str(row.get("client_id")),
        about=model + (f", {int(seats)} seats" if pd.notna(seats) else ""),
        summary=client_summary(row),
        grades={
            "Rule": display_grade(row.get("rule_grade")),
            "Suggested": display_grade(row.get("suggested_grade")),
            "Manual": display_grade(row.get("manual_grade")),
            "Effective": display_grade(row.get("effective_grade")),
        },
        rule_score=display_score(row.get("rule_score")),
        confidence=percent(_number(row, "suggested_confidence")),
        effective_source=_text(row.get("effective_grade_source")),
        monthly_figures=_figures(row, currency, per_month=True),
        window_figures=_figures(row, currency, per_month=False),
        reasons=_text(row.get("reasons")),
        reason_lines=reason_lines,
        incomplete=_text(row.get("incomplete")),
        suggestion_reasons=_text(row.get("suggestion_reasons")) if suggestion_differs(row) else None,
        flags=_text(row.get("flags")),
    )


def review_card(portfolio: pd.DataFrame, client_id: str, currency: str = "EUR") -> ClientCard:
    """Return the card of ``client_id`` as the live review walks to it (pass the display frame to show aliases).

    Raises
    ------
    ReviewError
        The client is not in the portfolio (it may have been deleted since the session was made).
    """
    try:
        row = client_row(portfolio, client_id)
    except ClientGradeError as error:
        raise ReviewError(f"Client '{client_id}' is no longer in the portfolio; skip it with Next.") from error
    return client_card(row, currency)

