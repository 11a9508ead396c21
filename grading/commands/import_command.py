"""``python -m grading import [--clients F] [--monthly F] [--assessments F] [--grades F]``: import CSV files."""

from __future__ import annotations

import argparse
import textwrap

from grading import paths
from grading.errors import ClientGradeError
from grading.importer import CONTRACTS, FILE_KINDS, import_files, validate_files
from grading.store import Store


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
    with Store(paths.database_path(args.db)) as store:
        if args.check:
            report = validate_files(store, files)
            print(report.summary())
            return 0 if report.ok else 1
        report = import_files(store, files)
    print(report.summary())
    return 0
