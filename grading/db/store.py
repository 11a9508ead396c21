"""The one door to the database.

Every query of ClientGrade runs through :class:`Store`: it is the only module that imports ``duckdb``. The rules
it keeps (STYLE.md 3 and 4):

- one connection per process (the app keeps its ``Store`` in ``st.cache_resource``), and a fresh cursor for every
  call, inside a ``with`` block, fully drained before it closes, because DuckDB 2.0 refuses a connection that two
  threads use at once and keeps a streaming result attached to its cursor until it is read to the end;
- parameterized SQL only (``?`` placeholders); values are never formatted into the text;
- writes go through :meth:`Store.transaction`, all or nothing, one writer at a time within the process (appends
  from several sessions are serialized here instead of failing with a DuckDB write-write conflict);
- ``duckdb.Error`` becomes :class:`~grading.errors.StoreError` here, with a message a user can act on, and a file
  held by another process becomes :class:`~grading.errors.DatabaseLockedError`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from grading.errors import DatabaseLockedError, StoreError

if TYPE_CHECKING:
    import pandas as pd  # frames come from DuckDB itself; a command that makes none never loads pandas

Params = Sequence[Any] | dict[str, Any] | None

_READS = ("SELECT", "FROM", "WITH", "DESCRIBE", "SHOW", "PRAGMA", "EXPLAIN")


class _KnownRevisions:
    """The revision of each open database file, as this process last read or wrote it.

    A page rerun asks for the revision first (the app's caches are keyed on it): asking DuckDB costs a cursor and a
    query, about 5% of a rerun. The answer can be remembered because nobody else can change it unseen: while this
    process holds a database file open, DuckDB's file lock keeps every other process out, and every write in this
    process goes through :meth:`Store.transaction`, which forgets the file's revision when a change commits (any
    Store on the same file: they share one memo). Opening a file forgets it too, for another process may have
    written while it was closed.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, int] = {}
        # Raised whenever a file's revision is forgotten: a read that started before a commit must not store the
        # value it read once the commit has forgotten it.
        self._generations: dict[str, int] = {}

    def read(self, key: str, read_from_database: Callable[[], int]) -> int:
        with self._lock:
            known = self._values.get(key)
            generation = self._generations.get(key, 0)
        if known is not None:
            return known
        value = read_from_database()
        with self._lock:
            if self._generations.get(key, 0) == generation:
                self._values[key] = value
        return value

    def forget(self, key: str) -> None:
        with self._lock:
            self._generations[key] = self._generations.get(key, 0) + 1
            self._values.pop(key, None)


_KNOWN_REVISIONS = _KnownRevisions()

_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


def _translate(error: duckdb.Error, path: Path) -> StoreError:
    """Turn a DuckDB error into the project's error with a sentence a user can act on."""
    text = str(error)
    if isinstance(error, duckdb.IOException) and "lock" in text.lower():
        holder = _LOCK_HOLDER.search(text)
        who = f" (process {holder.group('pid')})" if holder else ""
        return DatabaseLockedError(
            f"The database file {path} is in use by another program{who}. Close the other ClientGrade app or "
            f"command that has it open, or point --db / CLIENTGRADE_DB at another file."
        )
    if isinstance(error, duckdb.TransactionException) and "conflict" in text.lower():
        return StoreError(f"Another change to {path} got there first; nothing was written. Please try again.")
    first_line = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    return StoreError(f"The database {path} refused the operation: {first_line}")


def quote_identifier(name: str) -> str:
    """Return ``name`` as a quoted SQL identifier (a table, schema or attached database name)."""
    return '"' + str(name).replace('"', '""') + '"'


class Transaction:
    """A write transaction on one cursor; obtained from :meth:`Store.transaction`, never built directly."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection, path: Path):
        self._cursor = cursor
        self._path = path
        self._frame_count = 0
        self.changed = False

    def execute(self, sql: str, params: Params = None) -> None:
        """Run one statement inside the transaction.

        DuckDB answers a write with the number of rows it touched; a statement that touched none (an insert of
        rows already there, say) leaves :attr:`changed` as it was, so a no-op import does not count as a change.
        """
        try:
            self._cursor.execute(sql, params)
            result = self._cursor.fetchall()
        except duckdb.Error as error:
            raise _translate(error, self._path) from error
        touched_nothing = len(result) == 1 and len(result[0]) == 1 and result[0][0] == 0
        if not touched_nothing:
            self.changed = True

    def scratch(self, sql: str, params: Params = None) -> int | None:
        """Run a statement on the transaction's temporary tables; it does not count as a change.

        A staging table that an import fills, checks and drops leaves the database as it was, so it must not raise
        the store's revision (an identical re-import changes nothing). Only statements on ``TEMP`` tables belong
        here: a write to a real table through this method would go unnoticed by the app's caches.

        Returns
        -------
        int or None
            The number of rows the statement reports (rows created, say), or ``None`` when it reports none.
        """
        try:
            self._cursor.execute(sql, params)
            result = self._cursor.fetchall()
        except duckdb.Error as error:
            raise _translate(error, self._path) from error
        return int(result[0][0]) if len(result) == 1 and len(result[0]) == 1 and result[0][0] is not None else None

    def derived(self, sql: str, params: Params = None) -> int | None:
        """Run a write on a table of derived data keyed by its own inputs; it does not count as a change.

        Such a table (the model's stored suggestions, :mod:`grading.model.stored_suggestions`) holds what can be
        worked out again from the rest of the book, under a key of exactly what it was worked out from, and its
        reader checks that key: what any page shows is the same whether the rows are there or not. Raising the
        revision for it would only make every session's kept pages stale for nothing. Anything a page reads as it
        is belongs in :meth:`execute`.

        Returns
        -------
        int or None
            As :meth:`scratch`.
        """
        return self.scratch(sql, params)

    def _note_write(self, sql: str) -> None:
        # A statement that is not a plain read (an INSERT ... RETURNING, say) counts as a change.
        if not sql.lstrip().upper().startswith(_READS):
            self.changed = True

    def query(self, sql: str, params: Params = None) -> pd.DataFrame:
        """Run a statement inside the transaction (it sees the transaction's own writes) and return a frame."""
        try:
            self._cursor.execute(sql, params)
            frame = self._cursor.df()
        except duckdb.Error as error:
            raise _translate(error, self._path) from error
        self._note_write(sql)
        return frame

    def scalar(self, sql: str, params: Params = None) -> Any:
        """Run a statement inside the transaction and return the first column of its first row (or ``None``)."""
        try:
            self._cursor.execute(sql, params)
            rows = self._cursor.fetchall()
        except duckdb.Error as error:
            raise _translate(error, self._path) from error
        self._note_write(sql)
        return rows[0][0] if rows else None

    @contextmanager
    def frame(self, frame: pd.DataFrame) -> Iterator[str]:
        """Make ``frame`` queryable by name inside the transaction; yields the name to use in SQL.

        The frame is scanned by DuckDB directly (no per-row Python) and unregistered afterwards.
        """
        self._frame_count += 1
        name = f"incoming_frame_{self._frame_count}"
        self._cursor.register(name, frame)
        try:
            yield name
        finally:
            self._cursor.unregister(name)


def check_can_open(path: str | Path) -> None:
    """Check that another process does not hold the database at ``path``, without creating or changing it.

    A file that does not exist yet passes (the app creates it on first start).

    Raises
    ------
    DatabaseLockedError
        Another process holds the file.
    StoreError
        The file is not a DuckDB database.
    """
    path = Path(path)
    if str(path) == ":memory:" or not path.exists():
        return
    try:
        duckdb.connect(str(path), read_only=True).close()
    except duckdb.Error as error:
        raise _translate(error, path) from error


class Store:
    """The ClientGrade database: one DuckDB file (or ``:memory:``), migrated to the current schema on open.

    Parameters
    ----------
    path:
        The database file; its folder is created if missing. ``":memory:"`` gives a private in-memory store.
    migrate:
        Bring the schema up to date on open (the default). Tests of the migrations themselves turn it off.

    Raises
    ------
    DatabaseLockedError
        Another process holds the file.
    StoreError
        The file is not a DuckDB database or cannot be opened.
    """

    def __init__(self, path: str | Path, *, migrate: bool = True):
        self.path = Path(path)
        in_memory = str(path) == ":memory:"
        if not in_memory:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # A database DuckDB is about to create has no tables, which spares asking its catalog whether it has some:
        # on a new database that first question costs about 12 ms of CPU (see has_table).
        new = in_memory or not self.path.exists()
        try:
            self._connection = duckdb.connect(str(path))
        except duckdb.Error as error:
            raise _translate(error, self.path) from error
        # One writer at a time inside this process: Streamlit sessions are threads of one process, and DuckDB
        # would otherwise fail the second of two concurrent writers with a conflict instead of queueing it.
        self._write_lock = threading.RLock()
        self._counts_revisions = False
        # An in-memory database is private to its connection: nothing to share, and nothing to remember.
        self._revision_key = None if in_memory else str(self.path.resolve())
        if migrate:
            from grading.db.schema import migrate as migrate_schema

            migrate_schema(self, new_database=new)
        # A migrated database has store_revision (the first migration makes it) and a new one has no table at
        # all; anything else is asked.
        self._counts_revisions = migrate or (not new and self.has_table("store_revision"))
        self._forget_revision()

    # -- reading -------------------------------------------------------------------------------------------

    def query(self, sql: str, params: Params = None) -> pd.DataFrame:
        """Run a read query on a fresh cursor and return the whole result as a frame."""
        with self._connection.cursor() as cursor:
            try:
                cursor.execute(sql, params)
                return cursor.df()
            except duckdb.Error as error:
                raise _translate(error, self.path) from error

    def rows(self, sql: str, params: Params = None) -> list[tuple]:
        """Run a read query on a fresh cursor and return all rows as tuples."""
        with self._connection.cursor() as cursor:
            try:
                cursor.execute(sql, params)
                return cursor.fetchall()
            except duckdb.Error as error:
                raise _translate(error, self.path) from error

    def scalar(self, sql: str, params: Params = None) -> Any:
        """Run a read query and return the first column of its first row, or ``None`` when there is no row."""
        rows = self.rows(sql, params)
        return rows[0][0] if rows else None

    def stream(
        self,
        sql: str,
        params: Params = None,
        *,
        consume: Callable[[Any], object],
        sources: Mapping[str, Any] | None = None,
        rows_per_batch: int = 65_536,
    ) -> None:
        """Run a read query and hand its result to ``consume`` in Arrow record batches, never all of it at once.

        Parameters
        ----------
        sql, params:
            The query and its ``?`` parameters.
        consume:
            Called with each ``pyarrow.RecordBatch`` in order, while the query runs.
        sources:
            In-memory tables the query reads by name (Arrow tables or pandas frames), scanned in place and
            forgotten afterwards.
        rows_per_batch:
            Rows per batch at most: what is held in memory at a time beside the sources.
        """
        # Names registered on a cursor live and die with it: nothing to unregister, even when ``consume`` fails.
        with self._connection.cursor() as cursor:
            try:
                for name, table in (sources or {}).items():
                    cursor.register(name, table)
                for batch in cursor.sql(sql, params=params).to_arrow_reader(rows_per_batch):
                    consume(batch)
            except duckdb.Error as error:
                raise _translate(error, self.path) from error

    def revision(self) -> int:
        """Return the store's revision: a counter that every committed write that changed a row raises.

        The app keys its caches on it, so a write by any session shows on every session's next rerun.
        """
        if not self._counts_revisions:
            return 0
        if self._revision_key is None:
            return self._read_revision()
        return _KNOWN_REVISIONS.read(self._revision_key, self._read_revision)

    def _read_revision(self) -> int:
        return int(self.scalar("SELECT revision FROM store_revision"))

    def _forget_revision(self) -> None:
        if self._revision_key is not None:
            _KNOWN_REVISIONS.forget(self._revision_key)

    def table_names(self) -> list[str]:
        """Return the names of the base tables in the main schema, sorted."""
        return [
            name
            for (name,) in self.rows(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name"
            )
        ]

    def has_table(self, name: str) -> bool:
        """Return whether the main schema has a table (or a view) called ``name``.

        One lookup of that name, where :meth:`table_names` lists the catalog: under 1 ms of CPU when the name is
        there. The first listing of a database's catalog costs about 15 ms, and the first lookup of a name that is
        not there about 12 ms (DuckDB fills in its own system catalog on first use, then looks for similar names to
        suggest): a third of what opening a new store costs, which is why opening one asks neither.
        """
        with self._connection.cursor() as cursor:
            try:
                cursor.execute(f"SELECT 1 FROM main.{quote_identifier(name)} LIMIT 0")
                cursor.fetchall()
            except duckdb.CatalogException:
                return False
            except duckdb.Error as error:
                raise _translate(error, self.path) from error
        return True

    # -- writing -------------------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Open a write transaction: everything inside commits together or not at all.

        Any exception inside the block rolls the transaction back and propagates (DuckDB errors as
        :class:`~grading.errors.StoreError`).
        """
        with self._write_lock, self._connection.cursor() as cursor:
            try:
                cursor.begin()
            except duckdb.Error as error:
                raise _translate(error, self.path) from error
            try:
                transaction = Transaction(cursor, self.path)
                yield transaction
                if self._counts_revisions and transaction.changed:
                    transaction.execute("UPDATE store_revision SET revision = revision + 1")
            except BaseException:
                try:
                    cursor.rollback()
                except duckdb.Error:
                    pass  # the transaction is already aborted; the original error is the one to report
                raise
            try:
                cursor.commit()
            except duckdb.Error as error:
                raise _translate(error, self.path) from error
            finally:
                if transaction.changed:
                    self._forget_revision()

    def execute(self, sql: str, params: Params = None) -> None:
        """Run one write statement in a transaction of its own."""
        with self.transaction() as tx:
            tx.execute(sql, params)

    # -- other databases read alongside (the comparison of books) ------------------------------------------

    def attach(self, path: str | Path, alias: str) -> None:
        """Attach the DuckDB file at ``path`` read-only under the name ``alias`` (``alias.table`` in SQL).

        Raises
        ------
        DatabaseLockedError
            Another process holds the file for writing, or this process has it open already (DuckDB lets one
            process open a file once).
        StoreError
            The file is not a DuckDB database.
        """
        with self._write_lock, self._connection.cursor() as cursor:
            try:
                cursor.execute(f"ATTACH ? AS {quote_identifier(alias)} (READ_ONLY)", [str(path)])
                cursor.fetchall()
            except duckdb.ResourceInUseException as error:
                raise DatabaseLockedError(
                    f"The database file {path} is open in this program already (another session of the app is "
                    "using it), so it cannot be read alongside."
                ) from error
            except duckdb.Error as error:
                raise _translate(error, Path(path)) from error

    def detach(self, alias: str) -> None:
        """Detach the database attached as ``alias``; nothing happens when none is."""
        with self._write_lock, self._connection.cursor() as cursor:
            try:
                cursor.execute(f"DETACH DATABASE IF EXISTS {quote_identifier(alias)}")
                cursor.fetchall()
            except duckdb.Error as error:
                raise _translate(error, self.path) from error

    def create_parquet_views(self, schema: str, files: dict[str, str]) -> None:
        """Create ``schema`` with one view per table over a Parquet file (``{"clients": ".../clients.parquet"}``).

        The files are read when a query uses the views, so only the columns and row groups a query needs are
        read (over ``s3://`` or ``https://`` too, once the ``httpfs`` extension is loaded). DuckDB cannot take a
        ``?`` parameter in a view's definition, so each location is written as a SQL string literal, its quotes
        doubled: the one place a value is put into SQL text, and it is a file location, never run as code.
        """
        statements = [f"CREATE SCHEMA IF NOT EXISTS {quote_identifier(schema)}"]
        for table, location in files.items():
            literal = "'" + str(location).replace("'", "''") + "'"
            statements.append(
                f"CREATE OR REPLACE VIEW {quote_identifier(schema)}.{quote_identifier(table)} AS "
                f"SELECT * FROM read_parquet({literal})"
            )
        with self._write_lock, self._connection.cursor() as cursor:
            try:
                for statement in statements:
                    cursor.execute(statement)
                    cursor.fetchall()
            except duckdb.Error as error:
                raise _translate(error, self.path) from error

    def copy_to_parquet(self, table: str, target: str | Path) -> None:
        """Write the whole table ``table`` to the Parquet file ``target`` with DuckDB's ``COPY``."""
        with self._connection.cursor() as cursor:
            try:
                cursor.execute(
                    f"COPY (SELECT * FROM {quote_identifier(table)} ORDER BY ALL) TO ? (FORMAT parquet)",
                    [str(target)],
                )
                cursor.fetchall()
            except duckdb.Error as error:
                raise _translate(error, self.path) from error

    # -- lifetime ------------------------------------------------------------------------------------------

    def checkpoint(self) -> None:
        """Write the write-ahead log into the database file (before a backup or a byte-level copy)."""
        with self._write_lock, self._connection.cursor() as cursor:
            try:
                cursor.execute("CHECKPOINT")
                cursor.fetchall()
            except duckdb.Error as error:
                raise _translate(error, self.path) from error

    def close(self) -> None:
        """Close the connection; the store cannot be used afterwards."""
        self._connection.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
