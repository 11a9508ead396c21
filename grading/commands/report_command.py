"""``python -m grading report --out FILE.pdf [--as-of DATE] [--session ID] [--anonymize]``: the meeting pack."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from grading import books
from grading.commands.model_notice import warn_if_model_refused
from grading.db import paths
from grading.errors import ClientGradeError
from grading.scoring.features import as_date
from grading.db.store import Store


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``report`` command's parser."""
    parser = subparsers.add_parser(
        "report",
        parents=[common],
        help="write the meeting pack as a PDF: headline numbers, charts, D clients, churn, decisions",
        description="Write the meeting pack for the owner and the coach: the headline numbers, the grade mix "
        "and the portfolio matrix as charts, the D clients and why, what firing them would do (gross profit "
        "first), a review session's decisions and lift plans with owners and dates, and where the model "
        "disagrees with the owner's grades. With --anonymize no client name or id appears anywhere in the file.",
    )
    parser.add_argument("--out", metavar="FILE", required=True, help="the PDF file to write")
    parser.add_argument("--as-of", metavar="DATE", default=None, help="as of this day, YYYY-MM-DD (default today)")
    parser.add_argument(
        "--session", metavar="ID", type=int, default=None,
        help="the review session to report (default: the latest; none if the book has none)",
    )
    parser.add_argument("--anonymize", action="store_true", help="replace client names by aliases everywhere")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Write the meeting pack to ``args.out``; returns the exit status."""
    from grading.report import meeting_pack_pdf

    as_of = as_date(args.as_of) if args.as_of else date.today()
    db_path = paths.database_path(args.db)
    if not db_path.exists():
        raise ClientGradeError(f"There is no database at {db_path}. Create one with: python -m grading init")
    models = books.models_dir_for(db_path, args.models)
    with Store(db_path) as store:
        payload = meeting_pack_pdf(
            store, as_of, book=db_path.name.removesuffix(books.BOOK_SUFFIX), models_dir=models,
            session_id=args.session, anonymize=args.anonymize,
        )
        warn_if_model_refused(store, models)
    with open(args.out, "wb") as handle:
        handle.write(payload)
    print(f"Meeting pack as of {as_of.isoformat()}: {args.out}", file=sys.stderr)
    return 0
