"""Peer comparison of many books: one row per book, computed in one DuckDB query over all of them.

The books are read side by side in one connection (:meth:`grading.db.store.Store.attach`, read-only), and one query
(:data:`_COMPARISON_SQL`: each book's rows tagged with the book and joined by ``UNION ALL``, then one set of joins
and aggregates over them all) answers for every book at once: clients,
revenue, labor hours, effective hourly rate, gross margin, the D clients' share of revenue and of hours, the grade
mix and the concentration of revenue. Each book is read with its own settings (scoring window, labor cost rate,
concentration threshold, currency). With five books or more, each book's percentile among them is added to the
rows the query returns (:func:`add_percentiles`).

DuckDB opens a file once per process. A book this process has open already (in the app, the books its sessions
work on) cannot be attached a second time, so it is read through its own store, with the same query over that one
book; a book another process holds for writing cannot be read at all, and is left out with a note.

The same query runs over Parquet exports of the books (``python -m grading export --parquet``): each export
folder becomes a schema of views over its Parquet files (:meth:`~grading.db.store.Store.create_parquet_views`), named
like the attached books, so the query text is the same. That is how it reads books from object storage.

What "effective grade" means here
---------------------------------
The grades are the books' own effective grades (manual, else the model's suggestion, else the scorecard), exactly
as ``python -m grading grade`` gives them for the date, read from each book's stored grades
(:mod:`grading.stored_grades`). Stored grades belong to one revision of their book; a book whose stored grades
are missing or older than its data is graded again first (one book at a time, only those), unless it cannot be
opened for that. Over Parquet exports nothing can be graded again: an export whose stored grades do not match
its data for the date shows no grade figures, and a note says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from grading.books import Book
from grading.errors import ClientGradeError, StoreError
from grading.scoring.features import as_date
from grading.settings import defaults
from grading.db.store import Store, quote_identifier

#: The tables the comparison reads from each book (and so the Parquet files an export must hold).
TABLES = ("clients", "archived_clients", "monthly_metrics", "settings", "store_revision", "graded_clients")

#: Figures on which each book gets a percentile (0-100) when five books or more are compared.
PERCENTILE_COLUMNS = ("revenue", "effective_hourly_rate", "gross_margin", "d_revenue_share", "d_hours_share")
MIN_BOOKS_FOR_PERCENTILES = 5
_GRADE_COUNT_COLUMNS = ("grades_a", "grades_b", "grades_c", "grades_d", "ungraded")

#: The comparison's columns, in order.
COLUMNS = (
    "book",
    "clients",
    "revenue",
    "direct_costs",
    "labor_hours",
    "gross_profit",
    "effective_hourly_rate",
    "gross_margin",
    "grades_a",
    "grades_b",
    "grades_c",
    "grades_d",
    "ungraded",
    "d_revenue_share",
    "d_hours_share",
    "largest_client_share",
    "concentrated_clients",
    "graded",
    "currency",
    "window_start",
    "window_end",
    *(f"{column}_percentile" for column in PERCENTILE_COLUMNS),
)
_QUERY_COLUMNS = tuple(column for column in COLUMNS if not column.endswith("_percentile"))

# Each book contributes only its raw rows, tagged with its position (``book_index``), through thin branches joined
# by UNION ALL; every join and aggregate then runs once over all the books. (A branch per book holding the joins
# made the query's planning grow faster than the number of books: 40 books took 3 s, now a fraction of that.)
# {c} is the book's schema or attached database, a quoted identifier made here; values come as $parameters.
_BOOK_ROWS = {
    "book_settings": "SELECT {index} AS book_index, name, value_json FROM {c}.settings "
    "WHERE name IN ('scoring_window_months', 'labor_cost_rate', 'concentration_pct', 'currency')",
    "book_revisions": "SELECT {index} AS book_index, max(revision) AS revision FROM {c}.store_revision",
    # An archived client is graded no more from its day, as in grading.scoring.features.
    "book_clients": "SELECT {index} AS book_index, client_id FROM {c}.clients WHERE client_id NOT IN "
    "(SELECT client_id FROM {c}.archived_clients WHERE archived_on <= CAST($as_of AS DATE))",
    "book_months": "SELECT {index} AS book_index, client_id, month, revenue, direct_costs, labor_hours "
    "FROM {c}.monthly_metrics",
    "book_grades": "SELECT {index} AS book_index, client_id, effective_grade, revision FROM {c}.graded_clients "
    "WHERE as_of = $as_of",
}

# Each book's window and the settings it is read with (its own, else the defaults), and whether its stored grades
# are current for the date.
_FACTS = """
facts AS (
    SELECT r.book_index, r.revision,
           CAST(date_trunc('month', CAST($as_of AS DATE)) AS DATE) AS window_end,
           CAST(date_trunc('month', CAST($as_of AS DATE))
                - to_months(coalesce(s.window_months, $window_months)) AS DATE) AS window_start,
           coalesce(s.labor_cost_rate, $labor_cost_rate) AS labor_cost_rate,
           coalesce(s.concentration_pct, $concentration_pct) / 100.0 AS concentration_share,
           coalesce(s.currency, $currency) AS currency,
           coalesce(n.clients, 0) = 0 OR coalesce(g.current_rows, 0) > 0 AS graded
    FROM book_revisions AS r
    LEFT JOIN (
        SELECT book_index,
               max(CASE WHEN name = 'scoring_window_months' THEN CAST(value_json AS INTEGER) END) AS window_months,
               max(CASE WHEN name = 'labor_cost_rate' THEN CAST(value_json AS DOUBLE) END) AS labor_cost_rate,
               max(CASE WHEN name = 'concentration_pct' THEN CAST(value_json AS DOUBLE) END) AS concentration_pct,
               max(CASE WHEN name = 'currency' THEN trim(value_json, '"') END) AS currency
        FROM book_settings
        GROUP BY book_index
    ) AS s USING (book_index)
    LEFT JOIN (SELECT book_index, count(*) AS clients FROM book_clients GROUP BY book_index) AS n USING (book_index)
    LEFT JOIN (
        SELECT g.book_index, count(*) AS current_rows
        FROM book_grades AS g JOIN book_revisions AS r ON r.book_index = g.book_index AND g.revision = r.revision
        GROUP BY g.book_index
    ) AS g USING (book_index)
)"""

_COMPARISON_SQL = """
WITH {rows},
{facts},
-- Each client's figures over its book's scoring window, summed as grading.scoring.features sums them, and its
-- stored effective grade where the book's stored grades are current.
per_client AS (
    SELECT c.book_index, c.client_id,
           coalesce(sum(m.revenue), 0) AS revenue,
           coalesce(sum(coalesce(m.direct_costs, 0)), 0) AS direct_costs,
           coalesce(sum(m.labor_hours), 0) AS labor_hours,
           any_value(g.effective_grade) AS effective_grade
    FROM book_clients AS c
    JOIN facts AS f USING (book_index)
    LEFT JOIN book_months AS m
      ON m.book_index = c.book_index AND m.client_id = c.client_id
     AND m.month >= f.window_start AND m.month < f.window_end
    LEFT JOIN book_grades AS g
      ON g.book_index = c.book_index AND g.client_id = c.client_id AND g.revision = f.revision
    GROUP BY c.book_index, c.client_id
),
shares AS (
    SELECT p.*, f.concentration_share,
           p.revenue - p.direct_costs - p.labor_hours * f.labor_cost_rate AS gross_profit,
           p.revenue / nullif(sum(p.revenue) OVER (PARTITION BY p.book_index), 0) AS revenue_share
    FROM per_client AS p
    JOIN facts AS f USING (book_index)
),
totals AS (
    SELECT book_index,
           count(*) AS clients,
           sum(revenue) AS revenue,
           sum(direct_costs) AS direct_costs,
           sum(labor_hours) AS labor_hours,
           sum(gross_profit) AS gross_profit,
           count_if(effective_grade = 'A') AS grades_a,
           count_if(effective_grade = 'B') AS grades_b,
           count_if(effective_grade = 'C') AS grades_c,
           count_if(effective_grade = 'D') AS grades_d,
           count_if(effective_grade IS NULL) AS ungraded,
           sum(CASE WHEN effective_grade = 'D' THEN revenue ELSE 0 END) AS d_revenue,
           sum(CASE WHEN effective_grade = 'D' THEN labor_hours ELSE 0 END) AS d_hours,
           coalesce(max(revenue_share), 0) AS largest_client_share,
           count_if(revenue_share > concentration_share) AS concentrated_clients
    FROM shares
    GROUP BY book_index
)
SELECT f.book_index,
       coalesce(t.clients, 0) AS clients,
       coalesce(t.revenue, 0) AS revenue,
       coalesce(t.direct_costs, 0) AS direct_costs,
       coalesce(t.labor_hours, 0) AS labor_hours,
       coalesce(t.gross_profit, 0) AS gross_profit,
       (t.revenue - t.direct_costs) / nullif(t.labor_hours, 0) AS effective_hourly_rate,
       t.gross_profit / nullif(t.revenue, 0) AS gross_margin,
       CASE WHEN f.graded THEN coalesce(t.grades_a, 0) END AS grades_a,
       CASE WHEN f.graded THEN coalesce(t.grades_b, 0) END AS grades_b,
       CASE WHEN f.graded THEN coalesce(t.grades_c, 0) END AS grades_c,
       CASE WHEN f.graded THEN coalesce(t.grades_d, 0) END AS grades_d,
       CASE WHEN f.graded THEN coalesce(t.ungraded, 0) END AS ungraded,
       CASE WHEN f.graded THEN t.d_revenue / nullif(t.revenue, 0) END AS d_revenue_share,
       CASE WHEN f.graded THEN t.d_hours / nullif(t.labor_hours, 0) END AS d_hours_share,
       coalesce(t.largest_client_share, 0) AS largest_client_share,
       coalesce(t.concentrated_clients, 0) AS concentrated_clients,
       f.graded, f.currency, f.window_start, f.window_end
FROM facts AS f
LEFT JOIN totals AS t USING (book_index)
ORDER BY f.book_index
"""

# Which books' stored grades are current for the date: the question asked before the comparison, in one query too.
_GRADED_SQL = """
WITH {rows},
{facts}
SELECT book_index, graded FROM facts ORDER BY book_index
"""


@dataclass(frozen=True)
class Comparison:
    """The comparison of books.

    Attributes
    ----------
    table:
        One row per book compared, in the order given, with :data:`COLUMNS` (see the module notes). Shares are
        fractions (0-1); percentiles 0-100, missing with fewer than five books.
    notes:
        One sentence per book left out or shown without grades, and per book graded again, for the user to read.
    as_of:
        The date compared.
    """

    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    as_of: date | None = None


def _parameters(as_of: date) -> dict[str, object]:
    values = defaults()
    return {
        "as_of": as_of,
        "window_months": int(values["scoring_window_months"]),
        "labor_cost_rate": float(values["labor_cost_rate"]),
        "concentration_pct": float(values["concentration_pct"]),
        "currency": str(values["currency"]),
    }


def _book_rows(sources: Sequence[str], tables: Sequence[str] = tuple(_BOOK_ROWS)) -> str:
    """The common table expressions that tag every book's rows with its position, one UNION ALL per table."""
    return ",\n".join(
        f"{name} AS (\n"
        + "\nUNION ALL\n".join(_BOOK_ROWS[name].format(index=index, c=source) for index, source in enumerate(sources))
        + "\n)"
        for name in tables
    )


def comparison_sql(sources: Sequence[str]) -> str:
    """Return the comparison query over ``sources``: quoted names of attached books or schemas of Parquet views."""
    return _COMPARISON_SQL.format(rows=_book_rows(sources), facts=_FACTS)


def _run_comparison(host: Store, names: Sequence[str], sources: Sequence[str], as_of: date) -> pd.DataFrame:
    if not sources:
        return pd.DataFrame(columns=list(_QUERY_COLUMNS))
    frame = host.query(comparison_sql(sources), _parameters(as_of))
    frame.insert(0, "book", [names[index] for index in frame.pop("book_index")])
    for column in ("window_start", "window_end"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    # Counts are whole numbers, missing (not NaN) where a book has no current grades.
    for column in ("clients", "concentrated_clients", *_GRADE_COUNT_COLUMNS):
        frame[column] = frame[column].astype("Int64")
    frame["graded"] = frame["graded"].astype(bool)
    return frame[list(_QUERY_COLUMNS)].reset_index(drop=True)


def _graded_flags(host: Store, sources: Sequence[str], as_of: date) -> list[bool]:
    rows = _book_rows(sources, ("book_settings", "book_revisions", "book_clients", "book_grades"))
    frame = host.query(_GRADED_SQL.format(rows=rows, facts=_FACTS), _parameters(as_of))
    return [bool(value) for value in frame["graded"]]


class _AttachedBooks:
    """Books attached read-only to a host store under generated names; those that cannot be are noted."""

    def __init__(self, host: Store):
        self.host = host
        self.attached: dict[Path, str] = {}
        self._count = 0

    def source_of(self, book: Book) -> str:
        return quote_identifier(self.attached[book.path])

    def attach(self, book: Book, notes: list[str]) -> bool:
        self._count += 1
        alias = f"book_{self._count}"
        try:
            self.host.attach(book.path, alias)
        except StoreError as error:
            notes.append(f"Book '{book.name}' was left out: {error}")
            return False
        self.attached[book.path] = alias
        return True

    def detach(self, book: Book) -> None:
        alias = self.attached.pop(book.path, None)
        if alias is not None:
            self.host.detach(alias)

    def detach_all(self) -> None:
        for path in list(self.attached):
            self.host.detach(self.attached.pop(path))


def _databases_with_stored_grades(host: Store) -> set[str]:
    """The attached books that have the stored-grades table (one written by an older ClientGrade has not, until it is
    opened and migrated)."""
    return set(host.query("SELECT database_name FROM duckdb_tables() WHERE table_name = 'graded_clients'")
               ["database_name"])


def _regrade(book: Book, as_of: date, open_store: Store | None, notes: list[str]) -> bool:
    from grading.stored_grades import grade_and_save

    try:
        if open_store is not None:
            grade_and_save(open_store, as_of, book.models_dir)
        else:
            with Store(book.path) as store:
                grade_and_save(store, as_of, book.models_dir)
    except ClientGradeError as error:
        notes.append(f"Book '{book.name}' could not be graded as of {as_of.isoformat()}: {error}")
        return False
    notes.append(f"Book '{book.name}' was graded as of {as_of.isoformat()} (its stored grades were out of date).")
    return True


def _compare_attached(books: Sequence[Book], day: date, regrade: bool, notes: list[str]) -> pd.DataFrame:
    """The books attached read-only to an in-memory store, stale ones graded again first, read in one query."""
    with Store(":memory:", migrate=False) as host:
        attached = _AttachedBooks(host)
        try:
            readable = [book for book in books if attached.attach(book, notes)]
            if regrade and readable:
                having = _databases_with_stored_grades(host)
                old = {book.path for book in readable if attached.attached[book.path] not in having}
                checkable = [book for book in readable if book.path not in old]
                flags = _graded_flags(host, [attached.source_of(book) for book in checkable], day) if checkable else []
                stale = [book for book, graded in zip(checkable, flags, strict=True) if not graded]
                for book in [*stale, *(book for book in readable if book.path in old)]:
                    attached.detach(book)
                    _regrade(book, day, None, notes)
                    if not attached.attach(book, notes):
                        readable = [kept for kept in readable if kept.path != book.path]
            sources = [attached.source_of(book) for book in readable]
            return _run_comparison(host, [book.name for book in readable], sources, day)
        finally:
            attached.detach_all()


def _compare_open(book: Book, store: Store, day: date, regrade: bool, notes: list[str]) -> pd.DataFrame:
    """A book this process has open already, read through its own store with the same query over that one book."""
    from grading.stored_grades import grades_are_current

    if regrade and not grades_are_current(store, day):
        _regrade(book, day, store, notes)
    own_catalog = quote_identifier(store.scalar("SELECT current_database()"))
    return _run_comparison(store, [book.name], [own_catalog], day)


def add_percentiles(table: pd.DataFrame) -> pd.DataFrame:
    """Return ``table`` with each book's percentile (0-100) on :data:`PERCENTILE_COLUMNS`, from five books on.

    The percentile is the share of the other books with a lower value (``percent_rank``): 0 for the lowest, 100
    for the highest, ties sharing the lower rank; missing where the figure is, and everywhere with fewer than
    :data:`MIN_BOOKS_FOR_PERCENTILES` books having it.
    """
    table = table.copy()
    for column in PERCENTILE_COLUMNS:
        values = pd.to_numeric(table[column], errors="coerce").astype("float64")
        known = int(values.notna().sum())
        if known >= MIN_BOOKS_FOR_PERCENTILES:
            table[f"{column}_percentile"] = ((values.rank(method="min") - 1) / (known - 1) * 100).round(1)
        else:
            table[f"{column}_percentile"] = float("nan")
    return table


def compare_books(
    books: Sequence[Book],
    as_of: date | str | None = None,
    *,
    open_stores: Mapping[Path, Store] | None = None,
    regrade: bool = True,
) -> Comparison:
    """Compare ``books`` side by side as of ``as_of``, in one query over the books attached read-only.

    Parameters
    ----------
    books:
        The books (:func:`grading.books.list_books`), in the order the table lists them.
    as_of:
        The date (default today): figures over each book's scoring window before it, grades as of it.
    open_stores:
        The books this process has open already, by path (the app's sessions' books). DuckDB opens a file once
        per process, so such a book cannot be attached: it is read through its own store, with the same query
        over that one book. Every other book is attached to an in-memory store, and all of them are read in one
        query.
    regrade:
        Grade again, one at a time, the books whose stored grades are missing or out of date for ``as_of``
        (:mod:`grading.stored_grades`), before the comparison. Without it such books show no grade figures.

    Returns
    -------
    Comparison
        The table (with percentiles from five books on, :func:`add_percentiles`) and the notes: a book held for
        writing by another program is left out with a note.
    """
    day = date.today() if as_of is None else as_date(as_of)
    notes: list[str] = []
    opened = {Path(path).resolve(): store for path, store in (open_stores or {}).items()}
    pieces = [
        _compare_open(book, opened[book.path.resolve()], day, regrade, notes)
        for book in books
        if book.path.resolve() in opened
    ]
    pieces.append(_compare_attached([b for b in books if b.path.resolve() not in opened], day, regrade, notes))
    table = pd.concat([piece for piece in pieces if len(piece)] or [pieces[-1]], ignore_index=True)
    order = {book.name: position for position, book in enumerate(books)}
    table = table.sort_values("book", key=lambda names: names.map(order), kind="stable").reset_index(drop=True)
    table = add_percentiles(table)
    notes.extend(_ungraded_notes(table, day))
    return Comparison(table[list(COLUMNS)], notes, day)


def _ungraded_notes(table: pd.DataFrame, day: date) -> list[str]:
    return [
        f"Book '{name}' has no grades stored for {day.isoformat()} that match its data, so its grade figures are "
        f"left blank: compare the books themselves as of that date (python -m grading compare --books <folder> "
        f"--as-of {day.isoformat()} grades and stores them), then export the book again."
        for name in table.loc[~table["graded"].astype(bool), "book"]
    ]


def _export_folders(host: Store, root: str) -> list[str]:
    """The export folders under ``root``: those holding ``clients.parquet`` (listed by DuckDB, so s3:// works)."""
    pattern = root.rstrip("/") + "/*/clients.parquet"
    files = sorted(host.query("SELECT file FROM glob(?)", [pattern])["file"])
    return [file.rsplit("/", 1)[0] for file in files]


def compare_exports(root: str | Path, as_of: date | str | None = None) -> Comparison:
    """Compare the Parquet exports of books under ``root`` (one folder per book), with the same query.

    Parameters
    ----------
    root:
        A folder (or an ``s3://`` / ``https://`` prefix, with ``httpfs`` loaded and credentials set: see the
        README) holding one folder per book, each made by ``python -m grading export --parquet --out``. The folder's
        name is the book's name.
    as_of:
        As for :func:`compare_books`; exports are not graded again (see the module notes).

    Returns
    -------
    Comparison

    Raises
    ------
    ClientGradeError
        No export folder was found under ``root``, or an export lacks one of :data:`TABLES`.
    """
    day = date.today() if as_of is None else as_date(as_of)
    with Store(":memory:", migrate=False) as host:
        folders = _export_folders(host, str(root))
        if not folders:
            raise ClientGradeError(
                f"No book exports under {root}: each book is a folder holding clients.parquet and the other tables "
                "(python -m grading export --parquet --out <folder>/<book>)."
            )
        names, sources = [], []
        for index, folder in enumerate(folders):
            schema = f"book_{index + 1}"
            present = set(host.query("SELECT file FROM glob(?)", [folder + "/*.parquet"])["file"])
            missing = [table for table in TABLES if f"{folder}/{table}.parquet" not in present]
            if missing:
                raise ClientGradeError(
                    f"The export {folder} lacks {', '.join(t + '.parquet' for t in missing)}; export the book "
                    "again with this version of ClientGrade."
                )
            host.create_parquet_views(schema, {table: f"{folder}/{table}.parquet" for table in TABLES})
            names.append(folder.rsplit("/", 1)[-1])
            sources.append(quote_identifier(schema))
        table = add_percentiles(_run_comparison(host, names, sources, day))
    return Comparison(table[list(COLUMNS)], _ungraded_notes(table, day), day)
