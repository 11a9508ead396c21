"""One owner's flow in a real browser: change a manual grade, see it on the matrix, run a churn scenario and
download it."""

from __future__ import annotations

import csv
import io

import pytest

from tests.browser.helpers import container, error_texts, open_page, pick_option, wait_for_app

pytestmark = pytest.mark.browser


def downloaded_csv(page, button_name: str) -> list[dict[str, str]]:
    """Click a download button and return the CSV it gives, as rows.

    The grade table and the churn scenario make their CSV only when clicked (a rerun on the server first), so a
    click that lands while the page is still rerunning may start nothing: wait, and click again.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    for _ in range(3):
        wait_for_app(page)
        try:
            with page.expect_download(timeout=30_000) as download_info:
                page.get_by_role("button", name=button_name).click()
            text = open(download_info.value.path(), encoding="utf-8").read()
            return list(csv.DictReader(io.StringIO(text)))
        except PlaywrightTimeoutError:
            continue
    raise AssertionError(f"'{button_name}' gave no download")


def test_owner_changes_a_grade_sees_it_on_the_matrix_and_downloads_a_churn_scenario(app_server, page, screenshots):
    open_page(page, app_server.url)
    open_page(page, app_server.url, "suggested_vs_manual")

    decide = container(page, "suggested-decide")
    decide.wait_for(timeout=60_000)
    decide.get_by_role("radio", name="A").or_(decide.get_by_role("button", name="A", exact=True)).first.click()
    wait_for_app(page)
    decide.get_by_role("button", name="Save grade A").click()
    wait_for_app(page)
    saved = page.get_by_text("Saved grade A for").first
    saved.wait_for(timeout=60_000)
    client_name = saved.inner_text().split("Saved grade A for", 1)[1].strip().rstrip(".")
    page.screenshot(path=str(screenshots / "flow-1-grade-saved.png"), full_page=True)

    open_page(page, app_server.url, "portfolio_matrix")
    container(page, "matrix-chart").locator(".vega-embed canvas, .vega-embed svg").first.wait_for(timeout=60_000)
    rows = downloaded_csv(page, "Download this table (CSV)")
    graded = [row for row in rows if row.get("name") == client_name]
    assert graded, f"{client_name!r} not in the matrix table"
    manual_column = next(column for column in graded[0] if column.lower().startswith("manual"))
    assert graded[0][manual_column] == "A"
    page.screenshot(path=str(screenshots / "flow-2-matrix.png"), full_page=True)

    open_page(page, app_server.url, "churn_impact")
    fire = page.get_by_role("combobox", name="Every client of grade (effective)")
    # D clients are fired by default; add the C clients to the scenario.
    pick_option(page, fire, "C")
    page.keyboard.press("Escape")
    wait_for_app(page)
    container(page, "churn-timeline-chart").locator(".vega-embed canvas, .vega-embed svg").first.wait_for(
        timeout=60_000
    )
    scenario_text = " ".join(" ".join(row.values()) for row in downloaded_csv(page, "Download the scenario (CSV)"))
    assert "gross_profit" in scenario_text.lower().replace(" ", "_")
    page.screenshot(path=str(screenshots / "flow-3-churn.png"), full_page=True)
    assert error_texts(page) == []
