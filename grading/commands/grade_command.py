"""``python -m grading grade [--as-of DATE] [--format csv|json] [--out F]``: every client's grades, as a table."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from grading import books
from grading.db import paths
from grading.commands.model_notice import warn_if_model_refused
from grading.errors import ClientGradeError
from grading.db.export import write_safe_csv, write_safe_csv_file
from grading.scoring.features import as_date
from grading.scoring.portfolio import explain_portfolio, grade_portfolio
from grading.db.store import Store


_DATE_COLUMNS = ("client_since", "as_of", "window_start", "window_end", "assessed_on", "manual_graded_on")


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``grade`` command's parser."""
    parser = subparsers.add_parser(
        "grade",
        parents=[common],
        help="grade every client: rule, suggested, manual and effective grade, with reasons and flags",
        description="Write one row per client: the rule score and grade, the model's suggestion, the manual "
        "grade, the effective grade (manual if set, else suggested, else rule), revenue, hours, effective hourly "
        "rate over the scoring window, the reasons behind the rule grade and the flags.",
    )
    parser.add_argument(
        "--as-of",
        metavar="DATE",
        default=None,
        help="grade as of this day, YYYY-MM-DD (default: today); metrics count for the full months before it",
    )
    parser.add_argument("--format", choices=("csv", "json"), default="csv", help="output format (default csv)")
    parser.add_argument("--out", metavar="FILE", default=None, help="write to this file (default: standard output)")
    parser.set_defaults(run=run)


#: Clients explained and written at a time: the words of a whole book of a million clients (and its JSON text)
#: would take gigabytes beside its figures. (The book's dates are calendar days, written alike in any piece.)
ROWS_PER_PIECE = 20_000


def pieces(graded: pd.DataFrame, rows_per_piece: int | None = None) -> Iterator[pd.DataFrame]:
    """The graded book's rows with their words (reasons, flags...), ``rows_per_piece`` clients at a time.

    The words of a row depend on its own figures and on what the whole book was graded with, so the pieces hold
    what ``grade_portfolio(..., explain=True)`` gives for the same rows (:func:`explain_portfolio`).
    """
    step = rows_per_piece or ROWS_PER_PIECE
    for start in range(0, len(graded), step):
        yield explain_portfolio(graded.iloc[start : start + step])


def _days(column: pd.Series) -> pd.Series:
    """A column of dates as ``YYYY-MM-DD`` texts (``pd.to_datetime(column).dt.strftime``), missing where missing.

    A book of 100,000 clients holds a few hundred distinct days: each is formatted once, not once per row.
    """
    codes, days = pd.factorize(column)
    texts = pd.to_datetime(pd.Series(days, dtype=object)).dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
    return pd.Series(np.append(texts, None)[codes], index=column.index, dtype=object)


def _json_text(frame: pd.DataFrame) -> str:
    """Rows as a JSON list of records (one space of indent); dates as YYYY-MM-DD, missing values as null."""
    # assign leaves the frame as it was without copying it (pandas copies on write).
    days = {column: _days(frame[column]) for column in _DATE_COLUMNS if column in frame.columns}
    return frame.assign(**days).to_json(orient="records", force_ascii=False, indent=1)


def write_json(frames: Iterable[pd.DataFrame], write: Callable[[bytes], object]) -> None:
    """Write the rows of ``frames`` as one JSON list of records, a frame at a time, to ``write`` (bytes).

    The pieces join into the very text one frame of all the rows would give: each piece's list loses its brackets,
    and the pieces are separated as its records are (``",\n"``).
    """
    started = False
    for frame in frames:
        if frame.empty:
            continue
        # The text of a piece is tens of megabytes: encoded once, and its list's brackets ("[\n", "\n]")
        # left out by a view rather than by copying the text again.
        text = _json_text(frame).encode("utf-8")
        write(b"[\n" if not started else b",\n")
        write(memoryview(text)[2:-2])
        started = True
    write(b"\n]\n" if started else b"[\n\n]\n")


def _write(graded: pd.DataFrame, form: str, handle: BinaryIO) -> None:
    """Write the graded book with its words to an open binary file as JSON or safe CSV, a piece at a time."""
    if form == "json":
        write_json(pieces(graded), handle.write)
        return
    if graded.empty:
        write_safe_csv_file(explain_portfolio(graded), handle)
        return
    # DuckDB turns one piece into text (with the interpreter's lock let go) while the next piece's words are
    # made in Python: one writer thread, so the pieces reach the file in order, and one piece waiting at most.
    # The pieces share one scratch database (opening one costs a tenth of a second), closed only after the writer
    # has finished (or failed) its last piece.
    with Store(":memory:", migrate=False) as scratch, ThreadPoolExecutor(max_workers=1) as writer:
        pending = None
        for number, piece in enumerate(pieces(graded)):
            if pending is not None:
                pending.result()
            pending = writer.submit(write_safe_csv, piece, handle.write, header=number == 0, scratch=scratch)
        if pending is not None:
            pending.result()


def run(args: argparse.Namespace) -> int:
    """Grade the portfolio and write it; returns the exit status."""
    as_of = as_date(args.as_of) if args.as_of else date.today()
    db_path = paths.database_path(args.db)
    if not db_path.exists():
        raise ClientGradeError(f"There is no database at {db_path}. Create one with: python -m grading init")
    with Store(db_path) as store:
        models_dir = books.models_dir_for(db_path, args.models)
        # The words are written with each piece of rows (see pieces), not for the whole book at once.
        graded = grade_portfolio(store, as_of, models_dir=models_dir, explain=False)
        warn_if_model_refused(store, models_dir)
    if args.out:
        # Written beside the target and renamed into place: a failure leaves no half-written file.
        partial = Path(args.out).with_name(Path(args.out).name + ".partial")
        try:
            with open(partial, "wb") as handle:
                _write(graded, args.format, handle)
            os.replace(partial, args.out)
        finally:
            partial.unlink(missing_ok=True)
        print(f"Graded {len(graded)} clients as of {as_of.isoformat()}: {args.out}", file=sys.stderr)
    else:
        _write(graded, args.format, sys.stdout.buffer)
        sys.stdout.flush()
    return 0
