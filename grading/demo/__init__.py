"""The demo portfolio: a believable, reproducible book of MSP clients that tells the reference story.

:func:`generate_demo` draws clients, 24 months of metrics, assessments and a manual grade history from one seed,
in the import contract's columns; :func:`write_demo_portfolio` writes them through the importer, like any PSA
export. With the owner's latest grades, the D clients bring about a quarter of the last twelve months' revenue and
take about 40% of the hours (the reference case in PRODUCT.md).

How it is made:

- every client has a latent quality (0 worst, 1 best) that drives its traits (paying, process, efficiency,
  valuing the service), each with its own noise (:mod:`grading.demo.book`);
- metrics follow from the traits and the service model: managed clients pay per seat, break/fix clients by the
  hour and lumpily, project clients in bursts (:mod:`grading.demo.book`);
- the owner and a service manager assess and grade what they can observe, with their own weights and some noise
  (:mod:`grading.demo.judgement`);
- the D clients and one large, good client are scaled to the reference shares, and a little mess is added:
  a missing month here and there, a month with no hours logged, a client without direct costs
  (:mod:`grading.demo.story`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from grading.demo import book, judgement, story, words
from grading.errors import ClientGradeError

if TYPE_CHECKING:
    from grading.db.store import Store

DEFAULT_SEED = 2024
MAX_MONTHS = 240

CLIENT_COLUMNS = ("client_id", "name", "service_model", "seats", "client_since")
MONTHLY_COLUMNS = (
    "client_id",
    "month",
    "revenue",
    "labor_hours",
    "direct_costs",
    "tickets",
    "after_hours_tickets",
    "emergency_tickets",
    "days_to_pay",
    "disputed_invoices",
)
ASSESSMENT_COLUMNS = ("client_id", "assessed_on", "assessor", *judgement.SCORE_COLUMNS, "caller_id", "note")
GRADE_EVENT_COLUMNS = ("client_id", "graded_on", "grade", "grader", "note")


@dataclass(frozen=True, eq=False)
class DemoPortfolio:
    """A generated demo book in the import contract's shape (PRODUCT.md), one frame per import file.

    Attributes
    ----------
    clients, monthly, assessments, grades:
        Frames with exactly the contract's columns of ``clients.csv``, ``monthly.csv``, ``assessments.csv`` and
        ``grades.csv``. Dates are ``datetime64`` columns; ``month`` holds the first day of the month.
    end_month:
        The last month with metrics (first day of the month).
    seed:
        The seed the book was drawn from.
    """

    clients: pd.DataFrame
    monthly: pd.DataFrame
    assessments: pd.DataFrame
    grades: pd.DataFrame
    end_month: dt.date
    seed: int

    def frames(self) -> dict[str, pd.DataFrame]:
        """Return the four frames keyed by import file kind, as :func:`grading.importer.import_frames` takes them."""
        return {
            "clients": self.clients,
            "monthly": self.monthly,
            "assessments": self.assessments,
            "grades": self.grades,
        }


def last_complete_month(today: dt.date | None = None) -> dt.date:
    """Return the first day of the month before ``today`` (default: the real today)."""
    today = today or dt.date.today()
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _month_of(end_month: object) -> np.datetime64:
    """Return ``end_month`` as a ``datetime64[M]``; a date anywhere in the month means that month."""
    if isinstance(end_month, str):
        try:
            return np.datetime64(pd.Timestamp(end_month).to_period("M").start_time.date(), "M")
        except ValueError as error:
            raise ClientGradeError(f"end_month must be a date or 'YYYY-MM'; got '{end_month}'.") from error
    if isinstance(end_month, (dt.date, pd.Timestamp, np.datetime64)):
        if pd.isna(end_month):
            raise ClientGradeError("end_month must be a date, not a missing value.")
        return np.datetime64(pd.Timestamp(end_month).date(), "M")
    raise ClientGradeError(f"end_month must be a date or 'YYYY-MM'; got {type(end_month).__name__}.")


def _whole_number(value: object, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise ClientGradeError(f"{name} must be a whole number from {low:,} to {high:,}; got {value!r}.")
    return int(value)


def generate_demo(
    n_clients: int = 60,
    *,
    months: int = 24,
    seed: int | None = DEFAULT_SEED,
    end_month: dt.date | str | None = None,
) -> DemoPortfolio:
    """Draw a demo book of business: clients, monthly metrics, assessments and manual grade history.

    The same ``seed`` and ``end_month`` give identical frames. Everything is vectorised, so 100,000 clients over
    36 months take seconds.

    Parameters
    ----------
    n_clients:
        Number of clients, from 1 up to about a million (the name generator's limit).
    months:
        Months of metrics per client (clients who joined during the window have fewer), 1 to 240.
    seed:
        Seed of ``numpy.random.default_rng``; ``None`` means :data:`DEFAULT_SEED`.
    end_month:
        The last month with metrics: a date (any day of that month) or ``'YYYY-MM'``. Default: the last complete
        month before today. Assessments and grades fall in the twelve months up to its end.

    Returns
    -------
    DemoPortfolio

    Raises
    ------
    ClientGradeError
        ``n_clients``, ``months``, ``seed`` or ``end_month`` is not a valid value.
    """
    n = _whole_number(n_clients, "n_clients", 1, words.NAME_SPACE)
    months = _whole_number(months, "months", 1, MAX_MONTHS)
    seed = DEFAULT_SEED if seed is None else _whole_number(seed, "seed", 0, 2**63 - 1)
    last_month = _month_of(last_complete_month() if end_month is None else end_month)
    month_range = last_month - np.arange(months - 1, -1, -1)
    window_end = (last_month + 1).astype("datetime64[D]") - 1

    rng = np.random.default_rng(seed)
    clients = book.make_clients(rng, n, month_range[0])
    metrics = book.make_metrics(rng, clients, month_range)
    assessed = judgement.assess(rng, clients, window_end)
    seen = judgement.observe(clients, metrics, assessed)
    events = judgement.grade_history(rng, seen, window_end, always_graded=clients.large_client)
    story.tell_the_story(rng, clients, metrics, judgement.latest_grade(events, n))
    keep = story.add_mess(rng, clients, metrics)

    return DemoPortfolio(
        clients=_clients_frame(clients),
        monthly=_monthly_frame(clients, metrics, keep),
        assessments=_assessments_frame(clients, assessed),
        grades=_grades_frame(clients, events),
        end_month=pd.Timestamp(last_month).date(),
        seed=seed,
    )


def _dates(values: np.ndarray) -> np.ndarray:
    return values.astype("datetime64[s]")


def _clients_frame(clients: book.Clients) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "client_id": clients.client_id,
            "name": clients.name,
            "service_model": np.asarray(book.SERVICE_MODELS)[clients.service_model],
            "seats": clients.seats.astype(np.int64),
            "client_since": _dates(clients.client_since),
        },
        columns=list(CLIENT_COLUMNS),
    )


def _monthly_frame(clients: book.Clients, metrics: book.Metrics, keep: np.ndarray) -> pd.DataFrame:
    rows = keep.ravel()
    n, m = keep.shape
    client_index = np.repeat(np.arange(n), m)[rows]
    month_index = np.tile(np.arange(m), n)[rows]

    def flat(values: np.ndarray) -> np.ndarray:
        return values.ravel()[rows]

    # PSAs log time in quarter hours; money is in cents.
    # Taking from an Arrow-backed array keeps millions of client_id cells out of Python strings.
    client_ids = pd.array(clients.client_id, dtype="str").take(client_index)
    return pd.DataFrame(
        {
            "client_id": client_ids,
            "month": _dates(metrics.months.astype("datetime64[D]"))[month_index],
            "revenue": np.round(flat(metrics.revenue), 2),
            "labor_hours": np.round(flat(metrics.labor_hours) * 4.0) / 4.0,
            "direct_costs": np.round(flat(metrics.direct_costs), 2),
            "tickets": flat(metrics.tickets).astype(np.int64),
            "after_hours_tickets": flat(metrics.after_hours_tickets).astype(np.int64),
            "emergency_tickets": flat(metrics.emergency_tickets).astype(np.int64),
            "days_to_pay": np.round(flat(metrics.days_to_pay), 1),
            "disputed_invoices": flat(metrics.disputed_invoices).astype(np.int64),
        },
        columns=list(MONTHLY_COLUMNS),
    )


def _assessments_frame(clients: book.Clients, assessed: judgement.Assessments) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "client_id": clients.client_id[assessed.client],
            "assessed_on": _dates(assessed.assessed_on),
            "assessor": assessed.assessor,
            **{name: assessed.scores[:, i].astype(np.int64) for i, name in enumerate(judgement.SCORE_COLUMNS)},
            "caller_id": np.asarray(judgement.CALLER_IDS)[assessed.caller_id],
            "note": assessed.note,
        },
        columns=list(ASSESSMENT_COLUMNS),
    )
    return frame.sort_values(["client_id", "assessed_on", "assessor"], ignore_index=True, kind="stable")


def _grades_frame(clients: book.Clients, events: judgement.GradeEvents) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "client_id": clients.client_id[events.client],
            "graded_on": _dates(events.graded_on),
            "grade": np.asarray(judgement.GRADES)[events.grade],
            "grader": events.grader,
            "note": events.note,
        },
        columns=list(GRADE_EVENT_COLUMNS),
    )


def write_demo_portfolio(
    store: Store,
    n_clients: int = 60,
    *,
    seed: int | None = None,
    end_month: dt.date | str | None = None,
) -> DemoPortfolio:
    """Generate the demo book and write it into ``store`` through the importer, in one transaction.

    Parameters
    ----------
    store:
        An open store, normally empty (the demo's rows replace stored rows with the same keys).
    n_clients, end_month:
        As in :func:`generate_demo` (24 months of metrics).
    seed:
        The generator's seed; ``None`` means :data:`DEFAULT_SEED`.

    Returns
    -------
    DemoPortfolio
        The book that was written.

    Raises
    ------
    ClientGradeError
        A parameter is not valid, or the store refused the write (nothing is written then).
    """
    from grading.importer import import_frames

    portfolio = generate_demo(n_clients, seed=seed, end_month=end_month)
    import_frames(store, portfolio.frames(), source="demo")
    return portfolio
