"""Browser fixtures: `streamlit run app.py` on 127.0.0.1 and a free port, driven by Debian's headless Chromium.

Playwright's own browser download does not work everywhere, so the tests launch the Chromium named by
CLIENTGRADE_CHROMIUM (scripts/test sets it), else /usr/bin/chromium. A missing browser fails the tests; it never
skips them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-output" / "browser"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def chromium_path() -> str:
    """Return the Chromium executable the browser tests use."""
    candidate = os.environ.get("CLIENTGRADE_CHROMIUM") or "/usr/bin/chromium"
    if not Path(candidate).exists():
        pytest.fail(f"No Chromium at {candidate}: run the tests with scripts/test, which installs it.")
    return candidate


class StreamlitServer:
    """A running `streamlit run app.py` on its own database copy."""

    def __init__(self, db_folder: Path, log_path: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "CLIENTGRADE_DB": str(db_folder / "portfolio.duckdb"),
            "CLIENTGRADE_MODELS": str(db_folder / "models"),
        }
        self._log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
                "--server.port", str(self.port), "--server.address", "127.0.0.1",
                "--server.headless", "true", "--browser.gatherUsageStats", "false",
                "--server.fileWatcherType", "none",
            ],
            cwd=REPO, env=env, stdout=self._log, stderr=subprocess.STDOUT,
        )
        self._wait_until_healthy(log_path)

    def _wait_until_healthy(self, log_path: Path, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited early:\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"streamlit did not become healthy in {timeout}s:\n{log_path.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._log.close()


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
