"""The values the Portfolio matrix page shows, kept for every session (:mod:`ui.data`), in the order it asks.

The page (``pages/portfolio_matrix.py``) asks for them with the owner's filters; the warm-up (:mod:`ui.warmup`)
asks for them at server start with the filters a new session starts with (:data:`OPENING_FILTERS`), so the first
visitor finds them made. Both go through these functions, so the values the warm-up keeps are the very ones the
page asks for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import pandas as pd

from grading.charts.matrix import portfolio_matrix_chart
from grading.views.portfolio_matrix import SORT_ORDERS, filter_grade_table, grade_boundaries, page_with_names
from ui import data
from ui.shared import SharedControls, for_display


@dataclass(frozen=True)
class MatrixFilters:
    """The page's filters: grades, service models and flags to keep (empty keeps all), and the table's order."""

    grades: tuple[str, ...] = ()
    service_models: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    sort_order: str = field(default_factory=lambda: next(iter(SORT_ORDERS)))


#: The filters a new session starts with: none chosen, the first sort order (the select box's first option).
OPENING_FILTERS = MatrixFilters()


def grade_title(controls: SharedControls) -> str:
    """The title of the grade chosen in the sidebar, e.g. ``"Effective grade"``."""
    return f"{controls.grade_source.capitalize()} grade"


def shown_clients(portfolio: pd.DataFrame, controls: SharedControls,
                  filters: MatrixFilters) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the portfolio as shown (names replaced while anonymizing) and the grade table's rows that pass
    ``filters``, in its order.

    Raises
    ------
    ClientGradeError
        A filter names an unknown grade source, flag or sort order.
    """
    displayed = data.computed(for_display, portfolio, controls)
    # Names are replaced before sorting, so "Name" sorts by alias while anonymizing, never by the hidden names.
    shown = data.computed(filter_grade_table, displayed, grade_source=controls.grade_source,
                          grades=list(filters.grades), service_models=list(filters.service_models),
                          flags=list(filters.flags), sort_order=filters.sort_order)
    return displayed, shown


def matrix_chart(shown: pd.DataFrame, controls: SharedControls) -> partial:
    """Return the matrix chart's builder with its arguments, for :func:`ui.data.altair_chart` (ids hidden while
    anonymizing: the chart goes to the browser)."""
    return partial(
        portfolio_matrix_chart,
        data.computed(data.hide_ids, shown, controls.anonymize),
        data.computed(grade_boundaries, controls.settings),
        grade_column=controls.grade_column,
        grade_title=grade_title(controls),
        currency=controls.currency,
    )


def table_page(shown: pd.DataFrame, number: int):
    """Return page ``number`` of the grade table and its clients' names by id
    (:func:`grading.views.portfolio_matrix.page_with_names`)."""
    return data.computed(page_with_names, shown, number)


def warm(controls: SharedControls, filters: MatrixFilters = OPENING_FILTERS) -> None:
    """Make what the page shows first with ``controls`` and ``filters``: the shown clients, the chart's spec and
    the client picker's names, as the page would (the grade table is drawn only when the owner asks for it)."""
    from grading.views.portfolio_matrix import filter_options

    portfolio = data.portfolio(controls.as_of, words=True, quiet=True)
    data.computed(filter_options, portfolio)
    _displayed, shown = shown_clients(portfolio, controls, filters)
    if not shown.empty:
        data.chart_spec(matrix_chart(shown, controls))
    table_page(shown, 1)
