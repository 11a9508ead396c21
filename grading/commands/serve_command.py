"""``python -m grading serve``: start the app, after checking that its database can be opened.

``streamlit run app.py`` starts a server whatever the state of the database: a second app on a file another
process holds says "You can now view your Streamlit app" and fails only in the browser. ``serve`` checks first and
exits at once with the sentence the browser would show; ``scripts/run`` starts the app this way.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from grading.db import paths

APP = Path(__file__).resolve().parents[2] / "app.py"
SERVE = APP.parent / "ui" / "serve.py"


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``serve`` command's parser."""
    parser = subparsers.add_parser(
        "serve",
        parents=[common],
        help="start the app (streamlit run app.py, warmed at start) after checking that its database can be opened",
        description="Check that the database (--db, else $CLIENTGRADE_DB, else data/portfolio.duckdb) can be "
        "opened, then start the app on it. Exits at once, with one sentence, when another program holds the file "
        "or CLIENTGRADE_DB names a folder that does not exist. Arguments after -- go to `streamlit run`.",
    )
    parser.add_argument("--check-only", action="store_true", help="check the database and exit without serving")
    parser.add_argument("streamlit_args", nargs=argparse.REMAINDER, help="arguments for streamlit run (after --)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Check the database, then replace this process with the app's server (``ui/serve.py``, which is ``streamlit
    run app.py`` warmed at start). Returns 0 for --check-only.

    Raises
    ------
    ClientGradeError
        The database cannot be opened (held by another program, or in a folder that does not exist).
    """
    from grading.db.store import check_can_open

    db_path = paths.database_path(getattr(args, "db", None))
    check_can_open(db_path)
    if args.check_only:
        print(f"The database {db_path} can be opened.")
        return 0
    from grading import books

    # The served book becomes the app's start book, which reads $CLIENTGRADE_MODELS: point it at the folder this
    # book's models are in here (its own <name>.models/ unless it is already the start book or --models is given).
    models = books.models_dir_for(db_path, getattr(args, "models", None))
    environment = {**os.environ, paths.DB_ENV: str(db_path), paths.MODELS_ENV: str(models)}
    extra = [item for item in args.streamlit_args if item != "--"]
    # ui/serve.py is `streamlit run` with a warm-up thread started first, in the server's own process.
    command = [sys.executable, str(SERVE), str(APP), *extra]
    sys.stdout.flush()
    os.execvpe(command[0], command, environment)
    return 0  # pragma: no cover - execvpe does not return
