"""Where the database and the model files live.

The CLI and the app resolve both the same way, so a test or a second book of clients can run on its own files:
an explicit path first, then the environment variable, then the default beside the working directory.
"""

from __future__ import annotations

import os
from pathlib import Path

DB_ENV = "CLIENTGRADE_DB"
MODELS_ENV = "CLIENTGRADE_MODELS"
DEFAULT_DB = Path("data") / "portfolio.duckdb"
DEFAULT_MODELS = Path("models")


def database_path(explicit: str | os.PathLike | None = None) -> Path:
    """Return the database file to use: ``explicit``, else ``$CLIENTGRADE_DB``, else ``data/portfolio.duckdb``."""
    if explicit:
        return Path(explicit)
    from_env = os.environ.get(DB_ENV, "").strip()
    return Path(from_env) if from_env else DEFAULT_DB


def models_dir(explicit: str | os.PathLike | None = None) -> Path:
    """Return the model folder to use: ``explicit``, else ``$CLIENTGRADE_MODELS``, else ``models/``."""
    if explicit:
        return Path(explicit)
    from_env = os.environ.get(MODELS_ENV, "").strip()
    return Path(from_env) if from_env else DEFAULT_MODELS
