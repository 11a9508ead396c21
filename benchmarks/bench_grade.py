"""``grade`` (features, scorecard, flags, suggestion) against a bare DuckDB aggregate over the same monthly table."""

from __future__ import annotations

import datetime as dt

from benchmarks.config import Config
from benchmarks.measure import time_median
from benchmarks.report import Row, Target
from benchmarks.scale import prepare_book
from grading.portfolio import grade_portfolio
from grading.store import Store

GROUP = "Grade"
#: The issue sets the target at 100,000 clients; smaller books are shown against the same ratio for information.
TARGET_CLIENTS = 100_000
TARGET = Target(max_ratio=5, max_value=2.0)

# The least a grading can do: one pass over the scoring window's months, summed per client, into a frame.
BARE_AGGREGATE = """
SELECT client_id, sum(revenue) AS revenue, sum(labor_hours) AS labor_hours,
       sum(direct_costs) AS direct_costs, count(*) AS months_with_data
FROM monthly_metrics
WHERE month >= ? AND month < ?
GROUP BY client_id
ORDER BY client_id
"""


def window(as_of: dt.date, months: int = 12) -> tuple[dt.date, dt.date]:
    """Return the first day of the scoring window and the first day after it, for ``as_of``."""
    end = as_of.replace(day=1)
    start_index = end.year * 12 + end.month - 1 - months
    return dt.date(start_index // 12, start_index % 12 + 1, 1), end


def run(config: Config) -> None:
    """Time ``grade_portfolio`` and the bare aggregate at each size, and emit one row per size."""
    for n_clients in config.sizes:
        book = prepare_book(n_clients, months=config.months, cache=config.cache, progress=config.say)
        repeats, warmup = config.repeats(n_clients)
        config.say(f"grading {n_clients:,} clients, {repeats} runs")
        has_model = (book.folder / "model.done").exists()
        with Store(book.database) as store:
            graded = time_median(
                lambda _: grade_portfolio(store, book.as_of, models_dir=book.models), repeats=repeats, warmup=warmup
            )
            bounds = list(window(book.as_of))
            floor = time_median(lambda _: store.query(BARE_AGGREGATE, bounds), repeats=repeats, warmup=max(warmup, 1))
        config.emit(
            Row(
                group=GROUP,
                what="grade_portfolio (features, scorecard, flags, suggestion)"
                if has_model
                else "grade_portfolio (features, scorecard, flags; no model yet)",
                size=config.size_label(n_clients),
                value=graded.median,
                repeats=graded.repeats,
                floor_what="DuckDB sum per client over the window, bare",
                floor_value=floor.median,
                target=TARGET if n_clients == TARGET_CLIENTS else None,
                note="" if has_model else "the model package could not train yet, so no suggestion was timed",
            )
        )
