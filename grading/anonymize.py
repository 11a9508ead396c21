"""Replacing client names with stable aliases for screen sharing.

An alias depends only on the client's position in the sorted list of all client ids, so "Client 007" is the same
client on every page and in every export of one session.
"""

from __future__ import annotations

import pandas as pd


def client_aliases(client_ids: pd.Series | list[str]) -> dict[str, str]:
    """Return a mapping from each client id to an alias such as ``"Client 007"``, numbered in id order."""
    unique_ids = sorted(set(pd.Series(client_ids, dtype="object").dropna().astype(str)))
    width = max(3, len(str(len(unique_ids))))
    return {client_id: f"Client {number:0{width}d}" for number, client_id in enumerate(unique_ids, start=1)}


def anonymize_frame(
    frame: pd.DataFrame,
    aliases: dict[str, str],
    *,
    id_column: str = "client_id",
    name_columns: tuple[str, ...] = ("name",),
) -> pd.DataFrame:
    """Return a copy of ``frame`` with each name column replaced by the alias of the row's client id.

    Ids missing from ``aliases`` get the alias ``"Client ?"``, never the real name. Free-text columns that may
    quote a name (notes, reasons) are left to the caller: pass them in ``name_columns`` to blank them out.
    """
    result = frame.copy()
    mapped = result[id_column].astype(str).map(aliases).fillna("Client ?")
    for column in name_columns:
        if column in result.columns:
            result[column] = mapped if column == "name" else ""
    return result
