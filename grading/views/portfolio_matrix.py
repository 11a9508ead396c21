"""The portfolio matrix page: the filters on offer, the grade table with its filters and pages, and the grade
boundaries drawn on the matrix.

Every function takes the graded portfolio (:func:`grading.scoring.portfolio.grade_portfolio`, one row per client) and
works on whole columns; none of them reads the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from grading.errors import ClientGradeError
from grading.views.shared import grade_column
from grading.vocabulary import FLAGS, grade_labels

#: The grade table's columns, in the order the matrix page shows them.
TABLE_COLUMNS: tuple[str, ...] = (
    "client_id",
    "name",
    "service_model",
    "rule_grade",
    "suggested_grade",
    "manual_grade",
    "effective_grade",
    "rule_score",
    "suggested_confidence",
    "flags",
    "avg_monthly_revenue",
    "revenue",
    "gross_profit",
    "gross_margin",
    "labor_hours",
    "effective_hourly_rate",
    "financial_score",
    "relationship_score",
)

#: How the grade table can be sorted: label shown to the owner -> (column, ascending).
SORT_ORDERS: dict[str, tuple[str, bool]] = {
    "Revenue, largest first": ("revenue", False),
    "Rule score, lowest first": ("rule_score", True),
    "Rule score, highest first": ("rule_score", False),
    "Effective hourly rate, lowest first": ("effective_hourly_rate", True),
    "Gross margin, lowest first": ("gross_margin", True),
    "Labor hours, most first": ("labor_hours", False),
    "Name": ("name", True),
}


def flag_names(portfolio: pd.DataFrame) -> list[str]:
    """Return the flags (keys of :data:`FLAGS`) raised on at least one client, in :data:`FLAGS` order."""
    return [
        column for column in FLAGS
        if column in portfolio.columns and bool(portfolio[column].fillna(False).astype(bool).any())
    ]


def filter_grade_table(
    portfolio: pd.DataFrame,
    *,
    grade_source: str = "effective",
    grades: Iterable[str] = (),
    service_models: Iterable[str] = (),
    flags: Iterable[str] = (),
    sort_order: str | None = None,
) -> pd.DataFrame:
    """Return the grade table: the portfolio's clients that pass the filters, in :data:`TABLE_COLUMNS`.

    Parameters
    ----------
    portfolio:
        The graded portfolio.
    grade_source:
        Which grade the ``grades`` filter looks at (effective, manual, rule or suggested).
    grades:
        Keep clients with one of these grades (``"not graded"`` keeps those without one); empty keeps all.
    service_models:
        Keep clients with one of these service models; empty keeps all.
    flags:
        Keep clients that carry at least one of these flags (keys of :data:`FLAGS`); empty keeps all.
    sort_order:
        A key of :data:`SORT_ORDERS`; ``None`` keeps the portfolio's order.

    Returns
    -------
    pandas.DataFrame
        The filtered rows on a fresh index. Columns the portfolio lacks are left out.

    Raises
    ------
    ClientGradeError
        The grade source, a flag or the sort order is unknown.
    """
    chosen_grade = grade_column(grade_source)
    keep = pd.Series(True, index=portfolio.index)
    grades = list(grades)
    if grades:
        keep &= grade_labels(portfolio[chosen_grade]).isin(grades)
    service_models = list(service_models)
    if service_models and "service_model" in portfolio.columns:
        keep &= portfolio["service_model"].isin(service_models)
    flags = list(flags)
    unknown = sorted(set(flags) - set(FLAGS))
    if unknown:
        raise ClientGradeError(f"Unknown flag(s) {', '.join(unknown)}; the flags are {', '.join(FLAGS)}.")
    raised = [portfolio[flag].fillna(False).astype(bool) for flag in flags if flag in portfolio.columns]
    if flags:
        keep &= pd.concat(raised, axis=1).any(axis=1) if raised else False
    table = portfolio.loc[keep, [column for column in TABLE_COLUMNS if column in portfolio.columns]].copy()
    if sort_order is not None:
        if sort_order not in SORT_ORDERS:
            raise ClientGradeError(f"Unknown sort order '{sort_order}'.")
        column, ascending = SORT_ORDERS[sort_order]
        if column in table.columns:
            table = table.sort_values(column, ascending=ascending, na_position="last", kind="stable")
    return table.reset_index(drop=True)


#: Rows of the grade table sent to the browser at once: a table of tens of thousands of rows is slow to send on
#: every rerun and to scroll; the owner pages through it, and the CSV download holds every row.
TABLE_PAGE_ROWS = 1_000


@dataclass(frozen=True)
class TablePage:
    """One page of the grade table: its rows, its number (from 1), how many pages there are, and the row span."""

    rows: pd.DataFrame
    number: int
    count: int
    first_row: int
    last_row: int
    total_rows: int


def table_page_count(n_rows: int, rows_per_page: int = TABLE_PAGE_ROWS) -> int:
    """Return how many pages a table of ``n_rows`` takes (at least one, for the empty table)."""
    return max(1, -(-n_rows // rows_per_page))


def table_page(table: pd.DataFrame, number: int, rows_per_page: int = TABLE_PAGE_ROWS) -> TablePage:
    """Return page ``number`` (counted from 1) of ``table``, moved back to the last page when beyond it.

    ``first_row`` and ``last_row`` count from 1 as the owner reads them (both 0 for an empty table).
    """
    count = table_page_count(len(table), rows_per_page)
    number = min(max(int(number), 1), count)
    start = (number - 1) * rows_per_page
    rows = table.iloc[start:start + rows_per_page]
    return TablePage(
        rows=rows,
        number=number,
        count=count,
        first_row=start + 1 if len(rows) else 0,
        last_row=start + len(rows),
        total_rows=len(table),
    )


def service_models(portfolio: pd.DataFrame) -> list[str]:
    """Return the service models present in the portfolio, sorted (for the service-model filter)."""
    if "service_model" not in portfolio.columns:
        return []
    return sorted(str(model) for model in portfolio["service_model"].dropna().unique())


def filter_options(portfolio: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Return the service models and the flags the matrix page's filters offer (:func:`service_models`,
    :func:`flag_names`)."""
    return service_models(portfolio), flag_names(portfolio)


def page_with_names(table: pd.DataFrame, number: int) -> tuple[TablePage, dict[str, str]]:
    """Return page ``number`` of the grade table and, for the client picker, its clients' names by id."""
    chosen = table_page(table, number)
    return chosen, dict(zip(chosen.rows["client_id"], chosen.rows["name"]))


def grade_boundaries(settings: Mapping[str, Any], *, caller_id_score: float = 50.0, steps: int = 101) -> pd.DataFrame:
    """Return the lines of the rule-grade thresholds on the plane of financial (x) against relationship (y) score.

    The rule score is the weighted mean of the financial, relationship and caller-ID group scores, so a threshold
    ``t`` is the line ``w_f * x + w_r * y + w_c * c = t * (w_f + w_r + w_c)``, drawn for a client with caller-ID
    score ``c`` (neutral by default) and before the small-client rule.

    Parameters
    ----------
    settings:
        The settings (``weight_financial``, ``weight_relationship``, ``weight_caller_id``, ``grade_a_min``,
        ``grade_b_min``, ``grade_c_min``).
    caller_id_score:
        The caller-ID group score the lines assume (0 dread, 50 neutral, 100 happy).
    steps:
        Points per line along the financial axis.

    Returns
    -------
    pandas.DataFrame
        ``boundary`` (e.g. ``"A from 75"``), ``grade``, ``threshold``, ``financial_score``,
        ``relationship_score``: the points of each line inside the 0-100 square, in order along x. A line that
        misses the square (or a zero relationship weight) gives no points.
    """
    w_f = float(settings["weight_financial"])
    w_r = float(settings["weight_relationship"])
    w_c = float(settings["weight_caller_id"])
    total = w_f + w_r + w_c
    x = np.linspace(0.0, 100.0, steps)
    pieces = []
    for grade, name in (("A", "grade_a_min"), ("B", "grade_b_min"), ("C", "grade_c_min")):
        threshold = float(settings[name])
        if w_r <= 0 or total <= 0:
            continue
        y = (threshold * total - w_f * x - w_c * caller_id_score) / w_r
        inside = (y >= 0.0) & (y <= 100.0)
        pieces.append(
            pd.DataFrame(
                {
                    "boundary": f"{grade} from {threshold:g}",
                    "grade": grade,
                    "threshold": threshold,
                    "financial_score": x[inside],
                    "relationship_score": y[inside],
                }
            )
        )
    columns = ["boundary", "grade", "threshold", "financial_score", "relationship_score"]
    if not pieces:
        return pd.DataFrame(columns=columns)
    return pd.concat(pieces, ignore_index=True)[columns]
