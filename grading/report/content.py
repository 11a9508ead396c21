"""What goes into the meeting pack, gathered from one book as of one date; no layout here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import altair as alt
import pandas as pd

from grading.db import paths
from grading.anonymize import anonymize_frame, stored_aliases
from grading.charts.matrix import portfolio_matrix_chart
from grading.charts.overview import grade_mix_chart
from grading.views.churn_impact import simulation_portfolio
from grading.scoring.features import as_date
from grading.views.overview import Headline, grade_mix, grade_story, headline_numbers
from grading.views.portfolio_matrix import grade_boundaries
from grading.views.suggested_vs_manual import disagreement_queue
from grading.review.summary import ReviewSummary, build_summary, impact_table
from grading.review.sessions import list_sessions, load_session
from grading.settings import load_settings
from grading.simulation import Scenario
from grading.simulation.story import ChurnStory, churn_story

if TYPE_CHECKING:
    from grading.db.store import Store

#: The D clients' columns in the pack, in order.
D_CLIENT_COLUMNS = (
    "name", "revenue", "labor_hours", "effective_hourly_rate", "gross_margin", "effective_grade_source", "reasons",
)
#: The disagreements' columns in the pack, in order.
DISAGREEMENT_COLUMNS = ("name", "manual_grade", "suggested_grade", "suggested_confidence", "rule_grade")


@dataclass(frozen=True, eq=False)
class MeetingPack:
    """Everything the meeting pack shows, names already replaced when anonymized.

    Attributes
    ----------
    book, as_of, currency, window_months:
        The book's name, the date, the currency amounts are in and the scoring window.
    headline:
        :func:`grading.views.overview.headline_numbers`.
    mix, mix_story:
        :func:`grading.views.overview.grade_mix` of the effective grades and its sentence about the D clients.
    charts:
        Title to Altair chart: the grade mix and the portfolio matrix, from the pages' own builders.
    d_clients:
        The D clients (effective grade), largest revenue first, with :data:`D_CLIENT_COLUMNS`.
    churn:
        What firing every D client would do (nothing resold), or None without D clients.
    churn_table:
        ``figure``, ``before``, ``after``, ``change`` of the churn story, gross profit first.
    summary:
        The review session's summary, or None when there is no session.
    disagreements:
        Where the model's suggestion differs from the owner's grade, surest first, :data:`DISAGREEMENT_COLUMNS`.
    anonymized:
        Whether client names were replaced by aliases (and typed text hidden).
    notes:
        Sentences on what could not be included, for the pack to say.
    """

    book: str
    as_of: date
    currency: str
    window_months: int
    headline: Headline
    mix: pd.DataFrame
    mix_story: str | None
    charts: dict[str, alt.TopLevelMixin]
    d_clients: pd.DataFrame
    churn: ChurnStory | None
    churn_table: pd.DataFrame
    summary: ReviewSummary | None
    disagreements: pd.DataFrame
    anonymized: bool
    notes: list[str] = field(default_factory=list)


def _latest_session(store: Store) -> int | None:
    sessions = list_sessions(store)
    return None if sessions.empty else int(sessions["session_id"].iloc[0])


def build_pack(
    store: Store,
    as_of: date | str | None = None,
    *,
    book: str = "",
    models_dir: str | Path | None = None,
    session_id: int | None = None,
    anonymize: bool = False,
    portfolio: pd.DataFrame | None = None,
    settings: dict[str, Any] | None = None,
) -> MeetingPack:
    """Gather the meeting pack of ``store`` as of ``as_of``.

    Parameters
    ----------
    store:
        The book.
    as_of:
        The date (default today).
    book:
        The book's name, for the title page (the MSP's name; never a client's).
    models_dir:
        Where the book's models are (default :func:`grading.db.paths.models_dir`).
    session_id:
        The review session to report; default the latest one, and none when the book has no session.
    anonymize:
        Replace client names by the book's aliases everywhere, and hide typed text (session title, attendees,
        notes, typed plan steps) that may quote a name.
    portfolio:
        The graded portfolio with its words (``grade_portfolio(..., explain=True)``), when the caller has it
        already (the app); graded here otherwise.
    settings:
        The book's settings (default: as stored).

    Returns
    -------
    MeetingPack

    Raises
    ------
    ReviewError
        ``session_id`` names no session.
    """
    from grading.scoring.portfolio import grade_portfolio

    day = date.today() if as_of is None else as_date(as_of)
    if session_id is not None:
        # A session that is not there is refused before the book is graded, charted and simulated for nothing
        # (the summary below would refuse it with the same error, after all that).
        load_session(store, session_id)
    values = dict(settings) if settings is not None else load_settings(store)
    currency = str(values["currency"])
    window = int(values["scoring_window_months"])
    if portfolio is None or "reasons" not in portfolio.columns:
        portfolio = grade_portfolio(store, day, models_dir=paths.models_dir(models_dir), settings=values)
    numbers = stored_aliases(store) if anonymize else {}

    def shown(frame: pd.DataFrame) -> pd.DataFrame:
        return anonymize_frame(frame, numbers) if anonymize else frame

    mix = grade_mix(portfolio, "effective")
    displayed = shown(portfolio)
    charts = {
        "Grade mix": grade_mix_chart(mix, currency=currency, grade_title="Effective grade").properties(width=520),
        "Portfolio matrix": portfolio_matrix_chart(
            displayed, grade_boundaries(values), currency=currency
        ).properties(width=520, height=400),
    }
    is_d = portfolio["effective_grade"].astype("object").eq("D")
    d_clients = displayed.loc[is_d.to_numpy()].sort_values("revenue", ascending=False, kind="stable")
    d_clients = d_clients[list(D_CLIENT_COLUMNS)].reset_index(drop=True)

    churn, churn_rows = None, pd.DataFrame(columns=["figure", "before", "after", "change"])
    if is_d.any():
        churn = churn_story(
            simulation_portfolio(displayed, window),
            Scenario(fire_grades=("D",), grade_source="effective"),
            labor_cost_rate=float(values["labor_cost_rate"]),
            window_months=window,
            currency=currency,
        )
        churn_rows = impact_table(churn.plain, currency)

    notes: list[str] = []
    chosen = session_id if session_id is not None else _latest_session(store)
    summary = None
    if chosen is not None:
        summary = build_summary(store, chosen, portfolio, settings=values, anonymize=anonymize)
    else:
        notes.append("This book has no review session yet, so there are no decisions or lift plans to report.")

    disagreements = shown(disagreement_queue(portfolio))
    disagreements = disagreements[[c for c in DISAGREEMENT_COLUMNS if c in disagreements.columns]]
    return MeetingPack(
        book=book,
        as_of=day,
        currency=currency,
        window_months=window,
        headline=headline_numbers(portfolio),
        mix=mix,
        mix_story=grade_story(mix, "D"),
        charts=charts,
        d_clients=d_clients,
        churn=churn,
        churn_table=churn_rows,
        summary=summary,
        disagreements=disagreements.reset_index(drop=True),
        anonymized=anonymize,
        notes=notes,
    )
