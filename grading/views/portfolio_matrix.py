"""The portfolio as the overview and the matrix page show it: headline numbers, the grade mix, and the grade
table with its filters.

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
from grading.formatting import currency_symbol
from grading.vocabulary import FLAGS, GRADE_SOURCES, GRADES, UNGRADED

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


@dataclass(frozen=True)
class Headline:
    """The portfolio's headline numbers; amounts per month are run rates over each client's months with data."""

    clients: int
    monthly_revenue: float
    monthly_hours: float
    effective_hourly_rate: float
    gross_margin: float
    gross_profit: float


def grade_column(grade_source: str) -> str:
    """Return the portfolio column holding ``grade_source`` (``"rule"`` gives ``"rule_grade"``).

    Raises
    ------
    ClientGradeError
        ``grade_source`` is not one of effective, manual, rule or suggested.
    """
    if grade_source not in GRADE_SOURCES:
        raise ClientGradeError(f"The grade source must be one of {', '.join(GRADE_SOURCES)}; got '{grade_source}'.")
    return f"{grade_source}_grade"


def _numeric(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    return pd.to_numeric(frame[column], errors="coerce").astype("float64")


def _monthly(frame: pd.DataFrame, total_column: str, average_column: str) -> pd.Series:
    """Each client's monthly figure: its own average where known, else the window total over the window."""
    if average_column in frame.columns:
        return _numeric(frame, average_column).fillna(0.0)
    months = _numeric(frame, "months_with_data").where(lambda value: value > 0)
    return (_numeric(frame, total_column) / months).fillna(0.0)


def headline_numbers(portfolio: pd.DataFrame) -> Headline:
    """Return the portfolio's headline numbers.

    Parameters
    ----------
    portfolio:
        The graded portfolio, one row per client, with ``revenue``, ``direct_costs``, ``labor_hours`` and
        ``gross_profit`` over the scoring window and ``avg_monthly_revenue`` / ``avg_monthly_hours``.

    Returns
    -------
    Headline
        Rates and margins are NaN where their denominator is zero (no hours, no revenue).
    """
    revenue = float(_numeric(portfolio, "revenue").sum())
    direct_costs = float(_numeric(portfolio, "direct_costs").fillna(0.0).sum())
    hours = float(_numeric(portfolio, "labor_hours").sum())
    gross_profit = float(_numeric(portfolio, "gross_profit").sum())
    return Headline(
        clients=int(len(portfolio)),
        monthly_revenue=float(_monthly(portfolio, "revenue", "avg_monthly_revenue").sum()),
        monthly_hours=float(_monthly(portfolio, "labor_hours", "avg_monthly_hours").sum()),
        effective_hourly_rate=(revenue - direct_costs) / hours if hours > 0 else float("nan"),
        gross_margin=gross_profit / revenue if revenue > 0 else float("nan"),
        gross_profit=gross_profit,
    )


def grade_labels(grades: pd.Series) -> pd.Series:
    """Return ``grades`` with every missing or unknown grade shown as ``"not graded"`` (for colours and counts)."""
    text = grades.astype("object")
    known = text.isin(GRADES)
    return text.where(known, UNGRADED).astype(str)


def grade_mix(portfolio: pd.DataFrame, grade_source: str) -> pd.DataFrame:
    """Return clients, revenue, labor hours and gross profit per grade of ``grade_source``, with their shares.

    Returns
    -------
    pandas.DataFrame
        One row per grade A-D (always all four, with zeros) and a ``"not graded"`` row where some clients have
        no grade of that source: ``grade``, ``clients``, ``revenue``, ``labor_hours``, ``gross_profit``,
        ``client_share``, ``revenue_share``, ``hours_share`` (fractions of the portfolio's totals, 0 when the
        total is 0).
    """
    labels = grade_labels(portfolio[grade_column(grade_source)]) if len(portfolio) else pd.Series([], dtype=str)
    frame = pd.DataFrame(
        {
            "grade": labels.to_numpy(),
            "clients": 1,
            "revenue": _numeric(portfolio, "revenue").fillna(0.0).to_numpy(),
            "labor_hours": _numeric(portfolio, "labor_hours").fillna(0.0).to_numpy(),
            "gross_profit": _numeric(portfolio, "gross_profit").fillna(0.0).to_numpy(),
        }
    )
    order = [*GRADES, UNGRADED]
    mix = frame.groupby("grade").sum().reindex(order, fill_value=0)
    if mix.loc[UNGRADED, "clients"] == 0:
        mix = mix.drop(index=UNGRADED)
    for column, share in (("clients", "client_share"), ("revenue", "revenue_share"), ("labor_hours", "hours_share")):
        total = mix[column].sum()
        mix[share] = mix[column] / total if total > 0 else 0.0
    mix["clients"] = mix["clients"].astype(int)
    return mix.rename_axis("grade").reset_index()


def grade_story(mix: pd.DataFrame, grade: str = "D") -> str | None:
    """Return one sentence on what one grade's clients bring against the time they take, or None without any.

    For example ``"The 21 D clients bring 27% of revenue and take 45% of labor hours."``: the picture behind
    firing the D clients (a quarter of revenue, 40% of the time, in the coach's reference case).

    Parameters
    ----------
    mix:
        :func:`grade_mix`.
    grade:
        The grade to describe.
    """
    rows = mix.loc[mix["grade"] == grade]
    if rows.empty or int(rows["clients"].iat[0]) == 0:
        return None
    row = rows.iloc[0]
    clients = int(row["clients"])
    who = f"The {grade} client" if clients == 1 else f"The {clients} {grade} clients"
    verbs = ("brings", "takes") if clients == 1 else ("bring", "take")
    return (
        f"{who} {verbs[0]} {row['revenue_share']:.0%} of revenue and {verbs[1]} {row['hours_share']:.0%} "
        "of labor hours."
    )


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


def disagreement_queue(portfolio: pd.DataFrame) -> pd.DataFrame:
    """Return the clients whose suggested grade differs from their manual grade, the surest suggestions first.

    Returns
    -------
    pandas.DataFrame
        ``client_id``, ``name``, ``manual_grade``, ``suggested_grade``, ``suggested_confidence``, ``rule_grade``,
        ``grade_gap`` (how many grades apart, 1-3), ``manual_graded_on``, ``avg_monthly_revenue`` and
        ``suggestion_reasons``, on a fresh index; sorted by confidence (highest first), then the gap.
    """
    columns = [
        "client_id", "name", "manual_grade", "suggested_grade", "suggested_confidence", "rule_grade",
        "grade_gap", "manual_graded_on", "avg_monthly_revenue", "suggestion_reasons",
    ]
    manual = portfolio["manual_grade"].astype("object")
    suggested = portfolio["suggested_grade"].astype("object")
    both = manual.isin(GRADES) & suggested.isin(GRADES)
    queue = portfolio.loc[both & (manual != suggested)].copy()
    order = {grade: position for position, grade in enumerate(GRADES)}
    queue["grade_gap"] = (
        queue["manual_grade"].astype("object").map(order) - queue["suggested_grade"].astype("object").map(order)
    ).abs().astype("int64")
    queue = queue.sort_values(["suggested_confidence", "grade_gap"], ascending=[False, False], kind="stable")
    return queue[[column for column in columns if column in queue.columns]].reset_index(drop=True)


def decision_labels(portfolio: pd.DataFrame) -> dict[str, str]:
    """Return, per client id, a label for a picker: the name and its grades, e.g.
    ``"Alderbrook Dental (yours: C, suggested: B, rule: B)"``."""
    def grade_text(column: str) -> pd.Series:
        if column not in portfolio.columns:
            return pd.Series("none", index=portfolio.index)
        grades = portfolio[column].astype("object")
        return grades.where(grades.isin(GRADES), "none").astype(str)

    labels = (
        portfolio["name"].astype(str)
        + " (yours: " + grade_text("manual_grade")
        + ", suggested: " + grade_text("suggested_grade")
        + ", rule: " + grade_text("rule_grade") + ")"
    )
    return dict(zip(portfolio["client_id"].astype(str), labels))


def money_format(currency: str, decimals: int = 0) -> str:
    """Return a printf-style number format that shows amounts in ``currency`` (for table columns)."""
    symbol = currency_symbol(currency).replace("%", "%%")
    return f"{symbol}%,.{decimals}f"


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
