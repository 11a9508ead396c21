"""``python -m grading backup [--to DIR] [--list]``: copy the database to a timestamped file, or list the copies."""

from __future__ import annotations

import argparse

from grading.db import backup, paths
from grading.errors import ClientGradeError
from grading.db.store import Store


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``backup`` command's parser."""
    parser = subparsers.add_parser(
        "backup",
        parents=[common],
        help="back up the database to a timestamped file (or list the backups)",
        description="Copy the whole database to a new file named after it and the time, e.g. "
        "data/backups/portfolio-20250601-143012.duckdb. The copy is taken from one snapshot and checked by "
        "opening it. Restore it with 'python -m grading restore FILE', or open it directly with --db.",
    )
    parser.add_argument(
        "--to", metavar="DIR", default=None, help="the backup folder (default: backups/ beside the database)"
    )
    parser.add_argument("--list", action="store_true", help="list the backups in the folder, newest first")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Write a backup (or list them) and print where it went. Returns the exit status."""
    db_path = paths.database_path(args.db)
    folder = args.to or backup.default_backup_folder(db_path)
    if args.list:
        found = backup.list_backups(folder)
        if not found:
            print(f"No backups in {folder}.")
        for info in found:
            print(f"{info.path}\t{info.created_at:%Y-%m-%d %H:%M:%S}\t{info.size_bytes / 1024 / 1024:.1f} MB")
        return 0
    if not db_path.exists():
        raise ClientGradeError(f"There is no database at {db_path} to back up; give --db or set CLIENTGRADE_DB.")
    with Store(db_path) as store:
        info = backup.backup_database(store, folder)
    rows = info.table_rows
    print(
        f"Backup written: {info.path} ({rows.get('clients', 0)} clients, {rows.get('grade_events', 0)} manual "
        f"grades, {info.size_bytes / 1024 / 1024:.1f} MB)."
    )
    return 0
