"""Replacing client names and ids with stable aliases for screen sharing.

A client's alias is a number stored in the book (table ``client_aliases``): numbered once, in order of first
appearance (the order clients are first imported), and never renumbered, so "Client 025" is the same client on
every page, in every export and in every session for the life of the book, whatever is imported later. A client's
alias id (``anon-025``) stands in for its real id wherever an id would show, so a PSA company code such as
ADVWORKS never appears either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # pandas where frames are read: an import numbering its clients (assign_aliases) does without it.
    import pandas as pd

    from grading.db.store import Store, Transaction

#: What a client without a known alias is called: never its real name.
UNKNOWN_ALIAS = "Client ?"
UNKNOWN_ALIAS_ID = "anon-?"


def alias_name(number: int) -> str:
    """Return the alias shown instead of a name, e.g. ``alias_name(7)`` gives ``"Client 007"``."""
    return f"Client {int(number):03d}"


def alias_id(number: int) -> str:
    """Return the alias shown instead of a client id, e.g. ``alias_id(7)`` gives ``"anon-007"``."""
    return f"anon-{int(number):03d}"


def assign_aliases(tx: Transaction, client_ids_sql: str) -> None:
    """Give every client of ``client_ids_sql`` that has no alias yet the next numbers, in the order listed.

    Called by the importer inside its transaction, so a client has its alias from the moment it is stored.

    Parameters
    ----------
    tx:
        The writing transaction.
    client_ids_sql:
        A query with one column ``client_id``, in order of appearance (e.g. the rows of an imported file).
    """
    tx.execute(
        f"""
        INSERT INTO client_aliases (client_id, alias_number)
        WITH listed AS (SELECT CAST(client_id AS VARCHAR) AS client_id, row_number() OVER () AS position
                        FROM ({client_ids_sql})),
             first_seen AS (SELECT client_id, min(position) AS position FROM listed GROUP BY client_id)
        SELECT client_id,
               (SELECT coalesce(max(alias_number), 0) FROM client_aliases) + row_number() OVER (ORDER BY position)
        FROM first_seen
        WHERE client_id NOT IN (SELECT client_id FROM client_aliases)
        """
    )


def stored_aliases(store: Store) -> dict[str, int]:
    """Return each client id's alias number, as stored.

    A client written by a path that assigned no alias (there should be none) gets a number after the stored ones,
    in id order, for this read only; it is never shown under its name.
    """
    frame = store.query(
        "SELECT c.client_id, a.alias_number FROM clients AS c LEFT JOIN client_aliases AS a USING (client_id) "
        "ORDER BY a.alias_number NULLS LAST, c.client_id"
    )
    import pandas as pd

    numbers = dict(zip(frame["client_id"].astype(str), frame["alias_number"], strict=True))
    known = [int(number) for number in numbers.values() if pd.notna(number)]
    following = max(known, default=0)
    for client_id, number in numbers.items():
        if pd.isna(number):
            following += 1
            numbers[client_id] = following
    return {client_id: int(number) for client_id, number in numbers.items()}


def client_aliases(numbers: dict[str, int]) -> dict[str, str]:
    """Return each client id's alias name (``"Client 007"``) from its alias number."""
    return {client_id: alias_name(number) for client_id, number in numbers.items()}


def client_alias_ids(numbers: dict[str, int]) -> dict[str, str]:
    """Return each client id's alias id (``"anon-007"``) from its alias number."""
    return {client_id: alias_id(number) for client_id, number in numbers.items()}


def anonymize_frame(
    frame: pd.DataFrame,
    numbers: dict[str, int],
    *,
    id_column: str = "client_id",
    name_columns: tuple[str, ...] = ("name",),
    hide_ids: bool = True,
) -> pd.DataFrame:
    """Return a copy of ``frame`` with names replaced by aliases and, with ``hide_ids``, ids by alias ids.

    Parameters
    ----------
    frame:
        Any frame with ``id_column``.
    numbers:
        Client id to alias number (:func:`stored_aliases`).
    id_column:
        The column holding the client id.
    name_columns:
        ``name`` gets the alias; any other column listed (free text that may quote a name: notes, reasons) is
        blanked.
    hide_ids:
        Replace ``id_column`` by the alias id too (the default). Turn it off only where the frame stays inside the
        program (a lookup), never for what is shown or downloaded.

    Returns
    -------
    pandas.DataFrame
        The copy. Ids missing from ``numbers`` get ``"Client ?"`` and ``"anon-?"``, never the real values.
        Sorting it by name sorts by alias.
    """
    import pandas as pd

    result = frame.copy()
    ids = result[id_column].astype(str)
    number = ids.map(numbers).astype(object)
    for column in name_columns:
        if column in result.columns:
            if column == "name":
                result[column] = number.map(lambda n: UNKNOWN_ALIAS if pd.isna(n) else alias_name(n))
            else:
                result[column] = ""
    if hide_ids:
        result[id_column] = number.map(lambda n: UNKNOWN_ALIAS_ID if pd.isna(n) else alias_id(n))
    return result
