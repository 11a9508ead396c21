"""The sidebar's shared controls in AppTest: the as-of date taken from the address (how a date typed just before a
page link reaches that page) and anonymize remembered by the browser for a new session.

The browser half (Enter, the page link's race, the cookie itself) is tested in tests/browser/test_first_hour.py.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ui import browser_bridge

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def overview_caption(at: AppTest) -> str:
    return " ".join(caption.value for caption in at.caption)


def test_a_new_session_opened_with_an_as_of_in_the_address_uses_it(demo_db):
    at = AppTest.from_file(APP, default_timeout=300)
    at.query_params["keep_as_of"] = "2025-06-15"
    at.run()
    assert not at.exception, at.exception
    assert at.date_input(key="keep_as_of").value == date(2025, 6, 15)
    assert "As of 15 June 2025:" in overview_caption(at)


def test_an_as_of_in_the_address_wins_over_the_date_the_session_remembers(demo_db):
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    assert at.date_input(key="keep_as_of").value == date.today()
    # What a page link's rerun carries: the address with the typed date, and no widget values.
    at.query_params["keep_as_of"] = "2025-03-15"
    at.switch_page("pages/overview.py").run()
    assert not at.exception, at.exception
    assert "As of 15 March 2025:" in overview_caption(at)


def test_an_address_date_that_is_not_a_date_leaves_the_session_date(demo_db):
    at = AppTest.from_file(APP, default_timeout=300)
    at.query_params["keep_as_of"] = "2025-13-45"
    at.run()
    assert not at.exception, at.exception
    assert f"As of {date.today():%d %B %Y}:" in overview_caption(at)


def test_a_new_session_starts_anonymized_when_the_browser_remembers_it(demo_db, monkeypatch):
    # AppTest cannot send cookies: the reading of the cookie is replaced, the rest of the path is the app's own.
    monkeypatch.setattr(browser_bridge, "anonymize_remembered", lambda: True)
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    assert not at.exception, at.exception
    assert at.toggle(key="keep_anonymize").value is True


def test_a_new_session_shows_names_when_neither_address_nor_browser_hides_them(demo_db):
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    assert at.toggle(key="keep_anonymize").value is False
