"""The live review page in Streamlit's AppTest: start a session, decide on three clients, resume it, export."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from grading.db.store import Store
from tests.review_book import write_review_book

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "pages/live_review.py"


@pytest.fixture
def book_db(tmp_path, monkeypatch):
    """A database holding the review book; CLIENTGRADE_DB points at it (so no demo is written)."""
    db_path = tmp_path / "book" / "portfolio.duckdb"
    with Store(db_path) as book:
        clients = write_review_book(book)
    monkeypatch.setenv("CLIENTGRADE_DB", str(db_path))
    monkeypatch.setenv("CLIENTGRADE_MODELS", str(tmp_path / "book" / "models"))
    return clients


def open_page(*, anonymize: bool = False) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if anonymize:
        # AppTest draws app.py's sidebar only on the first run (a switched-to page runs on its own, reading the
        # shared controls kept from that run), so the switch is set before it.
        at.session_state["keep_anonymize"] = True
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, at.exception
    return at


def start_session(at: AppTest, title: str = "Quarterly review") -> AppTest:
    at.text_input(key="review-new-title").set_value(title)
    at.text_input(key="review-new-attendees").set_value("Anna, Ben")
    at.multiselect(key="review-new-grades").set_value(["C", "D"])
    at.run()
    at.button(key="review-start").click()
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def downloads(monkeypatch):
    """What the page's download buttons hand out, by media file id (AppTest keeps no file after a run)."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    files: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def remember(self, path_or_data, mimetype, kind, filename=None):
        file_id = original(self, path_or_data, mimetype, kind, filename)
        files[file_id] = path_or_data if isinstance(path_or_data, bytes) else Path(path_or_data).read_bytes()
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", remember)
    return files


def download_text(at: AppTest, files: dict[str, bytes], key: str) -> str:
    url = at.download_button(key=key).proto.url
    file_id = url.rsplit("/", 1)[-1].split(".")[0]
    return files[file_id].decode("utf-8")


def shown_as(markdown: str) -> str:
    """A Markdown text as the reader sees it: backslash escapes (of names, notes, details) and the invisible word
    joiners escape_markdown places inside links, icons and dashes removed."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def rendered_text(at: AppTest) -> str:
    """Everything the page sent to the browser (text, widgets, tables, chart data), as one text to search."""
    def nodes(node):
        yield node
        for child in getattr(node, "children", {}).values():
            yield from nodes(child)

    payload = b"".join(
        node.proto.SerializeToString() for node in nodes(at._tree) if getattr(node, "proto", None) is not None
    )
    tables = " ".join(frame.value.astype(str).to_csv() for frame in at.dataframe)
    return payload.decode("utf-8", errors="replace") + tables


def widget_key(at: AppTest, kind: str, prefix: str) -> str:
    """The key of the one widget of ``kind`` whose key starts with ``prefix`` (the current client's)."""
    keys = [widget.key for widget in getattr(at, kind) if widget.key and widget.key.startswith(prefix)]
    assert len(keys) == 1, keys
    return keys[0]


def decide(at: AppTest, decision: str, **inputs) -> AppTest:
    """Fill the current client's inputs and press a decision button."""
    if "notice" in inputs:
        at.number_input(key=widget_key(at, "number_input", "review-notice-")).set_value(inputs["notice"])
    if "handover" in inputs:
        at.text_area(key=widget_key(at, "text_area", "review-handover-")).set_value(inputs["handover"])
    if "price" in inputs:
        at.number_input(key=widget_key(at, "number_input", "review-price-")).set_value(inputs["price"])
    if "steps" in inputs:
        at.multiselect(key=widget_key(at, "multiselect", "review-steps-")).set_value(inputs["steps"])
        at.run()
    if "owner" in inputs:
        at.text_input(key=widget_key(at, "text_input", "review-owner-")).set_value(inputs["owner"])
    if "note" in inputs:
        at.text_area(key=widget_key(at, "text_area", "review-note-")).set_value(inputs["note"])
    if "caller" in inputs:
        at.radio(key=widget_key(at, "radio", "review-caller-")).set_value(inputs["caller"])
    at.button(key=f"review-decide-{decision}").click()
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [element.value for element in at.error]
    return at


def open_tab(at: AppTest, label: str) -> AppTest:
    """Open one of the session's tabs, as a click on it does (only the open tab runs)."""
    at.session_state["keep_review_tab"] = label
    at.run()
    assert not at.exception, at.exception
    return at


def walk_three_clients(at: AppTest) -> AppTest:
    decide(at, "fire", notice=2, handover="Hand over the passwords", caller="dread")
    decide(at, "raise_price", price=12.0, owner="Ben", note="Pays late but pays")
    decide(at, "lift", steps=["electronic_payment", "review_meeting"], owner="Anna")
    return at


def test_empty_database_says_what_to_do(empty_db):
    at = open_page()
    assert any("No clients to review yet" in element.value for element in at.main.subheader)


def test_a_new_session_shows_its_first_client_and_progress(book_db):
    at = start_session(open_page())
    assert any("Quarterly review" in element.value for element in at.main.subheader)
    assert any("started with" in element.value for element in at.success)
    assert at.header[0].value.startswith("1. ")
    assert [metric.label for metric in at.metric][:3] == ["Rule grade", "Suggested grade", "Manual grade"]


def test_deciding_moves_to_the_next_client_and_counts_progress(book_db):
    at = walk_three_clients(start_session(open_page()))
    assert at.header[0].value.startswith("4. ")
    assert any("Saved: Lift one grade" in element.value for element in at.success)
    assert not at.get("download_button"), "the summary does not run while the walk is open"
    summary_counts = {metric.label: metric.value for metric in open_tab(at, "Summary").metric}
    assert summary_counts["Fire"] == "1"
    assert summary_counts["Raise price"] == "1"
    assert summary_counts["Lift one grade"] == "1"


def test_a_session_resumes_at_its_first_undecided_client_in_a_new_browser_session(book_db):
    walk_three_clients(start_session(open_page(), title="Resume me"))
    again = open_page()
    chosen = again.selectbox(key="keep_review_session")
    assert "Resume me" in chosen.format_func(chosen.value)
    assert "3 of" in chosen.format_func(chosen.value)
    assert again.header[0].value.startswith("4. ")
    assert any(name in rendered_text(again) for name in book_db["name"]), "names show when not anonymizing"
    again.button(key="review-prev").click()
    again.run()
    assert again.header[0].value.startswith("3. ")
    assert any("Decided so far: **Lift one grade: 2 steps**" in shown_as(element.value) for element in again.info)


def test_the_summary_downloads_hold_the_decisions(book_db, downloads):
    at = open_tab(walk_three_clients(start_session(open_page())), "Summary")
    markdown = download_text(at, downloads, "review-download-md")
    assert "# Review: Quarterly review" in markdown
    assert "Fire, 2 months' notice" in markdown
    assert "Raise price by 12%" in markdown
    assert "Electronic payment / direct debit" in markdown
    assert "Hand over the passwords" in markdown
    assert "## Projected impact of the firing and price decisions" in markdown
    csv_text = download_text(at, downloads, "review-download-csv")
    # With a byte order mark, so Excel on Windows reads the file as UTF-8.
    assert csv_text.startswith("\ufeff")
    assert csv_text.removeprefix("\ufeff").splitlines()[0].startswith("position,client_id,name,grade,decision")
    assert {"fire", "raise_price", "lift"} <= set(line.split(",")[4] for line in csv_text.splitlines()[1:])


def test_anonymized_exports_hold_no_client_name(book_db, downloads):
    walk_three_clients(start_session(open_page()))
    at = open_page(anonymize=True)
    assert at.header[0].value.startswith("4. Client ")
    page_text = rendered_text(at)
    open_tab(at, "Summary")
    markdown = download_text(at, downloads, "review-download-md")
    csv_text = download_text(at, downloads, "review-download-csv")
    page_text += rendered_text(at) + rendered_text(open_tab(at, "Lift plans"))
    for name in book_db["name"]:
        assert name not in markdown
        assert name not in csv_text
        assert name not in page_text
    assert "Client 0" in markdown
    assert "Hand over the passwords" not in markdown
