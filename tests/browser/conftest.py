"""Browser fixtures: `streamlit run app.py` on 127.0.0.1 and a free port, driven by Debian's headless Chromium.

Playwright's own browser download does not work everywhere, so the tests launch the Chromium named by
CLIENTGRADE_CHROMIUM (scripts/test sets it), else /usr/bin/chromium. A missing browser fails the tests; it never
skips them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from benchmarks.serve import CHROMIUM_FLAGS, Server

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-output" / "browser"


def chromium_path() -> str:
    """Return the Chromium executable the browser tests use."""
    candidate = os.environ.get("CLIENTGRADE_CHROMIUM") or "/usr/bin/chromium"
    if not Path(candidate).exists():
        pytest.fail(f"No Chromium at {candidate}: run the tests with scripts/test, which installs it.")
    return candidate


class StreamlitServer(Server):
    """`streamlit run app.py` on 127.0.0.1 and a free port, on the database and models in ``db_folder``.

    The benchmarks' server (:class:`benchmarks.serve.Server`) with the app's script and environment, so the
    browser tests and the browser benchmarks start the app the same way.
    """

    def __init__(self, db_folder: Path, log_path: Path):
        super().__init__(
            REPO / "app.py",
            log_path,
            env={
                "CLIENTGRADE_DB": str(db_folder / "portfolio.duckdb"),
                "CLIENTGRADE_MODELS": str(db_folder / "models"),
            },
        )


@pytest.fixture(scope="module")
def app_server(demo_database_template, tmp_path_factory):
    """`streamlit run app.py` on a private copy of the demo database, for one test module."""
    folder = tmp_path_factory.mktemp("browser-db")
    shutil.copytree(demo_database_template, folder, dirs_exist_ok=True)
    server = StreamlitServer(folder, folder / "streamlit.log")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    """A fresh browser page (own context) with a viewport wide enough for the wide layout."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    new_page = context.new_page()
    yield new_page
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """The folder where browser tests leave their screenshots (test-output/browser)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
