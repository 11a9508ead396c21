"""What the review's client card shows, in large type on a shared screen: the three grades, the key figures in the
owner's currency, the reasons, the flags and the monthly revenue against hours.

Pure data shaping over one row of the graded portfolio and a small read of ``monthly_metrics``; nothing draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

from grading.formatting import hourly_rate, hours, money, percent
from grading.review import ReviewError
from grading.vocabulary import SERVICE_MODEL_WORDS

if TYPE_CHECKING:
    from grading.db.store import Store


_MONTHLY_SQL = """
SELECT month, revenue, labor_hours
FROM monthly_metrics
WHERE client_id = ? AND month >= ? AND month < ?
ORDER BY month
"""


@dataclass(frozen=True)
class ClientCard:
    """One client as the review shows it.

    Attributes
    ----------
    client_id, name:
        The client (``name`` is already an alias when the page anonymizes).
    about:
        Service model and seats in words, e.g. ``"break/fix, 12 seats"``.
    grades:
        ``Rule``, ``Suggested`` and ``Manual`` grade (as on every page) (``"-"`` where there is none), in that order.
    model_confidence:
        The model's confidence in its suggestion in words (``""`` without a suggestion).
    figures:
        Label to formatted figure over the scoring window: revenue, labor hours, effective hourly rate, gross
        margin, gross profit.
    reasons:
        The scorecard's reasons, one phrase a line (strongest, weakest, small-client rule, what is missing).
    flags:
        The raised flags in words (``""`` when none).
    """

    client_id: str
    name: str
    about: str
    grades: dict[str, str]
    model_confidence: str
    figures: dict[str, str]
    reasons: list[str]
    flags: str


def _text(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def client_card(portfolio: pd.DataFrame, client_id: str, currency: str = "EUR") -> ClientCard:
    """Return the card of ``client_id`` from the graded portfolio (pass the display frame to show aliases).

    Raises
    ------
    ReviewError
        The client is not in the portfolio (it may have been deleted since the session was made).
    """
    matches = portfolio.loc[portfolio["client_id"].astype(str) == str(client_id)]
    if matches.empty:
        raise ReviewError(f"Client '{client_id}' is no longer in the portfolio; skip it with Next.")
    row = matches.iloc[0]
    seats = pd.to_numeric(pd.Series([row.get("seats")]), errors="coerce").iloc[0]
    model = SERVICE_MODEL_WORDS.get(_text(row.get("service_model")), _text(row.get("service_model")) or "service n/a")
    about = model + (f", {int(seats)} seats" if pd.notna(seats) else "")
    confidence = pd.to_numeric(pd.Series([row.get("suggested_confidence")]), errors="coerce").iloc[0]
    labels = {"strongest": "Strongest: ", "weakest": "Weakest: "}
    reasons = [
        (labels.get(column, "") + _text(row.get(column))).strip()
        for column in ("strongest", "weakest", "small_client_note", "incomplete")
        if _text(row.get(column))
    ]
    return ClientCard(
        client_id=str(client_id),
        name=_text(row.get("name")) or str(client_id),
        about=about,
        grades={
            "Rule": _text(row.get("rule_grade")) or "-",
            "Suggested": _text(row.get("suggested_grade")) or "-",
            "Manual": _text(row.get("manual_grade")) or "-",
        },
        model_confidence=f"{percent(float(confidence))} sure" if pd.notna(confidence) else "",
        figures={
            "Revenue": money(_number(row, "revenue"), currency),
            "Labor hours": hours(_number(row, "labor_hours")),
            "Effective hourly rate": hourly_rate(_number(row, "effective_hourly_rate"), currency),
            "Gross margin": percent(_number(row, "gross_margin")),
            "Gross profit": money(_number(row, "gross_profit"), currency),
        },
        reasons=reasons,
        flags=_text(row.get("flags")),
    )


def _number(row: pd.Series, column: str) -> float | None:
    value = pd.to_numeric(pd.Series([row.get(column)]), errors="coerce").iloc[0]
    return float(value) if pd.notna(value) else None


def monthly_revenue_and_hours(store: Store, client_id: str, as_of: date, months: int = 24) -> pd.DataFrame:
    """Return a client's revenue and labor hours for the ``months`` full months before the month of ``as_of``.

    Returns
    -------
    pandas.DataFrame
        ``month`` (timestamp), ``revenue``, ``labor_hours``, oldest first; only months with figures.
    """
    end = as_of.replace(day=1)
    start = (pd.Timestamp(end) - pd.DateOffset(months=int(months))).date()
    frame = store.query(_MONTHLY_SQL, [str(client_id), start, end])
    frame["month"] = pd.to_datetime(frame["month"])
    for column in ("revenue", "labor_hours"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame


def display_names(portfolio: pd.DataFrame) -> dict[str, str]:
    """Return client id to the name to show (pass the display frame, whose names are aliases when anonymizing)."""
    return dict(zip(portfolio["client_id"].astype(str), portfolio["name"].astype(str), strict=True))
