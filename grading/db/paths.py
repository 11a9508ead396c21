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
    """Return the database file to use: ``explicit``, else ``$CLIENTGRADE_DB``, else ``data/portfolio.duckdb``.

    Raises
    ------
    ClientGradeError
        ``$CLIENTGRADE_DB`` names a file in a folder that does not exist. A typo there would otherwise create a
        fresh demo book in a new folder, and the owner would think their data gone; the default folder ``data/``
        is created on first start as before.
    """
    if explicit:
        return Path(explicit)
    from_env = os.environ.get(DB_ENV, "").strip()
    if not from_env:
        return DEFAULT_DB
    path = Path(from_env)
    if from_env != ":memory:" and not path.parent.is_dir():
        from grading.errors import ClientGradeError

        raise ClientGradeError(
            f"{DB_ENV} points at {path}, but the folder {path.parent} does not exist. Check {DB_ENV} for a typo; "
            "ClientGrade does not create a new book there, so nothing of yours was touched. To start a new book in "
            "that place, create the folder first."
        )
    return path


def models_dir(explicit: str | os.PathLike | None = None) -> Path:
    """Return the model folder to use: ``explicit``, else ``$CLIENTGRADE_MODELS``, else ``models/``."""
    if explicit:
        return Path(explicit)
    from_env = os.environ.get(MODELS_ENV, "").strip()
    return Path(from_env) if from_env else DEFAULT_MODELS
