"""Small Playwright helpers shared by the browser tests."""

from __future__ import annotations


def wait_for_app(page, timeout_ms: int = 120_000) -> None:
    """Wait until Streamlit has drawn the main block and finished running the script."""
    page.wait_for_selector('[data-testid="stMain"]', timeout=timeout_ms)
    page.wait_for_timeout(500)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms
    )


def open_page(page, base_url: str, path: str = "") -> None:
    """Open one of the app's pages and wait until its script has run."""
    page.goto(f"{base_url}/{path}")
    wait_for_app(page)


def go_to(page, title: str) -> None:
    """Open a page through the sidebar's navigation, in the same browser session (a reload would start a new one).
    Scoped to the sidebar: a page's own "Go to ..." link carries the same name."""
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title).click()
    wait_for_app(page)


def container(page, key: str):
    """Return the locator of the ``st.container(key=...)`` with that key."""
    return page.locator(f".st-key-{key}")


def error_texts(page) -> list[str]:
    """Return the texts of every exception or error box on the page."""
    return page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]').all_inner_texts()


def pick_option(page, combobox, option_name: str, attempts: int = 3) -> None:
    """Open a select or multiselect and click one of its options; a rerun can redraw the list between the two
    steps, so open it again rather than fail at once."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    for _ in range(attempts):
        combobox.click()
        try:
            page.get_by_role("option", name=option_name, exact=True).click(timeout=20_000)
            return
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
            wait_for_app(page)
    raise AssertionError(f"the list never offered {option_name!r}")
