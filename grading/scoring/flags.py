"""Flags shown beside the grade: things an owner should look at whatever the grade says.

- **problem client**: gross margin under ``problem_margin_pct`` (20%) in ``problem_months`` (2) or more of the
  last three months of the window;
- **flight risk**: the client overpays (effective hourly rate ``flight_risk_rate_factor`` times the portfolio's
  median or more: a competitor will offer less), or its revenue is falling (the recent half of the window
  ``flight_risk_revenue_drop_pct`` % or more below the earlier half);
- **concentration**: the client brings more than ``concentration_pct`` (15%) of the portfolio's revenue;
- **data gaps**: months with revenue but no hours, hours but no revenue, months missing since the client
  started, or no figures at all in the window. Such a client's grade rests on thin data.

Concentration and the rate comparison look across the clients of the frame, so pass the whole portfolio at one
date (:func:`grading.scoring.features.client_features`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from grading.scoring.reasons import join_phrases, money, numbers, pandas_text, text
from grading.settings import defaults
from grading.vocabulary import FLAG_COLUMNS


def _plural(counts: np.ndarray, one: str, many: str) -> np.ndarray:
    return numbers(counts) + np.where(counts == 1, one, many)


def _only_where(flagged: np.ndarray, words: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """``words(rows)`` for the flagged rows, "" elsewhere: words are written only for the clients flagged."""
    said = text(np.full(len(flagged), ""))
    rows = np.flatnonzero(flagged)
    if rows.size:
        said[rows] = words(rows)
    return said


def book_median_rate(features: pd.DataFrame) -> float:
    """Return the median effective hourly rate of the clients in ``features`` that have one (NaN if none do).

    The flight-risk flag compares each client with it, so it is the median of the whole portfolio at one date.
    """
    rate = features["effective_hourly_rate"].to_numpy(dtype="float64")
    positive_rates = rate[np.isfinite(rate) & (rate > 0)]
    return float(np.median(positive_rates)) if len(positive_rates) else np.nan


def _rate_and_trend_flags(
    rate: np.ndarray, trend: np.ndarray, median_rate: float, values: Mapping[str, Any]
) -> tuple[np.ndarray, np.ndarray]:
    """Which clients overpay (against ``median_rate``) and whose revenue is falling."""
    rate_factor = float(values["flight_risk_rate_factor"])
    drop = float(values["flight_risk_revenue_drop_pct"]) / 100
    with np.errstate(invalid="ignore"):
        overpays = np.isfinite(rate) & (rate >= rate_factor * median_rate)
        revenue_falling = np.isfinite(trend) & (trend <= -drop) & (drop > 0)
    return overpays, revenue_falling


def flag_clients(
    features: pd.DataFrame, settings: Mapping[str, Any] | None = None, *, explain: bool = True
) -> pd.DataFrame:
    """Return the flags of every client in ``features``.

    Parameters
    ----------
    features:
        One row per client at one date (:func:`grading.scoring.features.client_features`).
    settings:
        The settings; names left out take their defaults.
    explain:
        Write ``flags``, the flags in words. Without it only the flags themselves are computed; :func:`flag_words`
        writes the words later for any of the rows, given :func:`book_median_rate` of the whole frame.

    Returns
    -------
    pandas.DataFrame
        On ``features``' index: the boolean columns ``problem_client``, ``flight_risk``, ``concentration`` and
        ``data_gaps``, ``revenue_share`` (the client's share of the frame's revenue, 0-1), ``low_margin_months``
        (of the last three) and, with ``explain``, ``flags``, the raised flags in words ("" when none).
    """
    values = defaults() | dict(settings or {})

    def column(name: str) -> np.ndarray:
        return features[name].to_numpy(dtype="float64")

    margin_floor = float(values["problem_margin_pct"]) / 100
    recent_margins = np.column_stack([column(f"gross_margin_month_{k}") for k in (1, 2, 3)])
    with np.errstate(invalid="ignore"):
        low_margin_months = (recent_margins < margin_floor).sum(axis=1)
    problem_client = low_margin_months >= int(values["problem_months"])

    median_rate = book_median_rate(features)
    overpays, revenue_falling = _rate_and_trend_flags(
        column("effective_hourly_rate"), column("revenue_trend"), median_rate, values
    )
    flight_risk = overpays | revenue_falling

    revenue = np.nan_to_num(column("revenue"))
    total = revenue.sum()
    revenue_share = revenue / total if total > 0 else np.zeros(len(revenue))
    concentration = revenue_share > float(values["concentration_pct"]) / 100

    revenue_without_hours = np.nan_to_num(column("months_revenue_without_hours"))
    hours_without_revenue = np.nan_to_num(column("months_hours_without_revenue"))
    missing_months = np.nan_to_num(column("missing_months"))
    no_figures = np.nan_to_num(column("months_with_data")) == 0
    data_gaps = (revenue_without_hours > 0) | (hours_without_revenue > 0) | (missing_months > 0) | no_figures

    flagged = pd.DataFrame(
        {
            "problem_client": problem_client,
            "flight_risk": flight_risk,
            "concentration": concentration,
            "data_gaps": data_gaps,
            "revenue_share": revenue_share,
            "low_margin_months": low_margin_months.astype("int64"),
        },
        index=features.index,
    )
    if explain:
        flagged["flags"] = flag_words(pd.concat([features, flagged], axis=1), values, median_rate=median_rate)
    return flagged


def flag_words(
    flagged: pd.DataFrame, settings: Mapping[str, Any] | None = None, *, median_rate: float
) -> pd.api.extensions.ExtensionArray:
    """Return the raised flags of each row in words ("" when none), as :func:`flag_clients` writes them.

    Parameters
    ----------
    flagged:
        Rows of features with their flags (the graded portfolio, or any rows of it): the columns of
        :func:`flag_clients` but ``flags``, and the features they came from.
    settings:
        The settings the flags were raised with; names left out take their defaults.
    median_rate:
        :func:`book_median_rate` of the whole portfolio the rows belong to (a flight risk's words quote it).

    Returns
    -------
    pandas array of str
        One text per row of ``flagged``, in its order.
    """
    values = defaults() | dict(settings or {})
    currency = values["currency"]

    def column(name: str) -> np.ndarray:
        return flagged[name].to_numpy(dtype="float64")

    def flag(name: str) -> np.ndarray:
        return flagged[name].to_numpy(dtype=bool)

    rate, trend = column("effective_hourly_rate"), column("revenue_trend")
    overpays, revenue_falling = _rate_and_trend_flags(rate, trend, median_rate, values)
    low_margin_months = column("low_margin_months")
    revenue_share = column("revenue_share")
    revenue_without_hours = np.nan_to_num(column("months_revenue_without_hours"))
    hours_without_revenue = np.nan_to_num(column("months_hours_without_revenue"))
    missing_months = np.nan_to_num(column("missing_months"))
    no_figures = np.nan_to_num(column("months_with_data")) == 0

    with np.errstate(invalid="ignore", divide="ignore"):
        times_median = rate / median_rate
    margin_floor = float(values["problem_margin_pct"]) / 100
    margin_words = f"problem client (margin under {numbers(margin_floor * 100)[0]}% in "

    def risk_words(rows: np.ndarray) -> np.ndarray:
        reasons = join_phrases(
            [
                np.where(
                    overpays[rows],
                    "rate " + money(rate[rows], currency) + "/h, " + numbers(times_median[rows], 1) + "x the median",
                    "",
                ),
                np.where(revenue_falling[rows], "revenue down " + numbers(-trend[rows] * 100) + "%", ""),
            ],
            sep=", ",
        )
        return "flight risk (" + reasons + ")"

    def gap_words(rows: np.ndarray) -> np.ndarray:
        without_hours, without_revenue = revenue_without_hours[rows], hours_without_revenue[rows]
        missing, none = missing_months[rows], no_figures[rows]
        reasons = join_phrases(
            [
                np.where(none, "no figures in the window", ""),
                np.where(
                    without_hours > 0, _plural(without_hours, " month", " months") + " of revenue without hours", ""
                ),
                np.where(
                    without_revenue > 0,
                    _plural(without_revenue, " month", " months") + " of hours without revenue",
                    "",
                ),
                np.where((missing > 0) & ~none, _plural(missing, " missing month", " missing months"), ""),
            ],
            sep=", ",
        )
        return "data gaps (" + reasons + ")"

    said = join_phrases(
        [
            _only_where(
                flag("problem_client"),
                lambda rows: margin_words + numbers(low_margin_months[rows]) + " of the last 3 months)",
            ),
            _only_where(flag("flight_risk"), risk_words),
            _only_where(
                flag("concentration"),
                lambda rows: "concentration (" + numbers(revenue_share[rows] * 100) + "% of revenue)",
            ),
            _only_where(flag("data_gaps"), gap_words),
        ]
    )
    return pandas_text(said)
