"""Data & settings > Reset to demo, through AppTest: "Start an empty book", "Remove the demo clients" and "Archive a
client", each pressed as the owner presses it, then the book and the other pages checked."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from grading.db.store import Store
from grading.settings import load_settings, save_settings

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "pages/data_settings.py"
TAB = "Reset to demo"


def open_reset_tab() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["keep_data_settings_tab"] = TAB
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def client_ids(db_path: Path) -> list[str]:
    with Store(db_path) as store:
        return store.query("SELECT client_id FROM clients ORDER BY client_id")["client_id"].tolist()


def flashes(at: AppTest) -> str:
    return " ".join(item.value for item in at.success)


def clients_on_the_overview(at: AppTest) -> str:
    at.switch_page("pages/overview.py").run()
    assert not at.exception, at.exception
    return next(metric.value for metric in at.metric if metric.label == "Clients")


def test_start_an_empty_book_waits_for_the_confirmation_then_deletes_every_client_and_keeps_the_settings(demo_db):
    with Store(demo_db) as store:
        settings_before = save_settings(store, {"labor_cost_rate": 71.0})
    at = open_reset_tab()
    assert at.button(key="empty-book").disabled  # not before "Yes, delete every client" is ticked

    at.checkbox(key="empty-book-confirm").check()
    rerun(at)
    assert not at.button(key="empty-book").disabled
    at.button(key="empty-book").click()
    rerun(at)

    assert client_ids(demo_db) == []
    assert "The book is empty: import your own clients." in flashes(at)
    with Store(demo_db) as store:
        assert int(store.scalar("SELECT count(*) FROM monthly_metrics")) == 0
        assert int(store.scalar("SELECT count(*) FROM grade_events")) == 0
        assert load_settings(store) == settings_before
    at.switch_page("pages/portfolio_matrix.py").run()
    assert not at.exception, at.exception


def test_remove_the_demo_clients_is_disabled_once_no_demo_client_is_left(demo_db):
    at = open_reset_tab()
    assert not at.button(key="remove-demo").disabled
    at.button(key="remove-demo").click()
    rerun(at)
    assert client_ids(demo_db) == []
    assert "Removed 60 demo clients." in flashes(at)
    assert at.button(key="remove-demo").disabled
    assert any("0 demo clients" in text.value for text in at.markdown)


def test_archive_a_client_leaves_it_out_of_grading_keeps_its_history_and_can_bring_it_back(demo_db):
    with Store(demo_db) as store:
        client_id, name = store.query("SELECT client_id, name FROM clients ORDER BY client_id LIMIT 1").iloc[0]
        months_before = int(store.scalar("SELECT count(*) FROM monthly_metrics WHERE client_id = ?", [client_id]))
    at = open_reset_tab()
    assert at.button(key="archive-button").disabled  # no client picked yet
    at.selectbox(key="archive-client").set_value(client_id)
    rerun(at)
    at.button(key="archive-button").click()
    rerun(at)

    assert f"{name} is archived." in flashes(at)
    assert client_id not in at.selectbox(key="archive-client").options
    assert at.selectbox(key="unarchive-client").value == client_id
    with Store(demo_db) as store:
        assert store.query("SELECT client_id FROM archived_clients")["client_id"].tolist() == [client_id]
        # Kept in history: its figures stay in the book.
        assert int(store.scalar("SELECT count(*) FROM monthly_metrics WHERE client_id = ?", [client_id])) \
            == months_before
    assert clients_on_the_overview(at) == "59"

    at.switch_page(PAGE).run()
    at.button(key="unarchive-button").click()
    rerun(at)
    assert f"{name} is back in grading." in flashes(at)
    assert clients_on_the_overview(at) == "60"
