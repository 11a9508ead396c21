"""A coach's live review in a real browser: start a session, decide on three clients, download the summary."""

from __future__ import annotations

import re

import pytest

from grading.text_safety import WORD_JOINER
from tests.browser.helpers import container, error_texts, open_page, wait_for_app

pytestmark = pytest.mark.browser


def current_client_heading(page) -> str:
    return container(page, "review-card").get_by_role("heading").first.inner_text()


def test_coach_walks_three_clients_and_downloads_the_markdown_summary(app_server, page, screenshots):
    open_page(page, app_server.url)
    open_page(page, app_server.url, "live_review")
    page.get_by_role("button", name="Start the session").click()
    wait_for_app(page)
    container(page, "review-card").wait_for(timeout=60_000)

    decided = []
    for number, decision in enumerate(["Fire", "Raise price", "Lift one grade"], start=1):
        heading = current_client_heading(page)
        assert heading.startswith(f"{number}. "), heading
        decided.append(heading.split(". ", 1)[1])
        container(page, "review-decisions").get_by_role("button", name=re.compile(rf"^{decision}")).click()
        wait_for_app(page)
        page.wait_for_function(
            "(n) => { const h = document.querySelector('.st-key-review-card h2');"
            " return h && h.innerText.startsWith(n + '. '); }",
            arg=str(number + 1),
            timeout=60_000,
        )
    page.screenshot(path=str(screenshots / "review-walked.png"), full_page=True)

    page.get_by_role("tab", name="Summary").click()
    with page.expect_download(timeout=60_000) as download_info:
        page.get_by_role("button", name="Download the summary (Markdown)").click()
    markdown = open(download_info.value.path(), encoding="utf-8").read()
    # Names are Markdown-escaped in the file ("S\.L\."); compare the text a Markdown viewer shows.
    summary = re.sub(r"\\(.)", r"\1", markdown).replace(WORD_JOINER, "")
    page.screenshot(path=str(screenshots / "review-summary.png"), full_page=True)
    for name in decided:
        assert name in summary, f"{name} missing from the summary"
    assert "fire" in summary.lower() and "raise" in summary.lower() and "lift" in summary.lower()
    assert error_texts(page) == []
