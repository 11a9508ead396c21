"""Backups of the database: a consistent copy to a timestamped file, the list of copies, and a verified restore.

A backup is a complete DuckDB database (schema, rows and sequence positions) that DuckDB writes itself with
``COPY FROM DATABASE`` from one snapshot of the live database, so it is consistent even while other sessions write,
and it can be opened directly (``--db`` / ``CLIENTGRADE_DB``) as well as restored. It is written under a temporary
name and only then given its timestamped name, so a backup that is interrupted never shows in the list.

A restore runs through the open store in one transaction: every table is emptied and refilled from the backup,
the copy is checked table by table against the backup (row count and a hash of every row) before it commits, and
anything that goes wrong rolls it back, leaving the database as it was. Because it goes through the store, the app
can restore while it runs, and every session sees the restored data on its next rerun. By default a safety backup
of the current state is taken first, so a restore can itself be undone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from grading.errors import ClientGradeError, StoreError
from grading.store import Store

#: The folder for backups, beside the database file.
BACKUP_FOLDER_NAME = "backups"
BACKUP_SUFFIX = ".duckdb"
_PARTIAL_SUFFIX = ".partial"
_STAMP = "%Y%m%d-%H%M%S"
# Tables that describe the database itself rather than its contents. The revision counter must only ever rise
# (the app caches frames per revision), and the schema history belongs to the file, not to the data.
_NOT_RESTORED = ("schema_migrations", "store_revision")


class BackupError(ClientGradeError):
    """A backup could not be written, or a file is not a ClientGrade backup that can be restored."""


@dataclass(frozen=True)
class BackupInfo:
    """One backup file: where it is, when it was taken, its size, and the rows of each table it holds."""

    path: Path
    created_at: datetime
    size_bytes: int
    table_rows: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class RestoreReport:
    """What a restore did: the backup restored, the rows now in each table, and the safety backup taken first."""

    restored_from: Path
    table_rows: dict[str, int]
    safety_backup: BackupInfo | None


def default_backup_folder(db_path: str | os.PathLike) -> Path:
    """Return the default backup folder for a database: ``backups/`` beside the file (``data/backups/``)."""
    return Path(db_path).parent / BACKUP_FOLDER_NAME


def _quoted(name: str) -> str:
    # Identifiers come from DuckDB's own catalogue or from this module, never from a user; quoting keeps names
    # with dots, dashes or reserved words (a database named after its file, "portfolio-2") working.
    return '"' + name.replace('"', '""') + '"'


def _attach_alias() -> str:
    return f"clientgrade_backup_{uuid.uuid4().hex}"


def _base_tables(store: Store, database: str) -> list[str]:
    return [
        name
        for (name,) in store.rows(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? AND table_schema = 'main' "
            "AND table_type = 'BASE TABLE' ORDER BY table_name",
            [database],
        )
    ]


def _columns(store: Store, database: str, table: str) -> list[str]:
    return [
        name
        for (name,) in store.rows(
            "SELECT column_name FROM information_schema.columns WHERE table_catalog = ? AND table_schema = 'main' "
            "AND table_name = ? ORDER BY ordinal_position",
            [database, table],
        )
    ]


def _table_rows(store: Store) -> dict[str, int]:
    database = store.scalar("SELECT current_database()")
    return {
        table: int(store.scalar(f"SELECT count(*) FROM {_quoted(table)}"))
        for table in _base_tables(store, database)
        if table not in _NOT_RESTORED
    }


def _timestamped_name(db_path: Path, when: datetime, counter: int) -> str:
    stem = db_path.stem if db_path.suffix else db_path.name
    extra = f"-{counter}" if counter else ""
    return f"{stem}-{when.strftime(_STAMP)}{extra}{BACKUP_SUFFIX}"


def _publish(partial: Path, folder: Path, db_path: Path, when: datetime) -> Path:
    """Give a finished backup its timestamped name without ever overwriting another backup."""
    for counter in range(1000):
        target = folder / _timestamped_name(db_path, when, counter)
        try:
            os.link(partial, target)  # fails if the name is taken: two backups in one second both survive
        except FileExistsError:
            continue
        partial.unlink()
        return target
    raise BackupError(f"Could not find a free backup file name in {folder}; remove some old backups.")


def _read_backup(path: Path) -> tuple[int, dict[str, int]]:
    """Open a backup file on its own and return its schema version and rows per table (without migrating it)."""
    from grading import schema

    try:
        with Store(path, migrate=False) as copy:
            version = schema.current_version(copy)
            rows = _table_rows(copy)
    except StoreError as error:
        raise BackupError(f"{path} is not a ClientGrade backup that can be read: {error}") from error
    if version == 0:
        raise BackupError(f"{path} is a DuckDB file but not a ClientGrade database (it has no schema version).")
    return version, rows


def backup_database(
    store: Store, folder: str | os.PathLike | None = None, *, now: datetime | None = None
) -> BackupInfo:
    """Copy the whole database to a new timestamped file and check that the copy opens.

    Parameters
    ----------
    store:
        The open database. Other sessions may keep writing: the copy is taken from one snapshot.
    folder:
        Where the backup goes; created if missing. ``None``: ``backups/`` beside the database file.
    now:
        The time stamped into the file name (default: the current local time).

    Returns
    -------
    BackupInfo
        The new file, its size and the rows it holds per table.

    Raises
    ------
    BackupError
        The store is in memory, or the copy could not be written or read back; no backup file is left behind.
    StoreError
        The database refused the copy.
    """
    if str(store.path) == ":memory:":
        raise BackupError("An in-memory database has no file to back up.")
    target_folder = Path(folder) if folder is not None else default_backup_folder(store.path)
    target_folder.mkdir(parents=True, exist_ok=True)
    when = (now or datetime.now()).replace(microsecond=0)
    partial = target_folder / f".{uuid.uuid4().hex}{_PARTIAL_SUFFIX}"
    alias = _attach_alias()
    source = store.scalar("SELECT current_database()")
    try:
        store.rows(f"ATTACH ? AS {_quoted(alias)}", [str(partial)])
        try:
            # One statement, so one snapshot: rows committed by other sessions during the copy are either all
            # in it or all left out.
            store.rows(f"COPY FROM DATABASE {_quoted(source)} TO {_quoted(alias)}")
        finally:
            store.rows(f"DETACH {_quoted(alias)}")
        _read_backup(partial)
        target = _publish(partial, target_folder, store.path, when)
    finally:
        for leftover in (partial, partial.with_name(partial.name + ".wal")):
            leftover.unlink(missing_ok=True)
    _version, rows = _read_backup(target)
    return BackupInfo(target, when, target.stat().st_size, rows)


def list_backups(folder: str | os.PathLike) -> list[BackupInfo]:
    """Return the backups in ``folder``, newest first (an empty list when the folder does not exist).

    The rows per table are not read here (that opens every file); :func:`restore_database` reads them.
    """
    base = Path(folder)
    if not base.is_dir():
        return []
    found = [
        BackupInfo(path, datetime.fromtimestamp(path.stat().st_mtime), path.stat().st_size)
        for path in base.glob(f"*{BACKUP_SUFFIX}")
        if path.is_file()
    ]
    return sorted(found, key=lambda info: (info.created_at, info.path.name), reverse=True)


def _fingerprint(tx, database: str, table: str, columns: list[str]) -> tuple[int, str]:
    names = ", ".join(_quoted(column) for column in columns)
    row = tx.query(
        f"SELECT count(*) AS n, coalesce(sum(hash({names})), 0)::VARCHAR AS h "
        f"FROM {_quoted(database)}.main.{_quoted(table)}"
    )
    return int(row["n"].iloc[0]), str(row["h"].iloc[0])


def _id_sequences(store: Store, database: str) -> list[tuple[str, str, str]]:
    """The (sequence, table, column) triples whose column default draws from a sequence of the live database."""
    return [
        (column_default.split("'")[1], table, column)
        for table, column, column_default in store.rows(
            "SELECT table_name, column_name, column_default FROM duckdb_columns() "
            "WHERE database_name = ? AND schema_name = 'main' AND column_default LIKE 'nextval(''%'')'",
            [database],
        )
    ]


def _advance_sequences(tx, store: Store, database: str) -> None:
    """Move each id sequence past the largest restored id, so the next grade or decision gets a fresh id."""
    for sequence, table, column in _id_sequences(store, database):
        highest = tx.scalar(f"SELECT coalesce(max({_quoted(column)}), 0) FROM {_quoted(table)}")
        last = tx.scalar(
            "SELECT coalesce(last_value, start_value - 1) FROM duckdb_sequences() "
            "WHERE database_name = ? AND schema_name = 'main' AND sequence_name = ?",
            [database, sequence],
        )
        missing = int(highest) - int(last if last is not None else 0)
        if missing > 0:
            # DuckDB has no setval; drawing the missing values in one query moves the sequence just as far.
            tx.scalar(f"SELECT max(nextval({_quoted_literal(sequence)})) FROM range(?)", [missing])


def _quoted_literal(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def restore_database(store: Store, backup_path: str | os.PathLike, *, safety_backup: bool = True) -> RestoreReport:
    """Replace every table's rows with those of a backup, in one verified transaction.

    Parameters
    ----------
    store:
        The open database to restore into. Other sessions keep working; they see the restored data afterwards.
    backup_path:
        A file written by :func:`backup_database` (or any ClientGrade database file). It is never modified: an
        older backup is brought up to the current schema in a temporary copy first.
    safety_backup:
        First back up the current state to the default backup folder, so the restore can be undone.

    Returns
    -------
    RestoreReport
        The backup restored, the rows per table now in the database, and the safety backup (if taken).

    Raises
    ------
    BackupError
        The file is missing, not a ClientGrade database, from a newer ClientGrade, or the restored rows did not
        match the backup; the database is left exactly as it was.
    StoreError
        The database refused the write; nothing was changed.
    """
    source = Path(backup_path)
    if not source.is_file():
        raise BackupError(f"There is no backup file {source}.")
    if source.resolve() == Path(store.path).resolve():
        raise BackupError(f"{source} is the database itself; choose a backup file to restore from.")
    _read_backup(source)
    with tempfile.TemporaryDirectory(prefix="clientgrade-restore-") as scratch:
        working = Path(scratch) / "backup.duckdb"
        shutil.copyfile(source, working)
        try:
            Store(working).close()  # brings an older backup up to the current schema, in the copy only
        except StoreError as error:
            raise BackupError(f"{source} cannot be restored: {error}") from error
        safety = backup_database(store) if safety_backup else None
        table_rows = _copy_in(store, working, source)
    return RestoreReport(source, table_rows, safety)


def _copy_in(store: Store, working: Path, source: Path) -> dict[str, int]:
    database = store.scalar("SELECT current_database()")
    alias = _attach_alias()
    store.rows(f"ATTACH ? AS {_quoted(alias)} (READ_ONLY)", [str(working)])
    try:
        tables = [table for table in _base_tables(store, database) if table not in _NOT_RESTORED]
        in_backup = set(_base_tables(store, alias))
        missing = sorted(set(tables) - in_backup)
        if missing:
            raise BackupError(f"{source} lacks the table(s) {', '.join(missing)}; nothing was restored.")
        columns = {table: _columns(store, database, table) for table in tables}
        table_rows: dict[str, int] = {}
        with store.transaction() as tx:
            for table in tables:
                tx.execute(f"DELETE FROM {_quoted(table)}")
            for table in tables:
                names = ", ".join(_quoted(column) for column in columns[table])
                tx.execute(
                    f"INSERT INTO {_quoted(table)} ({names}) "
                    f"SELECT {names} FROM {_quoted(alias)}.main.{_quoted(table)}"
                )
            for table in tables:
                restored = _fingerprint(tx, database, table, columns[table])
                if restored != _fingerprint(tx, alias, table, columns[table]):
                    raise BackupError(
                        f"The restored table {table} does not match {source}; the restore was rolled back."
                    )
                table_rows[table] = restored[0]
            _advance_sequences(tx, store, database)
    finally:
        store.rows(f"DETACH {_quoted(alias)}")
    return table_rows
