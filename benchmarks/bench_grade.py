"""``grade`` (features, scorecard, flags, suggestion) against a bare DuckDB aggregate over the same monthly table.

The timed grading is what the app keeps per store revision: every number, grade and flag, with the reason texts
left to :func:`grading.scoring.portfolio.explain_portfolio` for the rows a page shows. What the texts cost is shown on
two rows of its own, for the whole book (what the CLI and the exports write) and for one page of rows.
"""

from __future__ import annotations

import datetime as dt

from benchmarks.config import Config
from benchmarks.measure import time_median
from benchmarks.report import Row, Target
from benchmarks.scale import prepare_book
from grading.scoring.portfolio import explain_portfolio, grade_portfolio
from grading.db.store import Store

GROUP = "Grade"
#: The issue sets the target at 100,000 clients; smaller books are shown against the same ratio for information.
TARGET_CLIENTS = 100_000
TARGET = Target(max_ratio=5, max_value=2.0)
#: How many rows a page shows at once, for the row that times explaining one page.
PAGE_ROWS = 50

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
                lambda _: grade_portfolio(store, book.as_of, models_dir=book.models, explain=False),
                repeats=repeats,
                warmup=warmup,
            )
            bounds = list(window(book.as_of))
            floor = time_median(lambda _: store.query(BARE_AGGREGATE, bounds), repeats=repeats, warmup=max(warmup, 1))
            book_graded = grade_portfolio(store, book.as_of, models_dir=book.models, explain=False)
        every_text = time_median(lambda _: explain_portfolio(book_graded), repeats=repeats, warmup=max(warmup, 1))
        # A page's rows are spread over the book, as a filter or a sort picks them.
        page = book_graded.iloc[:: max(1, len(book_graded) // PAGE_ROWS)].head(PAGE_ROWS)
        page_text = time_median(lambda _: explain_portfolio(page), repeats=5, warmup=1)
        suggestion = "suggestion" if has_model else "no model yet"
        config.emit(
            Row(
                group=GROUP,
                what=f"grade_portfolio (features, scorecard, flags, {suggestion}; reason texts on demand)",
                size=config.size_label(n_clients),
                value=graded.median,
                repeats=graded.repeats,
                floor_what="DuckDB sum per client over the window, bare",
                floor_value=floor.median,
                target=TARGET if n_clients == TARGET_CLIENTS else None,
                note="" if has_model else "the model package could not train yet, so no suggestion was timed",
            )
        )
        for what, figure in (
            ("reason texts of every client (explain_portfolio over the whole book, as the CLI writes them)",
             every_text),
            (f"reason texts of one page of {PAGE_ROWS} clients (explain_portfolio)", page_text),
        ):
            config.emit(
                Row(group=GROUP, what=what, size=config.size_label(n_clients), value=figure.median,
                    repeats=figure.repeats)
            )
