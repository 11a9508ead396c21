"""Charts of revenue against time: per client, per grade, month by month, and the grade history.

Each builder takes a frame from :mod:`grading.views.revenue_vs_time` or :mod:`grading.trends` and returns an
Altair chart with a title, axis titles with units, a legend and the house grade colours (:mod:`grading.charts.palette`).
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from grading.charts.density import density_layer, thin_scatter, thinned_note
from grading.charts.palette import grade_color
from grading.vocabulary import GRADES, UNGRADED
from grading.formatting import currency_symbol

#: What the monthly chart can show: measure column to (title, unit kind).
MONTHLY_MEASURES = {
    "revenue": "Revenue",
    "labor_hours": "Labor hours",
    "effective_hourly_rate": "Effective hourly rate",
    "gross_profit": "Gross profit",
}
_SHARE_MEASURES = {"revenue_share": "Share of revenue", "hours_share": "Share of labor hours"}


def _unit(measure: str, currency: str) -> str:
    symbol = currency_symbol(currency).strip()
    if measure == "labor_hours":
        return "hours"
    if measure == "effective_hourly_rate":
        return f"{symbol} per hour"
    return symbol


def revenue_hours_chart(
    points: pd.DataFrame,
    lines: pd.DataFrame,
    *,
    currency: str = "EUR",
    grade_title: str = "Grade",
) -> alt.LayerChart:
    """Return revenue (less direct costs) against labor hours, one dot per client, with lines of constant rate.

    On a line of rate r every point earns r per hour of work, so a dot above the labor-cost line pays for its
    time and a dot below it costs money.

    Parameters
    ----------
    points:
        :func:`grading.views.revenue_vs_time.client_points` (names already replaced when anonymizing).
    lines:
        :func:`grading.views.revenue_vs_time.rate_lines`.
    currency:
        The currency of the amounts (for the axis title and tooltips).
    grade_title:
        The colour legend's title (the grade source).

    Above :data:`grading.charts.density.MAX_MARKS` clients, only the D clients and the outliers are dots; the
    others are counted in grey squares beneath them.
    """
    symbol = currency_symbol(currency).strip()
    thinned = thin_scatter(points, "labor_hours", "net_revenue", "grade")
    x_title, y_title = "Labor hours in the window (h)", f"Revenue less direct costs ({symbol})"
    dots = (
        alt.Chart(thinned.dots)
        .mark_circle(size=70, opacity=0.8)
        .encode(
            x=alt.X("labor_hours:Q", title=x_title, scale=alt.Scale(zero=True)),
            y=alt.Y("net_revenue:Q", title=y_title, axis=alt.Axis(format=",.0f")),
            color=grade_color("grade", grade_title),
            tooltip=[
                alt.Tooltip("name:N", title="Client"),
                alt.Tooltip("grade:N", title=grade_title),
                alt.Tooltip("revenue:Q", title=f"Revenue ({symbol})", format=",.0f"),
                alt.Tooltip("direct_costs:Q", title=f"Direct costs ({symbol})", format=",.0f"),
                alt.Tooltip("labor_hours:Q", title="Labor hours", format=",.0f"),
                alt.Tooltip("effective_hourly_rate:Q", title=f"Effective hourly rate ({symbol}/h)", format=",.0f"),
            ],
        )
    )
    rate_lines = (
        alt.Chart(lines)
        .mark_line(strokeDash=[6, 4], strokeWidth=1.5)
        .encode(
            x="labor_hours:Q",
            y="net_revenue:Q",
            detail="line:N",
            strokeDash=alt.StrokeDash(
                "line:N",
                title="Constant effective hourly rate",
                legend=alt.Legend(orient="bottom", symbolType="stroke"),
            ),
            color=alt.value("#555555"),
            tooltip=[alt.Tooltip("line:N", title="Line"), alt.Tooltip("rate:Q", title=f"{symbol} per hour",
                                                                       format=",.0f")],
        )
    )
    # The clients first: a chart's "Show data" lists the first layer's rows, which should be the clients, not the
    # two ends of each reference line.
    layers = [dots, rate_lines]
    subtitle = ["Dashed lines: revenue less direct costs that earns a constant rate per hour of work"]
    if thinned.thinned:
        layers.insert(0, density_layer(thinned.cells, x_title=x_title, y_title=y_title,
                                       x_scale=alt.Scale(zero=True)))
        subtitle.append(thinned_note(thinned))
    subtitle.append("Scroll to zoom into the pile near the origin, drag to pan, double-click to reset")
    # Zoom and pan: most clients sit in a pile near the origin, under a few large ones.
    return alt.layer(*layers, title=alt.Title("Revenue against time, per client", subtitle=subtitle)).resolve_scale(
        color="independent").properties(height=420).interactive()


def share_long_frame(shares: pd.DataFrame) -> pd.DataFrame:
    """Return :func:`grading.views.revenue_vs_time.grade_shares` in long form: one row per grade and measure.

    Returns
    -------
    pandas.DataFrame
        ``grade``, ``measure`` (Share of revenue, Share of labor hours), ``share`` (a fraction) and ``label``
        (the share as a rounded percentage).
    """
    pieces = [
        pd.DataFrame({"grade": shares["grade"].astype(str).to_numpy(), "measure": title,
                      "share": shares[column].astype("float64").fillna(0.0).to_numpy()})
        for column, title in _SHARE_MEASURES.items()
    ]
    long = pd.concat(pieces, ignore_index=True)
    long["label"] = (long["share"] * 100).round().astype(int).astype(str) + "%"
    return long


def share_chart(shares: pd.DataFrame, *, grade_title: str = "Grade") -> alt.LayerChart:
    """Return each grade's share of revenue beside its share of labor hours, with the percentages written on.

    The coaches' picture: "the D clients brought 25% of the revenue and took 40% of the time".

    Parameters
    ----------
    shares:
        :func:`grading.views.revenue_vs_time.grade_shares`.
    grade_title:
        The colour legend's title (the grade source).
    """
    data = share_long_frame(shares)
    order = [grade for grade in (*GRADES, UNGRADED) if grade in set(data["grade"])]
    measures = list(_SHARE_MEASURES.values())
    base = alt.Chart(data).encode(
        x=alt.X("grade:N", title=grade_title, sort=order, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("measure:N", sort=measures),
        y=alt.Y("share:Q", title="Share (%)", axis=alt.Axis(format="%", titlePadding=8)),
        tooltip=[
            alt.Tooltip("grade:N", title=grade_title),
            alt.Tooltip("measure:N", title="Measure"),
            alt.Tooltip("share:Q", title="Share", format=".1%"),
        ],
    )
    bars = base.mark_bar().encode(
        color=grade_color("grade", grade_title),
        opacity=alt.Opacity(
            "measure:N",
            title="Bar",
            sort=measures,
            scale=alt.Scale(domain=measures, range=[1.0, 0.45]),
            legend=alt.Legend(orient="bottom"),
        ),
    )
    labels = base.mark_text(dy=-7, fontSize=12).encode(text="label:N")
    # Two short title lines, anchored left, and a short axis title: the chart sits in a half-width column, where
    # one long line was cut off.
    return alt.layer(bars, labels, title=alt.Title(
        ["Revenue share against", "time share, per grade"],
        subtitle=["Solid: share of revenue.", "Pale: share of labor hours."],
        anchor="start",
    )).properties(height=320, padding={"left": 10, "top": 10, "right": 10, "bottom": 10})


def monthly_chart(
    monthly: pd.DataFrame, measure: str, *, currency: str = "EUR", grade_title: str = "Grade"
) -> alt.Chart:
    """Return one monthly measure (revenue, labor hours, effective hourly rate or gross profit) per grade as lines.

    Parameters
    ----------
    monthly:
        :func:`grading.trends.monthly_by_grade`.
    measure:
        A key of :data:`MONTHLY_MEASURES`.
    currency, grade_title:
        The currency of amounts and the colour legend's title.

    Raises
    ------
    ValueError
        ``measure`` is not one of :data:`MONTHLY_MEASURES`.
    """
    if measure not in MONTHLY_MEASURES:
        raise ValueError(f"The monthly chart shows one of {', '.join(MONTHLY_MEASURES)}; got '{measure}'.")
    title = MONTHLY_MEASURES[measure]
    unit = _unit(measure, currency)
    data = monthly.assign(month=pd.to_datetime(monthly["month"]))
    return (
        alt.Chart(data, title=alt.Title(f"{title} per month, by grade",
                                         subtitle="Each client counts under its grade today"))
        .mark_line(point=True)
        .encode(
            x=alt.X("yearmonth(month):T", title="Month"),
            y=alt.Y(f"{measure}:Q", title=f"{title} ({unit})", axis=alt.Axis(format=",.0f")),
            color=grade_color("grade", grade_title),
            tooltip=[
                alt.Tooltip("yearmonth(month):T", title="Month"),
                alt.Tooltip("grade:N", title=grade_title),
                alt.Tooltip(f"{measure}:Q", title=f"{title} ({unit})", format=",.0f"),
                alt.Tooltip("clients:Q", title="Clients with figures"),
            ],
        )
        .properties(height=320)
    )


def grade_history_chart(counts: pd.DataFrame) -> alt.Chart:
    """Return how many clients held each manual grade, month by month, as stacked areas.

    Parameters
    ----------
    counts:
        :func:`grading.trends.grade_counts_by_month`.
    """
    data = counts.assign(
        month=pd.to_datetime(counts["month"]),
        grade_order=counts["grade"].map({grade: position for position, grade in enumerate(GRADES)}),
    )
    return (
        alt.Chart(data, title=alt.Title("Manual grades over time",
                                         subtitle="Clients holding each grade at the end of the month"))
        .mark_area(opacity=0.85)
        .encode(
            x=alt.X("yearmonth(month):T", title="Month"),
            y=alt.Y("clients:Q", title="Clients", stack=True),
            color=grade_color("grade", "Manual grade"),
            order=alt.Order("grade_order:Q"),
            tooltip=[
                alt.Tooltip("yearmonth(month):T", title="Month"),
                alt.Tooltip("grade:N", title="Manual grade"),
                alt.Tooltip("clients:Q", title="Clients"),
            ],
        )
        .properties(height=280)
    )
