"""The book's clients over their life: where they came from, removing the demo, starting empty, archiving.

- The demo's clients are noted when the demo is written (table ``demo_clients``), so "Remove the demo clients"
  deletes them and everything recorded about them, and leaves the owner's own clients as they are. A demo client
  the owner imports under the same id is the owner's from then on.
- "Start an empty book" deletes every client and everything about them; the settings stay.
- An archived client (table ``archived_clients``) keeps its history (figures, grades, reviews) but is left out of
  grading, and so of every page and simulation, as of the day it was archived.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from grading.errors import ClientGradeError

if TYPE_CHECKING:
    # pandas where frames are made: an import noting its clients' origin (note_origin) does without it.
    import pandas as pd

    from grading.db.store import Store, Transaction

#: Tables keyed by client whose rows go with a removed client, children first.
_PER_CLIENT_TABLES = (
    "review_decisions",
    "review_items",
    "grade_events",
    "assessments",
    "monthly_metrics",
    "archived_clients",
    "demo_clients",
    "clients",
)


@dataclass(frozen=True)
class Removal:
    """What a removal deleted: the clients, and rows by table."""

    clients: int
    rows: dict[str, int]


def note_origin(tx: Transaction, client_ids_sql: str, *, from_demo: bool) -> None:
    """Note the clients of ``client_ids_sql`` as demo clients, or as the owner's (inside the import's transaction).

    Parameters
    ----------
    tx:
        The writing transaction.
    client_ids_sql:
        A query with one column ``client_id``.
    from_demo:
        True when the demo portfolio writes them.
    """
    if from_demo:
        tx.execute(
            f"INSERT INTO demo_clients SELECT DISTINCT CAST(client_id AS VARCHAR) FROM ({client_ids_sql}) "
            "ON CONFLICT DO NOTHING"
        )
    else:
        tx.execute(f"DELETE FROM demo_clients WHERE client_id IN (SELECT CAST(client_id AS VARCHAR) FROM "
                   f"({client_ids_sql}))")


def demo_client_ids(store: Store) -> list[str]:
    """Return the ids of the book's demo clients, in id order."""
    return store.query(
        "SELECT d.client_id FROM demo_clients AS d JOIN clients AS c USING (client_id) ORDER BY d.client_id"
    )["client_id"].astype(str).tolist()


def remove_clients(store: Store, client_ids: list[str]) -> Removal:
    """Delete ``client_ids`` and every row recorded about them, in one transaction.

    Their aliases stay taken, so no later client gets a removed client's alias. A review session left without
    clients stays (its title and date are the owner's record that it was held).

    Raises
    ------
    StoreError
        The database refused; nothing is deleted.
    """
    ids = sorted({str(client_id) for client_id in client_ids})
    rows: dict[str, int] = {}
    if not ids:
        return Removal(clients=0, rows={})
    import pandas as pd

    existing = set(store.table_names())
    with store.transaction() as tx:
        with tx.frame(pd.DataFrame({"client_id": ids})) as gone:
            for table in _PER_CLIENT_TABLES:
                if table not in existing:
                    continue
                rows[table] = int(tx.scalar(f"SELECT count(*) FROM {table} WHERE client_id IN "
                                            f"(SELECT client_id FROM {gone})"))
                tx.execute(f"DELETE FROM {table} WHERE client_id IN (SELECT client_id FROM {gone})")
            _forget_derived(tx, gone, existing)
        # A model trained on clients that are gone would suggest from figures nobody can see any more.
        if rows.get("grade_events"):
            tx.execute("UPDATE model_registry SET is_active = false WHERE is_active")
    return Removal(clients=rows.get("clients", 0), rows=rows)


def _forget_derived(tx: Transaction, gone: str, existing: set[str]) -> None:
    """Delete what was derived about the clients in the table ``gone``: their stored grades, and every stored set of
    suggestions that names one of them (a set is whole or not at all; the next grading makes it again)."""
    if "graded_clients" in existing:
        tx.execute(f"DELETE FROM graded_clients WHERE client_id IN (SELECT client_id FROM {gone})")
    if "stored_suggestions" in existing:
        named = f"SELECT set_key FROM stored_suggestions WHERE client_id IN (SELECT client_id FROM {gone})"
        tx.execute(f"DELETE FROM suggestion_sets WHERE set_key IN ({named})")
        tx.execute("DELETE FROM stored_suggestions WHERE set_key NOT IN (SELECT set_key FROM suggestion_sets)")


def remove_demo_clients(store: Store) -> Removal:
    """Delete the demo's clients and everything about them; the owner's own clients stay as they are.

    Returns
    -------
    Removal
        ``clients`` is 0 when the book holds no demo client.
    """
    return remove_clients(store, demo_client_ids(store))


def start_empty_book(store: Store) -> dict[str, int]:
    """Delete every client and everything recorded about them, aliases included; keep the settings.

    The book starts a new life: the next client imported is "Client 001" again. Every model is marked inactive.

    Returns
    -------
    dict
        Rows deleted, by table.
    """
    from grading.db.maintenance import wipe_client_data

    return wipe_client_data(store)


def archive_client(store: Store, client_id: str, *, on: date | None = None, note: str = "") -> None:
    """Archive a client: its history stays, and from ``on`` (default today) grading leaves it out.

    Raises
    ------
    ClientGradeError
        There is no such client.
    """
    client_id = str(client_id)
    with store.transaction() as tx:
        if not tx.scalar("SELECT count(*) FROM clients WHERE client_id = ?", [client_id]):
            raise ClientGradeError(f"There is no client with id {client_id} to archive.")
        tx.execute(
            "INSERT INTO archived_clients (client_id, archived_on, note) VALUES (?, ?, ?) "
            "ON CONFLICT (client_id) DO UPDATE SET archived_on = excluded.archived_on, note = excluded.note",
            [client_id, on or date.today(), str(note)],
        )


def unarchive_client(store: Store, client_id: str) -> None:
    """Bring an archived client back into grading (nothing happens when it was not archived)."""
    with store.transaction() as tx:
        tx.execute("DELETE FROM archived_clients WHERE client_id = ?", [str(client_id)])


def archived_clients(store: Store) -> pd.DataFrame:
    """Return the archived clients: ``client_id``, ``name``, ``archived_on``, ``note``, newest first."""
    return store.query(
        "SELECT a.client_id, c.name, a.archived_on, a.note FROM archived_clients AS a "
        "JOIN clients AS c USING (client_id) ORDER BY a.archived_on DESC, a.client_id"
    )


def no_figures_in_window(store: Store, as_of: date, window_months: int) -> str | None:
    """Say why the scoring window before ``as_of`` holds no monthly figures, or return None when it holds some.

    A page looked at as of a day before the book's first figures (or long after its last) would otherwise draw
    charts of 0% and tables of empty cells.

    Returns
    -------
    str or None
        E.g. "There are no figures in the 12 months before 1 January 2015: this book's figures run from
        January 2023 to November 2024. Move the 'As of' date in the sidebar into that span." ``None`` when the
        window holds figures, or when the book has none at all (the pages say that themselves).
    """
    first, last = store.rows("SELECT min(month), max(month) FROM monthly_metrics")[0]
    if first is None:
        return None
    month_start = date(as_of.year, as_of.month, 1)
    months_back = as_of.year * 12 + as_of.month - 1 - int(window_months)
    window_start = date(months_back // 12, months_back % 12 + 1, 1)
    if window_start <= last and first < month_start:
        return None
    return (
        f"There are no figures in the {int(window_months)} months before {as_of.day} {as_of:%B %Y}: this book's "
        f"figures run from {first:%B %Y} to {last:%B %Y}. Move the 'As of' date in the sidebar into that span."
    )
