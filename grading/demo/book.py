"""The demo's book of business: clients with a latent quality, and their monthly metrics.

Everything is drawn as whole arrays (clients x months) from one ``numpy.random.Generator``, so a book of 100,000
clients over 36 months takes seconds. A client's latent *quality* (0 worst, 1 best) drives every trait, each
with its own noise, so that payment, process, efficiency and value are related but not identical: an owner who
weighs them differently from a rule scorecard sees different clients, which is what the model can learn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grading.demo import words
from grading.vocabulary import SERVICE_MODELS

MANAGED, BREAK_FIX, PROJECT, HYBRID = range(4)

# Share of clients per service model, and per nature grade (A, B, C, D, by quality from the top).
SERVICE_MODEL_SHARES = {MANAGED: 0.52, BREAK_FIX: 0.22, PROJECT: 0.08, HYBRID: 0.18}
NATURE_CUTS = (0.30, 0.55, 0.80)

# European summer and Christmas: fewer tickets and hours in August and December (index 0 is January).
SEASON = np.array([1.05, 1.0, 1.0, 1.0, 1.0, 0.97, 0.92, 0.82, 1.02, 1.05, 1.04, 0.88])

# The one large, good client exists only in books where one client can believably hold this share.
LARGE_CLIENT_MIN_BOOK = 10


@dataclass
class Clients:
    """The demo's clients: latent traits and the contract's columns, one array entry per client."""

    client_id: np.ndarray
    name: np.ndarray
    service_model: np.ndarray  # codes into SERVICE_MODELS
    seats: np.ndarray
    client_since: np.ndarray  # datetime64[D]
    quality: np.ndarray
    nature: np.ndarray  # 0 = A ... 3 = D
    pays: np.ndarray  # trait 0-1: pays promptly, without arguing
    process: np.ndarray  # trait 0-1: uses the ticketing process, few late calls
    efficiency: np.ndarray  # trait 0-1: few hours per seat
    values: np.ndarray  # trait 0-1: values the service, accepts fair prices
    large_client: int | None


@dataclass
class Metrics:
    """Monthly metrics as (clients x months) arrays; ``active`` marks months the client was with the MSP."""

    months: np.ndarray  # datetime64[M], oldest first
    active: np.ndarray
    revenue: np.ndarray
    labor_hours: np.ndarray
    direct_costs: np.ndarray
    tickets: np.ndarray
    after_hours_tickets: np.ndarray
    emergency_tickets: np.ndarray
    days_to_pay: np.ndarray
    disputed_invoices: np.ndarray


def _allocate(n: int, shares: dict[int, float]) -> np.ndarray:
    """Return how many of ``n`` go to each key (largest remainder), every key at least one where ``n`` allows."""
    keys = list(shares)
    exact = np.array([shares[key] for key in keys]) * n
    counts = np.floor(exact).astype(int)
    counts[np.argsort(-(exact - counts))[: n - counts.sum()]] += 1
    # A small book still shows every service model: take from the largest group for any empty one.
    for position in range(len(keys)):
        if counts[position] == 0 and counts.max() > 1:
            counts[np.argmax(counts)] -= 1
            counts[position] += 1
    return counts


def _trait(rng: np.random.Generator, quality: np.ndarray, spread: float) -> np.ndarray:
    return np.clip(quality + rng.normal(0.0, spread, quality.size), 0.0, 1.0)


def _rank_within(rng: np.random.Generator, groups: np.ndarray) -> np.ndarray:
    """Return a random rank (0, 1, ...) for each entry within its group."""
    order = np.lexsort((rng.uniform(0.0, 1.0, groups.size), groups))
    sizes = np.bincount(groups)
    starts = np.cumsum(sizes) - sizes
    rank = np.empty(groups.size, dtype=np.int64)
    rank[order] = np.arange(groups.size) - starts[groups[order]]
    return rank


def _names(rng: np.random.Generator, n: int) -> np.ndarray:
    picks = rng.choice(words.NAME_SPACE, size=n, replace=False)
    picks, form = np.divmod(picks, len(words.LEGAL_FORMS))
    picks, trade = np.divmod(picks, len(words.TRADES))
    prefix, suffix = np.divmod(picks, len(words.NAME_SUFFIXES))
    name = np.char.add(words.NAME_PREFIXES[prefix], words.NAME_SUFFIXES[suffix])
    name = np.char.add(np.char.add(name, " "), words.TRADES[trade])
    return np.char.add(np.char.add(name, " "), words.LEGAL_FORMS[form])


def make_clients(rng: np.random.Generator, n: int, first_month: np.datetime64) -> Clients:
    """Draw ``n`` clients: quality, nature grade, traits, service model, seats, names and start dates.

    Parameters
    ----------
    rng:
        The generator every draw comes from.
    n:
        Number of clients (at least 1).
    first_month:
        The first month with metrics (``datetime64[M]``); most clients started before it.

    Returns
    -------
    Clients
    """
    # Stratified quality: the mix of good and bad clients is the same for every seed, only who is who changes.
    quality = (rng.permutation(n) + rng.uniform(0.0, 1.0, n)) / n
    nature = 3 - np.searchsorted(np.array(NATURE_CUTS), quality, side="right")
    pays = _trait(rng, quality, 0.12)
    process = _trait(rng, quality, 0.15)
    efficiency = _trait(rng, quality, 0.12)
    values = _trait(rng, quality, 0.15)

    # Project clients are any kind; among the rest, break/fix leans to the worst and managed to the best.
    counts = _allocate(n, SERVICE_MODEL_SHARES)
    service_model = np.full(n, MANAGED)
    order = rng.permutation(n)
    project = order[: counts[PROJECT]]
    service_model[project] = PROJECT
    rest = order[counts[PROJECT] :]
    rest = rest[np.argsort(quality[rest] + rng.normal(0.0, 0.25, rest.size), kind="stable")]
    service_model[rest[: counts[BREAK_FIX]]] = BREAK_FIX
    service_model[rest[counts[BREAK_FIX] : counts[BREAK_FIX] + counts[HYBRID]]] = HYBRID

    # Bad clients are often small, but their sizes spread a little wider.
    # Sizes are stratified within each nature grade (each grade gets its small, middling and large clients), so a
    # small book's revenue mix does not hinge on which grade happened to draw the largest clients.
    median_seats = 15.0 + 8.0 * quality
    spread = 0.38 + 0.08 * (1.0 - quality)  # scale of a logistic on log(seats): sd 0.69 to 0.83
    size_rank = _rank_within(rng, nature)
    group_size = np.bincount(nature, minlength=4)[nature]
    size_quantile = np.clip((size_rank + rng.uniform(0.0, 1.0, n)) / group_size, 1e-6, 1 - 1e-6)
    log_seats = np.log(median_seats) + spread * np.log(size_quantile / (1.0 - size_quantile))
    # Up to 150 seats; only the one large client has more.
    seats = np.clip(np.round(np.exp(log_seats)), 2, 150).astype(np.int64)

    large_client = None
    if n >= LARGE_CLIENT_MIN_BOOK:
        good = np.flatnonzero(nature == 0)
        large_client = int(good[rng.integers(good.size)])
        service_model[large_client] = MANAGED
        seats[large_client] = rng.integers(150, 201)
        for trait in (pays, process, efficiency, values):
            trait[large_client] = max(trait[large_client], 0.85)

    # Most clients are years old; about one in twenty joined during the metrics window (but a year ago or more).
    years_before = rng.uniform(0.2, 14.0, n)
    client_since = first_month.astype("datetime64[D]") - np.round(years_before * 365.25).astype("timedelta64[D]")
    newcomer = rng.uniform(0.0, 1.0, n) < 0.05
    if large_client is not None:
        newcomer[large_client] = False
    client_since[newcomer] = first_month.astype("datetime64[D]") + rng.integers(0, 28 * 4, newcomer.sum()).astype(
        "timedelta64[D]"
    )

    width = max(4, len(str(n)))
    client_id = np.char.add("C", np.char.zfill(np.arange(1, n + 1).astype(str), width))
    return Clients(
        client_id=client_id,
        name=_names(rng, n),
        service_model=service_model,
        seats=seats,
        client_since=client_since,
        quality=quality,
        nature=nature,
        pays=pays,
        process=process,
        efficiency=efficiency,
        values=values,
        large_client=large_client,
    )


def make_metrics(rng: np.random.Generator, clients: Clients, months: np.ndarray) -> Metrics:
    """Draw every client's monthly revenue, hours, costs, tickets and payment behaviour.

    Parameters
    ----------
    rng:
        The generator every draw comes from.
    clients:
        The book from :func:`make_clients`.
    months:
        The months with metrics (``datetime64[M]``), oldest first.

    Returns
    -------
    Metrics
        Unrounded arrays; months before a client started are zero and marked inactive.
    """
    n, m = clients.seats.size, months.size
    shape = (n, m)
    column = np.newaxis
    model = clients.service_model[:, column]
    seats = clients.seats[:, column].astype(float)
    since_month = clients.client_since.astype("datetime64[M]")
    active = months[np.newaxis, :] >= since_month[:, column]
    season = SEASON[(months.astype(int) % 12)][np.newaxis, :]
    pays, process = clients.pays[:, column], clients.process[:, column]
    efficiency, values = clients.efficiency[:, column], clients.values[:, column]

    # Prices: good clients accept fair prices; bad ones negotiated them down. Prices rise 3% every January.
    price_per_seat = np.clip(62.0 + 80.0 * values + rng.normal(0.0, 8.0, (n, 1)), 60.0, 150.0)
    hourly_rate = np.clip(85.0 + 35.0 * values + rng.normal(0.0, 5.0, (n, 1)), 80.0, 130.0)
    years = (months.astype(int) // 12 - months[-1].astype(int) // 12)[np.newaxis, :]
    indexation = 1.03**years

    # Reactive time: a well-run client needs a fraction of an hour per seat; a badly run one far more.
    # Break/fix clients get no preventive care, so they break more often and more unevenly.
    hours_per_seat = 0.42 + 1.1 * (1.0 - efficiency) ** 1.6
    hours_per_seat = np.where(model == BREAK_FIX, hours_per_seat * 1.25, hours_per_seat)
    lumpiness = np.where(model == BREAK_FIX, 1.6, 6.0)
    reactive = seats * hours_per_seat * season * rng.gamma(lumpiness, 1.0 / lumpiness, shape)
    admin = rng.uniform(1.0, 3.0, (n, 1)) * np.ones(shape)

    # Hourly work is not all billed: bad payers get write-offs and settle disputes with discounts.
    billed_share = 0.6 + 0.38 * pays
    recurring = np.select(
        [model == MANAGED, model == HYBRID, model == PROJECT],
        [seats * price_per_seat, 0.45 * seats * price_per_seat, 25.0 * seats],
        0.0,
    ) * indexation
    covered = np.select([model == MANAGED, model == HYBRID], [0.95, 0.5], 0.0)
    hourly_revenue = reactive * (1.0 - covered) * billed_share * hourly_rate

    # Projects: lumpy revenue in some months, with the hours they take; project clients live on them.
    project_chance = np.where(model == PROJECT, 0.35, 0.04 + 0.10 * values)
    project_month = rng.uniform(0.0, 1.0, shape) < project_chance
    project_base = np.where(model == PROJECT, 400.0, 120.0) * seats
    project_revenue = np.where(
        project_month, np.maximum(project_base * np.exp(rng.normal(0.0, 0.6, shape)), 1500.0), 0.0
    )
    project_hours = project_revenue / (hourly_rate * rng.uniform(0.9, 1.3, shape))

    revenue = recurring + hourly_revenue + project_revenue
    labor_hours = reactive + admin + project_hours
    licence_share = rng.uniform(0.15, 0.35, (n, 1))
    parts_share = rng.uniform(0.04, 0.12, (n, 1))
    direct_costs = recurring * licence_share + hourly_revenue * parts_share + project_revenue * 0.25

    tickets_per_hour = rng.uniform(0.9, 1.5, (n, 1))
    tickets = rng.poisson(reactive * tickets_per_hour)
    after_hours_rate = 0.02 + 0.25 * (1.0 - process) ** 1.5
    emergency_rate = 0.01 + 0.18 * (1.0 - (process + pays) / 2.0) ** 1.5
    after_hours_tickets = rng.binomial(tickets, np.broadcast_to(after_hours_rate, shape))
    emergency_tickets = rng.binomial(tickets, np.broadcast_to(emergency_rate, shape))

    typical_days_to_pay = 11.0 + 85.0 * (1.0 - pays) ** 1.4
    days_to_pay = typical_days_to_pay * rng.gamma(12.0, 1.0 / 12.0, shape)
    disputed_invoices = rng.poisson(np.broadcast_to(0.01 + 0.5 * (1.0 - pays) ** 2, shape))

    # Months before a client started hold nothing; only the few clients who joined during the window need it.
    joined_late = np.flatnonzero(~active.all(axis=1))

    def only_active(values_: np.ndarray) -> np.ndarray:
        values_[joined_late] = np.where(active[joined_late], values_[joined_late], 0)
        return values_

    return Metrics(
        months=months,
        active=active,
        revenue=only_active(revenue),
        labor_hours=only_active(labor_hours),
        direct_costs=only_active(direct_costs),
        tickets=only_active(tickets),
        after_hours_tickets=only_active(after_hours_tickets),
        emergency_tickets=only_active(emergency_tickets),
        days_to_pay=only_active(days_to_pay),
        disputed_invoices=only_active(disputed_invoices),
    )
