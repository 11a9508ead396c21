"""In-memory stores for property tests, and the tables' rows to compare before and after an import.

A property test imports into a new ``Store(":memory:")`` for every example, often two (one per way compared).
Opening one runs every migration, and the examples run in the hundreds in CI's thorough profile. :func:`new_store`
hands out a store in exactly the state a new one has (after an optional preparation, such as importing seed
clients), reusing a store an earlier example gave back once it has been put back into that state and checked to
be in it: every table's rows (their count and the sum of their hashes), the revision among them, every sequence's
last value and the catalogue of tables, views, indexes and sequences with the SQL that made each (temporary ones
included). DuckDB cannot restart a sequence, so one that has moved (a grade import draws event ids) is dropped with
what depends on it (the table whose ids it draws) and both are made again from the SQL the new store's catalogue
holds. A store that still differs from a new one is closed, and the next example gets a newly opened one. Either
way an example never sees what an earlier one wrote.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from grading.db.store import Store, quote_identifier
from grading.errors import StoreError

Prepare = Callable[[Store], object]

#: Idle stores per preparation, each with the state it must be in to be handed out again.
_IDLE: dict[Prepare | None, list[Store]] = {}
_NEW: dict[Prepare | None, _New] = {}


def table_rows(store: Store, *, whole: bool = False) -> dict[str, list[tuple]]:
    """Return every row of every table, sorted, as the importer's tests compare stores.

    By default ``schema_migrations`` (when each migration ran) is left out, and so is the time each grade event was
    recorded: both differ between two stores that hold the same book (the event ids stay: they hold the order
    grades were appended in). ``whole=True`` keeps both, to compare one store before and after. Rows are compared
    as Python values: a missing value and an empty text, or 1 and "1", tell apart.
    """
    def select(name):
        if name == "grade_events" and not whole:
            return "SELECT * EXCLUDE (recorded_at) FROM grade_events ORDER BY ALL"
        return f"SELECT * FROM {quote_identifier(name)} ORDER BY ALL"

    return {name: store.rows(select(name)) for name in store.table_names() if whole or name != "schema_migrations"}


#: Every table, view, index and sequence (temporary ones included) with the SQL that made it, in the order they
#: were made; and every sequence's last value (``None`` until it is first drawn from).
_CATALOGUE = """
    SELECT kind, name, sql FROM (
        SELECT 'table' AS kind, database_name || '.' || schema_name || '.' || table_name AS name, table_oid AS oid,
               sql FROM duckdb_tables()
        UNION ALL SELECT 'view', database_name || '.' || schema_name || '.' || view_name, view_oid, sql
               FROM duckdb_views() WHERE NOT internal
        UNION ALL SELECT 'index', database_name || '.' || schema_name || '.' || index_name, index_oid, sql
               FROM duckdb_indexes()
        UNION ALL SELECT 'sequence', database_name || '.' || schema_name || '.' || sequence_name, sequence_oid, sql
               FROM duckdb_sequences())
    ORDER BY oid"""
_SEQUENCES = "SELECT sequence_name, last_value FROM duckdb_sequences() WHERE schema_name = 'main' ORDER BY ALL"


def _shape(store: Store) -> tuple:
    """The sequences' last values and the catalogue (each entry's kind, name and SQL), in an order of their own.

    A sequence's SQL is left out: DuckDB writes its next value there as its ``START``, and the last values say that.
    """
    return store.rows(_SEQUENCES), sorted(
        (kind, name, None if kind == "sequence" else sql) for kind, name, sql in store.rows(_CATALOGUE))


def _contents(store: Store, tables: list[str]) -> tuple:
    """Per table, its row count and the sum of its rows' 64-bit hashes (every column), in one query."""
    return store.rows("SELECT " + ", ".join(
        f"(SELECT [count(*)::HUGEINT, coalesce(sum(hash(row)::HUGEINT), 0)] FROM {quote_identifier(name)} AS row)"
        for name in tables
    ))[0]


class _New:
    """A new store's rows (times included), catalogue in the order it was made, shape and contents, taken once."""

    def __init__(self, store: Store):
        self.rows = table_rows(store, whole=True)
        self.tables = [name for name in self.rows if name != "schema_migrations"]
        self.made = store.rows(_CATALOGUE)
        self.shape = _shape(store)
        self.contents = _contents(store, self.tables)


def _restart_moved_sequences(store: Store, new: _New, sequences: list[tuple]) -> None:
    """Drop every sequence that has moved, with the tables drawing ids from it, and make them again as new.

    ``sequences`` are the store's sequences and last values (as :func:`_shape` gives them). The drop takes whatever
    depends on a sequence (DuckDB's ``CASCADE``); every catalogue entry then missing is made again from the new
    store's SQL, in the order the new store made them. The tables made again are empty: :func:`_put_back` gives
    them their rows with the others. All of it in one transaction: a statement DuckDB refuses leaves the store as
    it was.
    """
    moved = [name for (name, last), (_, was) in zip(sequences, new.shape[0], strict=True) if last != was]
    with store.transaction() as tx:
        for name in moved:
            tx.derived(f"DROP SEQUENCE {quote_identifier(name)} CASCADE")
        still_there = {(kind, name) for kind, name, _ in tx.query(_CATALOGUE).itertuples(index=False)}
        for kind, name, sql in new.made:
            if (kind, name) not in still_there:
                tx.derived(sql)


def _put_back(store: Store, new: _New) -> bool:
    """Restore a new store's sequences and rows wherever they differ; return whether the store is as new."""
    sequences, catalogue = _shape(store)
    if catalogue != new.shape[1]:  # a table, view, index or sequence came, went or changed
        return False
    if sequences != new.shape[0]:
        try:
            _restart_moved_sequences(store, new, sequences)
        except StoreError:
            return False
        if _shape(store) != new.shape:
            return False
    now = _contents(store, new.tables)
    if now == new.contents:
        return True
    with store.transaction() as tx:
        for name, was, is_now in zip(new.tables, new.contents, now, strict=True):
            if was == is_now:
                continue
            # Through ``derived``: these writes must not raise the revision, whose own row is put back here too.
            tx.derived(f"DELETE FROM {quote_identifier(name)}")
            for row in new.rows[name]:
                tx.derived(f"INSERT INTO {quote_identifier(name)} VALUES ({', '.join('?' * len(row))})", list(row))
    return _contents(store, new.tables) == new.contents


@contextlib.contextmanager
def new_store(prepare: Prepare | None = None) -> Iterator[Store]:
    """Yield an in-memory store in the state ``Store(":memory:")`` then ``prepare(store)`` leave it.

    Parameters
    ----------
    prepare:
        A module-level function run once on each newly opened store (seed clients imported, say); stores are kept
        per function. ``None``: the store as it opens.

    Yields
    ------
    Store
        A store no one else holds until the block ends. Whatever the block wrote is taken away afterwards; a store
        that cannot be put back exactly as new is closed instead of being handed out again.
    """
    idle = _IDLE.setdefault(prepare, [])
    if idle:
        store = idle.pop()
    else:
        store = Store(":memory:")
        if prepare is not None:
            prepare(store)
        if prepare not in _NEW:
            _NEW[prepare] = _New(store)
    kept = False
    try:
        yield store
        kept = _put_back(store, _NEW[prepare])
    finally:
        if kept:
            idle.append(store)
        else:
            store.close()
