"""Data & settings, "From your PSA and books": raw exports uploaded, recognised or mapped by hand, checked without
writing, imported, the mapping saved and downloaded as a TOML file the command line accepts."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from grading.cli import main as cli_main
from grading.db import book_admin
from grading.db.store import Store
from grading.demo import generate_demo
from grading.demo.raw_book import draw_raw_book
from grading.demo.raw_exports import write_connectwise_quickbooks
from grading.sources.saved_mapping import saved_mapping
from tests.app.test_page_data_settings import frame_with, open_page  # AppTest knows no key of a table
from tests.app.test_page_live_review import download_text, downloads, shown_as  # noqa: F401 - the fixture

TAB = "From your PSA and books"
UPLOADER = "raw-upload-0"

# Time entries as some other tool writes them: German headers no preset knows, hh:mm durations, day-first dates.
GERMAN_TIME = (
    "Kunde;Datum;Dauer;Tätigkeit\n"
    "Harbour Dental;03.03.2026;01:30;Fernwartung\n"
    "Harbour Dental;04.03.2026;02:00;Notdienst\n"
    "Miller Bakery;05.03.2026;00:45;Vor Ort\n"
).encode("utf-8")


@pytest.fixture
def empty_book(tmp_path, monkeypatch) -> Path:
    """A fresh, empty book (no clients) that the app opens."""
    path = tmp_path / "book.duckdb"
    with Store(path) as store:
        book_admin.start_empty_book(store)
    monkeypatch.setenv("CLIENTGRADE_DB", str(path))
    return path


@pytest.fixture(scope="module")
def connectwise_set(tmp_path_factory) -> Path:
    """A small ConnectWise PSA + QuickBooks Online set, written by the demo-exports code."""
    folder = tmp_path_factory.mktemp("cw-qb")
    portfolio = generate_demo(6, seed=7, end_month="2025-06")
    write_connectwise_quickbooks(draw_raw_book(portfolio), folder)
    return folder


def uploads(folder: Path) -> list[tuple[str, bytes, str]]:
    return [(path.name, path.read_bytes(), "application/octet-stream") for path in sorted(folder.iterdir())]


def open_tab(*, anonymize: bool = False) -> AppTest:
    return open_page(anonymize=anonymize, tab=TAB)


def upload(at: AppTest, files: list[tuple[str, bytes, str]]) -> AppTest:
    at.file_uploader(key=UPLOADER).set_value(files).run()
    assert not at.exception, [item.value for item in at.exception]
    return at


def key_of(content: bytes) -> str:
    """The key of a file's widgets: its content's, so a file removed above hands no choice to the next."""
    return hashlib.sha256(content).hexdigest()[:12]


def chosen(at: AppTest, prefix: str) -> dict[str, str]:
    return {box.key: box.value for box in at.selectbox if box.key and box.key.startswith(prefix)}


def mapped_preview(at: AppTest):
    """The one file's preview as it will be read: the table after its first rows."""
    return at.dataframe[1].value


def revision(path: Path) -> int:
    with Store(path) as store:
        return store.revision()


def clients(path: Path) -> list[str]:
    with Store(path) as store:
        return list(store.query("SELECT name FROM clients ORDER BY name")["name"])


def months(path: Path) -> int:
    with Store(path) as store:
        return int(store.scalar("SELECT count(*) FROM monthly_metrics"))


def test_a_connectwise_and_quickbooks_set_is_recognised_file_by_file(empty_book, connectwise_set):
    at = upload(open_tab(), uploads(connectwise_set))
    kinds = chosen(at, "raw-kind-")
    presets = chosen(at, "raw-preset-")
    assert sorted(kinds.values()) == ["companies", "costs", "invoices", "payments", "tickets", "time_entries"]
    by_kind = {kinds[f"raw-kind-{key.split('-')[2]}"]: value for key, value in presets.items()}
    assert set(by_kind) == set(kinds.values())
    assert by_kind == {"time_entries": "connectwise", "tickets": "connectwise", "invoices": "quickbooks",
                       "payments": "quickbooks", "companies": "generic", "costs": "generic"}
    captions = " ".join(caption.value for caption in at.caption)
    assert "ConnectWise PSA" in captions and "QuickBooks Online" in captions, "why each preset was chosen is said"
    time_rows = frame_with(at, "timeStart")
    assert 0 < len(time_rows) <= 5 and "actualHours" in time_rows.columns, "the first rows, as the file writes them"
    assert 0 < len(frame_with(at, "DocNumber")) <= 5


def test_an_unrecognised_file_gets_pickers_and_a_picker_changes_the_preview(empty_book):
    at = upload(open_tab(), [("zeiten.csv", GERMAN_TIME, "text/csv")])
    file = key_of(GERMAN_TIME)
    assert at.selectbox(key=f"raw-kind-{file}").value is None, "no kind is guessed for headers no preset knows"
    at.selectbox(key=f"raw-kind-{file}").set_value("time_entries").run()
    assert at.selectbox(key=f"raw-preset-{file}-time_entries").value == "generic"
    assert any("no preset recognises" in warning.value for warning in at.warning)
    prefix = f"raw-{file}-time_entries-generic"
    assert at.selectbox(key=f"{prefix}-col-client").options == ["(not in this file)", "Kunde", "Datum", "Dauer",
                                                                 "Tätigkeit"]
    preview = mapped_preview(at)
    assert "client" not in preview.columns
    at.selectbox(key=f"{prefix}-col-client").set_value("Kunde").run()
    preview = mapped_preview(at)
    assert list(preview["client"]) == ["Harbour Dental", "Harbour Dental", "Miller Bakery"]
    at.selectbox(key=f"{prefix}-col-work_type").set_value("Tätigkeit").run()
    # The value map offers the file's own work types; none is after-hours until the owner says so.
    value_map = at.multiselect(key=f"{prefix}-after_hours_work_types-Tätigkeit")
    assert value_map.options == ["Fernwartung", "Notdienst", "Vor Ort"] and value_map.value == []


def map_german_file(at: AppTest, content: bytes = GERMAN_TIME) -> AppTest:
    at.selectbox(key=f"raw-kind-{key_of(content)}").set_value("time_entries").run()
    prefix = f"raw-{key_of(content)}-time_entries-generic"
    for field, header in (("client", "Kunde"), ("date", "Datum"), ("hours", "Dauer"), ("work_type", "Tätigkeit")):
        at.selectbox(key=f"{prefix}-col-{field}").set_value(header).run()
    at.selectbox(key=f"{prefix}-hours-unit").set_value("hh:mm").run()
    at.multiselect(key=f"{prefix}-after_hours_work_types-Tätigkeit").set_value(["Notdienst"]).run()
    at.selectbox(key="raw-timezone").set_value("Europe/Berlin").run()
    assert not at.exception, [item.value for item in at.exception]
    return at


def test_check_shows_the_metrics_and_writes_nothing_then_import_writes(empty_book):
    at = map_german_file(upload(open_tab(), [("zeiten.csv", GERMAN_TIME, "text/csv")]))
    assert at.button(key="raw-import").disabled, "no import before a check"
    before = revision(empty_book)
    at.button(key="raw-check").click().run()
    assert not at.exception, [item.value for item in at.exception]
    assert revision(empty_book) == before and clients(empty_book) == [], "a check writes nothing"
    monthly = frame_with(at, "labor_hours")
    assert sorted(monthly["name"]) == ["Harbour Dental", "Miller Bakery"]
    assert sorted(monthly["labor_hours"]) == [0.75, 3.5]
    files = frame_with(at, "why")
    assert files.loc[0, "preset"] == "generic" and files.loc[0, "why"] == "mapped by hand"
    assert "would be written: 2 new" in shown_as(at.info[0].value)
    assert not at.button(key="raw-import").disabled
    at.button(key="raw-import").click().run()
    assert not at.exception, [item.value for item in at.exception]
    assert clients(empty_book) == ["Harbour Dental", "Miller Bakery"] and months(empty_book) == 2
    assert revision(empty_book) > before
    assert "Imported" in at.success[0].value
    saved = saved_mapping(Store(empty_book))
    assert saved.kinds["time_entries"].columns["hours"] == "Dauer"
    assert saved.kinds["time_entries"].after_hours_work_types == ("Notdienst",)
    assert saved.settings["timezone"] == "Europe/Berlin"


def test_a_decimal_comma_chosen_on_the_page_reads_1_250_as_one_and_a_quarter(empty_book):
    # "1,250" alone cannot tell: by the cells it is a thousands separator; the owner knows better.
    comma = "Kunde;Datum;Stunden\nHarbour Dental;03.03.2026;1,250\n".encode()
    at = upload(open_tab(), [("zeiten.csv", comma, "text/csv")])
    at.selectbox(key=f"raw-kind-{key_of(comma)}").set_value("time_entries").run()
    prefix = f"raw-{key_of(comma)}-time_entries-generic"
    for field, header in (("client", "Kunde"), ("date", "Datum"), ("hours", "Stunden")):
        at.selectbox(key=f"{prefix}-col-{field}").set_value(header).run()
    at.button(key="raw-check").click().run()
    assert list(frame_with(at, "labor_hours")["labor_hours"]) == [1250.0]
    at.selectbox(key=f"{prefix}-decimal").set_value(",").run()
    at.button(key="raw-check").click().run()
    assert list(frame_with(at, "labor_hours")["labor_hours"]) == [1.25]


def test_a_change_after_the_check_asks_for_another_check(empty_book):
    at = map_german_file(upload(open_tab(), [("zeiten.csv", GERMAN_TIME, "text/csv")]))
    at.button(key="raw-check").click().run()
    assert not at.button(key="raw-import").disabled
    at.selectbox(key=f"raw-{key_of(GERMAN_TIME)}-time_entries-generic-hours-unit").set_value("hours").run()
    assert at.button(key="raw-import").disabled, "the check was of other choices"


def test_a_bad_file_is_refused_on_the_page_with_file_row_and_column(empty_book):
    bad = GERMAN_TIME.replace(b"04.03.2026", b"31.02.2026")
    at = map_german_file(upload(open_tab(), [("zeiten.csv", bad, "text/csv")]), bad)
    before = revision(empty_book)
    at.button(key="raw-check").click().run()
    issues = frame_with(at, "problem")
    assert list(issues["file"]) == ["zeiten.csv"] and list(issues["row"]) == [3] and list(issues["column"]) == ["Datum"]
    assert "nothing was written" in at.error[0].value
    assert at.button(key="raw-import").disabled and revision(empty_book) == before


def test_an_empty_upload_says_so_and_is_not_read(empty_book):
    at = upload(open_tab(), [("empty.csv", b"", "text/csv")])
    assert [shown_as(error.value) for error in at.error] == ["empty.csv: the file is empty"]
    assert not at.get("button") or not any(button.key == "raw-check" for button in at.button)


def test_the_downloaded_mapping_is_a_toml_file_the_command_line_imports_with(empty_book, tmp_path, downloads):
    at = map_german_file(upload(open_tab(), [("zeiten.csv", GERMAN_TIME, "text/csv")]))
    text = download_text(at, downloads, "raw-mapping-download")
    assert tomllib.loads(text)["time_entries"]["columns"]["client"] == "Kunde"
    (tmp_path / "mapping.toml").write_text(text, encoding="utf-8")
    (tmp_path / "zeiten.csv").write_bytes(GERMAN_TIME)
    other = tmp_path / "cli.duckdb"
    assert cli_main(["import-raw", "--db", str(other), "--mapping", str(tmp_path / "mapping.toml"),
                     "--time-entries", str(tmp_path / "zeiten.csv")]) == 0
    with Store(other) as store:
        hours = store.query("SELECT c.name, m.labor_hours FROM monthly_metrics AS m JOIN clients AS c USING "
                            "(client_id) ORDER BY c.name")
    assert list(hours["name"]) == ["Harbour Dental", "Miller Bakery"] and list(hours["labor_hours"]) == [3.5, 0.75]


def test_the_recognised_set_imports_and_next_month_starts_from_the_saved_mapping(empty_book, connectwise_set):
    at = upload(open_tab(), uploads(connectwise_set))
    at.button(key="raw-check").click().run()
    assert not at.exception, [item.value for item in at.exception]
    files = frame_with(at, "why")
    assert files["why"].str.startswith("recognised").all()
    at.button(key="raw-import").click().run()
    assert not at.exception, [item.value for item in at.exception]
    assert len(clients(empty_book)) == 6
    assert at.file_uploader(key="raw-upload-1").value in (None, []), "the uploader starts empty after an import"
    again = at
    again.file_uploader(key="raw-upload-1").set_value(uploads(connectwise_set)).run()
    presets = {box.value for box in again.selectbox if box.key and box.key.startswith("raw-preset-")}
    assert presets == {"saved"}, "files the saved mapping fits start from it"
    again.button(key="raw-check").click().run()
    assert shown_as(again.info[0].value).count("0 new, 0 replaced") == 2, \
        "the same files again change nothing"


CW_TIME = (b"id,company/identifier,company/name,timeStart,actualHours\n"
           b"1,HARB,Harbour Dental,2026-03-02T10:00:00Z,2\n"
           b"2,MILL,Miller Bakery,2026-03-03T10:00:00Z,1\n")
QB_INVOICES = (b"DocNumber,CustomerRef.name,TxnDate,TotalAmt\n"
               b"1,Harbour Dental Ltd,2026-03-31,100\n"
               b"2,Harbor Dentistry,2026-03-31,40\n")


def test_a_name_that_matches_no_client_is_asked_about_and_the_answer_is_saved(empty_book):
    at = upload(open_tab(), [("time.csv", CW_TIME, "text/csv"), ("invoices.csv", QB_INVOICES, "text/csv")])
    at.button(key="raw-check").click().run()
    assert not at.exception, [item.value for item in at.exception]
    assert list(frame_with(at, "matches")["name"]) == ["Harbor Dentistry"]
    assert "1 row(s) could not be placed" in shown_as(at.warning[0].value) and "40.00 in money" in \
        shown_as(at.warning[0].value)
    question = at.selectbox(key="raw-name-0-Harbor Dentistry")
    assert {"Harbour Dental (HARB)", "Miller Bakery (MILL)", "A new client: Harbor Dentistry"} <= set(question.options)
    question.set_value("HARB").run()
    assert at.button(key="raw-import").disabled, "an answer changes what is imported: check again"
    at.button(key="raw-check").click().run()
    assert not at.get("warning") or not any("could not be placed" in w.value for w in at.warning)
    at.button(key="raw-import").click().run()
    assert not at.exception, [item.value for item in at.exception]
    with Store(empty_book) as store:
        revenue = store.scalar("SELECT revenue FROM monthly_metrics WHERE client_id = 'HARB'")
        choices = store.query("SELECT name, client_id FROM client_name_choices")
    assert revenue == 140.0
    assert choices.to_dict("records") == [{"name": "Harbor Dentistry", "client_id": "HARB"}]
    assert saved_mapping(Store(empty_book)).client_names == {"Harbor Dentistry": "HARB"}


def test_while_anonymizing_the_tab_takes_no_files(empty_book):
    at = open_tab(anonymize=True)
    assert not at.get("file_uploader") and "Anonymize names" in at.info[0].value


def test_a_file_removed_above_hands_no_choice_to_the_next(empty_book):
    other = GERMAN_TIME.replace(b"Miller Bakery", b"Miller Brewery")
    at = upload(open_tab(), [("zeiten.csv", GERMAN_TIME, "text/csv"), ("zeiten2.csv", other, "text/csv")])
    at.selectbox(key=f"raw-kind-{key_of(GERMAN_TIME)}").set_value("costs").run()
    upload(at, [("zeiten2.csv", other, "text/csv")])
    assert at.selectbox(key=f"raw-kind-{key_of(other)}").value is None, "the second file keeps its own (no) kind"


def test_a_viewer_cannot_upload_raw_exports(empty_book, monkeypatch):
    from grading import access
    from tests.app.test_app_access import log_in

    monkeypatch.setenv(access.PASSWORD_HASH_ENV["viewer"], access.hash_password("only looking"))
    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "app.py"), default_timeout=300)
    at.session_state["keep_data_settings_tab"] = TAB
    at.run()
    log_in(at, "only looking")
    at.switch_page("pages/data_settings.py").run()
    assert not at.exception, [item.value for item in at.exception]
    assert at.file_uploader(key=UPLOADER).proto.disabled
