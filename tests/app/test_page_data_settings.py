"""The Data & settings page, through Streamlit's AppTest: import with a validation report, settings, backups and
restore, reset."""

from __future__ import annotations

import pandas as pd

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from grading.access import PASSWORD_HASH_ENV, hash_password
from grading.db.backup import default_backup_folder, list_backups
from grading.settings import load_settings, save_settings
from grading.db.store import Store

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "pages/data_settings.py"

GOOD_CLIENTS = b"client_id,name,service_model,seats,client_since\nn1,Newfield Bakery Ltd,managed,12,2023-01-15\n"
BAD_CLIENTS = b"client_id,name,service_model,seats\nb1,Badly Typed Ltd,managed,-4\nb2,Fine Ltd,managed,3\n"


TAB_KEY = "keep_data_settings_tab"


def open_page(*, anonymize: bool = False, tab: str = "Import") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    # Set through its key before the first run: AppTest loses sidebar widgets after the first run of an app that
    # uses st.navigation, so the sidebar toggle cannot be clicked.
    at.session_state["keep_anonymize"] = anonymize
    at.session_state[TAB_KEY] = tab
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [item.value for item in at.exception]
    return at


def open_tab(at: AppTest, tab: str) -> AppTest:
    """Open another tab, as a click on its label does (only the open tab's content runs)."""
    at.session_state[TAB_KEY] = tab
    at.run()
    assert not at.exception, [item.value for item in at.exception]
    return at


def count(db_path: Path, table: str) -> int:
    with Store(db_path) as store:
        return int(store.scalar(f"SELECT count(*) FROM {table}"))


def frame_with(at: AppTest, column: str):
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


def test_data_page_offers_uploads_templates_settings_model_and_reset(demo_db):
    at = open_page()
    assert [tab.label for tab in at.tabs] == ["Import", "From your PSA and books", "Templates & export", "Settings",
                                              "Model", "Backups", "Reset to demo", "Books"]
    assert len(at.get("file_uploader")) == 4
    open_tab(at, "Templates & export")
    downloads = [button.label for button in at.get("download_button")]
    assert downloads == ["clients.csv", "monthly.csv", "assessments.csv", "grades.csv", "Download everything (zip)"]
    open_tab(at, "Settings")
    assert at.number_input(key="setting_labor_cost_rate").value == 45.0
    assert at.selectbox(key="setting_currency").value == "EUR"
    open_tab(at, "Model")
    assert frame_with(at, "item")["item"].size > 0, "the model card summary shows"
    open_tab(at, "Reset to demo")
    assert at.button(key="reset-demo")


def test_only_the_open_tab_runs_and_it_stays_open_after_a_visit_elsewhere(demo_db):
    at = open_page(tab="Settings")
    assert at.number_input(key="setting_labor_cost_rate").value == 45.0
    assert not at.get("file_uploader"), "the Import tab's uploaders are not drawn while Settings is open"
    assert not at.get("download_button")
    at.switch_page("pages/overview.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.session_state[TAB_KEY] == "Settings"
    assert at.number_input(key="setting_labor_cost_rate").value == 45.0


def test_bad_csv_shows_the_validation_report_and_writes_nothing(demo_db):
    clients_before = count(demo_db, "clients")
    at = open_page()
    at.file_uploader(key="upload_clients").upload("clients.csv", BAD_CLIENTS, "text/csv")
    at.run()
    assert not at.exception
    issues = frame_with(at, "problem")
    first = issues.iloc[0]
    assert (first["file"], first["row"], first["column"]) == ("clients.csv", 2, "seats")
    assert any("nothing will be written" in item.value for item in at.error)
    assert not [button for button in at.button if button.key == "import-button"]
    assert count(demo_db, "clients") == clients_before


def test_good_csv_is_checked_then_imported(demo_db):
    clients_before = count(demo_db, "clients")
    at = open_page()
    at.file_uploader(key="upload_clients").upload("clients.csv", GOOD_CLIENTS, "text/csv")
    at.run()
    assert any("No problems found" in item.value for item in at.success)
    assert count(demo_db, "clients") == clients_before, "checking writes nothing"
    at.button(key="import-button").click()
    at.run()
    assert not at.exception
    assert any(item.value.startswith("Imported") for item in at.success)
    assert count(demo_db, "clients") == clients_before + 1
    summary = frame_with(at, "rows_new")
    assert summary["rows_new"].tolist() == [1]


def test_upload_over_the_size_limit_is_refused_before_it_is_read(demo_db):
    with Store(demo_db) as store:
        save_settings(store, {"max_upload_mb": 0.1})
    at = open_page()
    big = GOOD_CLIENTS + b"".join(f"x{i},Filler {i},managed,1,2023-01-01\n".encode() for i in range(4000))
    at.file_uploader(key="upload_clients").upload("clients.csv", big, "text/csv")
    at.run()
    assert any("over the 0.1 MB limit" in item.value for item in at.error)
    assert not [frame for frame in at.dataframe if "problem" in frame.value.columns or "warnings" in frame.value.columns]


def test_changing_the_labor_cost_rate_is_stored(demo_db):
    at = open_page(tab="Settings")
    at.number_input(key="setting_labor_cost_rate").set_value(62.5)
    at.button(key="save-settings").click()
    at.run()
    assert not at.exception
    with Store(demo_db) as store:
        assert load_settings(store)["labor_cost_rate"] == 62.5
    # Said in words with the unit; the variable name is only in the help.
    assert any("Labor cost of one technician hour" in item.value for item in at.success)


def test_the_settings_are_labelled_in_words_and_the_preview_counts_the_clients_whose_grade_changes(demo_db):
    from datetime import date

    from grading.views.settings_preview import preview_settings

    at = open_page(tab="Settings")
    labels = [widget.label for widget in at.number_input]
    assert "Labor cost of one technician hour (EUR/h)" in labels
    assert not [label for label in labels if "_" in label]
    at.number_input(key="setting_grade_a_min").set_value(90.0)
    at.button(key="preview-settings").click()
    at.run()
    assert not at.exception, at.exception
    with Store(demo_db) as store:
        expected = preview_settings(store, {"grade_a_min": 90.0}, as_of=date.today(),
                                    models_dir=demo_db.parent / "models")
        assert load_settings(store)["grade_a_min"] == 75.0, "a preview saves nothing"
    assert expected.count > 0
    said = " ".join(item.value for item in at.markdown)
    assert f"With these settings, {expected.count} clients change grade." in said.replace("\\", "")
    listed = next(frame.value for frame in at.dataframe if "rule_grade_after" in frame.value.columns)
    assert len(listed) == expected.count


def test_removing_the_demo_clients_keeps_an_imported_client(demo_db):
    from grading.importer import import_frames

    with Store(demo_db) as store:
        import_frames(store, {"clients": pd.DataFrame({"client_id": ["MINE"], "name": ["My own client"]})},
                      source="import")
    at = open_page(tab="Reset to demo")
    at.button(key="remove-demo").click()
    at.run()
    assert not at.exception, at.exception
    with Store(demo_db) as store:
        assert store.query("SELECT client_id FROM clients")["client_id"].tolist() == ["MINE"]
    assert any("Removed 60 demo clients" in item.value for item in at.success)


def test_contradicting_grade_thresholds_are_refused_and_not_stored(demo_db):
    at = open_page(tab="Settings")
    at.number_input(key="setting_grade_a_min").set_value(20.0)
    at.button(key="save-settings").click()
    at.run()
    assert at.error, "the page says why"
    with Store(demo_db) as store:
        assert load_settings(store)["grade_a_min"] == 75.0


def test_reset_settings_brings_the_defaults_back(demo_db):
    with Store(demo_db) as store:
        save_settings(store, {"labor_cost_rate": 80.0})
    at = open_page(tab="Settings")
    assert at.number_input(key="setting_labor_cost_rate").value == 80.0
    at.button(key="reset-settings").click()
    at.run()
    with Store(demo_db) as store:
        assert load_settings(store)["labor_cost_rate"] == 45.0
    assert at.number_input(key="setting_labor_cost_rate").value == 45.0


def test_reset_to_demo_asks_for_confirmation_first(empty_db):
    at = open_page(tab="Reset to demo")
    at.button(key="reset-demo").click()
    at.run()
    assert any("cannot be undone" in item.value for item in at.warning)
    assert count(empty_db, "clients") == 0, "nothing happens before the confirmation"
    at.button(key="reset-cancel").click()
    at.run()
    assert not at.warning
    at.button(key="reset-demo").click()
    at.run()
    at.button(key="reset-confirm").click()
    at.run()
    assert not at.exception
    assert count(empty_db, "clients") == 60
    assert any("demo portfolio of 60 clients" in item.value for item in at.success)


def test_data_page_on_an_empty_database_opens_with_no_model(empty_db):
    at = open_page()
    assert len(at.get("file_uploader")) == 4
    open_tab(at, "Model")
    assert any("No model yet" in item.value for item in at.info)


def test_anonymize_hides_quoted_values_and_the_full_export(demo_db):
    at = open_page(anonymize=True)
    at.file_uploader(key="upload_clients").upload("clients.csv", b"client_id,name,seats\nb1,Secret Name Ltd,many\n",
                                                   "text/csv")
    at.run()
    issues = frame_with(at, "problem")
    assert "many" not in " ".join(issues["problem"])
    open_tab(at, "Templates & export")
    assert "Download everything (zip)" not in [button.label for button in at.get("download_button")]
    assert any("Anonymize names" in item.value for item in at.info)


def open_as(role: str, monkeypatch) -> AppTest:
    # Viewers exist only where passwords are set; this session is one that has logged in with the role's password.
    monkeypatch.setenv(PASSWORD_HASH_ENV["viewer"], hash_password("look only"))
    monkeypatch.setenv(PASSWORD_HASH_ENV["editor"], hash_password("may change"))
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["keep_anonymize"] = False
    at.session_state["clientgrade_role"] = role
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


@pytest.mark.parametrize(
    ("tab", "keys"),
    [
        ("Settings", ("save-settings", "reset-settings")),
        ("Model", ("train-model",)),
        ("Backups", ("backup-now",)),
        ("Reset to demo", ("reset-demo",)),
    ],
)
def test_a_viewer_sees_every_tab_but_every_button_that_writes_is_disabled(demo_db, monkeypatch, tab, keys):
    at = open_tab(open_as("viewer", monkeypatch), tab)
    for key in keys:
        assert at.button(key=key).disabled, key


def test_a_viewer_cannot_send_files(demo_db, monkeypatch):
    at = open_as("viewer", monkeypatch)
    assert all(upload.proto.disabled for upload in at.get("file_uploader")), "a viewer cannot send files"


def test_a_file_still_on_a_viewers_page_is_checked_but_cannot_be_imported(demo_db, monkeypatch):
    # A viewer cannot pick a file; but a file already in the uploader stays when the session becomes a viewer's
    # (here: an editor uploads, then the role changes). The page checks it, which writes nothing, and keeps
    # Import disabled.
    clients_before = count(demo_db, "clients")
    at = open_as("editor", monkeypatch)
    at.file_uploader(key="upload_clients").upload("clients.csv", GOOD_CLIENTS, "text/csv")
    at.run()
    at.session_state["clientgrade_role"] = "viewer"
    at.run()
    assert at.file_uploader(key="upload_clients").proto.disabled
    assert any("No problems found" in item.value for item in at.success)
    assert at.button(key="import-button").disabled
    assert count(demo_db, "clients") == clients_before


def test_a_backup_shows_in_the_list_and_a_restore_asks_for_confirmation_first(demo_db):
    at = open_page(tab="Backups")
    assert any("No backups yet" in item.value for item in at.info)
    at.button(key="backup-now").click()
    at.run()
    assert not at.exception
    made = list_backups(default_backup_folder(demo_db))
    assert len(made) == 1
    assert any("Backed up to" in item.value for item in at.success)
    assert frame_with(at, "size_mb")["file"].tolist() == [made[0].path.name]

    clients_at_backup = count(demo_db, "clients")
    open_tab(at, "Import")
    at.file_uploader(key="upload_clients").upload("clients.csv", GOOD_CLIENTS, "text/csv")
    at.run()
    at.button(key="import-button").click()
    at.run()
    assert count(demo_db, "clients") == clients_at_backup + 1
    open_tab(at, "Backups")

    at.selectbox(key="backup-choice").set_value(str(made[0].path))
    at.button(key="backup-restore").click()
    at.run()
    assert any("replaces all the data" in item.value for item in at.warning)
    assert count(demo_db, "clients") == clients_at_backup + 1, "nothing happens before the confirmation"
    at.button(key="backup-restore-cancel").click()
    at.run()
    assert not [item for item in at.warning if "replaces all the data" in item.value]
    at.button(key="backup-restore").click()
    at.run()
    at.button(key="backup-restore-confirm").click()
    at.run()
    assert not at.exception
    assert count(demo_db, "clients") == clients_at_backup
    assert any(item.value.startswith("Restored") for item in at.success)
    assert len(list_backups(default_backup_folder(demo_db))) == 2, "the data before the restore was backed up"
