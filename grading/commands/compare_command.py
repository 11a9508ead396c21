"""``python -m grading compare --books DIR [--as-of DATE] [--format json]``: one row per book, side by side."""

from __future__ import annotations

import argparse
import sys
from datetime import date

import pandas as pd

from grading import books
from grading.compare import compare_books, compare_exports
from grading.errors import ClientGradeError
from grading.db.export import safe_csv_bytes
from grading.scoring.features import as_date


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``compare`` command's parser."""
    parser = subparsers.add_parser(
        "compare",
        parents=[common],
        help="compare every book in a folder: revenue, hours, rate, margin, the D clients' shares, grade mix",
        description="Compare the books in a folder (one DuckDB file per MSP) in one query over all of them: "
        "clients, revenue, labor hours, effective hourly rate, gross margin, the D clients' share of revenue and "
        "of hours (effective grades over the scoring window), the grade mix and the concentration of revenue; "
        "with five books or more, each book's percentile. Books whose stored grades are out of date are graded "
        "again first; a book another program holds is left out, with a note on stderr. With --parquet, DIR "
        "holds one folder of Parquet exports per book (python -m grading export --parquet), which may be on "
        "object storage (see the README).",
    )
    parser.add_argument(
        "--books", metavar="DIR", default=None,
        help=f"the books folder (default: ${books.BOOKS_ENV}, else data/)",
    )
    parser.add_argument("--parquet", action="store_true", help="DIR holds Parquet exports of the books")
    parser.add_argument(
        "--as-of", metavar="DATE", default=None, help="compare as of this day, YYYY-MM-DD (default: today)"
    )
    parser.add_argument("--format", choices=("csv", "json"), default="csv", help="output format (default csv)")
    parser.set_defaults(run=run)


def _json_bytes(frame: pd.DataFrame) -> bytes:
    frame = frame.copy()
    for column in ("window_start", "window_end"):
        frame[column] = pd.to_datetime(frame[column]).dt.strftime("%Y-%m-%d")
    return (frame.to_json(orient="records", force_ascii=False, indent=1) + "\n").encode("utf-8")


def run(args: argparse.Namespace) -> int:
    """Compare the books and print one row per book; notes go to stderr. Returns the exit status."""
    as_of = as_date(args.as_of) if args.as_of else date.today()
    if args.parquet:
        if not args.books:
            raise ClientGradeError("--parquet needs --books: the folder (or s3:// prefix) of the book exports.")
        comparison = compare_exports(args.books, as_of)
    else:
        folder = books.books_dir(args.books)
        found = books.list_books(folder)
        if not found:
            raise ClientGradeError(f"There are no books (*.duckdb files) in {folder}.")
        comparison = compare_books(found, as_of)
    for note in comparison.notes:
        print(f"note: {note}", file=sys.stderr)
    table = comparison.table
    payload = _json_bytes(table) if args.format == "json" else safe_csv_bytes(table)
    sys.stdout.buffer.write(payload)
    sys.stdout.flush()
    return 0
