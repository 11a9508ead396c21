"""Bring your own data in a real browser: a ConnectWise PSA + QuickBooks Online set (written by the demo-exports
code) uploaded on Data & settings in a fresh, empty book, imported with the recognised presets, and its clients on
the Portfolio matrix."""

from __future__ import annotations

import pytest

from grading.db.store import Store
from grading.demo import generate_demo
from grading.demo.raw_book import draw_raw_book
from grading.demo.raw_exports import write_connectwise_quickbooks
from tests.browser.conftest import StreamlitServer
from tests.browser.helpers import container, error_texts, go_to, open_page, wait_for_app
from tests.browser.test_owner_flow import downloaded_csv

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory):
    """`streamlit run app.py` on a new, empty book (an existing file without clients gets no demo)."""
    folder = tmp_path_factory.mktemp("raw-import-book")
    with Store(folder / "portfolio.duckdb") as store:
        assert store.scalar("SELECT count(*) FROM clients") == 0
    server = StreamlitServer(folder, folder / "streamlit.log")
    yield server
    server.stop()


def test_a_connectwise_and_quickbooks_set_uploaded_and_imported_shows_its_clients_on_the_matrix(
        empty_server, page, tmp_path, screenshots):
    portfolio = generate_demo(8, seed=5)  # up to last month: the matrix grades the trailing months
    written = write_connectwise_quickbooks(draw_raw_book(portfolio), tmp_path / "exports")
    paths = sorted(str(path) for group in written.files.values() for _preset, path in group)
    assert len(paths) == 6 and any(path.endswith("invoices.xlsx") for path in paths)

    open_page(page, empty_server.url)
    go_to(page, "Data & settings")
    page.get_by_role("tab", name="From your PSA and books").click()
    wait_for_app(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(paths)
    for position in range(6):
        container(page, f"raw-file-{position}").wait_for(timeout=120_000)
    wait_for_app(page)
    text = page.inner_text('[data-testid="stMain"]')
    assert "ConnectWise PSA" in text and "QuickBooks Online" in text, "the presets recognised per file are shown"

    page.get_by_role("button", name="Check (nothing is written)").click()
    wait_for_app(page)
    # The report is drawn in parts: wait for its last sentence.
    container(page, "raw-report").get_by_text("would be written").wait_for(timeout=120_000)
    report = container(page, "raw-report").inner_text().replace("\u2060", "")
    assert "would be written: 8 new" in report, report
    page.screenshot(path=str(screenshots / "raw-import-1-checked.png"), full_page=True)

    page.get_by_role("button", name="Import", exact=True).click()
    wait_for_app(page)
    page.get_by_text("Imported.").first.wait_for(timeout=120_000)
    assert error_texts(page) == []

    go_to(page, "Portfolio matrix")
    container(page, "matrix-chart").locator(".vega-embed canvas, .vega-embed svg").first.wait_for(timeout=60_000)
    names = {row.get("name") for row in downloaded_csv(page, "Download this table (CSV)")}
    expected = set(portfolio.clients["name"])
    assert expected <= names, f"missing on the matrix: {sorted(expected - names)}"
    page.screenshot(path=str(screenshots / "raw-import-2-matrix.png"), full_page=True)
