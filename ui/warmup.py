"""Warming the app's process at server start, so the first visitor does not wait for imports and grading.

``python -m grading serve`` starts :func:`start_warming` in a background thread just before the Streamlit server
(the port opens at once; the thread shares the process). The thread imports what every page needs (pandas,
Altair, the scoring, the charts, scikit-learn when a model is active) and grades the book as of today, with and
without its words, into the values the pages keep (:func:`ui.data.portfolio`): a page that asks for the book
while the thread is still grading it waits for that result instead of grading it a second time.

A failure here is left for the page to meet and report in its own words: warming is only ever a head start.
"""

from __future__ import annotations

import logging
import threading
from datetime import date, timedelta

_LOG = logging.getLogger(__name__)


def warm(as_of: date | None = None) -> None:
    """Import the pages' modules, open the store and grade the book as of ``as_of`` (default today)."""
    import altair  # noqa: F401 - imported for its cost, paid here rather than by the first page

    import grading.charts.matrix  # noqa: F401
    import grading.charts.revenue_time  # noqa: F401
    import grading.views.portfolio_matrix  # noqa: F401
    from ui import data

    # The sidebar's as-of date starts at today: the book the first page asks for. The Overview (the first page)
    # sets it beside the book a year before.
    day = as_of or date.today()
    data.portfolio(day, words=True, quiet=True)
    data.model_state()
    data.portfolio(day - timedelta(days=365), quiet=True)


def _warm_quietly() -> None:
    try:
        warm()
    except Exception:  # noqa: BLE001 - a page will meet the same problem and say it; the server must not stop
        _LOG.warning("Warming the app at start failed; the first page will do the work.", exc_info=True)


_THREAD_NAME = "clientgrade-warmup"


class _NotFromTheWarmUp(logging.Filter):
    """Drops Streamlit's "missing ScriptRunContext" warnings that this thread's cached calls raise: no page runs
    in it, by design."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.threadName != _THREAD_NAME


def start_warming() -> threading.Thread:
    """Start :func:`warm` in a daemon thread and return it (the caller does not wait for it)."""
    for name in ("streamlit.runtime.scriptrunner_utils.script_run_context", "streamlit"):
        logging.getLogger(name).addFilter(_NotFromTheWarmUp())
    thread = threading.Thread(target=_warm_quietly, name=_THREAD_NAME, daemon=True)
    thread.start()
    return thread
