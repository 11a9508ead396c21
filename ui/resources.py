"""The process-wide resources: one Store per database file, created (with the demo portfolio) on first start."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from grading.db import backup, bootstrap, paths
from grading.db.store import Store


@st.cache_resource(show_spinner="First start: creating the demo portfolio and training a first model...")
def _open_store(db_path: str, models_dir: str) -> Store:
    """Open (and on first start create and fill) the database at ``db_path``; one per process and file."""
    is_new_file = not Path(db_path).exists()
    store = Store(db_path)
    # A backup or restore killed in the middle left a hidden scratch file beside the backups: the app's start is
    # the next moment this process alone holds the database, so nothing else can be writing one.
    backup.remove_leftovers(db_path)
    if is_new_file and bootstrap.is_empty(store):
        bootstrap.fill_with_demo(store, Path(models_dir))
    return store


def get_store() -> Store:
    """Return the store for ``$CLIENTGRADE_DB`` (else ``data/portfolio.duckdb``), shared by every session."""
    return _open_store(str(paths.database_path()), str(paths.models_dir()))


def get_models_dir() -> Path:
    """Return the folder of saved models (``$CLIENTGRADE_MODELS``, else ``models/``)."""
    return paths.models_dir()
