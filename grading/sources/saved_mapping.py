"""The mapping the owner saved for next month's raw import, kept with the book.

The app's mapping screen saves what the owner chose (each kind's columns and value maps, the answers for client
names, the time zone and business hours) as the TOML mapping file's text (:func:`grading.sources.mapping.mapping_toml`)
in the book's ``settings`` table under :data:`SAVED_MAPPING`, so it travels with the book (backups, exports) and is
the same recipe ``import-raw --mapping`` reads. It is not one of the registry's settings: the settings form never
shows it, and only "reset every setting" forgets it.

Public API
----------
- :func:`save_mapping`, :func:`saved_mapping`, :data:`SAVED_MAPPING`
"""

from __future__ import annotations

import json

from grading.errors import ImportValidationError
from grading.sources.mapping import MappingFile, mapping_toml, read_mapping
from grading.db.store import Store

#: The ``settings`` row holding the saved mapping (TOML text, as JSON).
SAVED_MAPPING = "raw_import_mapping"


def save_mapping(store: Store, mapping: MappingFile) -> None:
    """Keep ``mapping`` with the book for the next raw import, replacing the one saved before."""
    with store.transaction() as tx:
        tx.execute(
            "INSERT INTO settings (name, value_json, updated_at) VALUES (?, ?, now()) "
            "ON CONFLICT (name) DO UPDATE SET value_json = excluded.value_json, updated_at = now()",
            [SAVED_MAPPING, json.dumps(mapping_toml(mapping))],
        )


def saved_mapping(store: Store) -> MappingFile | None:
    """Return the mapping saved with the book, or ``None`` (none saved, or one this version can no longer read)."""
    rows = store.rows("SELECT value_json FROM settings WHERE name = ?", [SAVED_MAPPING])
    if not rows:
        return None
    try:
        return read_mapping(("saved mapping", json.loads(rows[0][0]).encode("utf-8")))
    except (ImportValidationError, ValueError, TypeError, AttributeError):
        return None
