"""``python -m grading import [--clients F] [--monthly F] [--assessments F] [--grades F]``: import CSV files."""

from __future__ import annotations

import argparse
import textwrap

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
                report = validate_files(store, files)
                print(report.summary())
                return 0 if report.ok else 1
            report = import_files(store, files)
            written = True
    finally:
        if new_file and not written:
            # A refused import (or a check) into a new --db must not leave an empty database behind, which the next
            # command would take for a real, empty book.
            remove_new_database(db_path, remove_folder=new_folder)
    print(report.summary())
    return 0


def remove_new_database(db_path, *, remove_folder: bool) -> None:
    """Delete a database file this command created (and its write-ahead log, and its folder if new and empty)."""
    for leftover in (db_path, db_path.with_name(db_path.name + ".wal")):
        leftover.unlink(missing_ok=True)
    if remove_folder:
        try:
            db_path.parent.rmdir()
        except OSError:  # not empty: something else lives there now
            pass
