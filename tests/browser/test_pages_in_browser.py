"""Every page in a real browser: loads without an error element, draws its main chart, leaves a screenshot."""

from __future__ import annotations

import pytest

from tests.browser.helpers import container, error_texts, open_page

pytestmark = pytest.mark.browser

# (url path, the page's title, the key of the container holding its main chart, or None)
PAGES = [
    ("", "Your client portfolio", "overview-chart"),
    ("portfolio_matrix", "Portfolio matrix", "matrix-chart"),
    ("suggested_vs_manual", "Suggested vs manual", "suggested-chart"),
    ("revenue_vs_time", "Revenue against time", "revenue-time-chart"),
    ("churn_impact", "Churn impact", "churn-timeline-chart"),
    ("live_review", "Live review", None),
    ("data_settings", "Data & settings", None),
]


@pytest.mark.parametrize(("path", "title", "chart_key"), PAGES, ids=[p[0] or "overview" for p in PAGES])
def test_every_page_loads_without_error_and_draws_its_main_chart(app_server, page, screenshots, path, title,
                                                                  chart_key):
    open_page(page, app_server.url)  # the first request of a session goes through app.py's navigation
    open_page(page, app_server.url, path)
    page.get_by_role("heading", name=title).first.wait_for(timeout=60_000)
    if chart_key:
        chart = container(page, chart_key).locator(".vega-embed canvas, .vega-embed svg").first
        chart.wait_for(timeout=60_000)
        box = chart.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 100
    page.screenshot(path=str(screenshots / f"page-{path or 'overview'}.png"), full_page=True)
    assert error_texts(page) == []
