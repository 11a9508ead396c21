"""Data & settings: import with a validation report, templates and exports, the settings, the model, backups and
their restore, and a reset to the demo portfolio."""

import math
from dataclasses import replace

import pandas as pd
import streamlit as st

from grading import books
from grading.db import book_admin, maintenance
from grading.views import data_settings as view
from grading.views.settings_preview import preview_settings
from grading.db.backup import backup_database, default_backup_folder, list_backups, restore_database
from grading.errors import ClientGradeError
from grading.importer import FILE_KINDS, contract_for, import_files, validate_files
from grading.importer.limits import upload_limit_mb, upload_setting_problem
from grading.model import persistence, training
from grading.formatting import count
from grading.settings import (
    SECTIONS,
    SETTINGS,
    reset_settings,
    save_settings,
    setting,
    setting_help,
    setting_label,
)
from grading.templates import template_csv
from grading.text_safety import escape_markdown
from ui import data
from ui.auth import READ_ONLY_HELP, can_edit
from ui.page import page_setup
from ui.shared import KEEP_PREFIX, for_display
from ui.book_picker import switch_to_book
from ui.resources import close_book, current_book, get_models_dir

page = page_setup()
controls, store = page.controls, page.store
models_dir = get_models_dir()
# Viewers may look at everything here, but every widget that writes (or uploads a file) is disabled for them.
editable = can_edit()
write_help = None if editable else READ_ONLY_HELP
# The sidebar's copy is read per store revision, after this rerun's callbacks (a reset to defaults) have written.
current = controls.settings
# An upload passes the Streamlit server first, which refuses anything over server.maxUploadSize: the page offers
# (and promises) no more than that, and says so when the setting asks for more.
server_upload_mb = float(st.get_option("server.maxUploadSize"))
max_upload_mb, upload_note = upload_limit_mb(float(current["max_upload_mb"]), server_upload_mb)

st.title("Data & settings")

flash = st.session_state.pop("data_settings_flash", None)
if flash:
    st.success(flash)

# Only the open tab runs (on_change="rerun"): the settings form alone draws 38 widgets, and a rerun of this page
# should not pay for five tabs nobody is looking at. The key keeps the open tab when the owner comes back.
import_tab, files_tab, settings_tab, model_tab, backups_tab, reset_tab, books_tab = st.tabs(
    ["Import", "Templates & export", "Settings", "Model", "Backups", "Reset to demo", "Books"],
    key=f"{KEEP_PREFIX}data_settings_tab",
    on_change="rerun",
)

# -- import -------------------------------------------------------------------------------------------------
with import_tab:
    if import_tab.open:
        st.subheader("Import your data")
        st.write(
            "Upload any of the four CSV files (comma or semicolon separated, UTF-8). They are checked first; nothing "
            "is written until you press Import, and then all files are written together or not at all. Importing the "
            f"same file twice changes nothing. Files over {max_upload_mb:g} MB are refused (setting max_upload_mb)."
        )
        if upload_note:
            st.info(upload_note)
        files = {}
        upload_columns = st.columns(2)
        for position, kind in enumerate(FILE_KINDS):
            contract = contract_for(kind)
            with upload_columns[position % 2]:
                upload = st.file_uploader(
                    contract.file_name,
                    type=["csv", "txt"],
                    key=f"upload_{kind}",
                    max_upload_size=max(1, min(math.ceil(max_upload_mb), int(server_upload_mb))),
                    # An upload is read and checked on the server, so a viewer may not send files at all.
                    disabled=not editable,
                    help=f"{contract.description} The template is on the next tab."
                    + ("" if editable else f" {READ_ONLY_HELP}"),
                )
            if upload is None:
                continue
            if upload.size > max_upload_mb * 1024 * 1024:
                st.error(
                    f"{escape_markdown(upload.name)} is {upload.size / 1024 / 1024:,.1f} MB, over the "
                    f"{max_upload_mb:g} MB limit; it was not read. Split the file, or import it with python -m grading "
                    "import."
                )
                continue
            files[kind] = (upload.name, upload.getvalue())

        report = None
        if files:
            try:
                with st.spinner("Checking the files..."):
                    report = validate_files(store, files)
            except ClientGradeError as error:
                st.error(escape_markdown(str(error).splitlines()[0]))
        if report is not None:
            with st.container(key="import-report"):
                st.markdown("**Validation report**")
                st.dataframe(
                    view.files_frame(report)[["kind", "file", "rows_read", "warnings"]],
                    hide_index=True,
                    column_config={
                        "kind": st.column_config.TextColumn("Kind"),
                        "file": st.column_config.TextColumn("File"),
                        "rows_read": st.column_config.NumberColumn("Rows read"),
                        "warnings": st.column_config.TextColumn("Warnings"),
                    },
                )
                if report.ok:
                    st.success("No problems found. Press Import to write the files.")
                    if st.button("Import", type="primary", key="import-button", icon=":material/upload:",
                                 disabled=not editable, help=write_help):
                        try:
                            with st.spinner("Importing..."):
                                written = import_files(store, files)
                        except ClientGradeError as error:
                            st.error(escape_markdown(str(error).splitlines()[0]))
                        else:
                            st.success("Imported. The grades and charts on every page now include these files.")
                            st.dataframe(
                                view.files_frame(written)[
                                    ["kind", "file", "rows_read", "rows_new", "rows_replaced", "rows_unchanged"]
                                ],
                                hide_index=True,
                                key="import-summary",
                                column_config={
                                    "kind": st.column_config.TextColumn("Kind"),
                                    "file": st.column_config.TextColumn("File"),
                                    "rows_read": st.column_config.NumberColumn("Rows read"),
                                    "rows_new": st.column_config.NumberColumn("New"),
                                    "rows_replaced": st.column_config.NumberColumn("Replaced"),
                                    "rows_unchanged": st.column_config.NumberColumn("Unchanged"),
                                },
                            )
                else:
                    more = f" ({report.issues_not_listed:,} more not listed)" if report.issues_not_listed else ""
                    st.error(
                        f"{count(report.issue_count, 'problem')} found{more}; nothing will be written. Fix them in "
                        "the file and upload it again."
                    )
                    st.dataframe(
                        view.issues_frame(report, hide_values=controls.anonymize),
                        hide_index=True,
                        key="import-issues",
                        column_config={
                            "file": st.column_config.TextColumn("File"),
                            "row": st.column_config.NumberColumn("Row", help="The row as a spreadsheet shows it."),
                            "column": st.column_config.TextColumn("Column"),
                            "problem": st.column_config.TextColumn("Problem"),
                        },
                    )

# -- templates and exports ----------------------------------------------------------------------------------
with files_tab:
    if files_tab.open:
        st.subheader("Templates")
        st.write("Empty files with every column of the import contract and two example rows each.")
        template_columns = st.columns(len(FILE_KINDS))
        for column, kind in zip(template_columns, FILE_KINDS, strict=True):
            file_name = contract_for(kind).file_name
            column.download_button(
                file_name,
                data=template_csv(kind),
                file_name=file_name,
                mime="text/csv",
                icon=":material/download:",
                key=f"template-{kind}",
            )
        st.subheader("Full export")
        if controls.anonymize:
            st.info("The full export holds every client's name. Turn off 'Anonymize names' in the sidebar to "
                    "download it.")
        else:
            st.write("Every table of the database as CSV, in one zip file (cells a spreadsheet would run as a formula "
                     "are neutralized).")
            st.download_button(
                "Download everything (zip)",
                data=lambda: maintenance.export_zip_bytes(store),
                file_name="clientgrade-export.zip",
                mime="application/zip",
                icon=":material/folder_zip:",
                key="export-zip",
            )

# -- settings -----------------------------------------------------------------------------------------------
SETTING_KEY = "setting_"


def _widget_value(item, value):
    """The value as the setting's widget holds it (number inputs keep ints and floats apart)."""
    if item.kind == "int":
        return int(value)
    if item.kind == "float":
        return float(value)
    return value


def _reset_all_settings() -> None:
    reset_settings(store)
    st.session_state["data_settings_flash"] = "Every setting is back to its default."


with settings_tab:
    if settings_tab.open:
        st.subheader("Settings")
        st.write("Changes take effect at once on every page. Each setting's help (?) says what it does.")
        # Each widget shows the stored value; when the stored value changes (a save, a reset, the sidebar's currency,
        # another session) the widget follows it. Values typed but not yet saved stay, since a form sends them only
        # on submit.
        seeded = st.session_state.setdefault("settings_seeded", {})
        for item in SETTINGS:
            key = f"{SETTING_KEY}{item.name}"
            if key not in st.session_state or seeded.get(item.name) != current[item.name]:
                st.session_state[key] = _widget_value(item, current[item.name])
                seeded[item.name] = current[item.name]
        proposed = {}
        with st.form("settings-form", border=False):
            for section in SECTIONS:
                st.markdown(f"**{section.title}**")
                st.caption(section.measures)
                columns = st.columns(3)
                for position, item in enumerate(setting(name) for name in section.names):
                    label = setting_label(item.name, current["currency"])
                    key = f"{SETTING_KEY}{item.name}"
                    item = replace(item, help=setting_help(item.name))
                    with columns[position % 3]:
                        if item.kind == "bool":
                            proposed[item.name] = st.checkbox(label, help=item.help, key=key)
                        elif item.kind == "choice":
                            proposed[item.name] = st.selectbox(label, options=list(item.choices), help=item.help,
                                                               key=key)
                        elif item.kind == "int":
                            proposed[item.name] = st.number_input(
                                label, step=1,
                                min_value=None if item.minimum is None else int(item.minimum),
                                max_value=None if item.maximum is None else int(item.maximum),
                                help=item.help, key=key)
                        else:
                            proposed[item.name] = st.number_input(
                                label,
                                min_value=None if item.minimum is None else float(item.minimum),
                                max_value=None if item.maximum is None else float(item.maximum),
                                help=item.help, key=key)
            preview_column, save_column = st.columns(2)
            previewed = preview_column.form_submit_button(
                "Preview: who changes grade", key="preview-settings", icon=":material/preview:",
                help="Grade the book with the values above, without saving them, and list the clients whose rule "
                "grade would change.")
            submitted = save_column.form_submit_button("Save settings", type="primary", key="save-settings",
                                                       disabled=not editable, help=write_help)
        if previewed:
            try:
                preview = preview_settings(store, view.changed_settings(current, proposed), as_of=controls.as_of,
                                           models_dir=models_dir)
            except ClientGradeError as error:
                st.error(escape_markdown(str(error)))
            else:
                with st.container(border=True, key="settings-preview"):
                    st.markdown(escape_markdown(preview.sentence))
                    if preview.count:
                        st.dataframe(
                            data.hide_ids(for_display(preview.clients, controls)), hide_index=True,
                            key="settings-preview-table",
                            column_config={
                                "client_id": st.column_config.TextColumn("Id"),
                                "name": st.column_config.TextColumn("Client"),
                                "rule_score_before": st.column_config.NumberColumn("Score now", format="%.0f"),
                                "rule_score_after": st.column_config.NumberColumn("Score then", format="%.0f"),
                                "rule_grade_before": st.column_config.TextColumn("Rule grade now"),
                                "rule_grade_after": st.column_config.TextColumn("Rule grade then"),
                                "effective_grade_before": st.column_config.TextColumn("Effective now"),
                                "effective_grade_after": st.column_config.TextColumn("Effective then"),
                            },
                        )
        if submitted:
            changes = view.changed_settings(current, proposed)
            too_large = upload_setting_problem(float(changes.get("max_upload_mb", 0)), server_upload_mb)
            try:
                view.check_settings({**current, **changes})
                if too_large:
                    raise ClientGradeError(too_large)
                if changes:
                    save_settings(store, changes)
            except ClientGradeError as error:
                st.error(escape_markdown(str(error)))
            else:
                st.session_state["data_settings_flash"] = (
                    f"Saved {count(len(changes), 'setting')}: "
                    + "; ".join(setting_label(name, str(changes.get("currency", current["currency"])))
                                for name in changes) + "."
                    if changes else "Nothing changed."
                )
                st.rerun()
        st.button("Reset every setting to its default", on_click=_reset_all_settings, key="reset-settings",
                  icon=":material/restart_alt:", disabled=not editable, help=write_help)

# -- model --------------------------------------------------------------------------------------------------
with model_tab:
    if model_tab.open:
        st.subheader("The model behind the suggested grades")
        model_state = data.model_state()
        card = persistence.load_model_card(store, models_dir)
        if model_state.status == "refused":
            # The registry still holds the card, but the file behind it was refused: show why, not the old card.
            st.error(escape_markdown(model_state.message), icon=":material/gpp_bad:")
        elif card is None:
            st.info(
                f"No model yet: grade at least {training.MIN_GRADED_CLIENTS} clients by hand (on Suggested vs manual, "
                "or import grades.csv), then train one here."
            )
        else:
            st.dataframe(view.model_card_summary(card), hide_index=True, key="model-card",
                         column_config={"item": "Item", "value": "Value"})
            with st.expander("The whole model card"):
                st.json(card, expanded=False)
        if st.button("Train the model now", key="train-model", icon=":material/model_training:",
                     disabled=not editable, help=write_help):
            bar = st.progress(0.0, text="Starting...")
            try:
                outcome = training.train_if_possible(
                    store, models_dir, progress=lambda fraction, text: bar.progress(fraction, text=text)
                )
            except ClientGradeError as error:
                st.error(escape_markdown(str(error)))
            else:
                if outcome.trained:
                    st.session_state["data_settings_flash"] = f"Training finished: {outcome.message}"
                    st.rerun()
                st.warning(outcome.message)

# -- backups ------------------------------------------------------------------------------------------------
def _backup_label(info) -> str:
    return f"{info.created_at:%d %b %Y %H:%M:%S} · {info.path.name} · {info.size_bytes / 1024 / 1024:,.1f} MB"


with backups_tab:
    if backups_tab.open:
        st.subheader("Backups")
        backup_folder = default_backup_folder(store.path)
        st.write(
            "A backup is a complete copy of the database (clients, figures, grades, reviews and settings) in a "
            f"timestamped file in {escape_markdown(backup_folder)}. Restoring one replaces all the data with the "
            "backup's, checked table by table; the current data is backed up first, so a restore can be undone. "
            "Model files are not part of a backup."
        )
        if st.button("Back up now", key="backup-now", icon=":material/backup:", disabled=not editable,
                     help=write_help):
            try:
                with st.spinner("Backing up the database..."):
                    made = backup_database(store)
            except ClientGradeError as error:
                st.error(escape_markdown(str(error)))
            else:
                st.success(f"Backed up to {escape_markdown(made.path.name)} "
                           f"({made.size_bytes / 1024 / 1024:,.1f} MB).")
        backups = list_backups(backup_folder)
        if not backups:
            st.info("No backups yet: press 'Back up now' to make the first one.")
        else:
            # A handful of files: a plain table of them, newest first.
            st.dataframe(
                pd.DataFrame({
                    "file": [info.path.name for info in backups],
                    "taken": [info.created_at for info in backups],
                    "size_mb": [info.size_bytes / 1024 / 1024 for info in backups],
                }),
                hide_index=True,
                key="backup-list",
                column_config={
                    "file": st.column_config.TextColumn("File"),
                    "taken": st.column_config.DatetimeColumn("Taken", format="YYYY-MM-DD HH:mm:ss"),
                    "size_mb": st.column_config.NumberColumn("Size (MB)", format="%.1f"),
                },
            )
            labels = {str(info.path): _backup_label(info) for info in backups}
            chosen_backup = st.selectbox("Backup to restore", options=list(labels), format_func=labels.get,
                                         key="backup-choice")
            restoring = st.session_state.get("confirm_restore")
            if not restoring:
                if st.button("Restore this backup...", key="backup-restore", icon=":material/settings_backup_restore:",
                             disabled=not editable, help=write_help):
                    st.session_state["confirm_restore"] = chosen_backup
                    st.rerun()
            else:
                with st.container(border=True, key="restore-confirmation"):
                    st.warning(
                        f"Restoring {escape_markdown(labels.get(restoring, restoring))} replaces all the data now in "
                        f"the database ({view.describe_counts(maintenance.client_data_counts(store))}) with the "
                        "backup's. The current data is backed up first."
                    )
                    yes, no = st.columns(2)
                    confirmed = yes.button("Yes, restore this backup", type="primary", key="backup-restore-confirm",
                                           disabled=not editable, help=write_help)
                    if no.button("Cancel", key="backup-restore-cancel"):
                        st.session_state.pop("confirm_restore", None)
                        st.rerun()
                if confirmed:
                    st.session_state.pop("confirm_restore", None)
                    try:
                        with st.spinner("Restoring and checking every table..."):
                            restored = restore_database(store, restoring)
                    except ClientGradeError as error:
                        st.error(escape_markdown(str(error)))
                    else:
                        safety = (f" The data from before the restore is saved as "
                                  f"{escape_markdown(restored.safety_backup.path.name)}."
                                  if restored.safety_backup else "")
                        st.session_state["data_settings_flash"] = (
                            f"Restored {escape_markdown(restored.restored_from.name)}: "
                            f"{restored.table_rows.get('clients', 0):,} clients.{safety}"
                        )
                        st.rerun()

# -- reset to demo ------------------------------------------------------------------------------------------
with reset_tab:
    if reset_tab.open:
        st.subheader("Reset to the demo portfolio")
        counts = maintenance.client_data_counts(store)
        st.write(
            "Deletes every client and everything recorded about them (figures, assessments, manual grades, live "
            "reviews), writes the demo portfolio of 60 clients and trains a model on it. Your settings are kept; "
            "saved model files stay in the models folder."
        )
        if not st.session_state.get("confirm_reset"):
            if st.button("Reset to demo data...", key="reset-demo", icon=":material/delete_forever:",
                         disabled=not editable, help=write_help):
                st.session_state["confirm_reset"] = True
                st.rerun()
        else:
            with st.container(border=True, key="reset-confirmation"):
                st.warning(f"This deletes {view.describe_counts(counts)}. It cannot be undone: export first if "
                           "you may want the data back.")
                yes, no = st.columns(2)
                confirmed = yes.button("Yes, delete my data and load the demo", type="primary", key="reset-confirm",
                                       disabled=not editable)
                if no.button("Cancel", key="reset-cancel"):
                    st.session_state["confirm_reset"] = False
                    st.rerun()
            if confirmed:
                st.session_state["confirm_reset"] = False
                bar = st.progress(0.0, text="Starting...")
                try:
                    result = maintenance.reset_to_demo(
                        store, models_dir,
                        progress=lambda fraction, text: bar.progress(min(max(float(fraction), 0.0), 1.0), text=text),
                    )
                except ClientGradeError as error:
                    st.error(escape_markdown(str(error)))
                else:
                    st.session_state["data_settings_flash"] = (
                        f"The demo portfolio of {result.clients_written} clients is loaded"
                        + (" and a model is trained on it." if result.model_card else ".")
                    )
                    st.rerun()

    if reset_tab.open:
        st.subheader("Your own clients only")
        demo_ids = book_admin.demo_client_ids(store)
        remove_column, empty_column = st.columns(2)
        with remove_column:
            st.write(f"The book holds {count(len(demo_ids), 'demo client')}. Removing them deletes them and everything "
                     "recorded about them; your own clients stay as they are.")
            if st.button("Remove the demo clients", key="remove-demo", icon=":material/person_remove:",
                         disabled=not editable or not demo_ids, help=write_help):
                removed = book_admin.remove_demo_clients(store)
                st.session_state["data_settings_flash"] = f"Removed {count(removed.clients, 'demo client')}."
                st.rerun()
        with empty_column:
            st.write("Start an empty book: deletes every client and everything about them (settings are kept), "
                     "then import your own files on the Import tab.")
            really = st.checkbox("Yes, delete every client", key="empty-book-confirm", disabled=not editable)
            if st.button("Start an empty book", key="empty-book", icon=":material/delete_sweep:",
                         disabled=not editable or not really, help=write_help):
                book_admin.start_empty_book(store)
                st.session_state["data_settings_flash"] = "The book is empty: import your own clients."
                st.rerun()
        st.subheader("Archive a client that has left")
        st.caption("An archived client keeps its history (figures, grades, reviews) but is left out of grading, the "
                   "pages and the simulations from the day you archive it.")
        graded = data.portfolio(controls.as_of)
        names = dict(zip(graded["client_id"], for_display(graded, controls)["name"], strict=True))
        to_archive = st.selectbox("Client", options=list(names), format_func=names.get, index=None,
                                  key="archive-client", placeholder="Type a client's name")
        if st.button("Archive this client", key="archive-button", icon=":material/archive:",
                     disabled=not editable or to_archive is None, help=write_help):
            book_admin.archive_client(store, to_archive)
            st.session_state["data_settings_flash"] = f"{escape_markdown(names[to_archive])} is archived."
            st.rerun()
        archived = book_admin.archived_clients(store)
        if len(archived):
            shown_archive = for_display(archived, controls)
            labels = dict(zip(archived["client_id"], shown_archive["name"], strict=True))
            back = st.selectbox("Archived clients", options=list(labels), format_func=labels.get,
                                key="unarchive-client")
            if st.button("Bring back into grading", key="unarchive-button", disabled=not editable,
                         help=write_help):
                book_admin.unarchive_client(store, back)
                st.session_state["data_settings_flash"] = f"{escape_markdown(labels[back])} is back in grading."
                st.rerun()

# -- books --------------------------------------------------------------------------------------------------
with books_tab:
    if books_tab.open:
        this_book = current_book()
        st.subheader("Books")
        st.write(
            f"A coach keeps one book per MSP: one file each in the books folder ({books.books_dir()}), each with its "
            "own settings, models and review sessions. This session works on "
            f"**{escape_markdown(this_book.name)}**; pick another in the sidebar, and compare them all on the "
            "Compare books page."
        )
        with st.container(border=True, key="books-new"):
            st.markdown("**New book**")
            new_name = st.text_input("Name (the MSP)", key="books-new-name", max_chars=60,
                                     help="Letters, digits, spaces, dots, dashes and underscores.")
            start = st.radio("Start it", options=list(books.BOOK_STARTS), horizontal=True, key="books-new-start",
                             format_func={"empty": "Empty", "demo": "With the demo portfolio",
                                          "files": "From import files"}.get)
            new_files = {}
            if start == "files":
                for kind in FILE_KINDS:
                    upload = st.file_uploader(f"{kind}.csv", type=["csv", "txt"], key=f"books-new-{kind}",
                                              disabled=not editable)
                    if upload is not None:
                        new_files[kind] = (upload.name, upload.getvalue())
            if st.button("Create the book", key="books-create", icon=":material/add:", disabled=not editable,
                         help=write_help):
                try:
                    with st.spinner("Creating the book..."):
                        created = books.create_book(new_name, start=start, files=new_files)
                except ClientGradeError as error:
                    st.error(escape_markdown(str(error)))
                else:
                    switch_to_book(str(created.path))
                    st.session_state["data_settings_flash"] = f"The book {escape_markdown(created.name)} is created and open."
                    st.rerun()
        movable = [book for book in books.list_books() if not books.is_start_book(book.path)]
        with st.container(border=True, key="books-rename"):
            st.markdown("**Rename or archive a book**")
            if not movable:
                st.caption("No other book to rename or archive (the book ClientGrade opens first stays as it is).")
            else:
                chosen = st.selectbox("Book", [str(book.path) for book in movable], key="books-chosen",
                                      format_func=lambda path: next(b.name for b in movable if str(b.path) == path))
                chosen_book = next(book for book in movable if str(book.path) == chosen)
                renamed_to = st.text_input("New name", key="books-rename-to", max_chars=60)
                rename_column, archive_column = st.columns(2)
                if rename_column.button("Rename", key="books-rename-button", icon=":material/edit:",
                                        disabled=not editable, help=write_help):
                    try:
                        close_book(chosen_book.path)
                        renamed = books.rename_book(chosen_book.name, renamed_to, chosen_book.path.parent)
                    except ClientGradeError as error:
                        st.error(escape_markdown(str(error)))
                    else:
                        if chosen_book.path == this_book.path:
                            switch_to_book(str(renamed.path))
                        st.session_state["data_settings_flash"] = (
                            f"{escape_markdown(chosen_book.name)} is now called {escape_markdown(renamed.name)}."
                        )
                        st.rerun()
                if archive_column.button("Archive", key="books-archive-button", icon=":material/archive:",
                                         disabled=not editable, help=write_help or
                                         "Moves the book and its models into the archive sub-folder; nothing is "
                                         "deleted."):
                    try:
                        close_book(chosen_book.path)
                        archived = books.archive_book(chosen_book.name, chosen_book.path.parent)
                    except ClientGradeError as error:
                        st.error(escape_markdown(str(error)))
                    else:
                        st.session_state["data_settings_flash"] = (
                            f"{escape_markdown(chosen_book.name)} is archived in {escape_markdown(archived.parent)}; nothing "
                            "was deleted."
                        )
                        st.rerun()
