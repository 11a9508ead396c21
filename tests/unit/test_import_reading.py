"""Files as they come from real PSAs and spreadsheets import correctly: BOM, semicolons, German decimals, odd case."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from grading.errors import ImportValidationError
from grading.importer import import_files, import_frames, validate_files
from grading.importer import reading
from grading.db.store import Store
from tests.memory_stores import table_rows

CLIENTS = "client_id,name,service_model,seats,client_since\nC001,Harbour Dental,managed,25,2019-04-01\n"


def test_semicolon_file_with_bom_german_decimals_and_odd_headers_imports(store):
    clients = "\ufeff Client_ID ;NAME; Service_Model ;seats\nC001;Müller GmbH;Break/Fix;12\nC002;Beta;BREAK-FIX;3\n"
    monthly = (
        "client_id;month;revenue;labor_hours;direct_costs\n"
        "C001;2024-01;1.234,50;12,5;1.000\n"
        "C001;2024-02;980;3,25;0\n"
        "C002;2024-01;2.000.000;1;12,75\n"
    )
    report = import_files(
        store,
        {"clients": ("clients.csv", clients.encode("utf-8")), "monthly": ("monthly.csv", monthly.encode("utf-8"))},
    )
    assert report.ok and report.written
    assert store.rows("SELECT client_id, name, service_model, seats FROM clients ORDER BY client_id") == [
        ("C001", "Müller GmbH", "break_fix", 12),
        ("C002", "Beta", "break_fix", 3),
    ]
    assert store.rows(
        "SELECT client_id, strftime(month, '%Y-%m'), revenue, labor_hours, direct_costs "
        "FROM monthly_metrics ORDER BY ALL"
    ) == [
        ("C001", "2024-01", 1234.5, 12.5, 1000.0),
        ("C001", "2024-02", 980.0, 3.25, 0.0),
        ("C002", "2024-01", 2_000_000.0, 1.0, 12.75),
    ]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["1234.5", "1.234"], [1234.5, 1.234]),  # a decimal point elsewhere: 1.234 is one point two three four
        (["1234,5", "1.234"], [1234.5, 1234.0]),  # a decimal comma elsewhere: 1.234 is twelve hundred thirty-four
        (["1.234,50", "7"], [1234.5, 7.0]),
        (["1,234.50", "1,234"], [1234.5, 1234.0]),
        (["1 234,50", "1'234"], [1234.5, 1234.0]),
        (["0.125", "+3"], [0.125, 3.0]),
        (["1e3", ""], [1000.0, None]),
    ],
)
def test_decimal_separator_is_read_from_the_whole_column(store, cells, expected):
    import_files(store, {"clients": ("c.csv", CLIENTS.encode())})
    lines = [f'C001,2024-{month:02d},"{cell}",1' for month, cell in enumerate(cells, start=1) if cell]
    import_files(store, {"monthly": ("m.csv", ("client_id,month,revenue,labor_hours\n" + "\n".join(lines)).encode())})
    revenues = [value for (value,) in store.rows("SELECT revenue FROM monthly_metrics ORDER BY month")]
    assert revenues == [value for value in expected if value is not None]


def test_month_may_be_given_as_a_date_and_is_stored_as_the_first_of_the_month(store):
    monthly = "client_id,month,revenue,labor_hours\nC001,2024-03-31,1,1\nC001,2024-4,1,1\nC001,2024-05-01T00:00:00,1,1\n"
    import_files(store, {"clients": ("c.csv", CLIENTS.encode()), "monthly": ("m.csv", monthly.encode())})
    assert [str(month) for (month,) in store.rows("SELECT month FROM monthly_metrics ORDER BY month")] == [
        "2024-03-01",
        "2024-04-01",
        "2024-05-01",
    ]


def test_leap_day_is_a_date_but_not_in_a_common_year(store):
    grades = "client_id,graded_on,grade\nC001,2024-02-29,b\n"
    import_files(store, {"clients": ("c.csv", CLIENTS.encode()), "grades": ("g.csv", grades.encode())})
    assert store.rows("SELECT strftime(graded_on, '%Y-%m-%d'), grade FROM grade_events") == [("2024-02-29", "B")]
    with pytest.raises(ImportValidationError):
        import_files(store, {"grades": ("g.csv", b"client_id,graded_on,grade\nC001,2023-02-29,B\n")})


def test_unknown_columns_are_ignored_and_listed_as_warnings(store):
    clients = "client_id,name,account manager,Colour\nC001,Harbour Dental,Dana,blue\n"
    report = import_files(store, {"clients": ("c.csv", clients.encode())})
    assert report.files["clients"].warnings == ["columns not in the contract were ignored: account manager, colour"]
    assert "warning: columns not in the contract were ignored" in report.summary()


def test_whitespace_around_values_and_empty_rows_are_ignored(store):
    clients = "client_id,name,seats\n  C001 ,  Harbour Dental  , 25 \n,,\n\n"
    report = import_files(store, {"clients": ("c.csv", clients.encode())})
    assert report.files["clients"].rows_read == 1
    assert store.rows("SELECT client_id, name, seats FROM clients") == [("C001", "Harbour Dental", 25)]


def test_row_numbers_count_blank_lines_as_a_spreadsheet_does(store):
    clients = "client_id,name,seats\nC001,A,1\n\nC002,B,-1\n"
    with pytest.raises(ImportValidationError) as raised:
        import_files(store, {"clients": ("c.csv", clients.encode())})
    assert [(issue.row, issue.column) for issue in raised.value.issues] == [(4, "seats")]


def test_oversize_upload_is_refused_before_it_is_parsed(store, monkeypatch):
    def must_not_be_called(*args, **kwargs):
        raise AssertionError("an oversize file was decoded")

    monkeypatch.setattr(reading, "decode", must_not_be_called)
    content = (CLIENTS + "C002,Beta,managed,3,2020-01-01\n" * 40_000).encode()
    with pytest.raises(ImportValidationError) as raised:
        import_files(store, {"clients": ("big.csv", content)}, max_upload_mb=1)
    (issue,) = raised.value.issues
    assert issue.file == "big.csv" and "more than the 1 MB allowed" in issue.message


def test_oversize_file_on_disk_is_refused_by_its_size_alone(store, tmp_path, monkeypatch):
    def must_not_be_called(*args, **kwargs):
        raise AssertionError("an oversize file was decoded")

    monkeypatch.setattr(reading, "decode", must_not_be_called)
    path = tmp_path / "clients.csv"
    path.write_bytes(b"\x00" * (2 * 1024 * 1024))
    report = validate_files(store, {"clients": path}, max_upload_mb=1)
    assert [issue.file for issue in report.issues] == ["clients.csv"]
    assert "max_upload_mb" in report.issues[0].message


def test_the_size_limit_comes_from_the_setting_when_not_given(store):
    from grading.settings import save_settings

    save_settings(store, {"max_upload_mb": 0.1})
    content = (CLIENTS + "C002,Beta,managed,3,2020-01-01\n" * 5_000).encode()
    report = validate_files(store, {"clients": ("c.csv", content)})
    assert "more than the 0.1 MB allowed" in report.issues[0].message


def test_importing_the_same_files_twice_changes_nothing(store, tmp_path):
    files = {
        "clients": CLIENTS + "C002,Beta,break/fix,,\n",
        "monthly": "client_id,month,revenue,labor_hours,tickets\nC001,2024-01,100,2,3\nC002,2024-01,50,1,\n",
        "assessments": "client_id,assessed_on,pays_on_time,caller_id\nC001,2024-02-01,4,happy\n",
        "grades": "client_id,graded_on,grade,grader,note\nC001,2024-02-02,A,Dana,\nC002,2024-02-02,D,Dana,late\n",
    }
    paths = {}
    for kind, text in files.items():
        paths[kind] = tmp_path / f"{kind}.csv"
        paths[kind].write_text(text, encoding="utf-8")
    first = import_files(store, paths)
    after_first = table_rows(store, whole=True)
    second = import_files(store, paths)
    assert table_rows(store, whole=True) == after_first
    assert [file.rows_new for file in first.files.values()] == [2, 2, 1, 2]
    assert [(file.rows_new, file.rows_replaced, file.rows_unchanged) for file in second.files.values()] == [
        (0, 0, 2),
        (0, 0, 2),
        (0, 0, 1),
        (0, 0, 2),
    ]


def test_a_changed_month_replaces_the_stored_one_and_a_new_grade_is_appended(store):
    import_files(
        store,
        {
            "clients": ("c.csv", CLIENTS.encode()),
            "monthly": ("m.csv", b"client_id,month,revenue,labor_hours\nC001,2024-01,100,2\n"),
            "grades": ("g.csv", b"client_id,graded_on,grade\nC001,2024-01-15,C\n"),
        },
    )
    report = import_files(
        store,
        {
            "monthly": ("m.csv", b"client_id,month,revenue,labor_hours\nC001,2024-01-20,120,2\nC001,2024-02,90,1\n"),
            "grades": ("g.csv", b"client_id,graded_on,grade\nC001,2024-01-15,C\nC001,2024-03-01,B\n"),
        },
    )
    assert (report.files["monthly"].rows_new, report.files["monthly"].rows_replaced) == (1, 1)
    assert store.rows("SELECT revenue FROM monthly_metrics ORDER BY month") == [(120.0,), (90.0,)]
    assert store.rows("SELECT grade, source FROM grade_events ORDER BY event_id") == [("C", "import"), ("B", "import")]
    assert store.scalar("SELECT grade FROM current_grades WHERE client_id = 'C001'") == "B"


def test_a_column_left_out_keeps_what_is_stored_and_an_empty_cell_clears_it(store):
    import_files(store, {"clients": ("c.csv", CLIENTS.encode())})
    import_files(store, {"clients": ("c.csv", b"client_id,name,seats\nC001,Harbour Dental Group,\n")})
    assert store.rows("SELECT name, service_model, seats FROM clients") == [("Harbour Dental Group", "managed", None)]


def test_frames_with_typed_values_go_through_the_same_checks(store):
    clients = pd.DataFrame({"client_id": ["C1", "C2"], "name": ["One", "Two"], "seats": [5, 7],
                            "client_since": pd.to_datetime(["2020-01-01", None])})
    monthly = pd.DataFrame({"client_id": ["C1", "C2"], "month": pd.to_datetime(["2024-01-01", "2024-01-01"]),
                            "revenue": [1.234, 99.5], "labor_hours": [2.0, float("nan")]})
    with pytest.raises(ImportValidationError) as raised:
        import_frames(store, {"clients": clients, "monthly": monthly})
    assert [(issue.file, issue.row, issue.column) for issue in raised.value.issues] == [
        ("monthly.csv", 3, "labor_hours")
    ]
    monthly.loc[1, "labor_hours"] = 1.0
    report = import_frames(store, {"clients": clients, "monthly": monthly}, source="demo")
    assert report.written
    # 1.234 came from a number, so its decimal point is certain: no ambiguity with a thousands separator.
    assert store.rows("SELECT revenue FROM monthly_metrics ORDER BY client_id") == [(1.234,), (99.5,)]


def test_frames_record_their_source_on_grade_events(store):
    clients = pd.DataFrame({"client_id": ["C1"], "name": ["One"]})
    grades = pd.DataFrame({"client_id": ["C1"], "graded_on": pd.to_datetime(["2024-05-01"]), "grade": ["a"],
                           "grader": ["Owner"], "note": [None]})
    import_frames(store, {"clients": clients, "grades": grades}, source="demo")
    assert store.rows("SELECT grade, grader, note, source FROM grade_events") == [("A", "Owner", "", "demo")]


def test_no_file_at_all_is_refused(store):
    with pytest.raises(ImportValidationError, match="no file was given"):
        import_files(store, {})


def test_an_unknown_file_kind_is_refused(store):
    with pytest.raises(ImportValidationError, match="not an import file kind"):
        import_files(store, {"invoices": ("i.csv", b"a,b\n1,2\n")})


def _monthly_rows(seed: int = 8, clients: int = 12, months: int = 6) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    rows = []
    for client in range(1, clients + 1):
        for month in range(1, months + 1):
            tickets = int(rng.integers(0, 40))
            rows.append([
                f"C{client:03d}", f"2024-{month:02d}-01", f"{rng.uniform(100, 9000):.2f}", f"{rng.uniform(0, 60):.2f}",
                str(tickets), str(int(rng.integers(0, tickets + 1))),
            ])
    return rows


MONTHLY_HEADER = ["client_id", "month", "revenue", "labor_hours", "tickets", "after_hours_tickets"]


def _stored_after_import(store, monthly: str) -> list[tuple]:
    clients = "client_id,name\n" + "".join(f"C{client:03d},Client {client}\n" for client in range(1, 13))
    import_files(store, {"clients": ("clients.csv", clients.encode()), "monthly": ("monthly.csv", monthly.encode())})
    return store.rows("SELECT * FROM monthly_metrics ORDER BY client_id, month")


@pytest.mark.parametrize(
    "variant",
    ["quoted cells", "spaces around values", "no-break spaces around values", "windows line ends",
     "a blank line at the end", "a row with a missing last value"],
)
def test_a_plain_file_and_the_same_file_written_otherwise_store_the_same_rows(store, tmp_path, variant):
    rows = _monthly_rows()
    plain = ",".join(MONTHLY_HEADER) + "\n" + "".join(",".join(row) + "\n" for row in rows)
    if variant == "quoted cells":
        other = ",".join(MONTHLY_HEADER) + "\n" + "".join(",".join(f'"{cell}"' for cell in row) + "\n" for row in rows)
    elif variant == "spaces around values":
        other = ",".join(MONTHLY_HEADER) + "\n" + "".join(",".join(f" {cell}  " for cell in row) + "\n" for row in rows)
    elif variant == "no-break spaces around values":
        nbsp = "\u00a0"
        other = ",".join(MONTHLY_HEADER) + "\n" + "".join(",".join(nbsp + cell for cell in row) + "\n" for row in rows)
    elif variant == "windows line ends":
        other = plain.replace("\n", "\r\n")
    elif variant == "a blank line at the end":
        other = plain + "\n"
    else:
        # after_hours_tickets left off the last row: pandas reads it as empty, Arrow refuses the row.
        rows[-1][-1] = ""
        plain = ",".join(MONTHLY_HEADER) + "\n" + "".join(",".join(row) + "\n" for row in rows)
        other = plain.rstrip("\n").removesuffix(",") + "\n"
    expected = _stored_after_import(store, plain)
    assert len(expected) == len(rows)
    with Store(tmp_path / "other.duckdb") as other_store:
        assert _stored_after_import(other_store, other) == expected


def test_every_row_with_a_bad_month_is_named_though_months_are_parsed_once_each(store):
    rows = _monthly_rows()
    rows[2][1] = rows[7][1] = "2024-13"
    rows[4][1] = "2024-02-30"
    monthly = ",".join(MONTHLY_HEADER) + "\n" + "".join(",".join(row) + "\n" for row in rows)
    with pytest.raises(ImportValidationError) as raised:
        _stored_after_import(store, monthly)
    month_issues = [(issue.row, issue.message) for issue in raised.value.issues if issue.column == "month"]
    assert [row for row, _ in month_issues] == [4, 6, 9]
    assert "'2024-02-30'" in month_issues[1][1] and "exist" in month_issues[1][1]
    assert store.rows("SELECT count(*) FROM monthly_metrics") == [(0,)]


def test_a_repeated_client_month_is_refused_with_the_row_it_repeats(store):
    rows = _monthly_rows()
    rows.append(list(rows[5]))
    monthly = ",".join(MONTHLY_HEADER) + "\n" + "".join(",".join(row) + "\n" for row in rows)
    with pytest.raises(ImportValidationError) as raised:
        _stored_after_import(store, monthly)
    duplicates = [issue for issue in raised.value.issues if "duplicate" in issue.message]
    assert [(issue.row, issue.column) for issue in duplicates] == [(len(rows) + 1, "client_id")]
    assert "row 7" in duplicates[0].message
