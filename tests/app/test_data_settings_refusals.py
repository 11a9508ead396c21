"""Data & settings says what it refuses: a refused model instead of its old card, and an upload size the server
cannot take (issue 15, findings 3 and 7)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from grading import access
from grading.db.store import Store
from grading.settings import load_settings, save_settings

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "pages/data_settings.py"
TAB_KEY = "keep_data_settings_tab"


@pytest.fixture(autouse=True)
def open_mode(monkeypatch):
    for variable in access.PASSWORD_HASH_ENV.values():
        monkeypatch.delenv(variable, raising=False)


def open_tab(tab: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state[TAB_KEY] = tab
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [item.value for item in at.exception]
    return at


def _readable(text: str) -> str:
    return text.replace("\\", "").replace("\u2060", "")


def shows_a_card(at: AppTest) -> bool:
    return any("item" in frame.value.columns for frame in at.dataframe)


def test_the_model_tab_shows_the_refusal_not_the_old_card(demo_db):
    at = open_tab("Model")
    assert shows_a_card(at), "a sound model shows its card"
    model_file = next((demo_db.parent / "models").glob("*.skops"))
    model_file.write_bytes(b"not a model any more")
    at.run()
    assert not at.exception, [item.value for item in at.exception]
    assert not shows_a_card(at)
    assert any(model_file.name in _readable(error.value) and "changed after it was saved" in _readable(error.value)
               for error in at.error)


def test_an_upload_limit_above_the_servers_is_capped_and_said(demo_db):
    with Store(demo_db) as store:
        save_settings(store, {"max_upload_mb": 100})
    at = open_tab("Import")
    server_mb = at.get("file_uploader")[0].proto.max_upload_size_mb
    assert server_mb <= 50, "the uploader never promises more than server.maxUploadSize"
    assert all(uploader.proto.max_upload_size_mb == server_mb for uploader in at.get("file_uploader"))
    notes = [_readable(info.value) for info in at.info]
    assert any("100 MB" in note and "server.maxUploadSize" in note for note in notes)
    assert not any("Files over 100 MB" in _readable(text.value) for text in at.markdown)


def test_the_app_refuses_to_save_an_upload_limit_its_server_cannot_take(demo_db):
    at = open_tab("Settings")
    box = next(box for box in at.number_input if box.key.endswith("max_upload_mb"))
    box.set_value(60.0)
    at.run()
    # Said beside the field at once, naming it in words, and Save stays disabled.
    assert any("'Largest import file (MB)' can be at most 50 MB in the app" in _readable(error.value)
               for error in at.error)
    assert next(button for button in at.button if button.key == "save-settings").disabled
    with Store(demo_db) as store:
        assert load_settings(store)["max_upload_mb"] == 50
