"""The comparison of books: one query over many books attached read-only, and over their Parquet exports.

A coach's folder of 50 books of 60 clients each (36 months of figures) is made in the scratch folder, each book
graded once so its stored grades are current: what is timed is the comparison a coach opens, not the first
grading. The floor reads what the comparison must read at the least: every book attached read-only and its
window's revenue and hours summed per book in one UNION ALL query, nothing else; the Parquet floor does the same
over the exports.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from benchmarks.config import Config
from benchmarks.measure import time_median
from benchmarks.report import Row
from grading import books
from grading.compare import compare_books, compare_exports
from grading.db.export import export_parquet
from grading.db.store import Store, quote_identifier

GROUP = "Compare books"
BOOKS = 50
CLIENTS_PER_BOOK = 60
#: With --quick (the smoke test): a first look at a small folder.
QUICK_BOOKS, QUICK_CLIENTS = 5, 15
AS_OF = date(2026, 1, 15)

_FLOOR_BRANCH = (
    "SELECT {index} AS book, sum(revenue) AS revenue, sum(labor_hours) AS hours FROM {source}.monthly_metrics "
    "WHERE month >= DATE '2025-01-01' AND month < DATE '2026-01-01'"
)


def _make_books(folder: Path, count: int, clients: int, say) -> list[books.Book]:
    say(f"making {count} books of {clients} clients")
    for number in range(count):
        books.create_book(f"book{number:03d}", folder, start="demo", demo_clients=clients, seed=number, train=False)
    made = books.list_books(folder)
    compare_books(made, AS_OF)  # grades every book once; the timed runs read the stored grades
    return made


def _floor_books(made: list[books.Book]) -> None:
    with Store(":memory:", migrate=False) as host:
        sources = []
        for index, book in enumerate(made):
            host.attach(book.path, f"floor_{index}")
            sources.append(quote_identifier(f"floor_{index}"))
        host.query(" UNION ALL ".join(_FLOOR_BRANCH.format(index=i, source=s) for i, s in enumerate(sources)))


def _floor_exports(exports: Path, names: list[str]) -> None:
    with Store(":memory:", migrate=False) as host:
        for index, name in enumerate(names):
            location = str(exports / name / "monthly_metrics.parquet")
            host.create_parquet_views(f"floor_{index}", {"monthly_metrics": location})
        host.query(" UNION ALL ".join(
            _FLOOR_BRANCH.format(index=i, source=quote_identifier(f"floor_{i}")) for i in range(len(names))
        ))


def run(config: Config) -> None:
    """Make the books, then time the comparison over the files and over their Parquet exports, beside floors."""
    count, clients = (QUICK_BOOKS, QUICK_CLIENTS) if config.quick else (BOOKS, CLIENTS_PER_BOOK)
    made = _make_books(config.scratch / "books", count, clients, config.say)
    exports = config.scratch / "exports"
    for book in made:
        with Store(book.path) as store:
            export_parquet(store, exports / book.name)
    repeats, warmup = config.repeats()
    size = f"{count} books x {clients} clients"
    over_books = time_median(lambda _: compare_books(made, AS_OF), repeats=repeats, warmup=max(warmup, 1))
    books_floor = time_median(lambda _: _floor_books(made), repeats=repeats, warmup=max(warmup, 1))
    config.emit(Row(GROUP, "compare_books: attach read-only, one query (stored grades current), percentiles", size,
                    over_books.median, repeats=over_books.repeats,
                    floor_what="DuckDB: attach every book, sum the window per book, bare",
                    floor_value=books_floor.median))
    names = [book.name for book in made]
    over_exports = time_median(lambda _: compare_exports(exports, AS_OF), repeats=repeats, warmup=max(warmup, 1))
    exports_floor = time_median(lambda _: _floor_exports(exports, names), repeats=repeats, warmup=max(warmup, 1))
    config.emit(Row(GROUP, "compare_exports: the same query over the Parquet exports", size, over_exports.median,
                    repeats=over_exports.repeats, floor_what="DuckDB: views over the Parquet files, sum per book, bare",
                    floor_value=exports_floor.median))
