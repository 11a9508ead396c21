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


def container(page, key: str):
    """Return the locator of the ``st.container(key=...)`` with that key."""
    return page.locator(f".st-key-{key}")


def error_texts(page) -> list[str]:
    """Return the texts of every exception or error box on the page."""
    return page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]').all_inner_texts()
