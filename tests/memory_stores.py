"""In-memory stores for property tests, and the tables' rows to compare before and after an import.

A property test imports into a new ``Store(":memory:")`` for every example, often two (one per way compared).
Opening one runs every migration, and the examples run in the hundreds in CI's thorough profile. :func:`new_store`
hands out a store in exactly the state a new one has (after an optional preparation, such as importing seed
clients), reusing a store an earlier example gave back once it has been put back into that state and checked to
be in it: every table's rows (their count and the sum of their hashes), the revision among them, every sequence's
last value and the catalogue of tables and views (temporary ones included). A store that cannot be put back (a
sequence has moved: DuckDB cannot restart one) is closed, and the next example gets a newly opened one. Either way
an example never sees what an earlier one wrote.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from grading.db.store import Store, quote_identifier

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


def _shape(store: Store) -> tuple:
    """The sequences' last values and the catalogue of tables and views (temporary ones included)."""
    return store.rows(
        "SELECT (SELECT list(sequence_name || '=' || coalesce(last_value::VARCHAR, '') ORDER BY sequence_name) "
        "FROM duckdb_sequences()), (SELECT list(name ORDER BY name) FROM ("
        "SELECT database_name || '.' || schema_name || '.' || table_name AS name FROM duckdb_tables() "
        "UNION ALL SELECT database_name || '.' || schema_name || '.' || view_name FROM duckdb_views() "
        "WHERE NOT internal))"
    )[0]


def _contents(store: Store, tables: list[str]) -> tuple:
    """Per table, its row count and the sum of its rows' 64-bit hashes (every column), in one query."""
    return store.rows("SELECT " + ", ".join(
        f"(SELECT [count(*)::HUGEINT, coalesce(sum(hash(row)::HUGEINT), 0)] FROM {quote_identifier(name)} AS row)"
        for name in tables
    ))[0]


class _New:
    """A new store's rows (times included), shape and contents, taken once per preparation."""

    def __init__(self, store: Store):
        self.rows = table_rows(store, whole=True)
        self.tables = [name for name in self.rows if name != "schema_migrations"]
        self.shape = _shape(store)
        self.contents = _contents(store, self.tables)


def _put_back(store: Store, new: _New) -> bool:
    """Restore a new store's rows in every table whose contents differ; return whether the store is as new."""
    if _shape(store) != new.shape:  # a sequence has moved (none can restart), or a table or view came or went
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
