"""Access in the app (AppTest): the password form, wrong passwords refused, a viewer who changes nothing, an editor
who can, the open-mode notice, and a database held by another process shown as one error sentence."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.proto.TextInput_pb2 import TextInput
from streamlit.testing.v1 import AppTest

from grading import access
from tests.held_database import held_by_another_process

REPO = Path(__file__).resolve().parents[2]
VIEWER_PASSWORD = "look-but-do-not-touch"
EDITOR_PASSWORD = "change-the-grades-1"

#: The widgets that write to the database, per page, by key (the sidebar's currency is saved as a setting).
WRITE_WIDGETS = {
    "pages/suggested_vs_manual.py": {"suggested_accept", "suggested_override", "suggested_retrain"},
    "pages/live_review.py": {
        "review-start", "review-decide-keep", "review-decide-lift", "review-decide-raise_price", "review-decide-fire",
        "review-save-note", "review-set-grade",
    },
    "pages/data_settings.py": {"import-button", "save-settings", "train-model", "backup-now",
                               "backup-restore", "backup-restore-confirm", "reset-demo", "reset-confirm"},
}
PAGES = [
    "pages/overview.py", "pages/portfolio_matrix.py", "pages/suggested_vs_manual.py", "pages/revenue_vs_time.py",
    "pages/churn_impact.py", "pages/live_review.py", "pages/data_settings.py",
]


@pytest.fixture(scope="session")
def gated_app() -> Path:
    """app.py, whose pages each start with ui.page.page_setup(), which runs the login gate."""
    return REPO / "app.py"


@pytest.fixture(scope="module")
def password_hashes():
    return {"viewer": access.hash_password(VIEWER_PASSWORD), "editor": access.hash_password(EDITOR_PASSWORD)}


@pytest.fixture
def passwords(monkeypatch, password_hashes):
    for role, hashed in password_hashes.items():
        monkeypatch.setenv(access.PASSWORD_HASH_ENV[role], hashed)


@pytest.fixture(autouse=True)
def no_passwords_unless_asked(monkeypatch):
    for variable in access.PASSWORD_HASH_ENV.values():
        monkeypatch.delenv(variable, raising=False)


def start(app: Path) -> AppTest:
    at = AppTest.from_file(str(app), default_timeout=300)
    at.run()
    assert not at.exception, [item.value for item in at.exception]
    return at


def password_box(at: AppTest):
    return next(box for box in at.text_input if box.label == "Password")


def log_in(at: AppTest, password: str) -> AppTest:
    password_box(at).input(password)
    next(button for button in at.button if button.label == "Log in").click()
    at.run()
    assert not at.exception, [item.value for item in at.exception]
    return at


def shows_the_app(at: AppTest) -> bool:
    return any(title.value == "Your client portfolio" for title in at.title)


#: Pages whose tabs run only when open: the key of their tabs, so every tab's widgets can be looked at.
LAZY_TABS = {"pages/data_settings.py": "keep_data_settings_tab"}


def write_widgets(at: AppTest, page: str) -> list:
    """Return the page's buttons that write, from every tab of a page whose tabs run only when open."""
    keys = WRITE_WIDGETS.get(page, set())
    found = [button for button in at.button if button.key in keys]
    tab_key = LAZY_TABS.get(page)
    if tab_key is not None:
        for tab in [tab.label for tab in at.tabs]:
            at.session_state[tab_key] = tab
            at.run()
            assert not at.exception, [item.value for item in at.exception]
            found += [button for button in at.button if button.key in keys]
    return found


def test_with_no_password_the_app_runs_open_and_says_it_serves_this_computer_only(gated_app, demo_db):
    at = start(gated_app)
    assert shows_the_app(at)
    notice = " ".join(caption.value for caption in at.sidebar.caption)
    assert "Open mode" in notice and "127.0.0.1" in notice


def test_with_a_password_configured_nothing_shows_before_login(gated_app, demo_db, passwords):
    at = start(gated_app)
    assert password_box(at).proto.type == TextInput.Type.PASSWORD, "the password is masked"
    assert not shows_the_app(at)
    assert not at.sidebar.selectbox, "not even the shared sidebar controls"


def test_a_wrong_password_is_refused(gated_app, demo_db, passwords):
    at = log_in(start(gated_app), "not the password")
    assert any("Wrong password" in error.value for error in at.error)
    assert not shows_the_app(at)


@pytest.mark.parametrize(("password", "role"), [(VIEWER_PASSWORD, "viewer"), (EDITOR_PASSWORD, "editor")])
def test_each_password_opens_the_app_in_its_role(gated_app, demo_db, passwords, password, role):
    at = log_in(start(gated_app), password)
    assert shows_the_app(at)
    assert at.session_state["clientgrade_role"] == role
    assert any(f"Logged in as {role}" in caption.value for caption in at.sidebar.caption)


def test_logging_out_brings_back_the_password_form(gated_app, demo_db, passwords):
    at = log_in(start(gated_app), VIEWER_PASSWORD)
    next(button for button in at.sidebar.button if button.key == "clientgrade_logout").click()
    at.run()
    assert password_box(at) is not None
    assert not shows_the_app(at)


@pytest.mark.parametrize("page", PAGES)
def test_a_viewer_sees_every_page_and_every_write_widget_is_disabled(gated_app, demo_db, passwords, page):
    at = log_in(start(gated_app), VIEWER_PASSWORD)
    at.switch_page(page).run()
    assert not at.exception, [item.value for item in at.exception]
    assert not at.error, [item.value for item in at.error]
    # Uploaders first: they are on the first tab, and write_widgets opens the others.
    enabled = [upload.proto.label for upload in at.get("file_uploader") if not upload.proto.disabled]
    enabled += [button.key for button in write_widgets(at, page) if not button.disabled]
    assert enabled == [], f"a viewer could use {enabled} on {page}"


@pytest.mark.parametrize("page", sorted(WRITE_WIDGETS))
def test_an_editor_can_use_the_write_widgets(gated_app, demo_db, passwords, page):
    at = log_in(start(gated_app), EDITOR_PASSWORD)
    at.switch_page(page).run()
    assert not at.exception, [item.value for item in at.exception]
    widgets = write_widgets(at, page)
    assert widgets, f"none of {sorted(WRITE_WIDGETS[page])} is on {page}: update WRITE_WIDGETS"
    assert all(not button.disabled for button in widgets)


def test_a_viewer_cannot_change_the_stored_currency_from_the_sidebar(gated_app, demo_db, passwords):
    at = log_in(start(gated_app), VIEWER_PASSWORD)
    # The currency is the book's label, changed only on the settings page (disabled for a viewer there).
    assert not [box for box in at.sidebar.selectbox if box.key == "keep_currency"]
    assert any("currency label" in caption.value for caption in at.sidebar.caption)


def test_a_malformed_password_hash_stops_the_app_with_one_sentence(gated_app, demo_db, monkeypatch):
    monkeypatch.setenv(access.PASSWORD_HASH_ENV["editor"], "my-plain-password")
    at = start(gated_app)
    # The message is escaped Markdown (it may quote configuration text); compare what the user reads.
    assert [re.sub(r"\\(.)", r"\1", error.value) for error in at.error] == [
        "The password hash in the environment variable CLIENTGRADE_EDITOR_PASSWORD_HASH is not one made by "
        "'python -m grading hash-password'; make a new one."
    ]
    assert not shows_the_app(at)


def test_open_mode_on_a_network_address_refuses_to_start(gated_app, demo_db):
    from streamlit import config

    config.set_option("server.address", "0.0.0.0")
    try:
        at = start(gated_app)
    finally:
        config.set_option("server.address", "127.0.0.1")
    assert len(at.error) == 1 and "set a password" in at.error[0].value
    assert not shows_the_app(at)


def test_a_database_held_by_another_process_shows_one_error_sentence(gated_app, empty_db):
    with held_by_another_process(empty_db):
        at = AppTest.from_file(str(gated_app), default_timeout=120)
        at.run()
    assert not at.exception, [item.value for item in at.exception]
    assert len(at.error) == 1
    message = re.sub(r"\\(.)", r"\1", at.error[0].value)  # the same whether or not the page escaped Markdown
    assert str(empty_db) in message and "in use by another program" in message
