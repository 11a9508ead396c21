"""The owner's and the coach's first hour in a real browser: anonymize that survives a reload and a new tab, and the
churn page that opens with the plain story."""

from __future__ import annotations

import re

import pytest

from grading.db.store import Store
from tests.browser.helpers import container, open_page, wait_for_app

pytestmark = pytest.mark.browser

PATHS = ["", "portfolio_matrix", "suggested_vs_manual", "revenue_vs_time", "churn_impact", "live_review",
         "data_settings"]


def book_clients(template):
    """The demo book's clients, read from the template the server's copy was made from (the server holds its own)."""
    with Store(template / "portfolio.duckdb") as store:
        return store.query("SELECT client_id, name FROM clients")


def leaks(text: str, clients) -> list[str]:
    found = [cid for cid in clients["client_id"] if re.search(rf"(?<![A-Za-z0-9]){cid}(?![0-9])", text)]
    return found + [name for name in clients["name"] if name in text]


def test_anonymize_survives_a_reload_and_a_new_tab_and_hides_every_name_and_id(app_server, page,
                                                                               demo_database_template):
    clients = book_clients(demo_database_template)
    open_page(page, app_server.url)
    page.get_by_text("Anonymize names", exact=True).click()
    wait_for_app(page)
    page.wait_for_url(re.compile(r"keep_anonymize=true"), timeout=30_000)

    page.reload()
    wait_for_app(page)
    for path in PATHS:
        page.goto(f"{app_server.url}/{path}?keep_anonymize=true")
        wait_for_app(page)
        assert leaks(page.content(), clients) == [], path
        assert "keep_anonymize=true" in page.url, path

    with page.expect_download() as download:
        page.goto(f"{app_server.url}/portfolio_matrix?keep_anonymize=true")
        wait_for_app(page)
        page.get_by_role("button", name="Download this table (CSV)").click()
    saved = download.value.path().read_bytes()
    assert saved.startswith(b"\xef\xbb\xbf")
    assert leaks(saved.decode("utf-8-sig"), clients) == []

    second = page.context.new_page()
    second.goto(page.url)
    wait_for_app(second)
    assert leaks(second.content(), clients) == []
    # Tables draw on a canvas, so the switch itself says the new tab is anonymized (AppTest checks the tables).
    assert second.get_by_role("switch", name="Anonymize names").is_checked()


def test_the_churn_page_as_first_opened_tells_the_plain_story(app_server, page):
    open_page(page, app_server.url)
    open_page(page, app_server.url, "churn_impact")
    story = container(page, "churn-story")
    story.wait_for(timeout=60_000)
    text = story.inner_text()
    assert "The plain story: fire them, resell nothing" in text
    assert re.search(r"Firing the \d+ D clients loses \d+% of revenue", text)
    assert "It pays off once you resell" in text and "Your scenario" in text
