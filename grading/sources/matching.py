"""Matching the clients of several systems (SOURCES.md, "Matching clients across systems").

The PSA names a client by its id (``company/identifier``), the books by its name ("Harbour Dental Ltd."). Every
client reference of an import is resolved to one client id, in this order:

1. a file whose ``client`` is an id (the PSA presets, a companies file, a mapping that also maps ``client_name``)
   names its client by id: that id is the client;
2. otherwise the value is taken as an id when a client of that id is known (stored or named by an id file);
3. else the owner's saved choice for that name (:func:`save_client_choices`, or ``[client_names]`` in the mapping);
4. else the name, compared without case, surrounding spaces, punctuation or a trailing legal form (GmbH, Ltd, Inc,
   LLC ...), matched against the known clients' names: exactly one match is that client;
5. else, when no file of the import names clients by id (the books alone), the name starts a new client;
6. else the name is unresolved: it matched nobody or two clients. It is listed (with the candidates) for the owner
   to resolve, and its rows are counted as not placed. Nothing is guessed and nothing is dropped silently.

Public API
----------
- :func:`name_key_sql` (the comparison key of a name, in SQL) and :func:`name_key` (the same in Python, for one name)
- :func:`resolve_clients` (the workspace's client references to client ids; the unresolved names)
- :func:`save_client_choices` / :func:`stored_client_choices` (the owner's answers, kept in the database)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from grading.db.store import Store
from grading.sources.workspace import Workspace

LEGAL_FORMS = (
    "gmbh & co kg", "gmbh & co. kg", "gmbh", "mbh", "ag", "kg", "ug", "e k", "ek", "ltd", "limited", "inc",
    "incorporated", "llc", "l l c", "llp", "plc", "corp", "corporation", "pty ltd", "pty", "sa", "sarl", "sas", "bv",
    "nv", "srl", "spa", "ab", "oy", "as", "aps", "pc", "lp",
)
# Longest first, so "pty ltd" goes before "ltd".
_LEGAL_FORMS = sorted(
    {re.sub(r"[^a-z0-9]+", " ", form.replace("&", " and ")).strip() for form in LEGAL_FORMS}, key=len, reverse=True
)
_LEGAL_TAIL = r"(\s(" + "|".join(re.escape(form).replace(r"\ ", " ") for form in _LEGAL_FORMS) + r"))+$"

ID = "id"
CHOICE = "choice"
NAME = "name"
NEW = "new"
AMBIGUOUS = "ambiguous"
UNMATCHED = "unmatched"


def name_key(name: str) -> str:
    """The key two client names are compared by: lower case, ``&`` as "and", no punctuation, no spaces, no trailing
    legal form (``"Harbour Dental Ltd."`` and ``"harbour  dental"`` share one key)."""
    text = re.sub(r"[\W_]+", " ", str(name).lower().replace("&", " and ")).strip()
    stripped = re.sub(_LEGAL_TAIL, "", " " + text).strip()
    return (stripped or text).replace(" ", "")


def name_key_sql(text: str) -> str:
    """SQL of :func:`name_key` for a text column (kept in step with it by a test)."""
    spaced = (
        f"trim(regexp_replace(replace(lower({text}), '&', ' and '), '[^\\p{{L}}\\p{{N}}]+', ' ', 'g'))"
    )
    stripped = f"trim(regexp_replace(' ' || {spaced}, '{_LEGAL_TAIL}', ''))"
    return f"replace(coalesce(nullif({stripped}, ''), {spaced}), ' ', '')"


@dataclass(frozen=True)
class UnresolvedName:
    """A client name that matched no client, or more than one.

    Attributes
    ----------
    name:
        The name as a file writes it.
    status:
        ``unmatched`` or ``ambiguous``.
    candidates:
        For ``ambiguous``, the client ids it matched (``id (name)``).
    """

    name: str
    status: str
    candidates: tuple[str, ...]


def stored_client_choices(store: Store) -> dict[str, str]:
    """The owner's saved answers: name key to client id (none in a database older than the table)."""
    # One lookup of the name: listing the catalog costs about 10 ms on a store just opened, once per import.
    if not store.has_table("client_name_choices"):
        return {}
    return dict(store.rows("SELECT name_key, client_id FROM client_name_choices"))


def save_client_choices(tx_or_store: object, choices: Mapping[str, str]) -> None:
    """Save the owner's answers for client names (name as written to client id), replacing earlier answers.

    Parameters
    ----------
    tx_or_store:
        A :class:`~grading.db.store.Store` (one transaction of its own) or an open
        :class:`~grading.db.store.Transaction` (the import's own, so the answers land with the import or not at all).
    choices:
        Name as a file writes it to the client id it means; a client id that no client has yet starts a new client
        of that name on the next import.
    """
    if not choices:
        return
    frame = pd.DataFrame(
        {"name_key": [name_key(name) for name in choices], "name": list(choices), "client_id": list(choices.values())}
    ).drop_duplicates("name_key", keep="last")
    if isinstance(tx_or_store, Store):
        with tx_or_store.transaction() as tx:
            _save(tx, frame)
    else:
        _save(tx_or_store, frame)


def _save(tx: object, frame: pd.DataFrame) -> None:
    with tx.frame(frame) as name:  # type: ignore[attr-defined]
        tx.execute(  # type: ignore[attr-defined]
            f"""
            INSERT INTO client_name_choices (name_key, name, client_id)
            SELECT name_key, name, client_id FROM {name} AS incoming
            WHERE NOT EXISTS (SELECT 1 FROM client_name_choices AS stored
                              WHERE stored.name_key = incoming.name_key AND stored.client_id = incoming.client_id)
            ON CONFLICT (name_key) DO UPDATE SET name = excluded.name, client_id = excluded.client_id,
                chosen_at = CAST(now() AS TIMESTAMP)
            """
        )


def resolve_clients(
    workspace: Workspace,
    references: str,
    known: pd.DataFrame,
    choices: Mapping[str, str],
    *,
    ids_given: bool,
) -> tuple[str, list[UnresolvedName]]:
    """Resolve every client reference of an import to a client id, in the workspace.

    Parameters
    ----------
    workspace:
        The import's workspace.
    references:
        A workspace table of distinct ``(client VARCHAR, by_id BOOLEAN, client_name VARCHAR)``: each client value a
        file writes, whether that file names clients by id, and a name it gives beside the id.
    known:
        The stored clients: ``client_id``, ``name``.
    choices:
        Name key to client id (saved answers and the mapping's ``[client_names]``).
    ids_given:
        Whether any file of the import names clients by id (else unmatched names start new clients).

    Returns
    -------
    (str, list of UnresolvedName)
        The name of a workspace table ``(client, by_id, client_id, how)`` with one row per reference
        (``client_id`` NULL where unresolved; ``how`` is ``id``, ``choice``, ``name``, ``new``, ``ambiguous`` or
        ``unmatched``), and the unresolved names.
    """
    stored = workspace.table_name("stored_clients")
    workspace.load_frame(stored, known[["client_id", "name"]].astype("string"))
    chosen = workspace.table_name("choices")
    workspace.load_frame(chosen, pd.DataFrame({"name_key": list(choices), "client_id": list(choices.values())},
                                              dtype="string"))
    resolved = workspace.table_name("resolved")
    # Every name's key is worked out once (``keys``), not where each join needs it: the key's SQL is long, and
    # planning it three times was half of what this statement cost on a small import.
    workspace.execute(
        f"""
        CREATE TABLE {resolved} AS
        WITH known AS (
            SELECT client_id, name FROM {stored}
            UNION ALL
            SELECT client AS client_id, client_name AS name FROM {references} WHERE by_id
        ), keys AS MATERIALIZED (
            SELECT text, {name_key_sql('text')} AS name_key
            FROM (SELECT name AS text FROM known WHERE name IS NOT NULL UNION SELECT client FROM {references})
        ), known_names AS (
            SELECT DISTINCT k.client_id, keys.name_key FROM known AS k JOIN keys ON keys.text = k.name
        ), refs AS (
            SELECT r.client, r.by_id, keys.name_key
            FROM (SELECT DISTINCT client, by_id FROM {references}) AS r LEFT JOIN keys ON keys.text = r.client
        ), by_name AS (
            SELECT r.client, list(DISTINCT k.client_id ORDER BY k.client_id) AS matches
            FROM (SELECT DISTINCT client, name_key FROM refs WHERE NOT by_id) AS r
            LEFT JOIN known_names AS k ON k.name_key = r.name_key
            GROUP BY r.client
        )
        SELECT r.client, r.by_id,
            CASE
                WHEN r.by_id THEN r.client
                WHEN r.client IN (SELECT client_id FROM known) THEN r.client
                WHEN c.client_id IS NOT NULL THEN c.client_id
                WHEN len(list_filter(n.matches, lambda x: x IS NOT NULL)) = 1 THEN n.matches[1]
                WHEN len(list_filter(n.matches, lambda x: x IS NOT NULL)) = 0 AND NOT ? THEN r.client
            END AS client_id,
            CASE
                WHEN r.by_id OR r.client IN (SELECT client_id FROM known) THEN '{ID}'
                WHEN c.client_id IS NOT NULL THEN '{CHOICE}'
                WHEN len(list_filter(n.matches, lambda x: x IS NOT NULL)) = 1 THEN '{NAME}'
                WHEN len(list_filter(n.matches, lambda x: x IS NOT NULL)) = 0 AND NOT ? THEN '{NEW}'
                WHEN len(list_filter(n.matches, lambda x: x IS NOT NULL)) > 1 THEN '{AMBIGUOUS}'
                ELSE '{UNMATCHED}'
            END AS how,
            list_filter(n.matches, lambda x: x IS NOT NULL) AS matches
        FROM refs AS r
        LEFT JOIN {chosen} AS c ON c.name_key = r.name_key
        LEFT JOIN by_name AS n ON n.client = r.client AND NOT r.by_id
        """,
        [ids_given, ids_given],
    )
    unresolved = [
        UnresolvedName(str(client), how, tuple(str(m) for m in matches))
        for client, how, matches in workspace.rows(
            f"SELECT client, how, matches FROM {resolved} WHERE client_id IS NULL ORDER BY client"
        )
    ]
    return resolved, unresolved
