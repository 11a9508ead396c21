"""Backups of the database: a consistent copy to a timestamped file, the list of copies, and a verified restore.

A backup is a complete DuckDB database (schema, rows and sequence positions) that DuckDB writes itself with
``COPY FROM DATABASE`` from one snapshot of the live database, so it is consistent even while other sessions write,
and it can be opened directly (``--db`` / ``CLIENTGRADE_DB``) as well as restored. It is written under a temporary
name and only then given its timestamped name, so a backup that is interrupted never shows in the list.

Nothing is left in a shared temporary folder: the half-written backup and the working copy a restore brings up to
date are hidden files in the backup folder, named after the database, and a process killed while writing one
leaves it only until the next backup, restore or app start, which removes it (:func:`remove_leftovers`).

A restore runs through the open store in one transaction: every table is emptied and refilled from the backup,
the copy is checked table by table against the backup (row count and a hash of every row) before it commits, and
anything that goes wrong rolls it back, leaving the database as it was. Because it goes through the store, the app
can restore while it runs, and every session sees the restored data on its next rerun. By default a safety backup
of the current state is taken first, so a restore can itself be undone.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from grading.errors import ClientGradeError, StoreError
from grading.db.store import Store

#: The folder for backups, beside the database file.
BACKUP_FOLDER_NAME = "backups"
BACKUP_SUFFIX = ".duckdb"
_PARTIAL_SUFFIX = ".partial"
# Hidden files this process is writing right now (another session's backup must not be taken for a leftover).
_IN_FLIGHT: set[Path] = set()
_IN_FLIGHT_LOCK = threading.Lock()
# A half-written backup from before the names carried the database's stem: a dot, 32 hex digits, .partial.
_UNNAMED_PARTIAL = re.compile(r"^\.[0-9a-f]{32}\.partial(\.wal)?$")
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


def _columns(store: Store, database: str) -> dict[str, list[str]]:
    """Every table's column names in order, from one query (one per table cost more than the restore's copying)."""
    columns: dict[str, list[str]] = {}
    for table, name in store.rows(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_catalog = ? "
        "AND table_schema = 'main' ORDER BY table_name, ordinal_position",
        [database],
    ):
        columns.setdefault(table, []).append(name)
    return columns


def _table_rows(store: Store) -> dict[str, int]:
    database = store.scalar("SELECT current_database()")
    tables = [table for table in _base_tables(store, database) if table not in _NOT_RESTORED]
    if not tables:
        return {}
    # Every count in one query: a statement per table cost more than the counting on a backup's few rows.
    counts = store.rows("SELECT " + ", ".join(f"(SELECT count(*) FROM {_quoted(table)})" for table in tables))[0]
    return {table: int(count) for table, count in zip(tables, counts, strict=True)}


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
    from grading.db import schema

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
    remove_leftovers(store.path, target_folder)
    alias = _attach_alias()
    source = store.scalar("SELECT current_database()")
    with scratch_file(target_folder, store.path, "backup") as partial:
        store.rows(f"ATTACH ? AS {_quoted(alias)}", [str(partial)])
        try:
            # One statement, so one snapshot: rows committed by other sessions during the copy are either all
            # in it or all left out.
            store.rows(f"COPY FROM DATABASE {_quoted(source)} TO {_quoted(alias)}")
        finally:
            store.rows(f"DETACH {_quoted(alias)}")
        _version, rows = _read_backup(partial)
        # A hard link to the file just read: the same bytes, so the rows read above are the backup's.
        target = _publish(partial, target_folder, store.path, when)
    return BackupInfo(target, when, target.stat().st_size, rows)


def _stem(db_path: str | os.PathLike) -> str:
    path = Path(db_path)
    return path.stem if path.suffix else path.name


@contextmanager
def scratch_file(folder: Path, db_path: str | os.PathLike, purpose: str) -> Iterator[Path]:
    """A hidden scratch file in ``folder`` named after the database, removed (with its WAL) when done.

    A process killed before the end leaves it behind; :func:`remove_leftovers` recognises it by its name. Used
    for half-written backups, restore working copies and an upload's copy for the express import: never a copy
    of the client data in the system's shared temporary folder.
    """
    path = folder / f".{_stem(db_path)}-{purpose}-{uuid.uuid4().hex}{_PARTIAL_SUFFIX}"
    with _IN_FLIGHT_LOCK:
        _IN_FLIGHT.add(path)
    try:
        yield path
    finally:
        for leftover in (path, path.with_name(path.name + ".wal")):
            leftover.unlink(missing_ok=True)
        with _IN_FLIGHT_LOCK:
            _IN_FLIGHT.discard(path)


def remove_leftovers(db_path: str | os.PathLike, folder: str | os.PathLike | None = None) -> list[Path]:
    """Remove the half-written backups and restore copies a killed process left beside ``db_path``'s backups.

    Only files of this database (its hidden ``.partial`` files, and those of earlier versions, which were not
    named after the database) are removed, never one this process is writing. Another process cannot be writing
    one: DuckDB lets only the process holding the database open it, and that is the caller.

    Parameters
    ----------
    db_path:
        The database file.
    folder:
        The backup folder (default: ``backups/`` beside the database).

    Returns
    -------
    list of Path
        The files removed.
    """
    base = Path(folder) if folder is not None else default_backup_folder(db_path)
    if str(db_path) == ":memory:" or not base.is_dir():
        return []
    prefix = f".{_stem(db_path)}-"
    removed = []
    with _IN_FLIGHT_LOCK:
        busy = {path.name for path in _IN_FLIGHT} | {path.name + ".wal" for path in _IN_FLIGHT}
        for path in base.iterdir():
            name = path.name
            ours = name.startswith(prefix) and name.endswith((_PARTIAL_SUFFIX, _PARTIAL_SUFFIX + ".wal"))
            if (ours or _UNNAMED_PARTIAL.match(name)) and name not in busy and path.is_file():
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


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


def _fingerprint_sql(database: str, table: str, columns: list[str]) -> str:
    """A one-row query: the table's row count and the sum of a hash of every row (as text: it can pass 2**64)."""
    names = ", ".join(_quoted(column) for column in columns)
    return (
        f"SELECT count(*) AS n, coalesce(sum(hash({names})), 0)::VARCHAR AS h "
        f"FROM {_quoted(database)}.main.{_quoted(table)}"
    )


def _fingerprints(tx, database: str, alias: str, tables: list[str], columns: dict[str, list[str]]) -> list[tuple]:
    """Per table, in order: ``((rows, hash) in the database, (rows, hash) in the attached backup)``.

    One query for every table of both databases: two statements per table cost more than the hashing.
    """
    pairs = " UNION ALL ".join(
        f"SELECT {position} AS position, live.n, live.h, copy.n, copy.h "
        f"FROM ({_fingerprint_sql(database, table, columns[table])}) AS live, "
        f"({_fingerprint_sql(alias, table, columns[table])}) AS copy"
        for position, table in enumerate(tables)
    )
    rows = tx.query(f"SELECT * FROM ({pairs}) ORDER BY position").itertuples(index=False)
    return [((int(live_n), str(live_h)), (int(copy_n), str(copy_h))) for _, live_n, live_h, copy_n, copy_h in rows]


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
    from grading.db import schema

    source = Path(backup_path)
    if not source.is_file():
        raise BackupError(f"There is no backup file {source}.")
    if source.resolve() == Path(store.path).resolve():
        raise BackupError(f"{source} is the database itself; choose a backup file to restore from.")
    version, _rows = _read_backup(source)
    known = max(step.version for step in schema.MIGRATIONS)
    if version > known:
        raise BackupError(
            f"{source} was written by a newer ClientGrade (schema version {version}, newer than this ClientGrade "
            f"knows: {known}); update ClientGrade to restore it. Nothing was restored."
        )
    folder = default_backup_folder(store.path)
    folder.mkdir(parents=True, exist_ok=True)
    remove_leftovers(store.path, folder)
    # The working copy stays beside the backups (same disk, same permissions), not in a shared temporary folder.
    with scratch_file(folder, store.path, "restore") as working:
        shutil.copyfile(source, working)
        try:
            Store(working).close()  # brings an older backup up to the current schema, in the copy only
        except StoreError as error:
            # Name the user's file, never the working copy.
            reason = str(error).replace(str(working), str(source))
            raise BackupError(f"{source} cannot be restored: {reason}") from error
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
        columns = _columns(store, database)
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
            for table, (restored, backed_up) in zip(
                tables, _fingerprints(tx, database, alias, tables, columns), strict=True
            ):
                if restored != backed_up:
                    raise BackupError(
                        f"The restored table {table} does not match {source}; the restore was rolled back."
                    )
                table_rows[table] = restored[0]
            _advance_sequences(tx, store, database)
    finally:
        store.rows(f"DETACH {_quoted(alias)}")
    return table_rows
