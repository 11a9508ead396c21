"""The portfolio matrix: financial score against relationship score, one dot per client."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from grading.charts.density import density_layer, thin_scatter, thinned_note
from grading.charts.palette import GRADE_COLORS, grade_color
from grading.formatting import currency_symbol
from grading.vocabulary import grade_labels

_TOOLTIP_GRADES = (
    ("rule_grade", "Rule grade"),
    ("suggested_grade", "Suggested grade"),
    ("manual_grade", "Manual grade"),
)


def matrix_points(portfolio: pd.DataFrame, grade_column: str) -> pd.DataFrame:
    """Return the matrix's dots: one row per client with a financial and a relationship score.

    Parameters
    ----------
    portfolio:
        The graded portfolio (names already replaced by aliases when anonymizing).
    grade_column:
        The grade that colours the dots (e.g. ``"effective_grade"``).

    Returns
    -------
    pandas.DataFrame
        The columns the chart uses; grades missing show as ``"not graded"``; clients without either score are
        left out (they cannot be placed).
    """
    wanted = [
        "client_id", "name", "financial_score", "relationship_score", "revenue", "avg_monthly_revenue",
        "effective_hourly_rate", "gross_margin", "rule_score", *(column for column, _ in _TOOLTIP_GRADES),
    ]
    points = portfolio[[column for column in dict.fromkeys([*wanted, grade_column]) if column in portfolio.columns]]
    points = points.dropna(subset=["financial_score", "relationship_score"]).copy()
    points["shown_grade"] = grade_labels(points[grade_column]).astype(str)
    if grade_column not in dict(_TOOLTIP_GRADES):
        # Shown as shown_grade: a second copy would be one more column of text for the browser to read per dot.
        points = points.drop(columns=grade_column)
    for column, _ in _TOOLTIP_GRADES:
        if column in points.columns:
            points[column] = points[column].astype("object").where(points[column].notna(), "-").astype(str)
    return points.reset_index(drop=True)


#: The chart's selection parameter: the client whose dot was clicked (``{"client_id": ...}``).
CLICKED_CLIENT = "clicked_client"


def portfolio_matrix_chart(
    portfolio: pd.DataFrame,
    boundaries: pd.DataFrame,
    *,
    grade_column: str = "effective_grade",
    grade_title: str = "Effective grade",
    currency: str = "EUR",
) -> alt.LayerChart:
    """Return the matrix: a dot per client (colour = grade, size = revenue) over the rule-grade threshold lines.

    Parameters
    ----------
    portfolio:
        The graded portfolio (``financial_score`` and ``relationship_score`` 0-100, ``revenue`` over the window).
    boundaries:
        :func:`grading.views.portfolio_matrix.grade_boundaries`: the threshold lines to draw.
    grade_column, grade_title:
        The grade that colours the dots, and the legend's title.
    currency:
        For revenue and rates in the tooltip.

    Returns
    -------
    altair.LayerChart
        Dots layered over dashed threshold lines labelled with their grade; hovering a dot shows the client, its
        rule, suggested and manual grades and key numbers. Above :data:`grading.charts.density.MAX_MARKS`
        clients, only the D clients and the outliers are dots; the others are counted in grey squares beneath.
    """
    thinned = thin_scatter(
        matrix_points(portfolio, grade_column), "financial_score", "relationship_score", "shown_grade",
        x_range=(0, 100), y_range=(0, 100),
    )
    points = thinned.dots
    symbol = currency_symbol(currency).strip()
    scale = alt.Scale(domain=[0, 100], nice=False)
    x_title, y_title = "Financial score (0-100)", "Relationship score (0-100)"
    x = alt.X("financial_score:Q", title=x_title, scale=scale)
    y = alt.Y("relationship_score:Q", title=y_title, scale=scale)
    fields = [
        ("name", "N", "Client", None),
        ("shown_grade", "N", grade_title, None),
        *((column, "N", title, None) for column, title in _TOOLTIP_GRADES),
        ("rule_score", "Q", "Rule score", ".0f"),
        ("financial_score", "Q", "Financial score", ".0f"),
        ("relationship_score", "Q", "Relationship score", ".0f"),
        ("avg_monthly_revenue", "Q", f"Revenue per month ({symbol})", ",.0f"),
        ("effective_hourly_rate", "Q", f"Effective hourly rate ({symbol}/h)", ",.0f"),
        ("gross_margin", "Q", "Gross margin", ".0%"),
    ]
    tooltip = [
        alt.Tooltip(f"{column}:{kind}", title=title, **({"format": number_format} if number_format else {}))
        for column, kind, title, number_format in fields
        if column in points.columns
    ]
    dots = (
        alt.Chart(points)
        .mark_circle(opacity=0.8, stroke="white", strokeWidth=0.5)
        .encode(
            x=x,
            y=y,
            color=grade_color("shown_grade", grade_title),
            size=alt.Size(
                "revenue:Q",
                title=f"Revenue ({symbol}, scoring window)",
                scale=alt.Scale(range=[20, 900]),
                legend=alt.Legend(format=",.0f", orient="bottom", direction="horizontal", tickCount=4),
            ),
            tooltip=tooltip,
        )
        # A click on a dot selects its client (the page opens the client's card); a double click clears it.
        .add_params(alt.selection_point(name=CLICKED_CLIENT, fields=["client_id"], on="click", clear="dblclick"))
    )
    lines = (
        alt.Chart(boundaries)
        .mark_line(strokeDash=[6, 4], strokeWidth=1.2)
        .encode(
            x=x,
            y=y,
            detail="boundary:N",
            color=alt.value("#757575"),
            tooltip=[alt.Tooltip("boundary:N", title="Rule-grade threshold")],
        )
    )
    # The label sits at the line's right end, coloured like the grade it starts.
    ends = boundaries.groupby("boundary", as_index=False).last() if len(boundaries) else boundaries
    labels = (
        alt.Chart(ends)
        .mark_text(align="right", dx=-4, dy=-6, fontSize=11, fontWeight="bold")
        .encode(
            x=x,
            y=y,
            text="boundary:N",
            color=alt.Color(
                "grade:N",
                scale=alt.Scale(domain=list(GRADE_COLORS), range=list(GRADE_COLORS.values())),
                legend=None,
            ),
        )
    )
    layers = [lines, labels, dots]
    subtitle = ["One dot per client, sized by revenue; dashed lines: rule-grade thresholds for a neutral caller-ID "
                "test, before the small-client rule"]
    if thinned.thinned:
        layers.insert(0, density_layer(thinned.cells, x_title=x_title, y_title=y_title, x_scale=scale, y_scale=scale))
        subtitle = [subtitle[0].replace("One dot per client", "Dots"), thinned_note(thinned)]
    return (
        alt.layer(*layers)
        .resolve_scale(color="independent")
        .properties(
            title=alt.Title("Portfolio matrix", subtitle=subtitle),
            height=480,
        )
    )


def client_sparkline_chart(monthly: pd.DataFrame, *, currency: str = "EUR", name: str = "") -> alt.VConcatChart:
    """Return a client's monthly revenue and labor hours as two small line charts, one above the other.

    Parameters
    ----------
    monthly:
        :func:`grading.views.client_card.monthly_series` (``month``, ``revenue``, ``labor_hours``, ...).
    currency:
        For the revenue axis.
    name:
        The client's name (or alias) for the title.

    Returns
    -------
    altair.VConcatChart
        Revenue on top, hours below, on one shared month axis; a point marks each month with figures.
    """
    symbol = currency_symbol(currency).strip()
    month = alt.X("month:T", title="Month", axis=alt.Axis(format="%b %y"))
    tooltip = [
        alt.Tooltip("month:T", title="Month", format="%B %Y"),
        alt.Tooltip("revenue:Q", title=f"Revenue ({symbol})", format=",.0f"),
        alt.Tooltip("labor_hours:Q", title="Labor hours", format=",.1f"),
        alt.Tooltip("effective_hourly_rate:Q", title=f"Effective hourly rate ({symbol}/h)", format=",.0f"),
    ]
    base = alt.Chart(monthly).encode(x=month, tooltip=tooltip)
    revenue_color, hours_color = "#1f4e79", "#b35806"
    revenue = base.mark_line(point=alt.OverlayMarkDef(color=revenue_color), color=revenue_color).encode(
        x=alt.X("month:T", title=None, axis=alt.Axis(format="%b %y", labels=False, ticks=False)),
        y=alt.Y("revenue:Q", title=f"Revenue ({symbol})", axis=alt.Axis(format=",.0f", tickCount=3)),
    ).properties(height=110, title=alt.Title(f"{name} month by month".strip(), subtitle="Revenue and labor hours"))
    labor = base.mark_line(point=alt.OverlayMarkDef(color=hours_color), color=hours_color).encode(
        y=alt.Y("labor_hours:Q", title="Labor hours (h)", axis=alt.Axis(tickCount=3))
    ).properties(height=90)
    return alt.vconcat(revenue, labor, spacing=6).resolve_scale(x="shared")


def clicked_client_id(event: Any, alias_numbers: dict[str, int] | None = None) -> str | None:
    """Return the client id of the dot clicked on :func:`portfolio_matrix_chart`, or None.

    Parameters
    ----------
    event:
        What ``st.vega_lite_chart(..., on_select="rerun")`` returned (its ``selection`` holds
        :data:`CLICKED_CLIENT`).
    alias_numbers:
        While anonymizing, the book's alias numbers: the chart then carries alias ids, turned back into real ids.
    """
    selection = getattr(event, "selection", None) or (event.get("selection") if isinstance(event, dict) else None)
    if not selection:
        return None
    picked = selection.get(CLICKED_CLIENT) if isinstance(selection, dict) else getattr(selection, CLICKED_CLIENT, None)
    if isinstance(picked, dict):
        picked = [picked] if "client_id" in picked else picked.get("values")
    if not picked:
        return None
    first = picked[0]
    client_id = first.get("client_id") if isinstance(first, dict) else first
    if client_id is None:
        return None
    if alias_numbers:
        from grading.anonymize import alias_id

        real = {alias_id(number): real_id for real_id, number in alias_numbers.items()}
        return real.get(str(client_id), str(client_id))
    return str(client_id)
