"""``python -m grading restore FILE``: replace the database's contents with a backup's, verified, all or nothing."""

from __future__ import annotations

import argparse

from grading.db import backup, paths
from grading.errors import ClientGradeError
from grading.db.store import Store


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``restore`` command's parser."""
    parser = subparsers.add_parser(
        "restore",
        parents=[common],
        help="restore the database from a backup file (a safety backup of the current state is taken first)",
        description="Replace every table's rows with those of a backup, in one transaction that is checked "
        "against the backup before it commits; on any problem the database is left as it was. A backup of the "
        "current state is written first (unless --no-safety-backup), so a restore can be undone. Close the app "
        "first: a database the app holds open cannot be restored from the command line.",
    )
    parser.add_argument("file", nargs="?", default=None, metavar="FILE", help="the backup file to restore")
    parser.add_argument(
        "--latest", action="store_true", help="restore the newest backup in the default backup folder"
    )
    parser.add_argument(
        "--no-safety-backup", action="store_true", help="do not back up the current state before restoring"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Restore the given (or newest) backup and print what the database now holds. Returns the exit status.

    Raises
    ------
    ClientGradeError
        No file was given, or there is no backup to restore.
    BackupError
        The file cannot be restored (the database is unchanged).
    """
    db_path = paths.database_path(args.db)
    if args.latest:
        found = backup.list_backups(backup.default_backup_folder(db_path))
        if not found:
            raise ClientGradeError(f"There is no backup in {backup.default_backup_folder(db_path)} to restore.")
        chosen = found[0].path
    elif args.file:
        chosen = args.file
    else:
        raise ClientGradeError("give the backup FILE to restore, or --latest for the newest backup")
    with Store(db_path) as store:
        report = backup.restore_database(store, chosen, safety_backup=not args.no_safety_backup)
    if report.safety_backup is not None:
        print(f"The state before the restore was saved to {report.safety_backup.path}.")
    rows = report.table_rows
    print(
        f"Restored {db_path} from {report.restored_from} ({rows.get('clients', 0)} clients, "
        f"{rows.get('grade_events', 0)} manual grades)."
    )
    return 0
