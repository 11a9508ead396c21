"""Every kind of bad input is refused with a message naming file, row and column, and nothing is written."""

from __future__ import annotations

import shutil

import pytest

from grading.errors import ImportValidationError
from grading.db.store import Store
from grading.importer import import_files, validate_files
from tests.memory_stores import table_rows

CLIENTS = (
    "client_id,name,service_model,seats,client_since\n"
    "C001,Harbour Dental,managed,25,2019-04-01\n"
    "C002,Miller Logistics,break_fix,8,2022-11-15\n"
)
MONTHLY_HEADER = "client_id,month,revenue,labor_hours,direct_costs,tickets,after_hours_tickets,emergency_tickets\n"
ASSESSMENTS_HEADER = "client_id,assessed_on,assessor,pays_on_time,values_service,caller_id,note\n"
GRADES_HEADER = "client_id,graded_on,grade,grader,note\n"


@pytest.fixture(scope="module")
def portfolio_template(tmp_path_factory):
    """A database holding two clients, a month of metrics, an assessment and a grade, imported once per module."""
    path = tmp_path_factory.mktemp("bad-inputs") / "portfolio.duckdb"
    with Store(path) as store:
        import_files(
            store,
            {
                "clients": ("clients.csv", CLIENTS.encode()),
                "monthly": ("monthly.csv", (MONTHLY_HEADER + "C001,2024-05,4250.00,38.5,610,31,2,1\n").encode()),
                "assessments": ("assessments.csv",
                                (ASSESSMENTS_HEADER + "C001,2024-06-03,Dana,5,4,happy,\n").encode()),
                "grades": ("grades.csv", (GRADES_HEADER + "C001,2024-06-10,A,Dana,Model client\n").encode()),
            },
        )
    return path


@pytest.fixture
def portfolio(portfolio_template, tmp_path):
    """A store of its own holding the template's two clients, month of metrics, assessment and grade."""
    path = tmp_path / "portfolio.duckdb"
    shutil.copyfile(portfolio_template, path)
    with Store(path) as store:
        yield store


# (case, kind, file text, row, column, words the message must hold)
BAD_CELLS = [
    ("negative revenue", "monthly", MONTHLY_HEADER + "C001,2024-06,100,1,,,,\nC001,2024-07,-5,1,,,,\n",
     3, "revenue", "0 or more"),
    ("negative labor hours", "monthly", MONTHLY_HEADER + "C001,2024-06,100,-1,,,,\n", 2, "labor_hours", "0 or more"),
    ("negative seats", "clients", "client_id,name,seats\nC003,Acme,-3\n", 2, "seats", "0 or more"),
    ("score above 5", "assessments", ASSESSMENTS_HEADER + "C001,2024-07-01,Dana,6,4,happy,\n",
     2, "pays_on_time", "between 1 and 5"),
    ("score below 1", "assessments", ASSESSMENTS_HEADER + "C001,2024-07-01,Dana,3,0,happy,\n",
     2, "values_service", "between 1 and 5"),
    ("grade outside A-D", "grades", GRADES_HEADER + "C001,2024-07-01,E,Dana,\n", 2, "grade", "not one of A, B, C, D"),
    ("after-hours tickets above tickets", "monthly", MONTHLY_HEADER + "C001,2024-06,100,1,,3,4,0\n",
     2, "after_hours_tickets", "may not exceed tickets"),
    ("emergency tickets above tickets", "monthly", MONTHLY_HEADER + "C001,2024-06,100,1,,3,0,5\n",
     2, "emergency_tickets", "may not exceed tickets"),
    ("unknown client in monthly", "monthly", MONTHLY_HEADER + "C001,2024-06,100,1,,,,\nC999,2024-06,100,1,,,,\n",
     3, "client_id", "not a known client"),
    ("unknown client in grades", "grades", GRADES_HEADER + "C404,2024-07-01,B,Dana,\n",
     2, "client_id", "not a known client"),
    ("duplicate client", "clients", "client_id,name\nC010,One\nC011,Two\nC010,Three\n",
     4, "client_id", "duplicate: row 2"),
    ("duplicate client-month", "monthly", MONTHLY_HEADER + "C001,2024-06,100,1,,,,\nC001,2024-06-20,90,1,,,,\n",
     3, "client_id", "duplicate: row 2"),
    ("duplicate assessment", "assessments",
     ASSESSMENTS_HEADER + "C001,2024-07-01,Dana,3,3,,\nC001,2024-07-01,dana,3,3,,\nC001,2024-07-01,Dana,4,4,,\n",
     4, "client_id", "duplicate: row 2"),
    ("exact duplicate grade", "grades", GRADES_HEADER + "C001,2024-07-01,B,Dana,x\nC001,2024-07-01,B,Dana,x\n",
     3, "client_id", "duplicate: row 2"),
    ("impossible month", "monthly", MONTHLY_HEADER + "C001,2024-13,100,1,,,,\n",
     2, "month", "not a month or date that exists"),
    ("impossible date", "assessments", ASSESSMENTS_HEADER + "C001,2024-02-30,Dana,3,3,,\n",
     2, "assessed_on", "not a date that exists"),
    ("impossible date in a month column", "monthly", MONTHLY_HEADER + "C001,2023-02-29,100,1,,,,\n",
     2, "month", "not a month or date that exists"),
    ("date in another format", "grades", GRADES_HEADER + "C001,03/04/2024,B,Dana,\n",
     2, "graded_on", "YYYY-MM-DD"),
    ("year out of range", "clients", "client_id,name,client_since\nC003,Acme,1066-10-14\n",
     2, "client_since", "year outside"),
    ("NaN", "monthly", MONTHLY_HEADER + "C001,2024-06,NaN,1,,,,\n", 2, "revenue", "not a finite number"),
    ("infinity", "monthly", MONTHLY_HEADER + "C001,2024-06,100,inf,,,,\n", 2, "labor_hours", "not a finite number"),
    ("text in a number column", "monthly", MONTHLY_HEADER + "C001,2024-06,lots,1,,,,\n",
     2, "revenue", "not a number"),
    ("fraction in a whole-number column", "monthly", MONTHLY_HEADER + "C001,2024-06,100,1,,2.5,,\n",
     2, "tickets", "not a whole number"),
    ("missing required value", "clients", "client_id,name\nC003,\n", 2, "name", "a value is required"),
    ("ambiguous thousands separator", "monthly", MONTHLY_HEADER + "C001,2024-06,1.234,1,,,,\n",
     2, "revenue", "ambiguous"),
    ("decimal point and comma mixed in a column", "monthly",
     MONTHLY_HEADER + "C001,2024-06,10.5,1,,,,\nC001,2024-07,\"7,5\",1,,,,\nC001,2024-08,3.25,1,,,,\n",
     3, "revenue", "same decimal separator"),
    ("unknown service model", "clients", "client_id,name,service_model\nC003,Acme,outsourced\n",
     2, "service_model", "not one of managed"),
    ("unknown caller id", "assessments", ASSESSMENTS_HEADER + "C001,2024-07-01,Dana,3,3,furious,\n",
     2, "caller_id", "not one of happy"),
    ("missing required column", "monthly", "client_id,month,labor_hours\nC001,2024-06,1\n",
     1, "revenue", "required column is missing"),
    ("column named twice", "clients", "client_id,name,Name\nC003,Acme,Acme\n", 1, "name", "appears twice"),
]


@pytest.mark.parametrize(
    ("kind", "text", "row", "column", "words"),
    [case[1:] for case in BAD_CELLS],
    ids=[case[0] for case in BAD_CELLS],
)
def test_bad_cell_is_refused_naming_file_row_and_column_and_nothing_changes(portfolio, kind, text, row, column, words):
    before = table_rows(portfolio, whole=True)
    with pytest.raises(ImportValidationError) as raised:
        import_files(portfolio, {kind: (f"my_{kind}.csv", text.encode())})
    matching = [
        issue for issue in raised.value.issues
        if issue.file == f"my_{kind}.csv" and issue.row == row and issue.column == column and words in issue.message
    ]
    assert matching, raised.value.issues
    message = str(raised.value)
    assert f"my_{kind}.csv, row {row}, column '{column}'" in message
    assert table_rows(portfolio, whole=True) == before


# (case, kind, file content, row or None, words the message must hold)
BAD_FILES = [
    ("empty file", "clients", b"", None, "empty"),
    ("only blank lines", "monthly", b"\xef\xbb\xbf\n \r\n", None, "empty"),
    ("binary file", "clients", b"PK\x03\x04\x14\x00\x00\x00\x08\x00client_id", 1, "binary"),
    ("NUL byte further down", "grades", GRADES_HEADER.encode() + b"C001,2024-07-01,B\x00,Dana,\n", 2, "NUL"),
    ("UTF-16 text", "clients", "client_id,name\nC003,Acme\n".encode("utf-16"), None, "UTF-16"),
    ("Latin-1 text", "clients", "client_id,name\nC003,Müller\n".encode("latin-1"), 2, "not UTF-8"),
    ("too many values in a row", "clients", b"client_id,name\nC003,Acme\nC004,Beta,extra\n", 3, "has 3 values"),
    ("unterminated quote", "clients", b'client_id,name\nC003,"Acme\n', 2, "not valid CSV"),
]


@pytest.mark.parametrize(
    ("kind", "content", "row", "words"),
    [case[1:] for case in BAD_FILES],
    ids=[case[0] for case in BAD_FILES],
)
def test_unreadable_file_is_refused_with_a_clear_message_and_nothing_changes(portfolio, kind, content, row, words):
    before = table_rows(portfolio, whole=True)
    with pytest.raises(ImportValidationError) as raised:
        import_files(portfolio, {kind: (f"my_{kind}.csv", content)})
    (issue,) = raised.value.issues
    assert issue.file == f"my_{kind}.csv"
    assert issue.row == row
    assert words in issue.message
    assert table_rows(portfolio, whole=True) == before


def test_all_problems_of_all_files_are_reported_at_once(portfolio):
    monthly = MONTHLY_HEADER + "C001,2024-06,-1,1,,,,\nC001,2024-07,1,abc,,,,\n"
    grades = GRADES_HEADER + "C001,2024-07-01,Z,Dana,\n"
    with pytest.raises(ImportValidationError) as raised:
        import_files(portfolio, {"monthly": ("m.csv", monthly.encode()), "grades": ("g.csv", grades.encode())})
    where = {(issue.file, issue.row, issue.column) for issue in raised.value.issues}
    assert where == {("m.csv", 2, "revenue"), ("m.csv", 3, "labor_hours"), ("g.csv", 2, "grade")}


def test_a_flood_of_problems_is_capped_and_the_rest_counted(portfolio):
    rows = "".join(f"C001,{year}-{month:02d},-1,1,,,,\n" for year in range(1990, 2030) for month in range(1, 13))
    with pytest.raises(ImportValidationError) as raised:
        import_files(portfolio, {"monthly": ("m.csv", (MONTHLY_HEADER + rows).encode())})
    assert len(raised.value.issues) == 200
    assert raised.value.truncated == 480 - 200
    assert "280 more problems" in str(raised.value)


def test_validation_lists_problems_without_raising_or_writing(portfolio):
    before = table_rows(portfolio, whole=True)
    report = validate_files(portfolio, {"grades": ("g.csv", (GRADES_HEADER + "C001,2024-07-01,E,Dana,\n").encode())})
    assert not report.ok
    assert [(issue.row, issue.column) for issue in report.issues] == [(2, "grade")]
    assert "nothing was written" in report.summary()
    assert table_rows(portfolio, whole=True) == before


def test_four_files_with_an_error_in_the_last_write_nothing(store):
    before = table_rows(store, whole=True)
    files = {
        "clients": ("clients.csv", CLIENTS.encode()),
        "monthly": ("monthly.csv", (MONTHLY_HEADER + "C001,2024-05,4250.00,38.5,610,31,2,1\n").encode()),
        "assessments": ("assessments.csv", (ASSESSMENTS_HEADER + "C002,2024-06-03,Dana,2,2,dread,\n").encode()),
        "grades": ("grades.csv", (GRADES_HEADER + "C001,2024-06-10,A,Dana,\nC002,2024-06-10,F,Dana,\n").encode()),
    }
    with pytest.raises(ImportValidationError) as raised:
        import_files(store, files)
    assert [(issue.file, issue.row, issue.column) for issue in raised.value.issues] == [("grades.csv", 3, "grade")]
    assert table_rows(store, whole=True) == before
    assert store.scalar("SELECT count(*) FROM clients") == 0
