"""Warming the app's process at server start, so the first visitor does not wait for imports and grading.

``streamlit run app.py`` imports app.py once at server start; that import (and ``python -m grading serve``, a little
earlier, through ``ui/serve.py``) calls :func:`start_warming`, which runs :func:`warm` in a background thread: the
port opens at once, and the thread shares the process. The thread opens the start book (creating the demo
portfolio on a first start), imports what every page needs (pandas, Altair, scikit-learn when a model is active,
the charts), grades the book as of today with its words, and makes what the Portfolio matrix page shows first for a
new session (:func:`ui.matrix_values.warm`); then it grades the book a year before, for the Overview. Everything
lands in the values the pages keep for every session (:mod:`ui.data`): a page that asks for one while the thread
is still making it waits for that result instead of making it a second time.

Three costs a process pays once, at its first session, are paid here instead (the first session after a start was
1.2 s behind a new session on a warm server): the modules the first pages import (:data:`FIRST_PAGES_MODULES`),
Streamlit's look for a Python REPL before the first element it draws (:func:`skip_streamlits_repl_check`), and the
garbage collector's walk, after every script run, over everything the imports and the kept values made
(:func:`_freeze_what_lives_on`).

A failure here is left for the page to meet and report in its own words: warming is only ever a head start.
"""

from __future__ import annotations

import gc
import importlib
import logging
import threading
from datetime import date, timedelta

_LOG = logging.getLogger(__name__)


def opening_controls(as_of: date):
    """Return the sidebar's values a new session starts with on the start book, as of ``as_of``
    (:func:`ui.shared.controls_for`)."""
    from grading import settings as settings_registry
    from ui import data
    from ui.resources import get_store
    from ui.shared import controls_for

    return controls_for(data.computed(settings_registry.load_settings, get_store()), as_of=as_of)


#: What the first pages import besides what :func:`warm` uses: imported here, so the first session's script does not
#: (pages/portfolio_matrix.py and pages/overview.py, in the order they ask).
FIRST_PAGES_MODULES = (
    "grading.views.client_card",
    "grading.db.export",
    "grading.views.shared",
    "grading.text_safety",
    "grading.views.overview",
    "grading.charts.overview",
)


def skip_streamlits_repl_check() -> None:
    """Tell Streamlit it has already looked whether it runs in a Python REPL (it does not: this is a server).

    Before the first element a process draws, Streamlit looks at the whole stack of the script's thread
    (``inspect.stack()``, which reads the source of every module on it) to decide whether to print "use streamlit
    run": 0.15-0.25 s of the first session on two busy cores, paid once per process. Its flag is private; a release
    without it changes nothing here.
    """
    from streamlit import delta_generator

    if hasattr(delta_generator, "_use_warning_has_been_displayed"):
        delta_generator._use_warning_has_been_displayed = True


def warm(as_of: date | None = None) -> None:
    """Open the start book, import the pages' modules, grade the book as of ``as_of`` (default today) and make
    what the first pages show."""
    from ui import data
    from ui.resources import open_start_book

    skip_streamlits_repl_check()
    open_start_book()
    # First the active model: loading it imports scikit-learn and skops (seconds), which every page needs (its
    # banner, the suggested grades); a page that imports them meanwhile waits on the same import.
    data.model_state()
    import altair  # noqa: F401 - imported for its cost, paid here rather than by the first page

    import grading.charts.revenue_time  # noqa: F401

    for name in FIRST_PAGES_MODULES:
        importlib.import_module(name)
    # What is imported lives as long as the process: out of the garbage collector's sight (see below).
    _freeze_what_lives_on()
    from ui import matrix_values
    from ui.page import missing_figures

    # The sidebar's as-of date starts at today: the book the first page asks for. The Overview (the first page)
    # sets it beside the book a year before.
    day = as_of or date.today()
    controls = opening_controls(day)
    # What every page of figures asks first (ui.page), then the book graded with its words.
    missing_figures(controls)
    data.alias_numbers()
    data.portfolio(day, words=True, quiet=True)
    matrix_values.warm(controls)
    data.portfolio(day - timedelta(days=365), quiet=True)
    _freeze_what_lives_on()


def _freeze_what_lives_on() -> None:
    """Leave what the process holds now out of every later garbage collection (:func:`gc.freeze`).

    Streamlit collects garbage after every script run (``gc.collect(2)``), holding the interpreter while it walks
    every object the process tracks: after the imports and the graded book some 130,000, 0.1 s or more on a busy
    machine, during which the server sends nothing (a new session's chart waits behind it). Garbage is collected
    first, so only what is alive is frozen: modules and the values kept for every session, which reference counting
    still frees when a kept value is dropped. Only in a server (a Streamlit runtime exists): a test process that warms
    keeps its collector as it was (frozen objects are never finalized, and DuckDB's bindings report them at exit).
    """
    from streamlit import runtime

    if not runtime.exists():
        return
    gc.collect()
    gc.freeze()


def _warm_quietly() -> None:
    from ui.startup_check import outside_any_page

    try:
        with outside_any_page():
            warm()
    except Exception:  # noqa: BLE001 - a page will meet the same problem and say it; the server must not stop
        _LOG.warning("Warming the app at start failed; the first page will do the work.", exc_info=True)


_THREAD_NAME = "clientgrade-warmup"
_started: threading.Thread | None = None
_start_lock = threading.Lock()


def start_warming() -> threading.Thread:
    """Start :func:`warm` in a daemon thread and return it (the caller does not wait for it).

    ``python -m grading serve`` starts it before Streamlit loads, and app.py's import at server start asks again:
    while a warm-up runs, a second call returns it rather than starting another (one that has finished left
    everything kept, so a new one finds it all made).
    """
    global _started
    with _start_lock:
        if _started is None or not _started.is_alive():
            _started = threading.Thread(target=_warm_quietly, name=_THREAD_NAME, daemon=True)
            _started.start()
        return _started
