"""Several browser sessions on one `streamlit run` at once: every page loads, and grades saved from four sessions
in the same moment all land in the history, once each."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from grading.db.store import Store

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
SESSIONS = 4
PAGES = ["", "portfolio_matrix", "suggested_vs_manual", "revenue_vs_time", "churn_impact", "live_review",
         "data_settings"]


def _browser_fixtures():
    """The browser conftest as a module, for its StreamlitServer (this module runs a server of its own)."""
    spec = importlib.util.spec_from_file_location("clientgrade_browser_fixtures", HERE / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def own_server(demo_database_template, tmp_path_factory):
    """A server on its own database copy; the test stops it to read the database file afterwards."""
    folder = tmp_path_factory.mktemp("many-sessions")
    shutil.copytree(demo_database_template, folder, dirs_exist_ok=True)
    server = _browser_fixtures().StreamlitServer(folder, folder / "streamlit.log")
    yield server, folder / "portfolio.duckdb"
    if server.process.poll() is None:
        server.stop()


def wait_for_app(page, timeout_ms: int = 90_000) -> None:
    page.wait_for_selector('[data-testid="stMain"]', timeout=timeout_ms)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms)


def test_many_sessions_at_once_load_every_page_and_lose_no_grade(own_server, browser, screenshots):
    server, db_path = own_server
    contexts = [browser.new_context(viewport={"width": 1440, "height": 1000}) for _ in range(len(PAGES))]
    dialogs: list[str] = []
    try:
        pages = [context.new_page() for context in contexts]
        for page in pages:
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        # The first visit goes to the front door; see test_the_first_visitor_of_a_fresh_server_goes_through_app_py.
        pages[0].goto(server.url)
        wait_for_app(pages[0])
        # Then every page at once, each in its own session (its own browser context, so its own cookie).
        for page, path in zip(pages, PAGES):
            page.goto(f"{server.url}/{path}", wait_until="commit")
        for page in pages:
            wait_for_app(page)
            assert page.locator('[data-testid="stException"]').count() == 0

        graders = pages[:SESSIONS]
        for page in graders:
            page.goto(f"{server.url}/suggested_vs_manual", wait_until="commit")
        for number, page in enumerate(graders):
            page.locator(".st-key-suggested_accept button").wait_for(timeout=90_000)
            wait_for_app(page)
            note = page.get_by_label("Note (why)")
            note.fill(f"saved by session {number}")
            note.press("Enter")
            wait_for_app(page)
        # Press Accept in all four sessions before waiting for any of them, so the saves overlap on the server.
        for page in graders:
            page.locator(".st-key-suggested_accept button").click(no_wait_after=True)
        for number, page in enumerate(graders):
            wait_for_app(page)
            page.get_by_text("Saved grade").first.wait_for(timeout=90_000)
            page.screenshot(path=str(screenshots / f"many-sessions-{number}.png"))
            assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        for context in contexts:
            context.close()
    server.stop()
    assert dialogs == []
    with Store(db_path) as store:
        saved = store.query(
            "SELECT note, count(*) AS n FROM grade_events WHERE note LIKE 'saved by session %' GROUP BY note"
        )
    assert sorted(saved["note"]) == [f"saved by session {number}" for number in range(SESSIONS)]
    assert saved["n"].eq(1).all()


def test_the_first_visitor_of_a_fresh_server_goes_through_app_py(demo_database_template, browser, tmp_path):
    """Arriving first on a page's URL must still run app.py (the login gate, the shared sidebar), never the page
    file alone: Streamlit serves a ``pages/`` folder directly until app.py has called st.navigation once."""
    shutil.copytree(demo_database_template, tmp_path, dirs_exist_ok=True)
    server = _browser_fixtures().StreamlitServer(tmp_path, tmp_path / "streamlit.log")
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    try:
        page = context.new_page()
        page.goto(f"{server.url}/data_settings")
        wait_for_app(page)
        page.get_by_role("heading", name="Data & settings").first.wait_for(timeout=90_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.get_by_text("For every page").count() == 1, "the shared sidebar of app.py is drawn"
    finally:
        context.close()
        server.stop()
