"""``python -m grading import-raw``: import raw PSA and accounting exports and derive the monthly metrics.

The options are SOURCES.md's: files per kind (several each, ``NAME:PATH`` for a file's own preset), ``--preset``,
``--mapping``, ``--timezone``, ``--business-hours``, ``--working-days``, ``--date-order``, ``--check`` and
``--format text|json``.
"""

from __future__ import annotations

import argparse
import json
import textwrap

from grading.db import paths
from grading.errors import ImportValidationError
from grading.sources import KIND_NAMES, PRESET_NAMES, import_raw, check_raw, parse_file_argument, raw_settings
from grading.sources.mapping import read_mapping
from grading.sources.values import DATE_ORDERS
from grading.db.store import Store

_DESCRIPTION = (
    "Read time entries and tickets from a PSA and invoices and payments from a PSA or the books, as the systems "
    "export them (CSV in any delimiter, UTF-8 or UTF-16, or .xlsx), derive the monthly metrics and write the "
    "clients and client-months in one transaction, replacing only the months the files cover. On any problem "
    "nothing is written and every problem is listed on stderr (file, row, column). Importing the same files twice "
    "changes nothing."
)
_EPILOG = (
    f"presets: {', '.join(PRESET_NAMES)}. A file given as NAME:PATH is read with that preset alone (time from the "
    "PSA, invoices from the books); without a preset each file's is recognised from its headers and the report "
    "says which and why. SOURCES.md lists each preset's columns and the mapping file's keys."
)


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``import-raw`` command's parser."""
    parser = subparsers.add_parser(
        "import-raw",
        parents=[common],
        help="import raw PSA and accounting exports (ConnectWise, Autotask, HaloPSA, Syncro, QuickBooks, Xero, ...)",
        description=textwrap.fill(_DESCRIPTION, 100),
        epilog=textwrap.fill(_EPILOG, 100),
    )
    parser.add_argument("--preset", metavar="NAME", default=None,
                        help=f"read every file that names none with this preset ({', '.join(PRESET_NAMES)})")
    parser.add_argument("--mapping", metavar="FILE.toml", default=None, help="a TOML mapping file (SOURCES.md)")
    for kind in KIND_NAMES:
        parser.add_argument(f"--{kind.replace('_', '-')}", dest=kind, metavar="F", nargs="+", action="extend",
                            default=[], help=f"{kind.replace('_', ' ')} file(s), PATH or NAME:PATH")
    parser.add_argument("--timezone", metavar="TZ", default=None,
                        help="your time zone, e.g. Europe/Berlin (default UTC); UTC date-times are converted to it")
    parser.add_argument("--business-hours", metavar="HH:MM-HH:MM", default=None, help="default 08:00-18:00")
    parser.add_argument("--working-days", metavar="Mon-Fri", default=None, help="default Mon-Fri")
    parser.add_argument("--date-order", choices=DATE_ORDERS, default=None,
                        help="how to read dates like 03/04/2026 where no date in a file tells")
    parser.add_argument("--check", action="store_true", help="only check the files and print the report; write nothing")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="the report's format on stdout")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Import (or with ``--check`` only check) the given files; print the report. Returns the exit status.

    Raises
    ------
    ClientGradeError
        A setting is wrong (time zone, business hours ...), a preset is unknown, or the mapping file is bad.
    ImportValidationError
        A file has problems (nothing is written; the CLI prints every problem).
    """
    files = [parse_file_argument(kind, value) for kind in KIND_NAMES for value in getattr(args, kind, [])]
    mapping = read_mapping(args.mapping) if args.mapping else None
    settings = raw_settings(mapping, timezone=args.timezone, business_hours=args.business_hours,
                            working_days=args.working_days, date_order=args.date_order)
    with Store(paths.database_path(args.db)) as store:
        if args.check:
            report = check_raw(store, files, mapping=mapping, preset=args.preset, settings=settings)
        else:
            report = import_raw(store, files, mapping=mapping, preset=args.preset, settings=settings,
                                raise_on_problems=False)
    if args.format == "json":
        print(json.dumps(report.as_dict(), indent=2, default=str))
    elif report.ok:
        print(report.summary())
    if not report.ok:
        raise ImportValidationError(report.issues, report.issues_not_listed)
    return 0


__all__ = ["run", "register"]
