"""A small book of clients, made in code with a fixed seed, for the review tests (unit and app layers alike).

The review tests import :func:`write_review_book` from here, so they do not hinge on the demo generator;
``tests/unit/test_review_book.py`` checks that it spans A to D.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from grading.db.store import Store

# The book ends with the last full month, so the app's default as-of date (today) sees all of it.
AS_OF = date.today()
MONTHS = pd.period_range(end=pd.Period(AS_OF, freq="M") - 1, periods=18, freq="M")
LAST_MONTH_START = MONTHS[-1].to_timestamp().date()


def write_review_book(store: Store, n_clients: int = 24, seed: int = 11) -> pd.DataFrame:
    """Write ``n_clients`` clients whose quality runs from worst to best, with 18 months of metrics, an
    assessment each and a manual grade for every other client; return the clients frame.
    """
    rng = np.random.default_rng(seed)
    quality = np.linspace(0.02, 0.98, n_clients)
    rng.shuffle(quality)
    ids = [f"C{number:03d}" for number in range(1, n_clients + 1)]
    clients = pd.DataFrame(
        {
            "client_id": ids,
            "name": [f"Firm {chr(65 + number % 26)}{number} Ltd" for number in range(n_clients)],
            "service_model": np.where(quality < 0.4, "break_fix", "managed"),
            "seats": (5 + quality * 60).round().astype(int),
            "client_since": date(2020, 1, 1),
        }
    )
    n_months = len(MONTHS)
    revenue = (300 + quality * 5000)[:, None] * rng.uniform(0.9, 1.1, (n_clients, n_months))
    hours = (revenue / (40 + quality * 120)[:, None]) * rng.uniform(0.9, 1.1, (n_clients, n_months))
    tickets = np.maximum(1, (hours / 2).round()).astype(int)
    monthly = pd.DataFrame(
        {
            "client_id": np.repeat(ids, n_months),
            "month": np.tile(MONTHS.to_timestamp().date, n_clients),
            "revenue": revenue.ravel().round(2),
            "labor_hours": hours.ravel().round(1),
            "direct_costs": (revenue * 0.1).ravel().round(2),
            "tickets": tickets.ravel(),
            "after_hours_tickets": (tickets * (0.4 - 0.35 * quality)[:, None]).astype(int).ravel(),
            "emergency_tickets": (tickets * (0.45 - 0.4 * quality)[:, None]).astype(int).ravel(),
            "days_to_pay": np.repeat(80 - quality * 70, n_months).round(1),
            "disputed_invoices": np.repeat((quality < 0.3).astype(int), n_months),
        }
    )
    score = np.clip(np.round(1 + quality * 4), 1, 5).astype(int)
    assessments = pd.DataFrame(
        {
            "client_id": ids,
            "assessed_on": LAST_MONTH_START,
            "assessor": "owner",
            "pays_on_time": score,
            "values_service": score,
            "trusted_advisor": score,
            "follows_process": score,
            "open_to_recommendations": score,
            "caller_id": np.select([quality < 0.35, quality < 0.7], ["dread", "neutral"], "happy"),
            "note": "",
        }
    )
    graded = clients.iloc[::2]
    grades = pd.DataFrame(
        {
            "client_id": graded["client_id"],
            "graded_on": LAST_MONTH_START,
            "grade": np.select(
                [quality[::2] >= 0.75, quality[::2] >= 0.5, quality[::2] >= 0.25], ["A", "B", "C"], "D"
            ),
            "grader": "owner",
        }
    )
    with store.transaction() as tx:
        for table, frame in (("clients", clients), ("monthly_metrics", monthly), ("assessments", assessments)):
            with tx.frame(frame) as incoming:
                tx.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {incoming}")
        with tx.frame(grades) as incoming:
            tx.execute(
                f"INSERT INTO grade_events (client_id, graded_on, grade, grader) "
                f"SELECT client_id, graded_on, grade, grader FROM {incoming}"
            )
    return clients
