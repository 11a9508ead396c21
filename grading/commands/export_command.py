"""``python -m grading export --out DIR [--parquet]``: every table as a CSV file (safe to open in a spreadsheet) or
as a Parquet file (for the comparison of books at scale)."""

from __future__ import annotations

import argparse

from grading.db import paths
from grading.db.export import export_parquet, export_tables
from grading.db.store import Store


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``export`` command's parser."""
    parser = subparsers.add_parser(
        "export",
        parents=[common],
        help="write every table as CSV into a folder",
        description="Write every table of the database as <table>.csv (UTF-8, comma-separated) into DIR. Text "
        "cells that a spreadsheet would run as a formula get a leading single quote; numbers stay numbers.",
    )
    parser.add_argument("--out", metavar="DIR", required=True, help="folder to write to (created if missing)")
    parser.add_argument(
        "--parquet",
        action="store_true",
        help="write <table>.parquet files instead (DuckDB COPY); a folder of these per book is what "
        "'compare --parquet' reads",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Export every table to ``args.out`` (CSV, or Parquet with ``--parquet``); print the files written."""
    with Store(paths.database_path(args.db)) as store:
        written = export_parquet(store, args.out) if args.parquet else export_tables(store, args.out)
    for path in written:
        print(path)
    return 0
