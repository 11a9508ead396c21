"""The settings editor in a real browser: a value typed and left shows the preview at once (no button), Reset to
saved takes it back, and nothing is saved on the way."""

from __future__ import annotations

import re

import pytest

from tests.browser.helpers import container, error_texts, go_to, open_page, wait_for_app

pytestmark = pytest.mark.browser

A_LINE = "Lowest score for an A (points of 100)"


def open_settings(page, url: str) -> None:
    open_page(page, url)
    go_to(page, "Data & settings")
    page.get_by_role("tab", name="Settings", exact=True).click()
    wait_for_app(page)
    page.get_by_role("spinbutton", name=A_LINE, exact=True).wait_for(timeout=60_000)


def test_a_typed_value_shows_the_preview_at_once_and_reset_to_saved_takes_it_back(app_server, page, screenshots):
    open_settings(page, app_server.url)
    preview = container(page, "settings-preview")
    assert "These are the saved settings" in preview.inner_text()

    field = page.get_by_role("spinbutton", name=A_LINE, exact=True)
    field.fill("90")
    field.press("Tab")  # leaving the field applies it, as in any form; nothing is pressed
    wait_for_app(page)
    preview.get_by_text(re.compile(r"With these settings, \d+ clients? changes? grade")).wait_for(timeout=60_000)
    # The list of clients beside the count (a table is drawn a moment after the text around it).
    preview.locator('[data-testid="stDataFrame"]').wait_for(timeout=60_000)
    assert "Not saved yet" in preview.inner_text()
    page.screenshot(path=str(screenshots / "settings-live-preview.png"), full_page=True)
    # Nothing is written before Save: a second session (another tab) reads the saved value.
    other = page.context.new_page()
    open_settings(other, app_server.url)
    assert other.get_by_role("spinbutton", name=A_LINE, exact=True).input_value() == "75"
    assert "These are the saved settings" in container(other, "settings-preview").inner_text()
    other.close()

    page.get_by_role("button", name="Reset to saved").click()
    wait_for_app(page)
    preview.get_by_text("These are the saved settings").wait_for(timeout=60_000)
    assert page.get_by_role("spinbutton", name=A_LINE, exact=True).input_value() == "75"
    assert error_texts(page) == []
