"""The express way (DuckDB reads, checks and writes plain files) gives exactly what the careful way gives.

The careful way is the contract's one definition: the express way may decline any file, but a file it takes must
end up in the database exactly as the careful way would write it, with the same report.
"""

from __future__ import annotations

from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import grading.importer
from grading.errors import ImportValidationError
from grading.importer import CONTRACTS, import_files, validate_files
from grading.importer.express import express_import
from grading.db.store import Store
from tests.hypothesis_profiles import examples
from tests.memory_stores import new_store, table_rows

SEED_CLIENTS = b"client_id,name\nC1,One\nC2,Two\n"
MONTHLY = (
    b"client_id,month,revenue,labor_hours,direct_costs,tickets,after_hours_tickets\n"
    b"C1,2024-01,1234.50,12.0,,7,2\n"
    b"C1,2024-02-01,980,3.25,0.5,7,7\n"
    b"C2,2024-01,0.125,1000.1234,12,0,0\n"
)


def _seed(store: Store) -> None:
    import_files(store, {"clients": ("seed.csv", SEED_CLIENTS)})


def _express(store: Store, kind: str, content: bytes, *, write: bool = True):
    return express_import(store, {kind: (f"{kind}.csv", content)}, [kind], CONTRACTS, 1, write=write)


def _outcome(content_by_kind: dict[str, bytes], *, careful: bool) -> tuple[object, dict[str, str]]:
    """Import into a new store holding two clients; return the report's essentials (or the problems) and tables."""
    with new_store(_seed) as store:
        files = {kind: (f"{kind}.csv", content) for kind, content in content_by_kind.items()}
        patch = mock.patch.object(grading.importer, "express_import", lambda *args, **kwargs: None)
        try:
            if careful:
                with patch:
                    report = import_files(store, files, max_upload_mb=1)
            else:
                report = import_files(store, files, max_upload_mb=1)
        except ImportValidationError as error:
            return [str(issue) for issue in error.issues], table_rows(store)
        essentials = {
            kind: (file.file_name, file.rows_read, file.rows_new, file.rows_replaced, file.rows_unchanged,
                   file.warnings)
            for kind, file in report.files.items()
        }
        return essentials, table_rows(store)


# Cells close to what the express way takes, and many just outside it.
NUMBERS = ["0", "7", "12", "980", "1234.50", "0.125", "12.0", "1.234", "1.2345", "999.999", "5.", ".5", "+5", "-1",
           "1e5", "nan", "inf", "1,5", "1 234", "007", "2147483648", "1" + "0" * 400, ""]
MONTHS = ["2024-01", "2024-02-01", "2024-02-30", "2024-13", "2024-1", "1899-12", "2200-01", "2024/01/01",
          "2024-01-01T00:00:00", ""]
IDS = ["C1", "C2", "C3", " C1", "C1 ", "c1", "", "C\u00a01", '"C1"']


@st.composite
def monthly_files(draw, clean: bool | None = None):
    contract = CONTRACTS["monthly"]
    optional = [name for name in contract.column_names if name not in contract.required_columns]
    header = [*contract.required_columns, *draw(st.lists(st.sampled_from(optional), unique=True, max_size=4))]
    if draw(st.booleans()):
        header.append("extra")
    header = draw(st.permutations(header))
    # Half the files hold only cells the express way takes, so that it is compared on files it writes.
    clean = draw(st.booleans()) if clean is None else clean

    def cell(name):
        if name == "client_id":
            return st.sampled_from(IDS[:2] if clean else IDS)
        if name == "month":
            return st.sampled_from(MONTHS[:2] if clean else MONTHS)
        if name == "extra":
            return st.sampled_from(["", "x", "a b"] if clean else ["", "x", "a b", '"q"'])
        if clean and name.endswith("_tickets"):
            return st.sampled_from(["0", "7"])  # at most the tickets
        return st.sampled_from(NUMBERS[1:7] if clean and name == "tickets" else NUMBERS[:7] if clean else NUMBERS)

    rows = draw(st.lists(st.tuples(*(cell(name) for name in header)), min_size=1, max_size=6,
                         unique_by=lambda row: tuple(row[header.index(key)] for key in contract.key) if clean else row))
    delimiter = draw(st.sampled_from([",", ";"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    bom = draw(st.sampled_from(["", "\ufeff"]))
    header_cells = [name.upper() if draw(st.booleans()) else name for name in header]
    lines = [delimiter.join(header_cells), *(delimiter.join(row) for row in rows)]
    return (bom + newline.join(lines) + newline).encode("utf-8")


# The clean files and the others each get half the examples, as two tests: CI's two workers can share them (one
# test of all 120 examples is one of the longest of the suite, and a worker left with it last sets the run's time).
@pytest.mark.parametrize("clean", [True, False], ids=["clean cells", "any cells"])
@settings(max_examples=examples(60))
@given(data=st.data())
def test_a_monthly_file_gives_the_same_tables_and_report_both_ways(clean, data):
    content = data.draw(monthly_files(clean=clean), label="content")
    assert _outcome({"monthly": content}, careful=False) == _outcome({"monthly": content}, careful=True)


@settings(max_examples=examples(40))
@given(first=monthly_files(), second=monthly_files())
def test_a_second_import_over_stored_rows_gives_the_same_tables_and_report_both_ways(first, second):
    def both(careful):
        with new_store(_seed) as store:
            results = []
            for content in (first, second):
                patch = mock.patch.object(grading.importer, "express_import", lambda *args, **kwargs: None)
                try:
                    with patch if careful else mock.patch.object(grading.importer, "MAX_LISTED_ISSUES", 200):
                        report = import_files(store, {"monthly": ("m.csv", content)}, max_upload_mb=1)
                    results.append([(f.rows_read, f.rows_new, f.rows_replaced, f.rows_unchanged)
                                    for f in report.files.values()])
                except ImportValidationError as error:
                    results.append([str(issue) for issue in error.issues])
            return results, table_rows(store), store.revision()

    assert both(careful=False) == both(careful=True)


def test_a_plain_monthly_file_is_taken_the_express_way_and_written(store):
    import_files(store, {"clients": ("seed.csv", SEED_CLIENTS)})
    report = _express(store, "monthly", MONTHLY)
    assert report is not None and report.written
    assert store.rows("SELECT client_id, strftime(month, '%Y-%m'), revenue, direct_costs FROM monthly_metrics "
                      "ORDER BY ALL") == [
        ("C1", "2024-01", 1234.5, None),
        ("C1", "2024-02", 980.0, 0.5),
        ("C2", "2024-01", 0.125, 12.0),
    ]


def test_clients_and_their_monthly_file_are_taken_together_the_express_way(store):
    clients = b"client_id,name,service_model,seats,client_since\nC1,Harbour Dental,Break/Fix,25,2019-04-01\nC2,Two,,,\n"
    report = express_import(
        store, {"clients": ("c.csv", clients), "monthly": ("m.csv", MONTHLY)}, ["clients", "monthly"], CONTRACTS, 1,
        write=True,
    )
    assert report is not None
    assert store.rows("SELECT client_id, name, service_model, seats FROM clients ORDER BY client_id") == [
        ("C1", "Harbour Dental", "break_fix", 25),
        ("C2", "Two", None, None),
    ]
    assert store.scalar("SELECT count(*) FROM monthly_metrics") == 3


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ((b"1234.50", b"1.234"), "1.234 alone could be a thousands separator"),
        ((b"980,", b"980.,"), "a point with no digit after it"),
        ((b"980,", b"+980,"), "a sign"),
        ((b"980,", b"nan,"), "not a finite number"),
        ((b"2024-01,1234", b"2024/01,1234"), "a date that is not ISO"),
        ((b"C2,", b" C2,"), "surrounding whitespace"),
        ((b"C2,", b'"C2",'), "quotes"),
        ((b"C2,", b"C3,"), "an unknown client"),
        ((b"2024-02-01", b"2024-02-30"), "a date that does not exist"),
        ((b"7,7\n", b"7,8\n"), "more after-hours tickets than tickets"),
        ((b"C2,2024-01,", b"C1,2024-01,"), "a repeated key"),
        ((b"tickets\n", b"tickets,note\n"), "a row shorter than the header"),
    ],
)
def test_the_express_way_declines_what_it_cannot_vouch_for_and_writes_nothing(store, change, why):
    import_files(store, {"clients": ("seed.csv", SEED_CLIENTS)})
    before, revision = table_rows(store), store.revision()
    content = MONTHLY.replace(*change)
    assert content != MONTHLY
    assert _express(store, "monthly", content) is None, why
    assert table_rows(store) == before
    assert store.revision() == revision
    assert "express_monthly" not in store.rows("SELECT table_name FROM duckdb_tables()")


@pytest.mark.parametrize(
    "content",
    [
        MONTHLY.replace(b"\nC2", b"\n\nC2"),  # a blank line between rows
        MONTHLY.replace(b"\nC2", b"\n \nC2"),  # a line holding a space
        MONTHLY.replace(b"\n", b"\r"),  # old Mac line ends
        MONTHLY.replace(b"tickets\n", b"tickets,note\n").replace(b"2\n", b'2,"a\nC2,2024-03,1,1,,0,0"\n', 1),
        MONTHLY.replace(b"tickets\n", b"tickets,note\n").replace(b"\n", b",\x00\n"),
        MONTHLY.replace(b"\n", b",\n"),  # a trailing delimiter on every line
        MONTHLY.replace(b"C1,", b"C\xff,", 1),  # not UTF-8
    ],
    ids=["blank line", "space line", "carriage returns", "quoted line break", "NUL", "trailing delimiter", "latin-1"],
)
def test_odd_lines_give_the_same_tables_and_report_both_ways(content):
    assert _outcome({"monthly": content}, careful=False) == _outcome({"monthly": content}, careful=True)


def test_an_identical_express_re_import_changes_nothing_not_even_the_revision(store):
    import_files(store, {"clients": ("seed.csv", SEED_CLIENTS)})
    assert _express(store, "monthly", MONTHLY).files["monthly"].rows_new == 3
    revision = store.revision()
    again = _express(store, "monthly", MONTHLY).files["monthly"]
    assert (again.rows_new, again.rows_replaced, again.rows_unchanged) == (0, 0, 3)
    assert store.revision() == revision


def test_an_express_validation_reports_the_rows_and_writes_nothing(store):
    import_files(store, {"clients": ("seed.csv", SEED_CLIENTS)})
    before = table_rows(store)
    report = validate_files(store, {"monthly": ("monthly.csv", MONTHLY + b"")})
    assert report.ok and not report.written and report.files["monthly"].rows_read == 3
    assert table_rows(store) == before


def test_a_file_larger_than_the_limit_is_left_to_the_careful_way_which_refuses_it(store, tmp_path):
    import_files(store, {"clients": ("seed.csv", SEED_CLIENTS)})
    path = tmp_path / "monthly.csv"
    path.write_bytes(MONTHLY)
    assert express_import(store, {"monthly": path}, ["monthly"], CONTRACTS, 1e-6, write=True) is None
    with pytest.raises(ImportValidationError, match="max_upload_mb"):
        import_files(store, {"monthly": path}, max_upload_mb=1e-6)
