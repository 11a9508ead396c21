"""The owner's and the coach's first hour in a real browser: anonymize that survives a reload and a new tab, the
as-of date that applies on Enter and travels with a page link, and the churn page that opens with the plain story."""

from __future__ import annotations

import re
from datetime import date, timedelta

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

    # A new tab on the bare address (no ?keep_anonymize): the browser remembers, every page and the table's CSV.
    bare = page.context.new_page()
    for path in PATHS:
        bare.goto(f"{app_server.url}/{path}")
        wait_for_app(bare)
        assert bare.get_by_role("switch", name="Anonymize names").is_checked(), path
        assert leaks(bare.content(), clients) == [], path
    for path, button in (("portfolio_matrix", "Download this table (CSV)"),
                         ("revenue_vs_time", "Download these clients (CSV)"),
                         ("churn_impact", "Download the scenario (CSV)")):
        bare.goto(f"{app_server.url}/{path}")
        wait_for_app(bare)
        with bare.expect_download() as bare_download:
            bare.get_by_role("button", name=button).click()
        text = bare_download.value.path().read_bytes().decode("utf-8-sig")
        assert "anon-" in text, path
        assert leaks(text, clients) == [], path


def type_as_of(page, day: date) -> None:
    """Type a date into the sidebar's as-of field, segment by segment as a person does (nothing else pressed).

    Waits first for the sidebar's browser bridge (ui/browser_bridge.py) to be listening: a person takes longer
    than the few milliseconds after a page is drawn that it needs.
    """
    page.wait_for_function("() => document.documentElement.dataset.clientgradeBridge !== undefined",
                           timeout=60_000)
    page.get_by_role("spinbutton", name="year, As of").click()
    page.keyboard.type(day.strftime("%Y%m%d"))


def sidebar_as_of(page) -> str:
    return page.locator('[data-testid="stSidebar"] [data-testid="stDateInput"] input[type="date"]').input_value()


def test_a_typed_as_of_date_applies_on_enter_and_travels_with_a_page_link(app_server, page):
    open_page(page, app_server.url)
    first, second = date.today() - timedelta(days=200), date.today() - timedelta(days=320)

    type_as_of(page, first)
    page.keyboard.press("Enter")
    page.get_by_text(f"As of {first:%d %B %Y}:").wait_for(timeout=60_000)
    wait_for_app(page)
    assert sidebar_as_of(page) == first.isoformat()

    # A day picked in the calendar applies as well (the calendar opens on the as-of date's month).
    picked = first.replace(day=10 if first.day != 10 else 11)
    page.get_by_test_id("stDateInputCalendarButton").click()
    page.get_by_role("dialog", name="Choose date").get_by_role("button").filter(
        has_text=re.compile(rf"^{picked.day}$")).first.click()
    page.get_by_text(f"As of {picked:%d %B %Y}:").wait_for(timeout=60_000)
    wait_for_app(page)

    type_as_of(page, second)
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Churn impact", exact=True).click()
    page.wait_for_url(re.compile(r"/churn_impact"), timeout=60_000)
    wait_for_app(page)
    assert sidebar_as_of(page) == second.isoformat()
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Overview", exact=True).click()
    page.get_by_text(f"As of {second:%d %B %Y}:").wait_for(timeout=60_000)


def test_the_churn_page_as_first_opened_tells_the_plain_story(app_server, page):
    open_page(page, app_server.url)
    open_page(page, app_server.url, "churn_impact")
    story = container(page, "churn-story")
    story.wait_for(timeout=60_000)
    text = story.inner_text()
    assert "The plain story: fire them, resell nothing" in text
    assert re.search(r"Firing the \d+ D clients loses \d+% of revenue", text)
    assert "It pays off once you resell" in text and "Your scenario" in text
