"""The check ``streamlit run app.py`` makes at server start: can the app's database be opened at all?

Without it a second app on a file another process holds starts, says "You can now view your Streamlit app", and
fails only in the browser. ``python -m grading serve`` makes the same check before it starts the server.
"""

from __future__ import annotations

import sys

from grading.db import paths
from grading.db.store import check_can_open
from grading.errors import ClientGradeError


def refuse_an_unusable_database() -> None:
    """Stop the process with the sentence the browser would show when the start book cannot be opened.

    Raises
    ------
    SystemExit
        Status 1, after the sentence on stderr: another program holds the file, it is not a DuckDB database, or
        ``CLIENTGRADE_DB`` names a folder that does not exist.
    """
    try:
        check_can_open(paths.database_path())
    except ClientGradeError as error:
        print(f"ClientGrade cannot start: {error}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None
