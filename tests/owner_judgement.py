"""Owners with different latent judgment, and a harness that measures how well the suggestions learn each one.

Test-side code, made for issue 16: a book of clients is drawn as feature frames (the columns
:func:`grading.scoring.features.features_at` gives, so the scorecard and the model read them as they would a real book),
then an owner grades it from a latent view of each client that weighs money, the relationship and the gut
feeling in the owner's own way:

- ``rule_like``: judges as the default scorecard does (its grade lines and small-client rule, with the owner's
  noise): the rules are already right, so a model can only lose by moving away from them;
- ``balanced``: money, relationship and gut in about the rule's proportions (but not its straight lines);
- ``money_first``: the effective rate, margin and size above all;
- ``relationship_first``: payment, calm tickets, the survey and the caller-ID test above all;
- ``contrarian``: differs from the rules: size and after-hours calls decide, the survey barely counts.

Each client is graded one to three times over eighteen months, with its figures as they were then (clients
drift), and a quarter of them also by a second grader who mostly agrees. :func:`evaluate` trains on an owner's
first ``n_grades`` grades of a training share of the clients and scores the suggestions and the rule grade on
the other clients (their latest grade by the owner), by quadratic-weighted kappa.

Run ``python -m tests.owner_judgement`` for the table of the issue (it takes a minute or two).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from grading.model.dataset import TrainingSet, model_inputs
from grading.vocabulary import GRADES, SERVICE_MODELS
from grading.model.metrics import quadratic_weighted_kappa
from grading.scoring.scorecard import score_clients
from grading.settings import defaults

OWNER_TYPES: tuple[str, ...] = ("rule_like", "balanced", "money_first", "relationship_first", "contrarian")
SURVEY = ("pays_on_time", "values_service", "trusted_advisor", "follows_process", "open_to_recommendations")
LABOR_COST = 45.0
#: The owner's grade mix, best first: few A, many B and C, some D.
GRADE_MIX = (0.2, 0.35, 0.3, 0.15)
FIRST_DAY = np.datetime64("2023-01-01")
HISTORY_DAYS = 540
OWNER, SECOND = "Owner", "Service manager"


def _zscore(values: np.ndarray) -> np.ndarray:
    return (values - values.mean()) / (values.std() + 1e-9)


@dataclass(frozen=True)
class Book:
    """Clients' latent traits (0-1, higher better): ``quality`` (relationship), ``money`` and ``size``."""

    quality: np.ndarray
    money: np.ndarray
    size: np.ndarray
    service_model: np.ndarray


def draw_book(rng: np.random.Generator, n_clients: int) -> Book:
    """Draw the clients' latent traits; money and the relationship are a little correlated, as in real books."""
    quality = rng.beta(2.2, 2.0, n_clients)
    money = np.clip(0.35 * quality + 0.65 * rng.beta(2.0, 2.0, n_clients), 0, 1)
    size = rng.beta(1.6, 2.4, n_clients)
    service_model = np.asarray(SERVICE_MODELS, dtype=object)[rng.integers(0, len(SERVICE_MODELS), n_clients)]
    return Book(quality=quality, money=money, size=size, service_model=service_model)


def figures(rng: np.random.Generator, book: Book, rows: np.ndarray, drift: float) -> pd.DataFrame:
    """The features of clients ``rows`` at one moment, their traits moved by up to ``drift`` (clients change)."""
    n = rows.size
    quality = np.clip(book.quality[rows] + rng.normal(0, drift, n), 0, 1)
    money = np.clip(book.money[rows] + rng.normal(0, drift, n), 0, 1)
    size = book.size[rows]
    seats = np.round(np.exp(np.log(3) + size * np.log(60) + rng.normal(0, 0.1, n))).clip(2, 400)
    revenue = seats * rng.uniform(70, 140, n)
    costs = revenue * rng.uniform(0.1, 0.3, n)
    rate = 30.0 + 120.0 * money + rng.normal(0, 6, n)
    rate = np.maximum(rate, 15.0)
    hours = (revenue - costs) / rate
    tickets = np.maximum(hours * rng.uniform(0.4, 0.9, n), 1)
    calm = np.clip(quality + rng.normal(0, 0.12, n), 0, 1)
    paying = np.clip(quality + rng.normal(0, 0.15, n), 0, 1)
    survey = np.column_stack(
        [np.clip(np.round(1 + 4 * np.clip(quality + rng.normal(0, 0.18, n), 0, 1)), 1, 5) for _ in SURVEY]
    )
    gut = 0.5 * quality + 0.3 * paying + 0.2 * money + rng.normal(0, 0.08, n)
    caller = np.where(gut > 0.62, 100.0, np.where(gut < 0.36, 0.0, 50.0))
    frame = pd.DataFrame(
        {
            "client_id": [f"K{row:04d}" for row in rows],
            "service_model": book.service_model[rows],
            "seats": seats,
            "months_with_data": 12.0,
            "avg_monthly_revenue": revenue,
            "avg_monthly_hours": hours,
            "gross_margin": (revenue - costs - hours * LABOR_COST) / revenue,
            "effective_hourly_rate": rate,
            "contribution_per_hour": rate - LABOR_COST,
            "revenue_per_seat": revenue / seats,
            "hours_per_seat": hours / seats,
            "tickets_per_seat": tickets / seats,
            "after_hours_share": np.clip(0.3 * (1 - calm) ** 1.5 + rng.uniform(0, 0.03, n), 0, 1),
            "emergency_share": np.clip(0.35 * (1 - calm) ** 1.3 + rng.uniform(0, 0.03, n), 0, 1),
            "avg_days_to_pay": 8.0 + 80.0 * (1 - paying) ** 1.6 + rng.uniform(0, 4, n),
            "disputed_invoices_per_year": rng.poisson(5.0 * (1 - quality) ** 2).astype(float),
            "revenue_trend": rng.normal(0, 0.08, n),
            "hours_trend": rng.normal(0, 0.08, n),
            "caller_id_value": caller,
            "assessors": 1.0,
        }
    )
    for column, name in enumerate(SURVEY):
        frame[name] = survey[:, column]
    return frame


def owner_view(owner: str, seen: pd.DataFrame) -> np.ndarray:
    """The owner's view of each client (higher is better), from what the owner sees; standardised."""
    money = _zscore(
        _zscore(np.minimum(seen["effective_hourly_rate"].to_numpy(), 140.0))
        + 0.6 * _zscore(seen["gross_margin"].to_numpy())
        + 0.4 * _zscore(np.log(seen["avg_monthly_revenue"].to_numpy()))
    )
    relationship = _zscore(
        -_zscore(np.sqrt(seen["avg_days_to_pay"].to_numpy()))
        - 0.5 * _zscore(seen["disputed_invoices_per_year"].to_numpy())
        - 0.6 * _zscore(seen["after_hours_share"].to_numpy())
        - 0.5 * _zscore(seen["emergency_share"].to_numpy())
        + 0.8 * _zscore(seen[list(SURVEY)].to_numpy().mean(axis=1))
    )
    gut = _zscore(seen["caller_id_value"].to_numpy())
    size = _zscore(np.log(seen["avg_monthly_revenue"].to_numpy()))
    calls = -_zscore(seen["after_hours_share"].to_numpy() + seen["emergency_share"].to_numpy())
    if owner == "rule_like":
        # The rule's own grade as a number (A around 0, D around 3), turned so that higher is better.
        scored = score_clients(seen, defaults(), explain=False)
        score = scored["rule_score"].to_numpy(dtype="float64")
        a_min, b_min, c_min = (defaults()[name] for name in ("grade_a_min", "grade_b_min", "grade_c_min"))
        position = np.interp(score, [0.0, c_min, b_min, a_min, 100.0], [3.5, 2.5, 1.5, 0.5, -0.5])
        return -(position + scored["small_client_knockdown"].to_numpy(dtype="float64"))
    if owner == "balanced":
        view = 0.45 * money + 0.4 * relationship + 0.15 * gut
    elif owner == "money_first":
        view = 0.8 * money + 0.15 * relationship + 0.05 * gut
    elif owner == "relationship_first":
        view = 0.15 * money + 0.55 * relationship + 0.3 * gut
    elif owner == "contrarian":
        view = 0.5 * size + 0.35 * calls + 0.15 * money
    else:
        raise ValueError(f"unknown owner type {owner!r}; the types are {', '.join(OWNER_TYPES)}")
    return _zscore(view)


@dataclass(frozen=True)
class GradedBook:
    """One owner's grade history of a book: one row per grade event, with the figures as they were then."""

    events: pd.DataFrame  # client_id, graded_on, grade, grader
    features: pd.DataFrame  # the figures of each event, aligned with events
    current: pd.DataFrame  # each client's figures now
    current_grades: np.ndarray  # the owner's grade of each client now (what a held-out client is scored on)


def graded_book(owner: str, seed: int, n_clients: int = 150, noise: float = 0.35) -> GradedBook:
    """Draw a book and ``owner``'s grade history of it (fixed by ``seed``).

    The owner's cut points are fixed on the book as it is now (:data:`GRADE_MIX`), so earlier grades of a
    client that has since changed can differ from today's, as they do in real histories.
    """
    rng = np.random.default_rng(seed)
    book = draw_book(rng, n_clients)
    everyone = np.arange(n_clients)
    current = figures(rng, book, everyone, drift=0.0)
    view_now = owner_view(owner, current)
    if owner == "rule_like":
        cuts = np.array([-0.5, -1.5, -2.5])  # the rule's own grade lines
        noise = noise * 0.8  # the rule's position spreads about 0.8 grades where the other views spread 1
    else:
        cuts = np.quantile(view_now, 1.0 - np.cumsum(GRADE_MIX[:-1]))  # falling: A above the first

    def to_grade(view: np.ndarray) -> np.ndarray:
        return np.searchsorted(-cuts, -view, side="left")

    current_grades = np.asarray(GRADES, dtype=object)[to_grade(view_now + rng.normal(0, noise, n_clients))]
    per_client = rng.choice([1, 2, 3], n_clients, p=[0.45, 0.35, 0.2])
    client = np.repeat(everyone, per_client)
    day = rng.integers(0, HISTORY_DAYS, client.size)
    # The latest event of each client is "now"; earlier ones are drifted versions of the client.
    order = np.lexsort((day, client))
    client, day = client[order], day[order]
    last = np.append(client[1:] != client[:-1], True)
    seen = figures(rng, book, client, drift=0.08)
    seen.loc[last, :] = current.iloc[client[last]].to_numpy()
    # Views are standardised on the current book so an event's view is on the same scale as today's.
    raw_now = owner_view(owner, pd.concat([current, seen], ignore_index=True))[n_clients:]
    grade = to_grade(raw_now + rng.normal(0, noise, client.size))
    grade = np.where(last, pd.Series(current_grades).map({g: i for i, g in enumerate(GRADES)}).to_numpy()[client],
                     grade)
    events = pd.DataFrame(
        {
            "client_id": seen["client_id"].to_numpy(),
            "graded_on": FIRST_DAY + day.astype("timedelta64[D]"),
            "grade": np.asarray(GRADES, dtype=object)[grade],
            "grader": OWNER,
        }
    )
    # A second grader grades a quarter of the events too, on the same day: mostly agreeing, now and then one off.
    second = np.flatnonzero(rng.uniform(size=client.size) < 0.25)
    nudge = rng.choice([-1, 0, 1], second.size, p=[0.15, 0.7, 0.15])
    second_events = events.iloc[second].assign(
        grade=np.asarray(GRADES, dtype=object)[np.clip(grade[second] + nudge, 0, 3)], grader=SECOND
    )
    events = pd.concat([events, second_events], ignore_index=True)
    features = pd.concat([seen, seen.iloc[second]], ignore_index=True)
    order = np.lexsort((events["grader"].to_numpy(), events["graded_on"].to_numpy()))
    return GradedBook(
        events=events.iloc[order].reset_index(drop=True),
        features=features.iloc[order].reset_index(drop=True),
        current=current,
        current_grades=current_grades,
    )


def training_set(events: pd.DataFrame, features: pd.DataFrame, settings=None) -> TrainingSet:
    """A :class:`~grading.model.dataset.TrainingSet` of these events, as the store would build it."""
    try:
        from grading.model.dataset import training_set as build
    except ImportError:  # the model before issue 16 had no store-free builder (kept to measure it)
        return _training_set_before(events, features, settings)
    return build(events, features, defaults() | dict(settings or {}))


def _training_set_before(events, features, settings) -> TrainingSet:
    scored = score_clients(features, defaults() | dict(settings or {}), explain=False)
    return TrainingSet(
        events=events.reset_index(drop=True),
        features=features.reset_index(drop=True),
        inputs=model_inputs(features.reset_index(drop=True)),
        grades=events["grade"].astype(str).to_numpy(),
        clients=events["client_id"].astype(str).to_numpy(),
        rule_grades=np.asarray(scored["rule_grade"].astype(object)),
    )


def split_clients(graded: GradedBook, seed: int, train_share: float = 0.6) -> tuple[np.ndarray, np.ndarray]:
    """Return the client ids to learn from and those held out (fixed by ``seed``)."""
    ids = graded.current["client_id"].to_numpy()
    rng = np.random.default_rng(seed + 10_000)
    chosen = rng.uniform(size=ids.size) < train_share
    return ids[chosen], ids[~chosen]


def first_grades(graded: GradedBook, clients: np.ndarray, n_grades: int | None) -> np.ndarray:
    """Rows of the first ``n_grades`` grade events of ``clients`` in date order (all when None)."""
    rows = np.flatnonzero(graded.events["client_id"].isin(clients).to_numpy())
    return rows if n_grades is None else rows[:n_grades]


def evaluate(owner: str, n_grades: int | None, seed: int, *, n_repeats: int = 3) -> dict[str, float]:
    """Train on ``owner``'s first ``n_grades`` grades and score suggestions and rules on the held-out clients.

    Where no model can be trained (too few grades), the suggestion is the rule grade, as in the app.

    Returns
    -------
    dict
        ``model_qwk``, ``rule_qwk``, ``chosen`` (the candidate picked, or ``none``) and ``n_grades``.
    """
    from grading.model.reasons import grade_probabilities
    from grading.model.training import select_and_fit, training_needs

    graded = graded_book(owner, seed)
    learn, held_out = split_clients(graded, seed)
    rows = first_grades(graded, learn, n_grades)
    events = graded.events.iloc[rows]
    held = graded.current["client_id"].isin(held_out).to_numpy()
    held_features = graded.current[held].reset_index(drop=True)
    truth = graded.current_grades[held]
    rule = np.asarray(score_clients(held_features, defaults(), explain=False)["rule_grade"].astype(object))
    clients_needed, grades_needed = training_needs(events)
    if clients_needed or grades_needed:
        suggested, chosen = rule, "none"
    else:
        training = training_set(events, graded.features.iloc[rows])
        with threadpool_limits(limits=1):  # as the app trains: one thread, the cores are shared
            chosen, model, _ = select_and_fit(training, n_repeats=n_repeats, seed=seed)
            suggested = _suggested(model, grade_probabilities, held_features)
    return {
        "model_qwk": quadratic_weighted_kappa(truth, suggested),
        "rule_qwk": quadratic_weighted_kappa(truth, rule),
        "chosen": chosen,
        "n_grades": len(rows),
    }


def _suggested(model, grade_probabilities, features: pd.DataFrame) -> np.ndarray:
    try:
        from grading.model.suggest import suggested_grades
    except ImportError:  # before the suggestion rule had a name of its own: the most probable grade
        probabilities = grade_probabilities(model, model_inputs(features))
        return np.asarray(GRADES, dtype=object)[probabilities.argmax(axis=1)]
    return suggested_grades(model, features)


def table(seeds: range, grade_counts=(24, 100, None), owners=OWNER_TYPES) -> pd.DataFrame:
    """Mean held-out QWK of the suggestion and of the rule, per owner type and number of grades."""
    rows = []
    for owner in owners:
        for n_grades in grade_counts:
            results = pd.DataFrame([evaluate(owner, n_grades, seed) for seed in seeds])
            rows.append(
                {
                    "owner": owner,
                    "grades": "all" if n_grades is None else n_grades,
                    "mean_events": results["n_grades"].mean(),
                    "model_qwk": results["model_qwk"].mean(),
                    "rule_qwk": results["rule_qwk"].mean(),
                    "worst_gap": (results["model_qwk"] - results["rule_qwk"]).min(),
                    "chosen": ", ".join(f"{k} {v}" for k, v in results["chosen"].value_counts().items()),
                }
            )
    return pd.DataFrame(rows)


if __name__ == "__main__":
    n_seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table(range(n_seeds)).round(3).to_string(index=False))
