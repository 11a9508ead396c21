"""The Data & settings page, through Streamlit's AppTest: import with a validation report, settings, backups and
restore, reset."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

import pytest
from streamlit.testing.v1 import AppTest

from grading.access import PASSWORD_HASH_ENV, hash_password
from grading.db.backup import default_backup_folder, list_backups
from grading.settings import load_settings, save_settings
from grading.db.store import Store
from tests.app.test_books_app import two_books  # noqa: F401 - a fixture: the demo book and a second one beside it

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


def change_setting(at: AppTest, name: str, value) -> AppTest:
    """Type a value into one setting's field and leave it, as the owner does: the page reruns, nothing pressed."""
    at.number_input(key=f"setting_{name}").set_value(value)
    at.run()
    assert not at.exception, [item.value for item in at.exception]
    return at


def preview_table(at: AppTest):
    return next(frame.value for frame in at.dataframe if "rule_grade_after" in frame.value.columns)


def plain(text: str) -> str:
    """The text without the Markdown escapes the page puts in (escape_markdown: backslashes, word joiners)."""
    return re.sub(r"\\(.)", r"\1", text).replace("\u2060", "")


def said(at: AppTest) -> str:
    return plain(" ".join(item.value for item in at.markdown))


def rule_grades_after_saving(db_path: Path, tmp_path: Path, changes: dict) -> tuple[set, set]:
    """Independently of the page: save ``changes`` in a copy of the book, grade it again through grading/, and
    return the clients whose rule grade differs, and the names of those clients."""
    import shutil
    from datetime import date

    from grading.scoring.portfolio import grade_portfolio

    copy = tmp_path / "regraded"
    shutil.copytree(db_path.parent, copy)
    with Store(copy / db_path.name) as store:
        before = grade_portfolio(store, date.today(), models_dir=copy / "models", explain=False)
        save_settings(store, changes)
        after = grade_portfolio(store, date.today(), models_dir=copy / "models", explain=False)
    both = before.merge(after[["client_id", "rule_grade"]], on="client_id", suffixes=("", "_after"))
    moved = both[both["rule_grade"].fillna("") != both["rule_grade_after"].fillna("")]
    return set(moved["client_id"]), set(moved["name"])


def test_changing_the_labor_cost_rate_is_stored_only_on_save(demo_db):
    at = change_setting(open_page(tab="Settings"), "labor_cost_rate", 62.5)
    with Store(demo_db) as store:
        assert load_settings(store)["labor_cost_rate"] == 45.0, "nothing is written before Save"
    at.button(key="save-settings").click()
    at.run()
    assert not at.exception
    with Store(demo_db) as store:
        assert load_settings(store)["labor_cost_rate"] == 62.5
    # Said in words with the unit; the variable name is only in the help.
    assert any("Labor cost of one technician hour" in item.value for item in at.success)
    assert at.number_input(key="setting_labor_cost_rate").value == 62.5
    at.button(key="save-settings").click()
    at.run()
    assert any("Nothing to save" in item.value for item in at.info), "saved: nothing left to save"


def test_a_change_shows_the_preview_at_once_and_it_counts_the_clients_a_save_would_regrade(demo_db, tmp_path):
    at = open_page(tab="Settings")
    labels = [widget.label for widget in at.number_input]
    assert "Labor cost of one technician hour (EUR/h)" in labels
    assert not [label for label in labels if "_" in label]
    assert not [frame for frame in at.dataframe if "rule_grade_after" in frame.value.columns]
    assert "These are the saved settings" in said(at)

    change_setting(at, "grade_a_min", 90.0)  # no button pressed
    moved_ids, moved_names = rule_grades_after_saving(demo_db, tmp_path, {"grade_a_min": 90.0})
    assert moved_ids
    assert f"With these settings, {len(moved_ids)} clients change grade." in said(at)
    listed = preview_table(at)
    assert set(listed["name"]) == moved_names
    assert "client_id" not in listed.columns, "no id leaves the server"
    assert listed["why"].str.len().gt(0).all()
    with Store(demo_db) as store:
        assert load_settings(store)["grade_a_min"] == 75.0, "a preview saves nothing"


def test_a_change_of_the_labor_cost_previews_the_regrade_of_new_features(demo_db, tmp_path):
    at = change_setting(open_page(tab="Settings"), "labor_cost_rate", 75.0)
    moved_ids, moved_names = rule_grades_after_saving(demo_db, tmp_path, {"labor_cost_rate": 75.0})
    assert moved_ids
    assert set(preview_table(at)["name"]) == moved_names
    with Store(demo_db) as store:
        assert load_settings(store)["labor_cost_rate"] == 45.0


def test_reset_to_saved_puts_the_saved_values_back_and_clears_the_preview(demo_db):
    at = change_setting(open_page(tab="Settings"), "grade_a_min", 90.0)
    assert not at.button(key="reset-draft").disabled
    at.button(key="reset-draft").click()
    at.run()
    assert not at.exception
    assert at.number_input(key="setting_grade_a_min").value == 75.0
    assert not [frame for frame in at.dataframe if "rule_grade_after" in frame.value.columns]
    assert "These are the saved settings" in said(at)
    assert at.button(key="reset-draft").disabled, "nothing left to put back"


def test_the_draft_survives_a_visit_to_another_page_and_another_tab(demo_db):
    at = change_setting(open_page(tab="Settings"), "grade_a_min", 90.0)
    count_before = said(at)
    at.switch_page("pages/overview.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.number_input(key="setting_grade_a_min").value == 90.0
    open_tab(at, "Model")
    open_tab(at, "Settings")
    assert at.number_input(key="setting_grade_a_min").value == 90.0
    assert "With these settings" in said(at) and said(at) == count_before
    with Store(demo_db) as store:
        assert load_settings(store)["grade_a_min"] == 75.0


def test_a_full_marks_point_below_its_zero_marks_point_is_named_beside_the_field_and_blocks_save(demo_db):
    at = change_setting(open_page(tab="Settings"), "margin_full_pct", 10.0)
    errors = [plain(item.value) for item in at.error]
    assert any("Full marks at (% gross margin)" in error and "zero-marks point" in error for error in errors), errors
    assert at.button(key="save-settings").disabled
    assert any("Full marks at (% gross margin)" in plain(item.value) for item in at.warning), "the preview says which"
    with Store(demo_db) as store:
        assert load_settings(store)["margin_full_pct"] == 65.0


def test_contradicting_grade_thresholds_are_refused_and_not_stored(demo_db):
    at = change_setting(open_page(tab="Settings"), "grade_a_min", 20.0)
    assert any("Lowest score for a B" in plain(item.value) for item in at.error), "the page says which field"
    assert at.button(key="save-settings").disabled
    with Store(demo_db) as store:
        assert load_settings(store)["grade_a_min"] == 75.0


def test_the_preview_shows_aliases_when_names_are_anonymized(demo_db):
    at = change_setting(open_page(tab="Settings", anonymize=True), "grade_a_min", 90.0)
    listed = preview_table(at)
    assert len(listed) and listed["name"].str.fullmatch(r"Client \d{3}").all()
    with Store(demo_db) as store:
        clients = store.query("SELECT client_id, name FROM clients")
    page_text = " ".join(str(value) for frame in at.dataframe for value in frame.value.astype(str).to_numpy().ravel())
    assert not [name for name in clients["name"] if name in page_text]
    assert not [cid for cid in clients["client_id"] if cid in set(listed.astype(str).to_numpy().ravel())]


def test_fill_in_the_defaults_is_a_draft_the_preview_shows_and_save_keeps(demo_db):
    with Store(demo_db) as store:
        save_settings(store, {"labor_cost_rate": 80.0})
    at = open_page(tab="Settings")
    assert at.number_input(key="setting_labor_cost_rate").value == 80.0
    at.button(key="defaults-into-fields").click()
    at.run()
    assert at.number_input(key="setting_labor_cost_rate").value == 45.0
    with Store(demo_db) as store:
        assert load_settings(store)["labor_cost_rate"] == 80.0, "filling in the defaults saves nothing"
    assert "With these settings" in said(at)
    at.button(key="save-settings").click()
    at.run()
    with Store(demo_db) as store:
        assert load_settings(store)["labor_cost_rate"] == 45.0
    assert at.number_input(key="setting_labor_cost_rate").value == 45.0


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
        ("Settings", ("save-settings",)),
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


def test_a_viewer_may_try_values_in_the_preview_but_cannot_save_them(demo_db, monkeypatch):
    at = open_tab(open_as("viewer", monkeypatch), "Settings")
    assert any("logged in as a viewer" in item.value for item in at.markdown)
    change_setting(at, "grade_a_min", 90.0)
    assert "With these settings" in said(at)
    assert at.button(key="save-settings").disabled
    assert not at.button(key="reset-draft").disabled, "a viewer's own draft can be put back"
    with Store(demo_db) as store:
        assert load_settings(store)["grade_a_min"] == 75.0


def test_each_book_keeps_its_own_draft(two_books):
    from tests.app.test_books_app import session
    from ui.resources import BOOK_KEY

    alpha, beta = two_books
    at = session()
    at.session_state[TAB_KEY] = "Settings"
    at.switch_page(PAGE).run()
    change_setting(at, "grade_a_min", 90.0)
    at.sidebar.selectbox(key=BOOK_KEY).set_value(str(beta)).run()
    at.session_state[TAB_KEY] = "Settings"  # a switch of book forgets the open tab with the other choices
    at.run()
    assert not at.exception
    assert at.number_input(key="setting_grade_a_min").value == 75.0, "beta's saved value, not alpha's draft"
    change_setting(at, "grade_a_min", 80.0)
    at.sidebar.selectbox(key=BOOK_KEY).set_value(str(alpha)).run()
    at.session_state[TAB_KEY] = "Settings"
    at.run()
    assert at.number_input(key="setting_grade_a_min").value == 90.0, "alpha's draft comes back with alpha"
    for book in (alpha, beta):
        with Store(book) as store:
            assert load_settings(store)["grade_a_min"] == 75.0


def test_a_flag_setting_says_which_flags_it_raises_though_no_grade_changes(demo_db):
    at = change_setting(open_page(tab="Settings"), "concentration_pct", 1.0)
    assert "With these settings, no client changes grade." in said(at)
    assert any(re.match(r"Flags: concentration raised for \d+ clients\.", plain(item.value)) for item in at.caption)


def test_an_empty_book_previews_a_change_without_an_error(empty_db):
    at = change_setting(open_page(tab="Settings"), "grade_a_min", 90.0)
    assert not at.error, [item.value for item in at.error]
    assert "With these settings, no client changes grade." in said(at)
