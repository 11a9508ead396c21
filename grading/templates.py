"""Template CSV files for the import contract: the header and two example rows that import cleanly together."""

from __future__ import annotations

import functools

import pandas as pd

from grading.db.export import safe_csv_bytes
from grading.importer.contract import contract_for


def template_frame(kind: str) -> pd.DataFrame:
    """Return the template of file kind ``kind`` as a frame of text: every contract column, two example rows.

    Raises
    ------
    KeyError
        ``kind`` is not one of ``clients``, ``monthly``, ``assessments``, ``grades``.
    """
    contract = contract_for(kind)
    return pd.DataFrame({column.name: list(column.examples) for column in contract.columns}, dtype="str")


# The templates are fixed by the contract and bytes cannot be changed by a caller: made once per process.
@functools.lru_cache(maxsize=None)
def template_csv(kind: str) -> bytes:
    """Return the template file of kind ``kind`` as UTF-8 CSV bytes (what the app offers for download).

    The examples refer to each other (the monthly rows are for the template's clients), so the four templates
    import cleanly together into an empty database.

    Raises
    ------
    KeyError
        ``kind`` is not one of ``clients``, ``monthly``, ``assessments``, ``grades``.
    """
    return safe_csv_bytes(template_frame(kind))
