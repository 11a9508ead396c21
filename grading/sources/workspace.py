"""A private in-memory DuckDB where raw files are loaded, checked and turned into monthly metrics.

The raw rows never reach the owner's database: they are staged here, the derivation runs here in SQL, and only
the derived clients and client-months are written to the real store, in one short transaction. The workspace is
a :class:`~grading.db.store.Store` on ``:memory:`` (so every statement still goes through the one door), with the
session time zone set to UTC so that converting a moment to the owner's time zone never depends on the machine.
"""

from __future__ import annotations

import itertools

import pandas as pd

from grading.db.store import Store


class Workspace:
    """An in-memory database for one raw import; close it (or use ``with``) when done."""

    def __init__(self) -> None:
        self.store = Store(":memory:", migrate=False)
        self._names = itertools.count(1)
        self.store.execute("SET GLOBAL TimeZone = 'UTC'")
        # DuckDB 2.0's late materialization of a top-N query trips over a table's rowid (an internal error);
        # staged files number their rows by rowid, and their top-N queries are small anyway.
        self.store.execute("SET GLOBAL late_materialization_max_rows = 0")

    def table_name(self, prefix: str) -> str:
        """A fresh table name starting with ``prefix`` (program text, never a file's)."""
        return f"{prefix}_{next(self._names)}"

    def execute(self, sql: str, params: object = None) -> None:
        """Run one statement (a table created, filled or dropped)."""
        self.store.execute(sql, params)  # type: ignore[arg-type]

    def query(self, sql: str, params: object = None) -> pd.DataFrame:
        """Run a query and return its result as a frame."""
        return self.store.query(sql, params)  # type: ignore[arg-type]

    def rows(self, sql: str, params: object = None) -> list[tuple]:
        """Run a query and return its rows."""
        return self.store.rows(sql, params)  # type: ignore[arg-type]

    def scalar(self, sql: str, params: object = None) -> object:
        """Run a query and return the first column of its first row."""
        return self.store.scalar(sql, params)  # type: ignore[arg-type]

    def load_frame(self, table: str, frame: pd.DataFrame) -> None:
        """Create ``table`` holding ``frame``'s rows (DuckDB scans the frame; no per-row Python)."""
        with self.store.transaction() as tx, tx.frame(frame) as name:
            tx.execute(f"CREATE TABLE {table} AS SELECT * FROM {name}")

    def close(self) -> None:
        """Drop everything staged."""
        self.store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
