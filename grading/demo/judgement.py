"""The owner's and the service manager's view of the demo clients: assessments and manual grade history.

Grades are drawn from what an owner can observe (the last twelve months of metrics and the assessments), plus
moderate noise, so a model trained on them can learn them. The owner weighs things differently from a generic
rule scorecard: payment behaviour, late calls and the caller-ID gut feeling count most, and size barely counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grading.demo import words
from grading.demo.book import Clients, Metrics
from grading.vocabulary import CALLER_IDS, GRADES

SCORE_COLUMNS = ("pays_on_time", "values_service", "trusted_advisor", "follows_process", "open_to_recommendations")
OWNER = "Owner"
SERVICE_MANAGER = "Service manager"

# Cut points on the owner's 0-1 view of a client, best grade first (A above the first, D below the last).
GRADE_CUTS = np.array([0.86, 0.56, 0.34])
UNGRADED_SHARE = 0.15


@dataclass
class Observed:
    """What the graders see of each client over the last twelve months, and the owner's assessment."""

    days_to_pay: np.ndarray
    disputes_per_month: np.ndarray
    after_hours_share: np.ndarray
    effective_hourly_rate: np.ndarray
    seats: np.ndarray
    scores: np.ndarray  # clients x 5, in SCORE_COLUMNS order
    caller_id: np.ndarray  # codes into CALLER_IDS


@dataclass
class Assessments:
    """Assessment rows as arrays, one entry per assessment."""

    client: np.ndarray  # index into the clients
    assessed_on: np.ndarray  # datetime64[D]
    assessor: np.ndarray
    scores: np.ndarray
    caller_id: np.ndarray
    note: np.ndarray


@dataclass
class GradeEvents:
    """Manual grade events as arrays, one entry per event."""

    client: np.ndarray
    graded_on: np.ndarray
    grade: np.ndarray  # 0 = A ... 3 = D
    grader: np.ndarray
    note: np.ndarray


def _score(rng: np.random.Generator, trait: np.ndarray, spread: float = 0.55) -> np.ndarray:
    return np.clip(np.round(1.0 + 4.0 * trait + rng.normal(0.0, spread, trait.size)), 1, 5).astype(np.int64)


def assess(rng: np.random.Generator, clients: Clients, window_end: np.datetime64) -> Assessments:
    """Draw one owner's assessment per client within the last year, and a second assessor's for about a quarter.

    Parameters
    ----------
    rng:
        The generator every draw comes from.
    clients:
        The book.
    window_end:
        The last day assessments may carry (``datetime64[D]``).

    Returns
    -------
    Assessments
        The owner's assessments first (client order), then the service manager's.
    """
    n = clients.quality.size
    trusted = (clients.values + clients.quality) / 2.0
    scores = np.column_stack(
        [
            _score(rng, clients.pays),
            _score(rng, clients.values),
            _score(rng, trusted),
            _score(rng, clients.process),
            _score(rng, (clients.values + clients.pays) / 2.0),
        ]
    )
    # The gut feeling knows more than the scores: it is the quality itself, seen through a fog.
    gut = 0.35 * clients.pays + 0.35 * clients.process + 0.3 * clients.quality + rng.normal(0.0, 0.1, n)
    caller_id = np.where(gut > 0.62, 0, np.where(gut < 0.36, 2, 1))
    owner_day = window_end - rng.integers(0, 365, n).astype("timedelta64[D]")

    second = np.flatnonzero(rng.uniform(0.0, 1.0, n) < 0.25)
    # The second assessor mostly agrees, now and then one point apart, and shifts the gut reaction rarely.
    nudges = rng.choice(np.array([-1, 0, 1]), size=(second.size, len(SCORE_COLUMNS)), p=[0.15, 0.7, 0.15])
    second_scores = np.clip(scores[second] + nudges, 1, 5)
    second_caller = np.clip(caller_id[second] + rng.choice(np.array([-1, 0, 1]), second.size, p=[0.1, 0.8, 0.1]), 0, 2)
    second_day = window_end - rng.integers(0, 365, second.size).astype("timedelta64[D]")

    client = np.concatenate([np.arange(n), second])
    caller = np.concatenate([caller_id, second_caller])
    note = words.ASSESSMENT_NOTES[caller, rng.integers(0, words.ASSESSMENT_NOTES.shape[1], client.size)]
    return Assessments(
        client=client,
        assessed_on=np.concatenate([owner_day, second_day]),
        assessor=np.concatenate([np.full(n, OWNER), np.full(second.size, SERVICE_MANAGER)]),
        scores=np.concatenate([scores, second_scores]),
        caller_id=caller,
        note=note,
    )


def observe(clients: Clients, metrics: Metrics, assessments: Assessments, window: int = 12) -> Observed:
    """Summarise the last ``window`` months of metrics and the owner's assessment, per client.

    Returns
    -------
    Observed
    """
    n = clients.quality.size
    recent = slice(max(metrics.months.size - window, 0), None)
    active = metrics.active[:, recent]
    months_active = np.maximum(active.sum(axis=1), 1)
    revenue = metrics.revenue[:, recent].sum(axis=1)
    hours = metrics.labor_hours[:, recent].sum(axis=1)
    costs = metrics.direct_costs[:, recent].sum(axis=1)
    tickets = metrics.tickets[:, recent].sum(axis=1)
    owner_rows = np.arange(n)  # assess() puts the owner's assessments first, in client order
    return Observed(
        days_to_pay=metrics.days_to_pay[:, recent].sum(axis=1) / months_active,
        disputes_per_month=metrics.disputed_invoices[:, recent].sum(axis=1) / months_active,
        after_hours_share=metrics.after_hours_tickets[:, recent].sum(axis=1) / np.maximum(tickets, 1),
        effective_hourly_rate=(revenue - costs) / np.maximum(hours, 1.0),
        seats=clients.seats.astype(float),
        scores=assessments.scores[owner_rows],
        caller_id=assessments.caller_id[owner_rows],
    )


def _to_grade(view: np.ndarray) -> np.ndarray:
    return np.searchsorted(-GRADE_CUTS, -view, side="left")


def owner_view(rng: np.random.Generator, seen: Observed) -> np.ndarray:
    """Return the owner's 0-1 view of each client: payment, late calls and gut first, size barely at all."""
    paying = 1.0 - np.clip((seen.days_to_pay - 12.0) / 75.0, 0.0, 1.0)
    arguing = np.clip(seen.disputes_per_month / 0.4, 0.0, 1.0)
    calm = 1.0 - np.clip(seen.after_hours_share / 0.2, 0.0, 1.0)
    gut = 1.0 - seen.caller_id / 2.0
    earning = np.clip((seen.effective_hourly_rate - 25.0) / 100.0, 0.0, 1.0)
    survey = (seen.scores.mean(axis=1) - 1.0) / 4.0
    size = np.clip(np.log(seen.seats / 2.0) / np.log(100.0), 0.0, 1.0)
    view = (
        0.30 * paying
        + 0.08 * (1.0 - arguing)
        + 0.20 * calm
        + 0.17 * gut
        + 0.13 * earning
        + 0.09 * survey
        + 0.03 * size
    )
    return view + rng.normal(0.0, 0.05, view.size)


def service_manager_view(rng: np.random.Generator, seen: Observed, owner: np.ndarray) -> np.ndarray:
    """Return the service manager's 0-1 view: close to the owner's, with more weight on process and hours."""
    calm = 1.0 - np.clip(seen.after_hours_share / 0.2, 0.0, 1.0)
    process = (seen.scores[:, SCORE_COLUMNS.index("follows_process")] - 1.0) / 4.0
    earning = np.clip((seen.effective_hourly_rate - 25.0) / 100.0, 0.0, 1.0)
    view = 0.6 * owner + 0.15 * calm + 0.1 * process + 0.15 * earning
    return view + rng.normal(0.0, 0.04, view.size)


def grade_history(
    rng: np.random.Generator, seen: Observed, window_end: np.datetime64, always_graded: int | None = None
) -> GradeEvents:
    """Draw the manual grade history of the last twelve months from two graders.

    85% of clients are graded at least once (some several times, some by both graders, who agree or are one
    grade apart); the rest are never graded, so "grade these next" has work. Earlier grades of a client drift a
    grade now and then, as clients change and owners change their minds. No client gets two grades on one day.

    Parameters
    ----------
    rng:
        The generator every draw comes from.
    seen:
        What the graders observe, from :func:`observe`.
    window_end:
        The last day a grade may carry (``datetime64[D]``).
    always_graded:
        A client the owner certainly graded (the largest one), or ``None``.

    Returns
    -------
    GradeEvents
        Events sorted by client and date.
    """
    n = seen.seats.size
    owner = owner_view(rng, seen)
    owner_grade = _to_grade(owner)
    manager_grade = np.clip(_to_grade(service_manager_view(rng, seen, owner)), owner_grade - 1, owner_grade + 1)

    # Owners grade the clients that stand out first (the worst above all); the quiet middle waits its turn.
    # Exactly 15% stay ungraded, drawn with those weights (Gumbel top-k: weighted sampling without replacement).
    weight = np.array([0.10, 0.25, 0.25, 0.03])[owner_grade]
    if always_graded is not None:
        weight[always_graded] = 0.0
    keys = np.log(np.maximum(weight, 1e-12)) + rng.gumbel(0.0, 1.0, n)
    graded = np.ones(n, bool)
    ungraded = int(round(UNGRADED_SHARE * n))
    if ungraded:
        graded[np.argpartition(-keys, ungraded - 1)[:ungraded]] = False
    by_owner = np.where(graded, rng.choice(np.array([1, 2, 3]), n, p=[0.55, 0.3, 0.15]), 0)
    by_manager = np.where(graded & (rng.uniform(0.0, 1.0, n) < 0.25), rng.choice(np.array([1, 2]), n, p=[0.7, 0.3]), 0)
    # A few clients only the service manager graded.
    only_manager = graded & (rng.uniform(0.0, 1.0, n) < 0.05)
    if always_graded is not None:
        only_manager[always_graded] = False
    by_manager = np.where(only_manager, np.maximum(by_manager, 1), by_manager)
    by_owner = np.where(only_manager, 0, by_owner)

    client = np.concatenate([np.repeat(np.arange(n), by_owner), np.repeat(np.arange(n), by_manager)])
    is_manager = np.concatenate([np.zeros(by_owner.sum(), bool), np.ones(by_manager.sum(), bool)])
    # Random order within each client, then one date per event in that order, each in its own slice of the year.
    order = np.lexsort((rng.uniform(0.0, 1.0, client.size), client))
    client, is_manager = client[order], is_manager[order]
    per_client = np.bincount(client, minlength=n)
    starts = np.cumsum(per_client) - per_client
    position = np.arange(client.size) - starts[client]
    count = per_client[client]
    slice_days = 365.0 / count
    day_in_year = np.floor(position * slice_days + rng.uniform(0.0, 1.0, client.size) * slice_days).astype(int)
    graded_on = window_end - (364 - np.minimum(day_in_year, 364)).astype("timedelta64[D]")

    grade = np.where(is_manager, manager_grade[client], owner_grade[client])
    is_latest = position == count - 1
    drift = rng.choice(np.array([-1, 0, 1]), client.size, p=[0.12, 0.76, 0.12])
    grade = np.clip(np.where(is_latest, grade, grade + drift), 0, 3)

    note = words.GRADE_NOTES[grade, rng.integers(0, words.GRADE_NOTES.shape[1], client.size)]
    return GradeEvents(
        client=client,
        graded_on=graded_on,
        grade=grade,
        grader=np.where(is_manager, SERVICE_MANAGER, OWNER),
        note=note,
    )


def latest_grade(events: GradeEvents, n: int) -> np.ndarray:
    """Return each client's latest manual grade (0 = A ... 3 = D), -1 where the client was never graded."""
    latest = np.full(n, -1)
    # Events are sorted by client and date, so a client's latest event is the one before the next client's first.
    last_of_client = np.append(events.client[1:] != events.client[:-1], True) if events.client.size else []
    latest[events.client[last_of_client]] = events.grade[last_of_client]
    return latest
