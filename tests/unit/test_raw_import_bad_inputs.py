"""Every kind of bad raw input is refused with a message naming file, row and column, and nothing is written."""

from __future__ import annotations

import shutil

import pytest

from grading.cli import main
from grading.errors import ClientGradeError, ImportValidationError
from grading.sources import RawFile, import_raw, raw_settings, read_mapping
from grading.db.store import Store
from tests.unit.raw_handmade import CW_TICKETS, CW_TIME, write_exports
from tests.memory_stores import table_rows

GENERIC_TIME = "client,date,hours\nC1,{date},1.5\nC1,{date2},2\n"


@pytest.fixture(scope="module")
def imported_book(tmp_path_factory):
    """A database file holding the hand-made ConnectWise and QuickBooks import, made once for the module."""
    folder = write_exports(tmp_path_factory.mktemp("good"))
    path = folder / "book.duckdb"
    with Store(path) as store:
        import_raw(store, [
            RawFile("time_entries", folder / "cw_time.csv"), RawFile("tickets", folder / "cw_tickets.csv"),
            RawFile("invoices", folder / "qb_invoices.xlsx", preset="quickbooks"),
            RawFile("payments", folder / "qb_payments.csv"),
        ], settings=raw_settings(timezone="America/New_York"))
        store.checkpoint()
    return path


@pytest.fixture
def book(imported_book, tmp_path):
    """A private copy of the imported book."""
    copy = tmp_path / "book.duckdb"
    shutil.copyfile(imported_book, copy)
    with Store(copy) as store:
        yield store


# (case, files as (kind, file name, content, preset), mapping TOML or None, what the message must say)
BAD_INPUTS = [
    ("a tickets file given as time entries", [("time_entries", "t.csv", CW_TICKETS, None)], None,
     "t.csv: this looks like ConnectWise PSA tickets, not time entries: give it as --tickets"),
    ("a required field missing", [("time_entries", "t.csv", CW_TIME.replace("actualHours", "billedHours"),
                                   "connectwise")], None,
     "t.csv: the ConnectWise PSA preset finds no column for hours in this file"),
    ("a date that cannot be read", [("time_entries", "t.csv", GENERIC_TIME.format(date="2026-03-02",
                                                                                  date2="yesterday"), None)], None,
     "t.csv, row 3, column 'date': 'yesterday' cannot be read as a date or date-time"),
    ("dates whose order cannot be told", [("time_entries", "t.csv", GENERIC_TIME.format(date="03/04/2026",
                                                                                        date2="04/03/2026"), None)],
     None, "t.csv, row 2, column 'date': '03/04/2026' reads as a date two ways"),
    ("dates written both ways in one column",
     [("time_entries", "t.csv", GENERIC_TIME.format(date="13/04/2026", date2="04/13/2026"), None)], None,
     "column 'date': dates are written both day-first (row 2) and month-first (row 3)"),
    ("negative hours", [("time_entries", "t.csv", CW_TIME.replace(",2,DoNotBill", ",-2,DoNotBill"), None),
                        ("tickets", "k.csv", CW_TICKETS, None)], None,
     "t.csv, row 4, column 'actualHours': negative hours (-2) cannot be time spent"),
    ("an hours cell that is no duration", [("time_entries", "t.csv", GENERIC_TIME.format(date="2026-03-02",
                                                                                        date2="2026-03-03")
                                            .replace(",2\n", ",two\n"), None)], None,
     "t.csv, row 3, column 'hours': 'two' cannot be read as a duration"),
    ("the same entry id twice", [("time_entries", "t.csv", CW_TIME.replace("\n2,HARB", "\n1,HARB"), None),
                                 ("tickets", "k.csv", CW_TICKETS, None)], None,
     "t.csv, row 3, column 'id': entry id '1' appears twice (first in t.csv row 2)"),
    ("a ticket in no tickets file", [("time_entries", "t.csv", CW_TIME.replace(",102,", ",999,"), None),
                                     ("tickets", "k.csv", CW_TICKETS, None)], None,
     "t.csv, row 4, column 'chargeToId': ticket '999' is in no tickets file"),
    ("time on tickets without a tickets file", [("time_entries", "t.csv", "ticket,date,hours\n7,2026-03-02,1\n",
                                                 None)], None,
     "t.csv, row 2, column 'ticket': the entry names ticket '7' but no client, and no tickets file was given"),
    ("an unknown preset", [("time_entries", "t.csv", CW_TIME, "psa9000")], None,
     "t.csv: 'psa9000' is not a preset; use one of connectwise, autotask"),
    ("a mapping naming a column the file lacks", [("time_entries", "t.csv", "Kunde;Datum;Dauer\nA;2026-03-02;1\n",
                                                   None)],
     '[time_entries]\ncolumns = { client = "Kunde", date = "Datum", hours = "Stunden" }\n',
     "t.csv, column 'Stunden': the mapping file's [time_entries] names column 'Stunden' for hours, but the file has "
     "no such column (its columns: Kunde, Datum, Dauer)"),
    ("the generic preset on other headers", [("costs", "c.csv", "Kunde,Datum,Betrag\nA,2026-03-01,5\n", "generic")],
     None, "c.csv: the generic preset reads headers named as the fields, and this file has none for client, date, "
     "amount"),
    ("negative seats", [("companies", "c.csv", "client,name,seats\nK1,Oak,-3\n", None)], None,
     "c.csv, row 2, column 'seats': a client cannot have -3 seats"),
    ("an empty file", [("invoices", "i.csv", "", None)], None, "i.csv: the file is empty"),
    ("a header without rows", [("invoices", "i.csv", "invoice,client,date,total\n", None)], None,
     "i.csv: the file has a header but no rows"),
    ("a file that is not a table", [("invoices", "i.csv", "\x00\x01\x02binary\x00\x00\x00\x00", None)], None,
     "i.csv: the file is not a table"),
    ("one column of text", [("invoices", "i.csv", "Dear owner,\nplease find attached\n", None)], None,
     "i.csv: the file is not a table (no header row of two or more columns was found)"),
    ("a row longer than its header", [("invoices", "i.csv", "invoice,client,date,total\n1,A,2026-03-01,5\n"
                                       "2,B,2026-03-02,6,7\n", None)], None,
     "i.csv, row 3: a row has more cells than the header"),
    ("an old Excel workbook", [("invoices", "i.xls", "\xd0\xcf\x11\xe0rest", None)], None,
     "i.xls: the file is an old Excel .xls workbook; save it as .xlsx or CSV"),
    ("a required value left empty", [("invoices", "i.csv", "invoice,client,date,total\n1,A,2026-03-01,5\n"
                                      "2,,2026-03-02,6\n", None)], None,
     "i.csv, row 3, column 'client': client is empty; every row needs one"),
]


@pytest.mark.parametrize("case, files, mapping, message", BAD_INPUTS, ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_is_refused_with_file_row_and_column_and_nothing_is_written(
    book, tmp_path, case, files, mapping, message
):
    raw_files = []
    for kind, name, content, preset in files:
        path = tmp_path / name
        path.write_bytes(content.encode("latin-1") if "\x00" in content or "\xd0" in content else content.encode())
        raw_files.append(RawFile(kind, path, preset=preset))
    mapping_file = None
    if mapping is not None:
        (tmp_path / "mapping.toml").write_text(mapping, encoding="utf-8")
        mapping_file = read_mapping(tmp_path / "mapping.toml")
    before = table_rows(book, whole=True)
    with pytest.raises(ImportValidationError) as refused:
        import_raw(book, raw_files, mapping=mapping_file)
    assert message in str(refused.value), case
    assert "nothing was written" in str(refused.value)
    assert table_rows(book, whole=True) == before


def test_an_unknown_preset_before_a_path_is_one_sentence_on_stderr(tmp_path, capsys):
    (tmp_path / "t.csv").write_text(CW_TIME, encoding="utf-8")
    assert main(["import-raw", "--db", str(tmp_path / "b.duckdb"), "--time-entries", f"psa9000:{tmp_path / 't.csv'}"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: 'psa9000' in ") and "is not a preset; use one of connectwise" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "option, value, message",
    [
        ("--timezone", "Mars/Olympus", "'Mars/Olympus' is not a time zone"),
        ("--business-hours", "9 to 5", "business hours '9 to 5' are not HH:MM-HH:MM"),
        ("--business-hours", "18:00-08:00", "business hours '18:00-08:00' end before they start"),
        ("--working-days", "Mon-Funday", "working days 'Mon-Funday' are not like Mon-Fri"),
    ],
)
def test_a_bad_setting_is_one_sentence_on_stderr_and_exit_1(tmp_path, capsys, option, value, message):
    (tmp_path / "t.csv").write_text(CW_TIME, encoding="utf-8")
    db = tmp_path / "b.duckdb"
    assert main(["import-raw", "--db", str(db), "--time-entries", str(tmp_path / "t.csv"), option, value]) == 1
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not db.exists()


def test_check_lists_every_problem_and_exits_1(tmp_path, capsys):
    (tmp_path / "t.csv").write_text(CW_TIME.replace(",1.5,", ",-1.5,").replace(",102,", ",999,"), encoding="utf-8")
    (tmp_path / "k.csv").write_text(CW_TICKETS, encoding="utf-8")
    code = main(["import-raw", "--db", str(tmp_path / "b.duckdb"), "--time-entries", str(tmp_path / "t.csv"),
                 "--tickets", str(tmp_path / "k.csv"), "--check"])
    assert code == 1
    err = capsys.readouterr().err
    assert "t.csv, row 2, column 'actualHours': negative hours (-1.5)" in err
    assert "Traceback" not in err


def test_a_client_gradeerror_is_what_every_refusal_is():
    assert issubclass(ImportValidationError, ClientGradeError)
