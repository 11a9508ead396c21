"""Books in a real browser: switch books in the sidebar, open Compare books, download the meeting pack; two
sessions on two books at once."""

from __future__ import annotations

import io
import shutil

import pytest
from pypdf import PdfReader

from grading import books
from grading.report import SECTIONS
from tests.browser.conftest import StreamlitServer
from tests.browser.helpers import container, error_texts, go_to, open_page, pick_option, wait_for_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def two_book_server(demo_database_template, tmp_path_factory):
    """The app on a folder of two books: the demo (portfolio, 60 clients) and beta (20 other clients)."""
    folder = tmp_path_factory.mktemp("browser-books")
    shutil.copytree(demo_database_template, folder, dirs_exist_ok=True)
    books.create_book("beta", folder, start="demo", demo_clients=20, seed=11, train=False)
    server = StreamlitServer(folder, folder / "streamlit.log")
    yield server
    server.stop()


def clients_shown(page) -> str:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Clients").first
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


def switch_book(page, name: str) -> None:
    sidebar = page.locator('[data-testid="stSidebar"]')
    pick_option(page, sidebar.get_by_role("combobox", name="Book"), name)
    wait_for_app(page)


def test_switch_books_compare_them_and_download_the_meeting_pack(two_book_server, page, browser, screenshots):
    open_page(page, two_book_server.url)
    assert clients_shown(page) == "60"
    switch_book(page, "beta")
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stMetricValue\"]')].some(e => e.innerText.trim() === '20')",
        timeout=60_000,
    )
    assert clients_shown(page) == "20"

    # A second browser session stays on the first book while this one works on beta.
    other_context = browser.new_context(viewport={"width": 1440, "height": 1000})
    other = other_context.new_page()
    try:
        open_page(other, two_book_server.url)
        assert clients_shown(other) == "60"
        go_to(page, "Portfolio matrix")
        go_to(page, "Overview")
        assert clients_shown(page) == "20", "the first session kept its own book"
    finally:
        other_context.close()

    go_to(page, "Compare books")
    container(page, "compare-books-table").wait_for(timeout=120_000)
    page.get_by_text("Show the other books as").click()
    wait_for_app(page)
    page.screenshot(path=str(screenshots / "compare-books.png"), full_page=True)
    assert error_texts(page) == []

    go_to(page, "Overview")
    with page.expect_download(timeout=180_000) as download_info:
        page.get_by_role("button", name="Download the meeting pack (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("meeting-pack-beta-")
    reader = PdfReader(io.BytesIO(open(download.path(), "rb").read()))
    text = "\n".join(page_.extract_text() for page_ in reader.pages)
    assert all(section in text for section in SECTIONS)
    assert "Meeting pack: beta" in text
    assert sum(len(page_.images) for page_ in reader.pages) == 2
    assert error_texts(page) == []
