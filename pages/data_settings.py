"""Data & settings: import with a validation report, templates and exports, the settings, the model, backups and
their restore, and a reset to the demo portfolio."""

import math
import zoneinfo

import pandas as pd
import streamlit as st

from grading import books
from grading.db import book_admin, maintenance
from grading.views import data_settings as view
from grading.views import raw_import as raw_view
from grading.views.settings_editor import setting_problems, weight_share_words
from grading.views.settings_preview import book_for_preview, changes_features, compare_grades
from grading.db.backup import backup_database, default_backup_folder, list_backups, restore_database
from grading.errors import ClientGradeError
from grading.importer import FILE_KINDS, contract_for, import_files, validate_files
from grading.importer.limits import upload_limit_mb
from grading.model import persistence, training
from grading.sources import KIND_NAMES, RAW_KINDS, MappingFile, check_raw, import_raw, mapping_toml, raw_settings
from grading.sources.saved_mapping import save_mapping, saved_mapping
from grading.sources.values import DATE_ORDERS, DECIMALS, HOURS_UNITS
from grading.formatting import count
from grading.settings import (
    SECTIONS,
    SETTINGS,
    load_settings,
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
import_tab, raw_tab, files_tab, settings_tab, model_tab, backups_tab, reset_tab, books_tab = st.tabs(
    ["Import", "From your PSA and books", "Templates & export", "Settings", "Model", "Backups", "Reset to demo",
     "Books"],
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

# -- raw exports from the PSA and the books -----------------------------------------------------------------
RAW_UPLOADS = "raw_uploads"  # file name and digest to the read upload (read once, not on every rerun)
RAW_CHECKED = "raw_checked"  # the last check: (signature, report)
RAW_ANSWERS = "raw_answers"  # the owner's answers for client names, name to client id
RAW_IMPORTED = "raw_imported"  # the report of the last import, shown once the uploads are cleared
RAW_UPLOADER = "raw_uploader_round"  # raised after an import, so the uploader starts empty


def _progress_bar(text: str):
    """A progress bar and the callback the library reports to (fraction, what it is doing)."""
    bar = st.progress(0.0, text=text)
    return bar, lambda fraction, what: bar.progress(min(max(float(fraction), 0.0), 1.0), text=f"{text} {what}...")


def _read_raw_uploads(uploads) -> list[raw_view.Upload]:
    """The uploads as the mapping screen reads them; each file is read once per content (kept in the session)."""
    known = st.session_state.setdefault(RAW_UPLOADS, {})
    read, seen = [], set()
    for upload in uploads or []:
        if upload.size > max_upload_mb * 1024 * 1024:
            st.error(f"{escape_markdown(upload.name)} is {upload.size / 1024 / 1024:,.1f} MB, over the "
                     f"{max_upload_mb:g} MB limit; it was not read. Import it with python -m grading import-raw.")
            continue
        content = upload.getvalue()
        key = (upload.name, upload.size, upload.file_id)
        if key not in known:
            with st.spinner(f"Reading {upload.name}..."):
                known[key] = raw_view.read_upload(upload.name, content)
        seen.add(key)
        read.append(known[key])
    for key in [key for key in known if key not in seen]:
        del known[key]
    return read


def _map_file(position: int, upload: raw_view.Upload, saved):
    """One file's mapping screen: its kind and preset, a picker per field, value maps; returns (RawFile, mapping)."""
    inspection = upload.inspection
    with st.container(border=True, key=f"raw-file-{position}"):
        st.markdown(f"**{escape_markdown(upload.name)}**: {inspection.rows:,} rows, header on row "
                    f"{inspection.header_row}")
        kind_column, preset_column = st.columns(2)
        kind = kind_column.selectbox(
            "Kind", options=list(KIND_NAMES), key=f"raw-kind-{upload.key}",
            index=KIND_NAMES.index(upload.kind) if upload.kind in KIND_NAMES else None,
            format_func=lambda name: RAW_KINDS[name].label.capitalize(), placeholder="Which kind of file is this?",
            help="What the file holds; guessed from its columns and its name.")
        if kind is None:
            st.warning("Say which kind of file this is; it is left out until then.")
            return None
        first, why = raw_view.first_choice(kind, inspection.headers, saved)
        options = raw_view.read_with_options(kind, inspection.headers, saved)
        option = preset_column.selectbox(
            "Read with", options=options, index=options.index(first), key=f"raw-preset-{upload.key}-{kind}",
            format_func=raw_view.option_label,
            help="The system that wrote the file (its preset), or your saved mapping. The pickers below start from it.")
        if why.startswith("recognised") or first == raw_view.SAVED:
            st.caption(escape_markdown(why[0].upper() + why[1:]))
        else:
            st.warning(f"{escape_markdown(why)}: pick the columns below.")
        st.dataframe(inspection.first_rows, hide_index=True, key=f"raw-first-rows-{position}")
        base = raw_view.base_mapping(option, kind, inspection.headers, saved)
        # Keyed by the file, not its place: a file removed above must not hand its choices to the next.
        prefix = f"raw-{upload.key}-{kind}-{option}"
        with st.expander("Columns and values", expanded=option == raw_view.GENERIC or first != option):
            columns = {}
            picker_columns = st.columns(3)
            required = set(RAW_KINDS[kind].required_fields) | set(RAW_KINDS[kind].one_of)
            for number, item in enumerate(RAW_KINDS[kind].fields):
                current = base.columns.get(item.name)
                choices = [""] + inspection.headers
                columns[item.name] = picker_columns[number % 3].selectbox(
                    item.name + (" *" if item.name in required else ""), options=choices,
                    index=choices.index(current) if current in choices else 0, key=f"{prefix}-col-{item.name}",
                    format_func=lambda header: header or "(not in this file)", help=item.help)
            values = {}
            chosen = raw_view.build_mapping(base, columns)
            for field_name, key, question in raw_view.VALUE_MAPS.get(kind, ()):
                found = raw_view.value_options(upload, chosen, field_name)
                if not found:
                    continue
                first_values = raw_view.chosen_values(found, getattr(base, key))
                picked = st.multiselect(question, options=found, default=first_values,
                                        key=f"{prefix}-{key}-{chosen.columns.get(field_name)}")
                values[key] = None if picked == first_values else picked
            unit = None
            if kind == "time_entries":
                units = list(HOURS_UNITS)
                unit = st.selectbox("Hours are written in", options=units, index=units.index(base.hours_unit),
                                    key=f"{prefix}-hours-unit")
            format_column, decimal_column = st.columns([2, 1])
            date_format = format_column.text_input(
                "Date format (strftime, e.g. %d.%m.%Y; empty: told by the dates)", value=base.date_format or "",
                key=f"{prefix}-date-format")
            decimals = ["", *DECIMALS]
            decimal = decimal_column.selectbox(
                "Decimal separator", options=decimals, index=decimals.index(base.decimal or ""),
                key=f"{prefix}-decimal", format_func=lambda sign: f"'{sign}'" if sign else "told by the numbers")
            mapping = raw_view.build_mapping(base, columns, values, hours_unit=unit, date_format=date_format,
                                             decimal=decimal)
            st.caption("The first rows as they will be read:")
            st.dataframe(raw_view.mapped_preview(inspection.first_rows, mapping), hide_index=True,
                         key=f"raw-mapped-preview-{position}")
        recognised = raw_view.recognised_preset(kind, inspection.headers)
        return raw_view.raw_file(upload, kind, option, recognised, mapping, base), mapping


def _show_raw_report(report) -> None:
    """The report of a check or an import: per file, per metric, the client-months, what could not be placed."""
    with st.container(key="raw-report"):
        st.dataframe(
            raw_view.files_frame(report), hide_index=True, key="raw-files-report",
            column_config={
                "file": st.column_config.TextColumn("File"), "kind": st.column_config.TextColumn("Kind"),
                "preset": st.column_config.TextColumn("Preset"), "why": st.column_config.TextColumn("Why"),
                "rows_read": st.column_config.NumberColumn("Rows read"),
                "rows_used": st.column_config.NumberColumn("Rows used"),
                "period": st.column_config.TextColumn("Period"),
                "unplaced_rows": st.column_config.NumberColumn("Rows not placed"),
                "unplaced_hours": st.column_config.NumberColumn("Hours not placed", format="%.2f"),
                "unplaced_money": st.column_config.NumberColumn("Money not placed", format="%.2f"),
                "notes": st.column_config.TextColumn("Read with; left out"),
            })
        if not report.ok:
            more = f" ({report.issues_not_listed:,} more not listed)" if report.issues_not_listed else ""
            st.error(f"{count(len(report.issues), 'problem')} found{more}; nothing was written. Fix the files or the "
                     "mapping and check again.")
            st.dataframe(raw_view.issues_frame(report), hide_index=True, key="raw-issues", column_config={
                "row": st.column_config.NumberColumn("Row", help="The row as a spreadsheet shows it.")})
            return
        unplaced = raw_view.unplaced_sentence(report)
        if unplaced:
            st.warning(escape_markdown(unplaced))
        for warning in report.warnings:
            st.warning(escape_markdown(warning))
        st.markdown("**Where each metric comes from**")
        st.dataframe(raw_view.metrics_frame(report), hide_index=True, key="raw-metrics")
        st.markdown("**The monthly metrics**")
        st.dataframe(raw_view.monthly_frame(report), hide_index=True, key="raw-monthly")
        st.info(escape_markdown(raw_view.written_sentence(report)))


def _client_answers(report, known_clients) -> None:
    """A choice per name that matched no client or two; the answers are kept in the session (RAW_ANSWERS)."""
    answers = st.session_state.setdefault(RAW_ANSWERS, {})
    if not report.unresolved:
        return
    with st.container(border=True, key="raw-client-names"):
        st.markdown("**Client names to resolve**")
        st.caption("These names match no client, or more than one. Say who each is; the answer is saved with the "
                   "import (and in the mapping), so next month's files place them too.")
        st.dataframe(raw_view.unresolved_frame(report), hide_index=True, key="raw-unresolved")
        for number, item in enumerate(report.unresolved):
            options = list(item.candidates) or list(known_clients)
            new = raw_view.new_client_label(item.name)
            picked = st.selectbox(f"'{escape_markdown(item.name)}' is", options=[new, *options], index=None,
                                  key=f"raw-name-{number}-{item.name}", placeholder="Leave out for now",
                                  format_func=lambda client: client if client == new else
                                  f"{known_clients.get(client, client)} ({client})")
            if picked is not None:
                answers[item.name] = item.name if picked == new else picked


with raw_tab:
    if raw_tab.open and controls.anonymize:
        st.subheader("From your PSA and books")
        # The files' rows and the names to resolve are the clients' own: nothing of them is drawn while sharing.
        st.info("'Anonymize names' is on, and the export files show your clients' names: turn it off in the sidebar "
                "to map, check and import them here.")
    elif raw_tab.open:
        st.subheader("From your PSA and books")
        st.write(
            "Drop the exports as your systems write them: time entries and tickets from the PSA, invoices and "
            "payments from the PSA or the books, optionally costs and a company list (CSV in any delimiter, UTF-8 "
            "or UTF-16, or .xlsx). Each file's system is recognised from its columns; adjust anything below, check "
            "what would be written, then import. Nothing is written before you press Import, and then everything "
            f"is written together or nothing is. Files over {max_upload_mb:g} MB are refused (setting max_upload_mb)."
        )
        if upload_note:
            st.info(upload_note)
        saved_raw = saved_mapping(store)
        if saved_raw is not None:
            st.caption("A mapping is saved with this book from an earlier import; files it fits are read with it.")
        raw_uploads = st.file_uploader(
            "Export files", type=["csv", "txt", "tsv", "xlsx"], accept_multiple_files=True,
            key=f"raw-upload-{st.session_state.get(RAW_UPLOADER, 0)}",
            max_upload_size=max(1, min(math.ceil(max_upload_mb), int(server_upload_mb))), disabled=not editable,
            help="Several files of one kind are read as one (Autotask's 5,000-row grid exports, for instance)."
            + ("" if editable else f" {READ_ONLY_HELP}"))
        uploads = _read_raw_uploads(raw_uploads)
        raw_files, mappings = [], []
        for position, upload in enumerate(uploads):
            if upload.inspection.problem:
                st.error(escape_markdown(upload.inspection.problem))
                continue
            mapped = _map_file(position, upload, saved_raw)
            if mapped is not None:
                raw_files.append(mapped[0])
                mappings.append(mapped[1])
        if raw_files:
            saved_settings = saved_raw.settings if saved_raw is not None else {}
            with st.container(border=True, key="raw-settings"):
                st.markdown("**Time zone and business hours** (they decide which tickets count as after-hours)")
                zones = sorted(zoneinfo.available_timezones())
                zone_column, hours_column, days_column, order_column = st.columns(4)
                zone = zone_column.selectbox("Time zone", options=zones, key="raw-timezone",
                                             index=zones.index(saved_settings.get("timezone", "UTC"))
                                             if saved_settings.get("timezone", "UTC") in zones else None)
                hours = hours_column.text_input("Business hours", key="raw-business-hours",
                                                value=saved_settings.get("business_hours", "08:00-18:00"))
                days = days_column.text_input("Working days", key="raw-working-days",
                                              value=saved_settings.get("working_days", "Mon-Fri"))
                orders = ["", *DATE_ORDERS]
                order = order_column.selectbox(
                    "Date order", options=orders, key="raw-date-order",
                    index=orders.index(saved_settings.get("date_order", "")),
                    format_func=lambda value: value or "told by each file",
                    help="How to read dates like 03/04/2026 where no date in a file tells.")
            book_settings = {"timezone": zone or "UTC", "business_hours": hours.strip(),
                             "working_days": days.strip(), **({"date_order": order} if order else {})}
            checked = st.session_state.get(RAW_CHECKED)
            if checked is not None:
                _client_answers(checked[1], raw_view.known_clients(store, checked[1]))
            answers = {**(saved_raw.client_names if saved_raw is not None else {}),
                       **st.session_state.get(RAW_ANSWERS, {})}
            book_mapping = raw_view.mapping_for_book(mappings, answers, book_settings)
            answers_only = MappingFile(client_names=dict(answers))
            fingerprint = raw_view.signature(uploads, raw_files, book_mapping)
            try:
                raw_run_settings = raw_settings(None, timezone=book_settings["timezone"],
                                                business_hours=book_settings["business_hours"],
                                                working_days=book_settings["working_days"], date_order=order or None)
            except ClientGradeError as error:
                st.error(escape_markdown(str(error)))
                raw_run_settings = None
            check_column, import_column, download_column = st.columns(3)
            if check_column.button("Check (nothing is written)", key="raw-check", icon=":material/fact_check:",
                                   disabled=raw_run_settings is None):
                bar, report_progress = _progress_bar("Checking:")
                try:
                    with raw_view.on_disk(raw_files) as files_on_disk:
                        checked = (fingerprint, check_raw(store, files_on_disk, mapping=answers_only,
                                                          settings=raw_run_settings, progress=report_progress))
                except ClientGradeError as error:
                    checked = None
                    st.error(escape_markdown(str(error)))
                bar.empty()
                st.session_state[RAW_CHECKED] = checked
                if checked is not None and checked[1].unresolved:
                    st.rerun()  # draw the questions for the names above the buttons
            ready = checked is not None and checked[0] == fingerprint and checked[1].ok
            save_next = st.checkbox("Save this mapping with the book for next month", value=True, key="raw-save")
            if import_column.button("Import", type="primary", key="raw-import", icon=":material/upload:",
                                    disabled=not editable or not ready or raw_run_settings is None,
                                    help=write_help or ("" if ready else "Check the files first (again after a "
                                                                          "change).")):
                bar, report_progress = _progress_bar("Importing:")
                try:
                    with raw_view.on_disk(raw_files) as files_on_disk:
                        written = import_raw(store, files_on_disk, mapping=answers_only, settings=raw_run_settings,
                                             progress=report_progress, raise_on_problems=False)
                except ClientGradeError as error:
                    written = None
                    st.error(escape_markdown(str(error)))
                bar.empty()
                if written is not None and written.ok:
                    if save_next:
                        save_mapping(store, book_mapping)
                    for key in (RAW_CHECKED, RAW_ANSWERS, RAW_UPLOADS):
                        st.session_state.pop(key, None)
                    st.session_state[RAW_IMPORTED] = written
                    st.session_state[RAW_UPLOADER] = st.session_state.get(RAW_UPLOADER, 0) + 1
                    st.session_state["data_settings_flash"] = (
                        "Imported. " + escape_markdown(raw_view.written_sentence(written))
                        + " The grades and charts on every page now include these clients."
                        + (" The mapping is saved for next month." if save_next else ""))
                    st.rerun()
                if written is not None:
                    st.session_state[RAW_CHECKED] = checked = (fingerprint, written)
            download_column.download_button(
                "Download the mapping (TOML)", data=mapping_toml(book_mapping), file_name="clientgrade-mapping.toml",
                mime="application/toml", icon=":material/download:", key="raw-mapping-download",
                help="The same recipe as a mapping file: python -m grading import-raw --mapping clientgrade-mapping.toml")
            if checked is not None and checked[0] == fingerprint:
                _show_raw_report(checked[1])
            elif checked is not None:
                st.caption("The files or the choices changed since the last check: check again before importing.")
        elif st.session_state.get(RAW_IMPORTED) is not None:
            st.markdown("**The last import**")
            _show_raw_report(st.session_state[RAW_IMPORTED])

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
# The owner's draft, per book: what the fields hold that is not saved. Streamlit forgets a field's value when a run
# does not draw it (another page, another tab), so the draft is kept apart and the fields are filled from it when
# they come back. The "clientgrade_" prefix keeps it through a switch of book (each book has its own draft).
DRAFTS = "clientgrade_settings_drafts"
# Per book, the saved value each field was last filled from: when the saved value changes under a field (a save,
# a reset, another session), the field follows it.
FILLED_FROM = "clientgrade_settings_filled_from"
# The book whose values the fields hold now.
FIELDS_BOOK = "settings_fields_book"


def _widget_value(item, value):
    """The value as the setting's widget holds it (number inputs keep ints and floats apart)."""
    if item.kind == "int":
        return int(value)
    if item.kind == "float":
        return float(value)
    return value


def _fill_fields(saved: dict) -> None:
    """Put the saved values back in every field and forget this book's draft (from a callback: before the fields
    are drawn)."""
    book = str(store.path)
    st.session_state.get(DRAFTS, {}).pop(book, None)
    st.session_state.setdefault(FILLED_FROM, {})[book] = dict(saved)
    for item in SETTINGS:
        st.session_state[f"{SETTING_KEY}{item.name}"] = _widget_value(item, saved[item.name])


def _reset_to_saved() -> None:
    _fill_fields(load_settings(store))


def _defaults_into_fields() -> None:
    """Put every default in the fields, as a draft: the preview shows what they would change, Save commits them."""
    for item in SETTINGS:
        st.session_state[f"{SETTING_KEY}{item.name}"] = _widget_value(item, item.default)


#: Steps of the +/- buttons where a whole unit is too coarse (the rest step by 1).
FINE_STEPS = {"flight_risk_rate_factor": 0.1, "max_upload_mb": 0.5}


def _setting_widget(item, label: str, key: str, help_text: str):
    """Draw one setting's field, live (no form): a change reruns the page and with it the preview."""
    if item.kind == "bool":
        return st.checkbox(label, help=help_text, key=key)
    if item.kind == "choice":
        return st.selectbox(label, options=list(item.choices), help=help_text, key=key)
    if item.kind == "int":
        return st.number_input(label, step=1, min_value=None if item.minimum is None else int(item.minimum),
                               max_value=None if item.maximum is None else int(item.maximum), help=help_text,
                               key=key)
    # %g: "1000" and "65", not "1000.00" and "65.00"; a value typed with decimals keeps them.
    return st.number_input(label, step=FINE_STEPS.get(item.name, 1.0), format="%g",
                           min_value=None if item.minimum is None else float(item.minimum),
                           max_value=None if item.maximum is None else float(item.maximum), help=help_text,
                           key=key)


def _draw_order(names: tuple[str, ...]) -> list[str]:
    """A section's settings in the order to lay out: a switch first (full width: its label is a sentence), then
    a criterion's full-marks and zero-marks points side by side, its weight after them."""
    items = [setting(name) for name in names]
    switches = [item.name for item in items if item.kind == "bool"]
    rest = [item.name for item in items if item.kind != "bool"]
    if any(not name.startswith("weight_") for name in rest):
        rest = sorted(rest, key=lambda name: name.startswith("weight_"))
    return switches + rest


with settings_tab:
    if settings_tab.open:
        st.subheader("Settings")
        book = str(store.path)
        drafts = st.session_state.setdefault(DRAFTS, {})
        filled_from = st.session_state.setdefault(FILLED_FROM, {}).setdefault(book, {})
        same_book = st.session_state.get(FIELDS_BOOK) == book
        for item in SETTINGS:
            key, saved = f"{SETTING_KEY}{item.name}", current[item.name]
            if not same_book or key not in st.session_state:
                st.session_state[key] = _widget_value(item, drafts.get(book, {}).get(item.name, saved))
            elif filled_from.get(item.name, saved) != saved:
                st.session_state[key] = _widget_value(item, saved)
            filled_from[item.name] = saved
        st.session_state[FIELDS_BOOK] = book
        # The fields' values as this run sees them (a change made in the browser is already in), read before they
        # are drawn so that a problem shows beside its field and the preview beside them all.
        values = {item.name: st.session_state[f"{SETTING_KEY}{item.name}"] for item in SETTINGS}
        draft = view.changed_settings(current, values)
        if draft:
            drafts[book] = draft
        else:
            drafts.pop(book, None)
        # The labels speak the currency being chosen, saved or not.
        currency = str(values["currency"])
        problems = setting_problems({**current, **values}, currency, server_upload_mb)
        shares = weight_share_words({**current, **values})

        st.write("Change any value: the preview on the right shows at once which clients would change grade. "
                 "Nothing is saved until you press Save; each setting's help (?) says what it does."
                 + ("" if editable else f" {READ_ONLY_HELP} You can still try values in the preview."))
        fields_column, preview_column = st.columns([5, 7], gap="medium")
        # The fields scroll in a box of their own, so the preview stays in view whichever field is changed.
        with fields_column, st.container(height=720, key="settings-fields"):
            for section in SECTIONS:
                st.markdown(f"**{section.title}**")
                st.caption(section.measures)
                order = _draw_order(section.names)
                switches = [name for name in order if setting(name).kind == "bool"]
                places = [st.container() for _ in switches]
                columns = st.columns(2)
                places += [columns[position % 2] for position in range(len(order) - len(switches))]
                for name, place in zip(order, places, strict=True):
                    with place:
                        _setting_widget(setting(name), setting_label(name, currency), f"{SETTING_KEY}{name}",
                                        setting_help(name))
                        if name in problems:
                            st.error(escape_markdown(problems[name]), icon=":material/error:")
                        elif name in shares:
                            st.caption(shares[name])
        with preview_column, st.container(border=True, key="settings-preview"):
            st.markdown("**Preview**")
            st.caption(f"The book graded as of {controls.as_of:%d %B %Y} (the date in the sidebar), with the saved "
                       "settings and with the values on the left.")
            preview = None
            if problems:
                st.warning(f"Fix {count(len(problems), 'field')} marked in red to see the preview and save: "
                           + "; ".join(escape_markdown(setting_label(name, currency)) for name in problems) + ".")
            elif not draft:
                st.markdown("These are the saved settings. Change a value to see which clients would change grade.")
            else:
                try:
                    saved_book = data.portfolio(controls.as_of)
                    graded_book = saved_book
                    if changes_features(current, draft):
                        # A window or labor cost changes the features: the book is graded once per such value.
                        graded_book = data.computed(book_for_preview, store, controls.as_of, models_dir,
                                                    values["scoring_window_months"], values["labor_cost_rate"])
                    preview = data.computed(compare_grades, saved_book, graded_book, current, draft)
                except ClientGradeError as error:
                    st.error(escape_markdown(str(error)))
            if preview is not None:
                st.markdown(escape_markdown(preview.sentence))
                st.caption(escape_markdown(preview.flag_sentence))
                if preview.count:
                    st.caption(escape_markdown(preview.effective_sentence))
                    listed = for_display(preview.clients, controls)
                    st.dataframe(
                        # The alias stands for the client; no id leaves the server, anonymized or not.
                        listed.drop(columns="client_id"), hide_index=True, key="settings-preview-table",
                        column_order=["name", "grade_change", "effective_change", "why"],
                        column_config={
                            "name": st.column_config.TextColumn("Client", width=150),
                            "grade_change": st.column_config.TextColumn(
                                "Rule grade", width=80,
                                help="The rule grade now, then with the values on the left."),
                            "effective_change": st.column_config.TextColumn(
                                "Effective", width=75,
                                help="The effective grade (manual, else suggested, else rule) now, then with the "
                                "values on the left."),
                            "why": st.column_config.TextColumn(
                                "Why", width="large",
                                help="What moved the score most, and the score now and with the values on the left."),
                        },
                    )
            changed_words = "; ".join(escape_markdown(setting_label(name, currency)) for name in draft)
            if draft:
                st.caption(f"Not saved yet ({count(len(draft), 'change')}): {changed_words}.")
            save_column, back_column = st.columns(2)
            save = save_column.button(
                "Save settings", type="primary", key="save-settings", icon=":material/save:",
                disabled=not editable or bool(problems),
                help=write_help or ("Fix the fields marked in red first." if problems else
                                    "Save the values on the left; every page grades with them from then on."))
            back_column.button("Reset to saved", key="reset-draft", icon=":material/undo:", on_click=_reset_to_saved,
                               disabled=not draft, help="Put the saved value back in every field.")
            st.button("Fill in the defaults", on_click=_defaults_into_fields, key="defaults-into-fields",
                      icon=":material/restart_alt:",
                      help="Put every setting's default in the fields. Nothing is saved: the preview shows what the "
                      "defaults would change, and Save keeps them.")
        if save and not draft:
            st.info("Nothing to save: every field holds its saved value.")
        elif save:
            try:
                # The same checks again at the door: a value another session saved meanwhile may contradict.
                view.check_settings({**current, **draft})
                save_settings(store, draft)
            except ClientGradeError as error:
                st.error(escape_markdown(str(error)))
            else:
                drafts.pop(book, None)
                st.session_state["data_settings_flash"] = (
                    f"Saved {count(len(draft), 'setting')}: "
                    + "; ".join(setting_label(name, str(draft.get("currency", currency))) for name in draft) + ".")
                st.rerun()

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
