"""First render in headless Chromium of the matrix page, and the app server's peak memory.

Both the app and a bare one-line Streamlit page are served by ``streamlit run`` with the same flags (the app warms
itself at server start, :mod:`ui.warmup`, whichever way it is started). A render is
timed from the navigation until the page's content is drawn (the matrix chart; the bare page's line) and the
script has finished. The first session after the server starts (cold caches: the book is graded) is one figure,
on a book its model never graded and after a restart (the suggestions then stored in the book), each beside a bare
server's first session taken just before; a new session on a warm server (another owner opening the app) is the
median of several, taken in turn with the bare page's, so that the load of a shared machine meets both alike.

The peak memory is the app server's peak resident size after one session has opened every page, beside the bare
server's after the same number of visits.
"""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.bench_pages import APP, app_pages
from benchmarks.config import Config
from benchmarks.measure import MIB, Timing, peak_resident_bytes
from benchmarks.report import Row, Target
from benchmarks.scale import prepare_book, scratch_copy
from benchmarks.serve import Server, launch_chromium

GROUP = "Browser"
MEMORY_GROUP = "Memory"
MATRIX_PAGE = "pages/portfolio_matrix.py"
MATRIX_READY = ".st-key-matrix-chart .vega-embed canvas, .st-key-matrix-chart .vega-embed svg"
BARE_TEXT = "Hello from a bare page"
BARE_APP = f"import streamlit as st\n\nst.write({BARE_TEXT!r})\n"
#: The smallest pages with a chart, to show what Streamlit's chart element costs by itself: one Vega-Lite chart of
#: three points, and the matrix chart alone (the app's very spec, its data inline), in the same container.
TINY_CHART_APP = (
    "import streamlit as st\n\n"
    "with st.container(key='matrix-chart'):\n"
    "    st.vega_lite_chart({'data': {'values': [{'a': 1, 'b': 2}, {'a': 2, 'b': 3}, {'a': 3, 'b': 1}]},\n"
    "                        'mark': 'point', 'encoding': {'x': {'field': 'a', 'type': 'quantitative'},\n"
    "                                                     'y': {'field': 'b', 'type': 'quantitative'}}})\n"
)
CHART_ONLY_APP = (
    "import json\nfrom pathlib import Path\n\nimport streamlit as st\n\n"
    "st.set_page_config(layout='wide')\n"
    "with st.container(key='matrix-chart'):\n"
    "    st.vega_lite_chart(json.loads((Path(__file__).parent / 'spec.json').read_text()), on_select='rerun',\n"
    "                       key='matrix-chart-click')\n"
)
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
    bare_script = bare_folder / "bare_app.py"
    bare_script.write_text(BARE_APP, encoding="utf-8")
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            (bare_folder / "tiny_chart.py").write_text(TINY_CHART_APP, encoding="utf-8")
            with (Server(bare_script, bare_folder / "streamlit.log") as bare,
                  Server(bare_folder / "tiny_chart.py", bare_folder / "streamlit-tiny.log") as tiny):
                config.say("browser: bare page")
                for _ in pages:
                    render_seconds(browser, bare.url, _bare_ready)
                bare_peak = peak_resident_bytes(bare.process.pid) / MIB
                for n_clients in config.page_sizes:
                    _run_size(config, browser, pages, n_clients, repeats, warmup, (bare_script, bare, tiny),
                              bare_peak)
        finally:
            browser.close()


def _bare_first_session(browser, bare_script: Path) -> float:
    """The bare page's first session on a server just started (the floor of a first session, taken right before
    the app's so that both meet the same load on a shared machine)."""
    with Server(bare_script, bare_script.parent / "streamlit-first.log") as bare:
        return render_seconds(browser, bare.url, _bare_ready)


def _first_session(browser, url: str, matrix_url: str) -> tuple[float, str]:
    """The first session's render on a server just started, and a note when it failed."""
    try:
        return render_seconds(browser, url, _matrix_ready), ""
    except RuntimeError as error:
        return float("nan"), f"a link straight to /{matrix_url} on a fresh server failed: {error}"


def _alternating_sessions(browser, visits: list[tuple[str, object]], repeats: int, warmup: int) -> list[Timing]:
    """New sessions on each ``(url, ready)`` of ``visits``, one after the other in turn (after ``warmup`` rounds not
    counted), so that a change in the machine's load meets all alike; one timing per visit, in order."""
    runs: list[list[float]] = [[] for _ in visits]
    for turn in range(warmup + repeats):
        for seconds, (url, ready) in zip(runs, visits, strict=True):
            taken = render_seconds(browser, url, ready)
            if turn >= warmup:
                seconds.append(taken)
    return [Timing(tuple(seconds)) for seconds in runs]


def chart_marks(spec: dict) -> tuple[int, int]:
    """Return how many dots and how many density squares a matrix chart's spec (``chart.to_dict()``) draws."""
    counts = {"circle": 0, "rect": 0}
    for layer in spec.get("layer", []):
        mark = layer.get("mark", {})
        kind = mark.get("type") if isinstance(mark, dict) else mark
        if kind in counts:
            counts[kind] += len(spec["datasets"][layer["data"]["name"]])
    return counts["circle"], counts["rect"]


def _write_chart_only_page(folder: Path, database: Path, models: Path) -> tuple[Path, str]:
    """Write the page of the matrix chart alone, with the spec the app draws for the book as of today (graded here,
    on the book the app has stored its suggestions in); return the page's script and a note of the marks it draws
    and the D clients among the dots."""
    import json
    from datetime import date

    from grading.charts.matrix import portfolio_matrix_chart
    from grading.db.store import Store
    from grading.scoring.portfolio import grade_portfolio
    from grading.settings import defaults, load_settings
    from grading.views.portfolio_matrix import grade_boundaries

    with Store(database) as store:
        settings = defaults() | dict(load_settings(store))
        graded = grade_portfolio(store, date.today(), models_dir=models, explain=False)
    chart = portfolio_matrix_chart(graded, grade_boundaries(settings), currency=settings["currency"])
    spec = chart.to_dict()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    (folder / "chart_only.py").write_text(CHART_ONLY_APP, encoding="utf-8")
    dots, squares = chart_marks(spec)
    d_clients = int((graded["effective_grade"] == "D").sum())
    note = (f"{dots + squares:,} marks: {dots:,} dots ({d_clients:,} D clients, all dots) and {squares:,} squares"
            if squares else f"{dots:,} marks, one dot per client ({d_clients:,} D clients)")
    return folder / "chart_only.py", note


def _run_size(config, browser, pages, n_clients, repeats, warmup, floors, bare_peak) -> None:
    bare_script, bare, tiny = floors
    book = prepare_book(n_clients, months=config.months, cache=config.cache, progress=config.say)
    folder = config.scratch / f"browser-{n_clients}"
    database = scratch_copy(book, folder)
    env = {"CLIENTGRADE_DB": str(database), "CLIENTGRADE_MODELS": str(folder / "models")}
    size = config.size_label(n_clients)
    matrix_url = _url_path(MATRIX_PAGE, pages)
    # Served by plain `streamlit run app.py`, the README's command, as the bare page is: app.py holds the book and
    # starts warming as the server imports it (ui/warmup.py), before the first session. The first start is on a
    # book its model has never graded (the model is read: scikit-learn is imported); that server stores the
    # suggestions in the book (grading/model/stored_suggestions.py), so the restart after it is what an owner's
    # every later start is.
    config.say(f"browser: matrix page at {n_clients:,} clients")
    bare_cold = _bare_first_session(browser, bare_script)
    with Server(APP, folder / "streamlit-first.log", env) as server:
        cold, cold_note = _first_session(browser, f"{server.url}/{matrix_url}", matrix_url)
    config.emit(Row(GROUP, "matrix page, first session after server start, the book never graded by its model "
                    "(cold caches)", size, cold, floor_what="bare page, first session", floor_value=bare_cold,
                    note=cold_note))
    chart_only, marks_note = _write_chart_only_page(folder / "chart-only", database, folder / "models")
    bare_cold = _bare_first_session(browser, bare_script)
    with (Server(APP, folder / "streamlit.log", env) as server,
          Server(chart_only, folder / "streamlit-chart-only.log") as alone):
        url = f"{server.url}/{matrix_url}"
        cold, cold_note = _first_session(browser, url, matrix_url)
        config.emit(Row(GROUP, "matrix page, first session after server restart (cold caches; suggestions stored)",
                        size, cold, floor_what="bare page, first session", floor_value=bare_cold, note=cold_note,
                        target=FIRST_SESSION_TARGETS.get(n_clients)))
        # Open the app at its root once, as an owner does, before the sessions that are timed.
        render_seconds(browser, server.url, _page_drawn)
        bare_warm, tiny_warm, alone_warm, warm = _alternating_sessions(
            browser, [(bare.url, _bare_ready), (tiny.url, _matrix_ready), (alone.url, _matrix_ready),
                      (url, _matrix_ready)], repeats, warmup)
        config.emit(
            Row(GROUP, "matrix page, new session on a running server", size, warm.median, repeats=warm.repeats,
                floor_what="bare page, new session", floor_value=bare_warm.median,
                target=NEW_SESSION_TARGETS.get(n_clients))
        )
        # What Streamlit's chart element costs by itself, in the same turns: the least a page with this chart can
        # take (the 3-point chart does not depend on the book; it is measured again at each size, in its turns).
        for what, timing, note in (("a page with one 3-point Vega-Lite chart, new session", tiny_warm, ""),
                                   ("a page with the matrix chart alone (the same spec), new session", alone_warm,
                                    marks_note)):
            config.emit(Row(GROUP, what, size, timing.median, repeats=timing.repeats,
                            floor_what="bare page, new session", floor_value=bare_warm.median, note=note))
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
