"""What freed hours earn when they go back to paid work, and how fast they get there."""

from __future__ import annotations

import numpy as np


def rate_per_hour(chosen: float | None, grade: np.ndarray, amounts: dict[str, np.ndarray]) -> tuple[float, str]:
    """Return the revenue per redeployed hour and where it comes from.

    Parameters
    ----------
    chosen:
        The owner's rate, or ``None`` for the default.
    grade:
        Each client's grade (``None`` where ungraded).
    amounts:
        Window totals ``revenue``, ``direct_costs`` and ``labor_hours`` per client.

    Returns
    -------
    (rate, source)
        ``source`` is ``"chosen"``; ``"A clients"`` (their effective hourly rate, the default: freed time goes to
        work like the best clients'); ``"whole portfolio"`` where the A clients log no hours; or ``"none"`` (rate
        0) where nobody logs hours.
    """
    if chosen is not None:
        return float(chosen), "chosen"
    hours = amounts["labor_hours"]
    margin = amounts["revenue"] - amounts["direct_costs"]
    is_a = grade == "A"
    if hours[is_a].sum() > 0:
        return float(margin[is_a].sum() / hours[is_a].sum()), "A clients"
    if hours.sum() > 0:
        return float(margin.sum() / hours.sum()), "whole portfolio"
    return 0.0, "none"


def ramp_factor(months_since_freed: np.ndarray, ramp_months: np.ndarray) -> np.ndarray:
    """Return the fraction (0-1) of freed hours redeployed, by months since they were freed.

    Parameters
    ----------
    months_since_freed:
        0 in the month the hours are freed, 1 the month after; negative before they are freed. Broadcasts
        against ``ramp_months``.
    ramp_months:
        Months to reach the full share; the share grows in a straight line and is full in month
        ``ramp_months`` after the hours are freed (0: full at once).

    Returns
    -------
    numpy.ndarray
        0 before the hours are freed, ``(months_since_freed + 1) / ramp_months`` while ramping, at most 1.
    """
    since = np.asarray(months_since_freed, dtype=float)
    ramp = np.asarray(ramp_months, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ramping = np.where(ramp > 0, (since + 1) / np.where(ramp > 0, ramp, 1.0), 1.0)
    return np.where(since >= 0, np.clip(ramping, 0.0, 1.0), 0.0)
