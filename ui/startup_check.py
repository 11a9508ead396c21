"""What ``streamlit run app.py`` does at server start, before it serves anyone: hold the start book, and say so.

The server opens the start book's database (the one connection of the process, :func:`ui.resources.open_start_book`)
as it imports app.py, before its first session. DuckDB lets one process at a time hold a file, so a second server
on the same file is refused at once, whether or not anyone has opened the first one yet, with the sentence the
browser would show, and without announcing itself first: Streamlit's own "You can now view your Streamlit app"
is switched off in ``.streamlit/config.toml`` (it prints before app.py is imported) and :func:`announce` says it
once the book is held.

A book that does not exist yet is created (with the demo portfolio, which takes a while) by the warm-up thread
(:mod:`ui.warmup`), so the port is not held up by it.
"""

from __future__ import annotations

import logging
import sys
from contextlib import contextmanager
from pathlib import Path

from grading.db import paths
from grading.errors import ClientGradeError

_LOG = logging.getLogger(__name__)


class _NoScriptRunWarnings(logging.Filter):
    """Drops Streamlit's "missing ScriptRunContext" and "Session state does not function" warnings: at server start
    no page runs, by design."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        return "ScriptRunContext" not in text and "Session state does not function" not in text


_STREAMLIT_LOGGERS = (
    "streamlit.runtime.scriptrunner_utils.script_run_context",
    "streamlit.runtime.state.session_state_proxy",
    "streamlit",
)


@contextmanager
def outside_any_page():
    """Silence Streamlit's warnings about cached calls made outside a page's run, for the ``with`` block."""
    quiet = _NoScriptRunWarnings()
    loggers = [logging.getLogger(name) for name in _STREAMLIT_LOGGERS]
    for logger in loggers:
        logger.addFilter(quiet)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(quiet)


def refuse_an_unusable_database() -> None:
    """Hold the start book's database from server start, or stop the process with the sentence the browser would
    show.

    A file that exists is opened (:func:`ui.resources.open_start_book`): the connection every session then uses.
    A file not there yet is left for the warm-up to create.

    Raises
    ------
    SystemExit
        Status 1, after the sentence on stderr: another program holds the file, it is not a DuckDB database, or
        ``CLIENTGRADE_DB`` names a folder that does not exist.
    """
    try:
        path = paths.database_path()
        if str(path) != ":memory:" and path.exists():
            from ui.resources import open_start_book

            with outside_any_page():
                open_start_book()
    except ClientGradeError as error:
        print(f"ClientGrade cannot start: {error}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None


def announce() -> None:
    """Print Streamlit's "You can now view your Streamlit app in your browser" with the app's addresses.

    ``.streamlit/config.toml`` hides Streamlit's own, printed before app.py is imported (and so before a refusal);
    this prints the same lines once the start book is held. Nothing is printed when the welcome message is hidden
    some other way (an environment variable or a flag), or should Streamlit's printer be gone from a release.
    """
    from streamlit import config

    if not _hidden_by_the_app_config(config):
        return
    try:
        from streamlit.web.bootstrap import _print_url
    except ImportError:  # pragma: no cover - depends on the Streamlit release
        return
    config.set_option("logger.hideWelcomeMessage", False)
    try:
        _print_url(is_running_hello=False)
    except Exception:  # noqa: BLE001 - a welcome line must never stop the server
        _LOG.debug("Could not print the app's address", exc_info=True)
    finally:
        config.set_option("logger.hideWelcomeMessage", True)


#: The app's own Streamlit configuration, which hides Streamlit's welcome message.
APP_CONFIG = Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml"


def _hidden_by_the_app_config(config) -> bool:
    where = str(config.get_where_defined("logger.hideWelcomeMessage") or "")
    return bool(config.get_option("logger.hideWelcomeMessage")) and Path(where).resolve() == APP_CONFIG
