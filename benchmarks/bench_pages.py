"""Every page's rerun in AppTest against a bare Streamlit page (``st.write`` of one line) in AppTest.

A rerun is what a widget change costs: the page has run once in the session (so the session's and the process's
caches are as an owner's session has them), and the same script runs again, through ``app.py`` as the server
runs it. The first run of the first page, on cold caches, is shown too: it is what the first visitor waits for.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from benchmarks.config import Config
from benchmarks.measure import time_median
from benchmarks.report import Row, Target
from benchmarks.scale import REPO, prepare_book, scratch_copy

GROUP = "Page rerun (AppTest)"
APP = REPO / "app.py"
BARE_PAGE = "import streamlit as st\n\nst.write('Hello')\n"
TIMEOUT_SECONDS = 600
_PAGE = re.compile(r'st\.Page\(\s*"(?P<path>pages/[^"]+\.py)"(?:[^)]*?title="(?P<title>[^"]+)")?')


def app_pages() -> list[tuple[str, str]]:
    """Return ``(path, title)`` of every page ``app.py`` registers, in its order."""
    return [
        (match["path"], match["title"] or Path(match["path"]).stem)
        for match in _PAGE.finditer(APP.read_text(encoding="utf-8"))
    ]


def target_for(n_clients: int) -> Target | None:
    """Return the issue's target for a book of ``n_clients``: 5x up to 1,000 clients, 15x up to 10,000."""
    if n_clients <= 1_000:
        return Target(max_ratio=5)
    if n_clients <= 10_000:
        return Target(max_ratio=15)
    return None


@contextlib.contextmanager
def reruns_through_app_py() -> Iterator[None]:
    """Make AppTest rerun as the server does: through ``app.py``, on scripts compiled once.

    With a ``pages/`` folder beside the main script, AppTest runs the page file alone on reruns after the first;
    the server remembers that ``app.py`` calls ``st.navigation``. Timing the page alone would flatter it.

    AppTest also makes a new bytecode cache for every run, so it parses and compiles ``app.py`` and the page
    (with Streamlit's "magic" rewrite) again on each rerun; the server keeps one cache for its lifetime and
    compiles a script once. Counting the compile would charge every rerun for work the server does once (a third
    of a page's rerun at 1,000 clients), so one cache is shared here, for the bare page as for the app's.
    """
    from streamlit.runtime import pages_manager
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    originals = (app_test.PagesManager, app_test.ScriptCache, local_script_runner.ScriptCache)
    shared_cache = ScriptCache()

    class AfterNavigation(pages_manager.PagesManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            pages_manager.PagesManager.uses_pages_directory = False

    def server_like_cache() -> ScriptCache:
        return shared_cache

    app_test.PagesManager = AfterNavigation
    app_test.ScriptCache = local_script_runner.ScriptCache = server_like_cache
    try:
        yield
    finally:
        app_test.PagesManager, app_test.ScriptCache, local_script_runner.ScriptCache = originals


@contextlib.contextmanager
def app_environment(database: Path, models: Path) -> Iterator[None]:
    """Point the app at ``database`` and ``models`` and start from empty Streamlit caches; undo both afterwards."""
    import streamlit as st

    saved = {name: os.environ.get(name) for name in ("CLIENTGRADE_DB", "CLIENTGRADE_MODELS")}
    os.environ["CLIENTGRADE_DB"] = str(database)
    os.environ["CLIENTGRADE_MODELS"] = str(models)
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        yield
    finally:
        _close_app_store()
        st.cache_data.clear()
        st.cache_resource.clear()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _close_app_store() -> None:
    """Close the store the app opened, so the next book's run does not keep this one's connection alive."""
    try:
        from ui.resources import get_store

        get_store().close()
    except Exception:  # noqa: BLE001 - nothing was opened, or it is closed already: nothing to release
        pass


def _open(page: str):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_SECONDS)
    at.run()
    at.switch_page(page).run()
    return at


def _problem(at) -> str:
    if at.exception:
        first = at.exception[0]
        return f"the page raised: {getattr(first, 'message', first)}"
    if at.error:
        return f"the page showed an error: {at.error[0].value}"
    return ""


def bare_floor(config: Config) -> float:
    """Return the median rerun of a bare one-line Streamlit page in AppTest."""
    from streamlit.testing.v1 import AppTest

    bare = AppTest.from_string(BARE_PAGE, default_timeout=TIMEOUT_SECONDS)
    bare.run()
    repeats, warmup = config.repeats()
    return time_median(lambda _: bare.run(), repeats=max(repeats, 3), warmup=warmup).median


def run(config: Config) -> None:
    """Time every page's rerun at each page size; emit one row per page and size, and a cold first run."""
    pages = app_pages()
    with reruns_through_app_py():
        floor = bare_floor(config)
        for n_clients in config.page_sizes:
            book = prepare_book(n_clients, months=config.months, cache=config.cache, progress=config.say)
            folder = config.scratch / f"pages-{n_clients}"
            database = scratch_copy(book, folder)
            size = config.size_label(n_clients)
            with app_environment(database, folder / "models"):
                config.say(f"AppTest: first run on {n_clients:,} clients (cold caches)")
                started = time.perf_counter()
                at = _open(pages[0][0])
                cold = time.perf_counter() - started
                config.emit(
                    Row(GROUP, f"first visit, cold caches: {pages[0][1]} (grades the book)", size, cold,
                        floor_what="bare page, rerun", floor_value=floor, note=_problem(at))
                )
                for path, title in pages:
                    # The floor again beside each page: on a shared machine the load changes within a run.
                    config.emit(_page_row(config, path, title, n_clients, bare_floor(config)))


def _page_row(config: Config, path: str, title: str, n_clients: int, floor: float) -> Row:
    """Time one page's rerun; a missing or failing page gives a row without a figure and says why."""
    repeats, warmup = config.repeats(n_clients)
    row = Row(
        GROUP,
        f"{title} ({path})",
        config.size_label(n_clients),
        float("nan"),
        repeats=0,
        floor_what="bare page (one st.write), rerun",
        floor_value=floor,
        target=target_for(n_clients),
    )
    if not (REPO / path).exists():
        return replace(row, note=f"{path} is not there yet")
    config.say(f"AppTest: {title} at {n_clients:,} clients, {repeats} reruns")
    try:
        at = _open(path)
        if at.exception:
            return replace(row, note=_problem(at))
        rerun = time_median(lambda _: at.run(), repeats=repeats, warmup=warmup)
    except Exception as error:  # noqa: BLE001 - one broken page must not hide the others' figures
        return replace(row, note=f"AppTest failed: {type(error).__name__}: {error}".replace("\n", " ")[:300])
    return replace(row, value=rerun.median, repeats=rerun.repeats, note=_problem(at))
