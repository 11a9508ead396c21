"""Hostile client names and notes (HTML, Markdown, script) imported, then shown on every page as literal text,
with no script run and no dialog opened."""

from __future__ import annotations

import importlib.util
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from grading.importer import import_files
from grading.db.store import Store

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
HOSTILE_NAMES = {
    "evil-img": "<img src=x onerror=alert(1)>",
    "evil-bold": "**bold** Ltd",
    "evil-link": "[link](javascript:alert(1))",
    # What Streamlit's renderer made of the text even after Markdown escapes (issue 15, finding 4).
    "evil-www": "www.evil.example/login",
    "evil-url": "http://127.0.0.1:8799/x",
    "evil-icon": ":material/delete_forever: icon",
    "evil-dash": "x -- y",
}
# What to type in the client picker to find each (its search does not find every hostile name as typed).
SEARCH = {"evil-img": "onerror", "evil-bold": "bold", "evil-link": "javascript", "evil-www": "evil.example",
          "evil-url": "8799", "evil-icon": "delete_forever", "evil-dash": "x -- y"}
# Invisible: the word joiner escape_markdown places inside links, icons and dashes so that they stay text.
WORD_JOINER = "\u2060"
HOSTILE_NOTE = "<script>alert(2)</script> **loud** [click](javascript:alert(3))"
PAGES = ["", "portfolio_matrix", "suggested_vs_manual", "revenue_vs_time", "churn_impact", "live_review",
         "data_settings"]


def _csv(frame: pd.DataFrame) -> tuple[str, bytes]:
    return frame.to_csv(index=False).encode("utf-8")


def _hostile_files() -> dict[str, tuple[str, bytes]]:
    ids = list(HOSTILE_NAMES)
    clients = pd.DataFrame({"client_id": ids, "name": list(HOSTILE_NAMES.values()), "service_model": "managed",
                            "seats": 25})
    last_month = pd.Period(date.today(), freq="M") - 1
    months = pd.period_range(end=last_month, periods=12, freq="M").astype(str)
    monthly = pd.MultiIndex.from_product([ids, months], names=["client_id", "month"]).to_frame(index=False)
    monthly["revenue"] = 4000.0
    monthly["labor_hours"] = 20.0
    assessments = pd.DataFrame({"client_id": ids, "assessed_on": str(last_month.start_time.date()),
                                "assessor": "<b>owner</b>", "pays_on_time": 3, "values_service": 3,
                                "trusted_advisor": 3, "follows_process": 3, "open_to_recommendations": 3,
                                "caller_id": "neutral", "note": HOSTILE_NOTE})
    grades = pd.DataFrame({"client_id": ids, "graded_on": str(last_month.start_time.date()), "grade": "C",
                           "grader": "**me**", "note": HOSTILE_NOTE})
    return {
        "clients": ("clients.csv", _csv(clients)),
        "monthly": ("monthly.csv", _csv(monthly)),
        "assessments": ("assessments.csv", _csv(assessments)),
        "grades": ("grades.csv", _csv(grades)),
    }


@pytest.fixture(scope="module")
def hostile_server(demo_database_template, tmp_path_factory):
    """`streamlit run app.py` on a demo copy into which the hostile clients were imported."""
    folder = tmp_path_factory.mktemp("hostile")
    shutil.copytree(demo_database_template, folder, dirs_exist_ok=True)
    with Store(folder / "portfolio.duckdb") as store:
        import_files(store, _hostile_files())
    spec = importlib.util.spec_from_file_location("clientgrade_browser_fixtures", HERE / "conftest.py")
    fixtures = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fixtures)
    server = fixtures.StreamlitServer(folder, folder / "streamlit.log")
    yield server
    server.stop()


@pytest.fixture
def watched_page(browser, hostile_server):
    """A page that records every dialog (alert, confirm, prompt) instead of letting it block."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(hostile_server.url)
    wait_for_app(page)
    yield page
    context.close()


def wait_for_app(page, timeout_ms: int = 90_000) -> None:
    page.wait_for_selector('[data-testid="stMain"]', timeout=timeout_ms)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms)


@pytest.mark.parametrize("path", PAGES, ids=[path or "overview" for path in PAGES])
def test_no_page_runs_a_hostile_name_or_note(hostile_server, watched_page, screenshots, path):
    page = watched_page
    page.goto(f"{hostile_server.url}/{path}")
    wait_for_app(page)
    page.wait_for_timeout(1500)  # let charts and tooltips settle: an injected handler would have fired by now
    page.screenshot(path=str(screenshots / f"hostile-{path or 'overview'}.png"), full_page=True)
    assert page.dialogs == []
    assert page.locator('img[src="x"]').count() == 0, "the <img> in a name became an element"
    assert page.locator('a[href^="javascript:"]').count() == 0, "a javascript: link was made clickable"
    assert page.locator("main script").count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('a[href*="evil.example"], a[href*="127.0.0.1:8799"]').count() == 0, "a name became a link"
    assert page.locator("span[role=img]", has_text="delete_forever").count() == 0, "a name became an icon"
    assert page.get_by_text("x \u2014 y").count() == 0, "a name's -- became a dash"


@pytest.mark.parametrize("client_id", list(HOSTILE_NAMES))
def test_the_client_card_shows_a_hostile_name_exactly_as_typed(hostile_server, watched_page, screenshots,
                                                               client_id):
    page = watched_page
    name = HOSTILE_NAMES[client_id]
    page.goto(f"{hostile_server.url}/portfolio_matrix")
    wait_for_app(page)
    picker = page.locator('[data-testid="stSelectbox"]').filter(has_text="Client card")
    picker.locator("input").wait_for(timeout=90_000)
    wait_for_app(page)
    # The picker's list can be redrawn by a rerun between typing and clicking: type again rather than fail.
    for _ in range(3):
        picker.locator("input").click()
        picker.locator("input").fill(SEARCH[client_id])
        try:
            page.get_by_role("option").first.click(timeout=20_000)  # the search leaves only this client
            break
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
            wait_for_app(page)
    else:
        pytest.fail(f"the client picker never offered {name!r}")
    wait_for_app(page)
    card = page.locator(".st-key-client-card")
    try:
        card.wait_for(timeout=90_000)
    finally:
        page.screenshot(path=str(screenshots / f"hostile-card-{client_id}.png"), full_page=True)
    heading = card.locator("h1, h2, h3").first
    page.screenshot(path=str(screenshots / f"hostile-card-{client_id}.png"), full_page=True)
    shown = heading.inner_text().strip().replace(WORD_JOINER, "")
    assert shown.startswith(name), f"the name shows as {shown!r}, not literally"
    # Streamlit adds its own "#" anchor to a heading; anything else would come from the name.
    assert heading.locator('a:not([href^="#"]), span[role=img]').count() == 0, "the heading holds a link or an icon"
    assert page.dialogs == []
