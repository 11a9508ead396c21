"""Charts of the churn simulation: the month-by-month timeline with its uncertainty band, and the freed hours.

The builders take the frames of :mod:`grading.simulation` (``simulate_timeline``, ``simulate_bands``) and return
Altair charts with a title, axis titles with units and a legend.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from grading.formatting import currency_symbol

#: The timeline metrics that have an uncertainty band, with their titles.
TIMELINE_METRICS = {"gross_profit": "Gross profit", "revenue": "Revenue", "labor_hours": "Labor hours"}
EXPECTED = "Expected"
BEFORE = "Today (per month)"
BAND = "P10 to P90 (8 in 10 draws fall inside)"
_LINE_COLORS = {EXPECTED: "#2b5c8a", BEFORE: "#888888"}
_BAND_COLOR = "#9ecae1"
REDEPLOYED = "Redeployed to paid work"
BACK = "Back to the owner"
_HOURS_COLORS = {REDEPLOYED: "#1a9850", BACK: "#8073ac"}


def _month_axis(frame: pd.DataFrame) -> tuple[str, str, pd.DataFrame]:
    """Use calendar months where the timeline has them, month numbers otherwise."""
    if "calendar_month" in frame.columns:
        return "yearmonth(calendar_month):T", "Month", frame.assign(
            calendar_month=pd.to_datetime(frame["calendar_month"])
        )
    return "month:O", "Month of the plan", frame


def _unit(metric: str, currency: str) -> str:
    return "hours" if metric == "labor_hours" else currency_symbol(currency).strip()


def timeline_frames(
    timeline: pd.DataFrame, bands: pd.DataFrame | None, metric: str, before_per_month: float | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the lines (expected path and today's level) and the band of one metric, in long form.

    Parameters
    ----------
    timeline:
        :func:`grading.simulation.simulate_timeline`.
    bands:
        :func:`grading.simulation.simulate_bands`, or ``None`` (no band).
    metric:
        A key of :data:`TIMELINE_METRICS`.
    before_per_month:
        Today's monthly level of the metric (the baseline window's total over its months); ``None`` leaves it
        out.

    Returns
    -------
    (lines, band)
        ``lines``: ``month`` (and ``calendar_month``), ``series`` (:data:`EXPECTED` or :data:`BEFORE`),
        ``value``. ``band``: ``month`` (and ``calendar_month``), ``series`` (:data:`BAND`), ``p10``, ``p50``,
        ``p90``; empty without bands.

    Raises
    ------
    ValueError
        ``metric`` is not one of :data:`TIMELINE_METRICS`.
    """
    if metric not in TIMELINE_METRICS:
        raise ValueError(f"The timeline shows one of {', '.join(TIMELINE_METRICS)}; got '{metric}'.")
    keys = [column for column in ("month", "calendar_month") if column in timeline.columns]
    expected = timeline[keys].assign(series=EXPECTED, value=timeline[metric].astype(float))
    pieces = [expected]
    if before_per_month is not None and np.isfinite(before_per_month):
        pieces.append(timeline[keys].assign(series=BEFORE, value=float(before_per_month)))
    lines = pd.concat(pieces, ignore_index=True)
    if bands is None or bands.empty:
        band = pd.DataFrame(columns=[*keys, "series", "p10", "p50", "p90"])
    else:
        band = bands.loc[bands["metric"] == metric, [*keys, "p10", "p50", "p90"]].assign(series=BAND)
    return lines.reset_index(drop=True), band.reset_index(drop=True)


def timeline_chart(
    timeline: pd.DataFrame,
    bands: pd.DataFrame | None,
    metric: str,
    *,
    before_per_month: float | None = None,
    currency: str = "EUR",
) -> alt.LayerChart:
    """Return one metric month by month: the expected path, today's level, and the P10-P90 band around it.

    Parameters
    ----------
    timeline, bands, metric, before_per_month:
        As for :func:`timeline_frames`.
    currency:
        The currency of amounts (axis title and tooltips).

    Raises
    ------
    ValueError
        ``metric`` is not one of :data:`TIMELINE_METRICS`.
    """
    lines, band = timeline_frames(timeline, bands, metric, before_per_month)
    x_field, x_title, lines = _month_axis(lines)
    title = TIMELINE_METRICS[metric]
    unit = _unit(metric, currency)
    y_title = f"{title} per month ({unit})"
    x = alt.X(x_field, title=x_title)
    line_layer = (
        alt.Chart(lines)
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y("value:Q", title=y_title, axis=alt.Axis(format=",.0f"), scale=alt.Scale(zero=False)),
            color=alt.Color(
                "series:N",
                title="Line",
                scale=alt.Scale(domain=list(_LINE_COLORS), range=list(_LINE_COLORS.values())),
                legend=alt.Legend(orient="bottom"),
            ),
            strokeDash=alt.condition(alt.datum.series == BEFORE, alt.value([5, 4]), alt.value([1, 0])),
            tooltip=[
                alt.Tooltip(x_field, title=x_title),
                alt.Tooltip("series:N", title="Line"),
                alt.Tooltip("value:Q", title=y_title, format=",.0f"),
            ],
        )
    )
    layers = [line_layer]
    if not band.empty:
        _, _, band = _month_axis(band)
        band_layer = (
            alt.Chart(band)
            .mark_area(opacity=0.45)
            .encode(
                x=x,
                y=alt.Y("p10:Q", title=y_title),
                y2="p90:Q",
                fill=alt.Fill(
                    "series:N",
                    title="Uncertainty",
                    scale=alt.Scale(domain=[BAND], range=[_BAND_COLOR]),
                    legend=alt.Legend(orient="bottom"),
                ),
                tooltip=[
                    alt.Tooltip(x_field, title=x_title),
                    alt.Tooltip("p10:Q", title=f"P10 ({unit})", format=",.0f"),
                    alt.Tooltip("p50:Q", title=f"Median ({unit})", format=",.0f"),
                    alt.Tooltip("p90:Q", title=f"P90 ({unit})", format=",.0f"),
                ],
            )
        )
        layers.insert(0, band_layer)
    return alt.layer(*layers, title=alt.Title(
        f"{title}, month by month", subtitle="The expected path of the scenario against today's monthly level"
    )).properties(height=340)


def hours_freed_frame(timeline: pd.DataFrame) -> pd.DataFrame:
    """Return the freed hours of each month split into redeployed and back to the owner, in long form.

    Returns
    -------
    pandas.DataFrame
        ``month`` (and ``calendar_month``), ``use`` (:data:`REDEPLOYED` or :data:`BACK`) and ``hours``.
    """
    keys = [column for column in ("month", "calendar_month") if column in timeline.columns]
    redeployed = timeline[keys].assign(use=REDEPLOYED, hours=timeline["hours_redeployed"].astype(float))
    back = timeline[keys].assign(use=BACK, hours=timeline["hours_back"].astype(float).clip(lower=0.0))
    return pd.concat([redeployed, back], ignore_index=True)


def hours_freed_chart(timeline: pd.DataFrame) -> alt.Chart:
    """Return the hours freed each month as stacked bars: redeployed to paid work, and back to the owner.

    Parameters
    ----------
    timeline:
        :func:`grading.simulation.simulate_timeline`.
    """
    x_field, x_title, data = _month_axis(hours_freed_frame(timeline))
    return (
        alt.Chart(data, title=alt.Title("Hours freed per month",
                                         subtitle="What the time no longer spent on departed clients becomes"))
        .mark_bar()
        .encode(
            x=alt.X(x_field, title=x_title),
            y=alt.Y("hours:Q", title="Hours per month (h)", stack=True, axis=alt.Axis(format=",.0f")),
            color=alt.Color(
                "use:N",
                title="Freed hours",
                scale=alt.Scale(domain=list(_HOURS_COLORS), range=list(_HOURS_COLORS.values())),
            ),
            tooltip=[
                alt.Tooltip(x_field, title=x_title),
                alt.Tooltip("use:N", title="Freed hours"),
                alt.Tooltip("hours:Q", title="Hours", format=",.0f"),
            ],
        )
        .properties(height=300)
    )
