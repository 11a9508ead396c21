"""First render in headless Chromium of the matrix page, and the app server's peak memory.

Both the app and a bare one-line Streamlit page are served by ``streamlit run`` with the same flags (the app warms
itself at server start, :mod:`ui.warmup`, whichever way it is started). A render is
timed from the navigation until the page's content is drawn (the matrix chart; the bare page's line) and the
script has finished. The first session after the server starts (cold caches: the book is graded) is one figure;
a new session on a warm server (another owner opening the app) is the median of several.

The peak memory is the app server's peak resident size after one session has opened every page, beside the bare
server's after the same number of visits.
"""

from __future__ import annotations

import time

from benchmarks.bench_pages import APP, app_pages
from benchmarks.config import Config
from benchmarks.measure import MIB, peak_resident_bytes, time_median
from benchmarks.report import Row, Target
from benchmarks.scale import prepare_book, scratch_copy
from benchmarks.serve import Server, launch_chromium

GROUP = "Browser"
MEMORY_GROUP = "Memory"
MATRIX_PAGE = "pages/portfolio_matrix.py"
MATRIX_READY = ".st-key-matrix-chart .vega-embed canvas, .st-key-matrix-chart .vega-embed svg"
BARE_TEXT = "Hello from a bare page"
BARE_APP = f"import streamlit as st\n\nst.write({BARE_TEXT!r})\n"
MEMORY_TARGET = Target(max_value=1024)
#: Issue 14: a new session within 1.5x of the bare page at 1,000 clients and 2x at 10,000; the first session after
#: a server start within 2x at 1,000.
NEW_SESSION_TARGETS = {1_000: Target(max_ratio=1.5), 10_000: Target(max_ratio=2)}
FIRST_SESSION_TARGETS = {1_000: Target(max_ratio=2)}
MEMORY_TARGET_CLIENTS = 10_000
PAGE_FAILED = '[data-testid="stException"]'
TIMEOUT_MS = 180_000
VIEWPORT = {"width": 1440, "height": 1000}


def _script_done(page) -> None:
    page.wait_for_selector('[data-testid="stMain"]', timeout=TIMEOUT_MS)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=TIMEOUT_MS)


def render_seconds(browser, url: str, ready) -> float:
    """Open ``url`` in a new browser context and return the seconds until ``ready(page)`` returns."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        started = time.perf_counter()
        page.goto(url, timeout=TIMEOUT_MS)
        ready(page)
        _script_done(page)
        return time.perf_counter() - started
    finally:
        context.close()


def _page_drawn(page) -> None:
    """Wait until a page's title is drawn and its script has finished."""
    page.locator("h1").first.wait_for(timeout=TIMEOUT_MS)
    _script_done(page)


def _matrix_ready(page) -> None:
    page.wait_for_selector(f"{MATRIX_READY}, {PAGE_FAILED}", timeout=TIMEOUT_MS)
    if page.locator(PAGE_FAILED).count():
        raise RuntimeError(f"the page failed: {page.locator(PAGE_FAILED).first.inner_text()[:200]}")


def _bare_ready(page) -> None:
    page.get_by_text(BARE_TEXT).first.wait_for(timeout=TIMEOUT_MS)


def visit_every_page(browser, url: str, pages: list[tuple[str, str]]) -> list[str]:
    """Open every page in one session, waiting for each to finish; return the titles of pages showing an error."""
    context = browser.new_context(viewport=VIEWPORT)
    troubled = []
    try:
        page = context.new_page()
        for path, title in pages:
            page.goto(f"{url}/{_url_path(path, pages)}", timeout=TIMEOUT_MS)
            _page_drawn(page)
            if page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]').count():
                troubled.append(title)
    finally:
        context.close()
    return troubled


def _url_path(path: str, pages: list[tuple[str, str]]) -> str:
    # The first registered page is the default one, served at the root.
    return "" if path == pages[0][0] else path.removeprefix("pages/").removesuffix(".py")


def run(config: Config) -> None:
    """Time the matrix page's first render against the bare page, and take the server's peak memory."""
    from playwright.sync_api import sync_playwright

    pages = app_pages()
    repeats, warmup = config.repeats()
    # A browser session takes seconds; three new sessions after a warm-up give a median within the run's budget.
    repeats = min(repeats, 3)
    bare_folder = config.scratch / "bare-app"
    bare_folder.mkdir(parents=True, exist_ok=True)
    (bare_folder / "bare_app.py").write_text(BARE_APP, encoding="utf-8")
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            with Server(bare_folder / "bare_app.py", bare_folder / "streamlit.log") as bare:
                config.say("browser: bare page")
                bare_cold = render_seconds(browser, bare.url, _bare_ready)
                bare_warm = time_median(
                    lambda _: render_seconds(browser, bare.url, _bare_ready), repeats=repeats, warmup=warmup
                )
                for _ in pages[1:]:
                    render_seconds(browser, bare.url, _bare_ready)
                bare_peak = peak_resident_bytes(bare.process.pid) / MIB
            for n_clients in config.page_sizes:
                _run_size(config, browser, pages, n_clients, repeats, warmup, bare_cold, bare_warm.median, bare_peak)
        finally:
            browser.close()


def _run_size(config, browser, pages, n_clients, repeats, warmup, bare_cold, bare_warm, bare_peak) -> None:
    book = prepare_book(n_clients, months=config.months, cache=config.cache, progress=config.say)
    folder = config.scratch / f"browser-{n_clients}"
    database = scratch_copy(book, folder)
    env = {"CLIENTGRADE_DB": str(database), "CLIENTGRADE_MODELS": str(folder / "models")}
    size = config.size_label(n_clients)
    matrix_url = _url_path(MATRIX_PAGE, pages)
    # Served by plain `streamlit run app.py`, the README's command, as the bare page is: app.py holds the book and
    # starts warming as the server imports it (ui/warmup.py), before the first session.
    with Server(APP, folder / "streamlit.log", env) as server:
        config.say(f"browser: matrix page at {n_clients:,} clients")
        url = f"{server.url}/{matrix_url}"
        try:
            cold, cold_note = render_seconds(browser, url, _matrix_ready), ""
        except RuntimeError as error:
            cold, cold_note = float("nan"), f"a link straight to /{matrix_url} on a fresh server failed: {error}"
        config.emit(
            Row(GROUP, "matrix page, first session after server start (cold caches)", size, cold,
                floor_what="bare page, first session", floor_value=bare_cold, note=cold_note,
                target=FIRST_SESSION_TARGETS.get(n_clients))
        )
        # Open the app at its root once, as an owner does, before the sessions that are timed.
        render_seconds(browser, server.url, _page_drawn)
        warm = time_median(lambda _: render_seconds(browser, url, _matrix_ready), repeats=repeats, warmup=warmup)
        config.emit(
            Row(GROUP, "matrix page, new session on a running server", size, warm.median, repeats=warm.repeats,
                floor_what="bare page, new session", floor_value=bare_warm, target=NEW_SESSION_TARGETS.get(n_clients))
        )
        config.say(f"browser: every page at {n_clients:,} clients, for the peak memory")
        troubled = visit_every_page(browser, server.url, pages)
        peak = peak_resident_bytes(server.process.pid) / MIB
        config.emit(
            Row(
                MEMORY_GROUP,
                "app server's peak resident memory after one session opened every page",
                size,
                peak,
                unit="MiB",
                floor_what="bare server after as many visits",
                floor_value=bare_peak,
                target=MEMORY_TARGET if n_clients == MEMORY_TARGET_CLIENTS else None,
                note=f"pages showing an error: {', '.join(troubled)}" if troubled else "",
            )
        )

