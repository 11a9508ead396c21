"""``python -m grading import [--clients F] [--monthly F] [--assessments F] [--grades F]``: import CSV files."""

from __future__ import annotations

import argparse
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

from grading.db import paths
from grading.errors import ClientGradeError
from grading.importer import CONTRACTS, FILE_KINDS, import_files, validate_files
from grading.db.store import Store


_DESCRIPTION = (
    "Check the given CSV files against the import contract and write them all in one transaction. On any problem "
    "nothing is written, every problem is listed on stderr (file, row, column) and the exit status is 1. Importing "
    "the same files twice changes nothing."
)


def _columns_epilog() -> str:
    lines = ["columns (case-insensitive; [optional]; comma or semicolon delimited; UTF-8 with or without BOM):"]
    for contract in CONTRACTS.values():
        names = [name if contract.column(name).required else f"[{name}]" for name in contract.column_names]
        lines.append(textwrap.fill(f"{contract.kind}: {', '.join(names)}", 100, initial_indent="  ",
                                   subsequent_indent="    "))
    lines.append("The README lists every column's allowed values.")
    return "\n".join(lines)


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``import`` command's parser."""
    parser = subparsers.add_parser(
        "import",
        parents=[common],
        help="import clients, monthly metrics, assessments and grades from CSV files",
        description=textwrap.fill(_DESCRIPTION, 100),
        epilog=_columns_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    helps = {
        "clients": "clients file: one row per client (added, or updated by client_id)",
        "monthly": "monthly metrics file: one row per client and month (replaces a stored client-month)",
        "assessments": "relationship assessments file (replaces a stored client + date + assessor)",
        "grades": "manual grades file (appended to the grade history; rows stored already are skipped)",
    }
    for kind in FILE_KINDS:
        parser.add_argument(f"--{kind}", metavar="FILE", default=None, help=helps[kind])
    parser.add_argument(
        "--check", action="store_true", help="only check the files and print the report; write nothing"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Import (or with ``--check`` only check) the given files; print the summary. Returns the exit status.

    Raises
    ------
    ClientGradeError
        No file was given.
    ImportValidationError
        A file has problems (nothing is written; the CLI prints every problem).
    """
    files = {kind: getattr(args, kind) for kind in FILE_KINDS if getattr(args, kind, None)}
    if not files:
        raise ClientGradeError("give at least one file: --clients, --monthly, --assessments or --grades")
    db_path = paths.database_path(args.db)
    new_file = str(db_path) != ":memory:" and not db_path.exists()
    new_folder = str(db_path) != ":memory:" and not db_path.parent.exists()
    written = False
    try:
        with Store(db_path) as store:
            if args.check:
                report = validate_files(store, files, max_upload_mb=NO_SIZE_LIMIT_MB, max_cells=float("inf"))
                print(report.summary())
                return 0 if report.ok else 1
            report = import_files(store, files, max_upload_mb=NO_SIZE_LIMIT_MB, max_cells=float("inf"),
                                  progress=_progress_for(files))
            written = True
    finally:
        if new_file and not written:
            # A refused import (or a check) into a new --db must not leave an empty database behind, which the next
            # command would take for a real, empty book.
            remove_new_database(db_path, remove_folder=new_folder)
    print(report.summary())
    return 0


#: The upload limit (the ``max_upload_mb`` setting) guards the app's uploader; on the command line the owner's own
#: files are taken whatever their size. (A number, not infinity: the readers turn megabytes into a byte count.)
NO_SIZE_LIMIT_MB = 1e12
#: From this many megabytes in all, an import says on stderr how far it got.
PROGRESS_FROM_MB = 20


def _progress_for(files: dict[str, str]) -> Callable[[str], None]:
    """Print each step on stderr, with the seconds since the start, when the files are large; else say nothing."""
    total = sum(Path(path).stat().st_size for path in files.values() if Path(path).is_file()) / 1024 / 1024
    if total < PROGRESS_FROM_MB:
        return lambda _: None
    started = time.perf_counter()
    print(f"importing {total:,.0f} MB in {len(files)} file(s)", file=sys.stderr, flush=True)

    def say(step: str) -> None:
        print(f"  {time.perf_counter() - started:6.1f} s  {step}", file=sys.stderr, flush=True)

    return say


def remove_new_database(db_path, *, remove_folder: bool) -> None:
    """Delete a database file this command created (and its write-ahead log, and its folder if new and empty)."""
    for leftover in (db_path, db_path.with_name(db_path.name + ".wal")):
        leftover.unlink(missing_ok=True)
    if remove_folder:
        try:
            db_path.parent.rmdir()
        except OSError:  # not empty: something else lives there now
            pass
