"""Point-in-time client features: what was known about each client on a given day.

The scorecard, the flags, the model and the simulation all start from these numbers, computed in DuckDB SQL in one
query however many clients or dates are asked for.

The window
----------
A month's figures are known only once the month is over, so for a date ``as_of`` the window is the
``window_months`` full calendar months *before* the month that contains ``as_of``. For ``as_of = 2024-03-15`` and
12 months, the window is 2023-03 to 2024-02: ``window_start = 2023-03-01`` (the first month in it) and
``window_end = 2024-03-01`` (the first month after it). March 2024 itself is left out, even on 2024-03-31. The
latest assessment counts if it was made on or before ``as_of`` itself.

Rates are NaN, never a division error, where their denominator is zero or missing: no hours gives no effective
hourly rate, no revenue gives no gross margin, no seats gives no per-seat figures.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from grading.errors import ClientGradeError

if TYPE_CHECKING:
    from grading.db.store import Store

#: Who and when each row is about; not numbers to learn from.
DESCRIPTIVE_COLUMNS: tuple[str, ...] = (
    "client_id",
    "name",
    "service_model",
    "client_since",
    "as_of",
    "window_start",
    "window_end",
    "assessed_on",
    "caller_id",
)

#: The numeric features, in the order the frames carry them. Amounts are in the owner's currency; shares and
#: margins are fractions (0.25 is 25%); per-seat figures are per month; trends compare the recent half of the
#: window with the earlier half (-0.2 means 20% lower).
FEATURE_COLUMNS: tuple[str, ...] = (
    "seats",
    "months_with_data",
    "revenue",
    "direct_costs",
    "labor_hours",
    "gross_profit",
    "gross_margin",
    "effective_hourly_rate",
    "contribution_per_hour",
    "avg_monthly_revenue",
    "avg_monthly_hours",
    "revenue_per_seat",
    "hours_per_seat",
    "tickets_per_seat",
    "tickets",
    "after_hours_share",
    "emergency_share",
    "avg_days_to_pay",
    "disputed_invoices",
    "disputed_invoices_per_year",
    "revenue_trend",
    "hours_trend",
    "pays_on_time",
    "values_service",
    "trusted_advisor",
    "follows_process",
    "open_to_recommendations",
    "caller_id_value",
    "assessors",
    "days_since_assessment",
    "gross_margin_month_1",
    "gross_margin_month_2",
    "gross_margin_month_3",
    "months_revenue_without_hours",
    "months_hours_without_revenue",
    "months_without_costs",
    "missing_months",
)

# The points to compute features for arrive as {points}: a registered frame, or a sub-query over all clients.
# {points} is always a name or query text built here, never a value; values go in as $parameters.
_FEATURES_SQL = """
WITH points AS (
    SELECT CAST(point_index AS BIGINT) AS point_index,
           CAST(client_id AS VARCHAR) AS client_id,
           CAST(as_of AS DATE) AS as_of,
           CAST(date_trunc('month', CAST(as_of AS DATE)) AS DATE) AS window_end
    FROM {points}
),
windows AS (
    SELECT *, CAST(window_end - to_months(CAST($window_months AS INTEGER)) AS DATE) AS window_start,
           CAST(window_end - to_months(CAST($half AS INTEGER)) AS DATE) AS recent_start,
           CAST(window_end - INTERVAL 1 MONTH AS DATE) AS month_1,
           CAST(window_end - INTERVAL 2 MONTH AS DATE) AS month_2,
           CAST(window_end - INTERVAL 3 MONTH AS DATE) AS month_3
    FROM points
),
-- Each point's months are read once; what a month counts towards is decided here by comparing dates, so the
-- aggregate below is plain sums over CASE expressions (DuckDB runs FILTER clauses one by one, several times
-- slower over a million rows).
window_months AS (
    SELECT w.point_index, m.*,
           m.month >= w.recent_start AS recent,
           -- The bounds are firsts of months, so these compare calendar months whatever day a row carries.
           CASE WHEN m.month >= w.month_1 THEN 1 WHEN m.month >= w.month_2 THEN 2 WHEN m.month >= w.month_3 THEN 3
           END AS months_back,
           m.revenue - coalesce(m.direct_costs, 0) - m.labor_hours * $labor_cost_rate AS month_gross_profit
    FROM windows AS w
    JOIN monthly_metrics AS m
      ON m.client_id = w.client_id AND m.month >= w.window_start AND m.month < w.window_end
),
totals AS (
    -- Amounts are summed as exact decimals (to 8 places), not as doubles: a double sum depends on the order in
    -- which DuckDB's threads hand the rows over, so the same book graded twice differed in the last digits.
    -- (The importer refuses non-finite numbers; an amount beyond 10^30 would fail this cast.)
    SELECT point_index,
           count(*) AS months_with_data,
           sum(CAST(revenue AS DECIMAL(38, 8))) AS revenue,
           sum(CAST(coalesce(direct_costs, 0) AS DECIMAL(38, 8))) AS direct_costs,
           count(*) - count(direct_costs) AS months_without_costs,
           sum(CAST(labor_hours AS DECIMAL(38, 8))) AS labor_hours,
           sum(tickets) AS tickets,
           count(tickets) AS months_with_tickets,
           -- Shares count only the months that have both the part and the whole.
           sum(CASE WHEN tickets IS NOT NULL THEN after_hours_tickets END) AS after_hours_tickets,
           sum(CASE WHEN after_hours_tickets IS NOT NULL THEN tickets END) AS tickets_with_after_hours,
           sum(CASE WHEN tickets IS NOT NULL THEN emergency_tickets END) AS emergency_tickets,
           sum(CASE WHEN emergency_tickets IS NOT NULL THEN tickets END) AS tickets_with_emergency,
           avg(CAST(days_to_pay AS DECIMAL(38, 8))) AS avg_days_to_pay,
           sum(disputed_invoices) AS disputed_invoices,
           count(disputed_invoices) AS months_with_disputes_data,
           avg(CAST(CASE WHEN recent THEN revenue END AS DECIMAL(38, 8))) AS recent_revenue,
           avg(CAST(CASE WHEN NOT recent THEN revenue END AS DECIMAL(38, 8))) AS earlier_revenue,
           avg(CAST(CASE WHEN recent THEN labor_hours END AS DECIMAL(38, 8))) AS recent_hours,
           avg(CAST(CASE WHEN NOT recent THEN labor_hours END AS DECIMAL(38, 8))) AS earlier_hours,
           max(CASE WHEN months_back = 1 THEN month_gross_profit / nullif(revenue, 0) END) AS gross_margin_month_1,
           max(CASE WHEN months_back = 2 THEN month_gross_profit / nullif(revenue, 0) END) AS gross_margin_month_2,
           max(CASE WHEN months_back = 3 THEN month_gross_profit / nullif(revenue, 0) END) AS gross_margin_month_3,
           count_if(revenue > 0 AND labor_hours = 0) AS months_revenue_without_hours,
           count_if(labor_hours > 0 AND revenue = 0) AS months_hours_without_revenue
    FROM window_months
    GROUP BY point_index
),
-- The first month with figures matters only where the client's start is unknown or inside the window (see
-- expected_from below); reading the whole history for every other client would cost more than all the rest.
first_months AS (
    SELECT w.point_index, min(m.month) AS first_month
    FROM windows AS w
    JOIN clients AS c ON c.client_id = w.client_id
    JOIN monthly_metrics AS m ON m.client_id = w.client_id AND m.month < w.window_end
    WHERE c.client_since IS NULL OR CAST(date_trunc('month', c.client_since) AS DATE) > w.window_start
    GROUP BY w.point_index
),
assessed AS (
    SELECT w.point_index, a.*,
           max(a.assessed_on) OVER (PARTITION BY w.point_index) AS latest_assessed_on
    FROM windows AS w
    JOIN assessments AS a ON a.client_id = w.client_id AND a.assessed_on <= w.as_of
),
-- Several people may rate a client on the same day: their scores are averaged, and a split caller-ID test
-- shows as 'mixed' rather than one rater's word.
latest_assessment AS (
    SELECT point_index,
           max(assessed_on) AS assessed_on,
           avg(pays_on_time) AS pays_on_time,
           avg(values_service) AS values_service,
           avg(trusted_advisor) AS trusted_advisor,
           avg(follows_process) AS follows_process,
           avg(open_to_recommendations) AS open_to_recommendations,
           avg(CASE caller_id WHEN 'happy' THEN 100.0 WHEN 'neutral' THEN 50.0 WHEN 'dread' THEN 0.0 END)
               AS caller_id_value,
           -- One distinct answer when the least and the greatest agree (a DISTINCT count costs a second pass).
           CASE WHEN min(caller_id) = max(caller_id) THEN min(caller_id)
                WHEN min(caller_id) <> max(caller_id) THEN 'mixed' END AS caller_id,
           count(*) AS assessors
    FROM assessed
    WHERE assessed_on = latest_assessed_on
    GROUP BY point_index
),
joined AS (
    SELECT w.point_index, w.client_id, c.name, c.service_model, c.client_since, w.as_of,
           w.window_start, w.window_end, la.assessed_on, la.caller_id,
           c.seats,
           coalesce(t.months_with_data, 0) AS months_with_data,
           coalesce(t.revenue, 0.0) AS revenue,
           coalesce(t.direct_costs, 0.0) AS direct_costs,
           coalesce(t.labor_hours, 0.0) AS labor_hours,
           t.tickets, t.months_with_tickets,
           t.after_hours_tickets, t.tickets_with_after_hours, t.emergency_tickets, t.tickets_with_emergency,
           t.avg_days_to_pay, t.disputed_invoices, t.months_with_disputes_data,
           t.recent_revenue, t.earlier_revenue, t.recent_hours, t.earlier_hours,
           t.gross_margin_month_1, t.gross_margin_month_2, t.gross_margin_month_3,
           coalesce(t.months_revenue_without_hours, 0) AS months_revenue_without_hours,
           coalesce(t.months_hours_without_revenue, 0) AS months_hours_without_revenue,
           coalesce(t.months_without_costs, 0) AS months_without_costs,
           -- Months are expected from when the client started (or its first figures, if earlier or unknown),
           -- so a client that joined last quarter is not short of nine months.
           CASE WHEN c.client_since IS NOT NULL OR f.first_month IS NOT NULL THEN
               greatest(w.window_start, least(CAST(date_trunc('month', c.client_since) AS DATE), f.first_month))
           END AS expected_from,
           la.pays_on_time, la.values_service, la.trusted_advisor, la.follows_process,
           la.open_to_recommendations, la.caller_id_value, coalesce(la.assessors, 0) AS assessors
    FROM windows AS w
    LEFT JOIN clients AS c ON c.client_id = w.client_id
    LEFT JOIN totals AS t ON t.point_index = w.point_index
    LEFT JOIN first_months AS f ON f.point_index = w.point_index
    LEFT JOIN latest_assessment AS la ON la.point_index = w.point_index
)
SELECT point_index, client_id, name, service_model, client_since, as_of, window_start, window_end,
       assessed_on, caller_id,
       seats,
       months_with_data,
       revenue,
       direct_costs,
       labor_hours,
       revenue - direct_costs - labor_hours * $labor_cost_rate AS gross_profit,
       (revenue - direct_costs - labor_hours * $labor_cost_rate) / nullif(revenue, 0) AS gross_margin,
       (revenue - direct_costs) / nullif(labor_hours, 0) AS effective_hourly_rate,
       (revenue - direct_costs - labor_hours * $labor_cost_rate) / nullif(labor_hours, 0) AS contribution_per_hour,
       revenue / nullif(months_with_data, 0) AS avg_monthly_revenue,
       labor_hours / nullif(months_with_data, 0) AS avg_monthly_hours,
       revenue / nullif(months_with_data, 0) / nullif(seats, 0) AS revenue_per_seat,
       labor_hours / nullif(months_with_data, 0) / nullif(seats, 0) AS hours_per_seat,
       tickets / nullif(months_with_tickets, 0) / nullif(seats, 0) AS tickets_per_seat,
       tickets,
       after_hours_tickets / nullif(tickets_with_after_hours, 0) AS after_hours_share,
       emergency_tickets / nullif(tickets_with_emergency, 0) AS emergency_share,
       avg_days_to_pay,
       disputed_invoices,
       disputed_invoices * 12.0 / nullif(months_with_disputes_data, 0) AS disputed_invoices_per_year,
       recent_revenue / nullif(earlier_revenue, 0) - 1 AS revenue_trend,
       recent_hours / nullif(earlier_hours, 0) - 1 AS hours_trend,
       pays_on_time, values_service, trusted_advisor, follows_process, open_to_recommendations,
       caller_id_value,
       assessors,
       datediff('day', assessed_on, as_of) AS days_since_assessment,
       gross_margin_month_1, gross_margin_month_2, gross_margin_month_3,
       months_revenue_without_hours,
       months_hours_without_revenue,
       months_without_costs,
       coalesce(greatest(datediff('month', expected_from, window_end) - months_with_data, 0), 0) AS missing_months
FROM joined
ORDER BY point_index
"""

_ALL_CLIENTS_AT_ONE_DATE = (
    "(SELECT row_number() OVER (ORDER BY client_id) - 1 AS point_index, client_id, CAST($as_of AS DATE) AS as_of "
    # An archived client keeps its history but is graded no more from the day it was archived.
    "FROM clients WHERE client_id NOT IN "
    "(SELECT client_id FROM archived_clients WHERE archived_on <= CAST($as_of AS DATE)))"
)


def as_date(value: date | datetime | str | pd.Timestamp) -> date:
    """Return ``value`` (a date, a datetime or a ``YYYY-MM-DD`` text) as a calendar date.

    Raises
    ------
    ClientGradeError
        The value is not a date (or an ISO ``YYYY-MM-DD`` text).
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError as error:
        raise ClientGradeError(f"'{value}' is not a date; write it as YYYY-MM-DD.") from error


def _check_window(window_months: int) -> int:
    if int(window_months) != window_months or window_months < 1:
        raise ClientGradeError(
            f"The scoring window must be a whole number of months, at least 1; got {window_months}."
        )
    return int(window_months)


def _parameters(window_months: int, labor_cost_rate: float) -> dict[str, object]:
    # The trend compares the recent half of the window with the earlier half (last 6 vs prior 6 of 12 months).
    return {
        "window_months": window_months,
        "half": window_months // 2,
        "labor_cost_rate": float(labor_cost_rate),
    }


def calendar_dates(values: pd.Series, missing: object = pd.NaT) -> pd.Series:
    """Return ``values`` (dates or timestamps) as ``datetime.date`` objects, ``missing`` where missing.

    The same as ``pd.to_datetime(values).dt.date``, but each distinct day is turned into a date once: a
    portfolio has 100,000 rows and a few hundred distinct days, and a Python object per row is most of the cost.
    """
    stamps = pd.to_datetime(values)
    codes, days = pd.factorize(stamps)
    if not len(days):
        # Nothing to convert; pandas' own answer keeps the type it gives a column without any date.
        return stamps.dt.date if missing is pd.NaT else pd.Series(missing, index=values.index, dtype=object)
    as_dates = np.append(np.asarray(pd.DatetimeIndex(days).date, dtype=object), missing)
    return pd.Series(as_dates[codes], index=values.index, name=values.name, dtype=object)


def _finish(frame: pd.DataFrame) -> pd.DataFrame:
    """Give the SQL result stable types: dates as dates, counts as numbers, missing as NaN."""
    frame = frame.drop(columns="point_index")
    for column in ("client_since", "as_of", "window_start", "window_end", "assessed_on"):
        frame[column] = calendar_dates(frame[column])
    # Most columns arrive as float64 already; only the counts and integer sums need turning into numbers.
    for column in FEATURE_COLUMNS:
        if frame[column].dtype != "float64":
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame[list(DESCRIPTIVE_COLUMNS) + list(FEATURE_COLUMNS)]


def client_features(
    store: Store, as_of: date, *, window_months: int = 12, labor_cost_rate: float = 45.0
) -> pd.DataFrame:
    """Return every client's features as known on ``as_of``.

    Parameters
    ----------
    store:
        The open store.
    as_of:
        The day the features describe (a date, or ``YYYY-MM-DD``). The window is the ``window_months`` full
        calendar months before the month that contains it (see the module notes).
    window_months:
        How many months the window holds (the setting ``scoring_window_months``).
    labor_cost_rate:
        What one hour of technician time costs, for gross profit and contribution per hour.

    Returns
    -------
    pandas.DataFrame
        One row per client, ordered by ``client_id``, with :data:`DESCRIPTIVE_COLUMNS` then
        :data:`FEATURE_COLUMNS`. A client with no figures in the window has zero revenue and hours,
        ``months_with_data = 0`` and NaN rates.

    Raises
    ------
    ClientGradeError
        ``as_of`` is not a date or ``window_months`` is below 1.
    """
    window_months = _check_window(window_months)
    parameters = _parameters(window_months, labor_cost_rate) | {"as_of": as_date(as_of)}
    frame = store.query(_FEATURES_SQL.format(points=_ALL_CLIENTS_AT_ONE_DATE), parameters)
    return _finish(frame).reset_index(drop=True)


def features_at(
    store: Store, points: pd.DataFrame, *, window_months: int = 12, labor_cost_rate: float = 45.0
) -> pd.DataFrame:
    """Return the features of each (client, date) point as known on that date, in one query.

    This is what the model learns from: for a manual grade given on ``graded_on``, pass that date as ``as_of``
    and nothing recorded for a later month, or assessed after that day, reaches the row.

    Parameters
    ----------
    store:
        The open store.
    points:
        A frame with columns ``client_id`` and ``as_of`` (dates, or ``YYYY-MM-DD`` texts). A client may appear
        many times, at different dates.
    window_months, labor_cost_rate:
        As for :func:`client_features`.

    Returns
    -------
    pandas.DataFrame
        One row per point, in the order and with the index of ``points``, with the same columns as
        :func:`client_features`. A client id that is not in the store gives a row with no name and no figures.

    Raises
    ------
    ClientGradeError
        A column is missing, a date is missing or unreadable, or ``window_months`` is below 1.
    """
    window_months = _check_window(window_months)
    missing = [column for column in ("client_id", "as_of") if column not in points.columns]
    if missing:
        raise ClientGradeError(f"The points need the column(s) {', '.join(missing)}.")
    as_of = pd.to_datetime(points["as_of"], errors="coerce")
    unreadable = as_of.isna()
    if unreadable.any():
        first = points.index[unreadable.to_numpy()][0]
        raise ClientGradeError(
            f"The point at index {first} has no readable as_of date ('{points['as_of'][first]}'); use YYYY-MM-DD."
        )
    if points["client_id"].isna().any():
        raise ClientGradeError("Every point needs a client_id.")
    incoming = pd.DataFrame(
        {
            "point_index": range(len(points)),
            "client_id": points["client_id"].astype(str).to_numpy(),
            "as_of": as_of.dt.normalize().to_numpy(),
        }
    )
    # A frame can be scanned only on a transaction's cursor; the transaction writes nothing.
    with store.transaction() as tx, tx.frame(incoming) as name:
        frame = tx.query(_FEATURES_SQL.format(points=name), _parameters(window_months, labor_cost_rate))
    frame = _finish(frame)
    frame.index = points.index
    return frame
