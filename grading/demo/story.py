"""Calibrating the demo to the reference case, and adding the mess real PSA exports have.

The reference case (PRODUCT.md): firing the D clients cost a quarter of the revenue and freed 40% of the owner's
time. A random book of 60 clients lands near that but wanders from seed to seed, so after the owner has graded,
the D clients' revenue and hours are scaled (each by one factor, bounded) until their share of the last twelve
months is near 25% and 40%; the one large, good client is scaled the same way to hold 13-15% of revenue.
Revenue is scaled with direct costs (the margin stays), hours with seats and tickets (hours per seat and tickets
per hour stay), so what the graders saw still holds: payment, late calls and margin are unchanged, and the rate
per hour moves little.
"""

from __future__ import annotations

import numpy as np

from grading.demo.book import MANAGED, Clients, Metrics

D_REVENUE_SHARE = 0.25
D_HOURS_SHARE = 0.40
LARGE_CLIENT_SHARE = (0.13, 0.15)
# A factor outside these bounds would make a client unbelievable; a book that needs more keeps its own shares.
FACTOR_BOUNDS = (0.4, 2.5)


def _factor(wanted: float, current: float) -> float:
    if current <= 0.0:
        return 1.0
    return float(np.clip(wanted / current, *FACTOR_BOUNDS))


def tell_the_story(
    rng: np.random.Generator, clients: Clients, metrics: Metrics, latest: np.ndarray, window: int = 12
) -> dict[str, float]:
    """Scale the D clients and the large client in place so the last ``window`` months tell the reference story.

    Parameters
    ----------
    rng:
        The generator; the targets get a small jitter so the figures do not look made up.
    clients, metrics:
        The book; ``metrics`` is changed in place.
    latest:
        Each client's latest manual grade (0 = A ... 3 = D, -1 = never graded).
    window:
        Months the shares are measured over.

    Returns
    -------
    dict
        The factors applied: ``large_client``, ``d_revenue``, ``d_hours`` (1.0 where nothing was scaled).
    """
    d_revenue_share = D_REVENUE_SHARE + rng.uniform(-0.01, 0.01)
    d_hours_share = D_HOURS_SHARE + rng.uniform(-0.01, 0.01)
    large_share = rng.uniform(*LARGE_CLIENT_SHARE)
    recent = slice(max(metrics.months.size - window, 0), None)
    revenue = metrics.revenue[:, recent].sum(axis=1)
    hours = metrics.labor_hours[:, recent].sum(axis=1)

    is_d = latest == 3
    large = np.zeros(latest.size, bool)
    if clients.large_client is not None and not is_d[clients.large_client]:
        large[clients.large_client] = True
    others = ~is_d & ~large
    factors = {"large_client": 1.0, "d_revenue": 1.0, "d_hours": 1.0}

    revenue_others = revenue[others].sum()
    if large.any():
        # The large client's share is of the whole book, D clients included once they are scaled.
        non_d_share = 1.0 - d_revenue_share if is_d.any() else 1.0
        wanted = large_share * revenue_others / (non_d_share - large_share)
        factors["large_client"] = _factor(wanted, revenue[large].sum())
    if is_d.any() and (~is_d).any():
        revenue_kept = revenue_others + factors["large_client"] * revenue[large].sum()
        hours_kept = hours[others].sum() + factors["large_client"] * hours[large].sum()
        wanted_revenue = d_revenue_share / (1.0 - d_revenue_share) * revenue_kept
        wanted_hours = d_hours_share / (1.0 - d_hours_share) * hours_kept
        factors["d_revenue"] = _factor(wanted_revenue, revenue[is_d].sum())
        factors["d_hours"] = _factor(wanted_hours, hours[is_d].sum())

    revenue_factor = np.where(large, factors["large_client"], np.where(is_d, factors["d_revenue"], 1.0))
    hours_factor = np.where(large, factors["large_client"], np.where(is_d, factors["d_hours"], 1.0))
    metrics.revenue *= revenue_factor[:, np.newaxis]
    metrics.direct_costs *= revenue_factor[:, np.newaxis]
    metrics.labor_hours *= hours_factor[:, np.newaxis]
    # Seats and tickets grow with the hours, so hours per seat and tickets per hour stay what they were; rounding
    # is monotone, so after-hours and emergency tickets stay within the tickets.
    for counts in ("tickets", "after_hours_tickets", "emergency_tickets"):
        scaled = np.round(getattr(metrics, counts) * hours_factor[:, np.newaxis]).astype(np.int64)
        setattr(metrics, counts, scaled)
    most_seats = np.where(large, 200, 150)
    clients.seats = np.clip(np.round(clients.seats * hours_factor), 2, np.maximum(most_seats, clients.seats))
    clients.seats = clients.seats.astype(np.int64)
    return factors


def add_mess(rng: np.random.Generator, clients: Clients, metrics: Metrics) -> np.ndarray:
    """Add the gaps real PSA exports have; return the mask of client-months to keep.

    In a book of ten clients or more: one client's direct costs are missing (NaN) throughout, one managed client
    has a month with no hours and no tickets logged, and about one client-month in 500 is missing. Months before
    a client started are never kept. The large client keeps its clean record.
    """
    n, m = metrics.active.shape
    keep = metrics.active.copy()
    if n < 10:
        return keep
    spared = np.ones(n, bool)
    if clients.large_client is not None:
        spared[clients.large_client] = False
    candidates = np.flatnonzero(spared)

    no_costs = candidates[rng.integers(candidates.size)]
    metrics.direct_costs[no_costs, :] = np.nan

    managed = np.flatnonzero(spared & (clients.service_model == MANAGED) & metrics.active[:, -1])
    quiet_client = managed[rng.integers(managed.size)] if managed.size else candidates[0]
    quiet_month = rng.integers(max(m - 12, 0), m)
    for counts in (metrics.labor_hours, metrics.tickets, metrics.after_hours_tickets, metrics.emergency_tickets):
        counts[quiet_client, quiet_month] = 0

    droppable = keep & spared[:, np.newaxis]
    droppable[quiet_client, quiet_month] = False
    cells = np.flatnonzero(droppable)
    missing = rng.choice(cells, size=min(max(1, round(n * m / 500)), cells.size), replace=False)
    keep.flat[missing] = False
    return keep
