"""Files the express way takes besides plain clients and monthly files, each checked against the careful way.

A file the express way takes must end up in the database exactly as the careful way writes it; a file with a
problem must still be refused with its file, row and column named, and nothing written.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import grading.importer
from grading.errors import ImportValidationError
from grading.importer import import_files
from grading.importer.express import _WHITESPACE
from grading.db.store import Store
from tests.hypothesis_profiles import examples
from tests.memory_stores import new_store, table_rows


EXPRESS_IMPORT = grading.importer.express_import


def _careful():
    return mock.patch.object(grading.importer, "express_import", lambda *args, **kwargs: None)


def test_the_written_out_whitespace_is_every_character_str_strip_removes():
    assert _WHITESPACE == "".join(chr(code) for code in range(0x110000) if chr(code).isspace())


def test_a_first_express_import_of_clients_gives_them_aliases_in_file_order_as_the_careful_way_does():
    clients = {"clients": ("clients.csv", b"client_id,name\nC2,Two\nC1,One\nC3,Three\n")}
    aliases = []
    for careful in (False, True):
        with Store(":memory:") as store:
            if careful:
                with _careful():
                    import_files(store, clients)
            else:
                assert grading.importer.express_import(
                    store, clients, ["clients"], grading.importer.CONTRACTS, 1, write=True) is not None
            aliases.append(store.rows("SELECT client_id, alias_number FROM client_aliases ORDER BY alias_number"))
    assert aliases[0] == aliases[1] == [("C2", 1), ("C1", 2), ("C3", 3)]


# -- the same outcome both ways ------------------------------------------------------------------------------------

SEED_CLIENTS = b"client_id,name\nC1,One\nC2,Two\n"


def _seed(store: Store) -> None:
    import_files(store, {"clients": ("seed.csv", SEED_CLIENTS)})


def _outcome(*batches: dict[str, bytes], careful: bool, seed: bool = True):
    """Import each batch of files in turn (after the seed clients) one way into a new store.

    Returns, per batch, the report's essentials or the problems; then the tables, the store's revision, and whether
    the express way took every batch.
    """
    with new_store(_seed if seed else None) as store:
        answers, results = [], []

        def express(*args, **kwargs):
            answers.append(EXPRESS_IMPORT(*args, **kwargs))
            return answers[-1]

        for files in batches:
            named = {kind: (f"{kind}.csv", content) for kind, content in files.items()}
            try:
                with _careful() if careful else mock.patch.object(grading.importer, "express_import", express):
                    report = import_files(store, named, max_upload_mb=1)
            except ImportValidationError as error:
                results.append([str(issue) for issue in error.issues])
                continue
            results.append({
                kind: (file.file_name, file.rows_read, file.rows_new, file.rows_replaced, file.rows_unchanged,
                       file.warnings)
                for kind, file in report.files.items()
            })
        taken = len(answers) == len(batches) and all(isinstance(result, dict) for result in results) and all(
            answer is not None for answer in answers)
        return results, table_rows(store), store.revision(), taken


def _same_both_ways(*batches: dict[str, bytes], seed: bool = True) -> None:
    """Assert both ways give the same reports (or problems), tables and revision."""
    express, careful = _outcome(*batches, careful=False, seed=seed), _outcome(*batches, careful=True, seed=seed)
    assert express[:3] == careful[:3]


# Text cells: plain, quoted because they must be (a delimiter or a quote inside), quoted without need, and quoted
# with whitespace inside the quotes (which the careful way strips), among other odd ones.
TEXTS = ["Dana", "a b", "x=1", "\u00e9t\u00e9", '"Miller, Sons"', '"Miller; Sons"', '"say ""hi"""', '""""',
         '","', '"a,b"', '";"', '"C1"', '" a,b"', '"a,b "', '""', '"a,b"x', 'a"b', '"open,', "\u00a0x", " x", ""]
DATES = ["2024-01-05", "2024-01-05", "2024-02-29", "2023-02-29", "2024-1-5", "05/01/2024", "1899-12-31", ""]
GRADES = ["A", "b", "D", "d", "E", ""]


@st.composite
def grades_files(draw, clean: bool | None = None):
    header = ["client_id", "graded_on", "grade", *draw(st.lists(st.sampled_from(["grader", "note", "extra"]),
                                                                 unique=True))]
    header = draw(st.permutations(header))
    clean = draw(st.booleans()) if clean is None else clean

    def cell(name):
        if name == "client_id":
            return st.sampled_from(["C1", "C2"] if clean else ["C1", "C2", "C3", '"C1"', " C1"])
        if name == "graded_on":
            return st.sampled_from(DATES[:3] if clean else DATES)
        if name == "grade":
            return st.sampled_from(GRADES[:4] if clean else GRADES)
        return st.sampled_from(TEXTS[:11] if clean else TEXTS)

    rows = draw(st.lists(st.tuples(*(cell(name) for name in header)), min_size=1, max_size=7,
                         unique=clean))
    delimiter = draw(st.sampled_from([",", ";"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines = [delimiter.join(header), *(delimiter.join(row) for row in rows)]
    return (newline.join(lines) + newline).encode("utf-8")


# Each property below runs as two tests that share its examples (clean and other files; comma and semicolon), so
# that CI's two workers can share them: a worker left with one test of all the examples last sets the run's time.
@pytest.mark.parametrize("clean", [True, False], ids=["clean cells", "any cells"])
@settings(max_examples=examples(75))
@given(data=st.data())
def test_a_grades_file_gives_the_same_events_in_the_same_order_and_report_both_ways(clean, data):
    _same_both_ways({"grades": data.draw(grades_files(clean=clean), label="content")})


@settings(max_examples=examples(40))
@given(first=grades_files(), second=grades_files())
def test_grades_imported_over_stored_grades_give_the_same_events_both_ways(first, second):
    _same_both_ways({"grades": first}, {"grades": second})


@st.composite
def clients_and_assessments(draw, delimiter: str):
    names = draw(st.lists(st.sampled_from(TEXTS), min_size=1, max_size=4))
    clients = ["client_id,name,seats".replace(",", delimiter),
               *(delimiter.join((f"K{number}", name, "3")) for number, name in enumerate(names))]
    notes = draw(st.lists(st.sampled_from(TEXTS), min_size=1, max_size=4))
    assessors = draw(st.lists(st.sampled_from(TEXTS[:6]), min_size=len(notes), max_size=len(notes)))
    assessments = ["client_id,assessed_on,assessor,pays_on_time,note".replace(",", delimiter),
                   *(delimiter.join((f"K{number % len(names)}", f"2024-0{number % 9 + 1}-01", assessor, "4", note))
                     for number, (note, assessor) in enumerate(zip(notes, assessors, strict=True)))]
    return {"clients": ("\n".join(clients) + "\n").encode(), "assessments": ("\n".join(assessments) + "\n").encode()}


@pytest.mark.parametrize("delimiter", [",", ";"])
@settings(max_examples=examples(75))
@given(data=st.data())
def test_quoted_names_and_notes_give_the_same_tables_and_report_both_ways(delimiter, data):
    _same_both_ways(data.draw(clients_and_assessments(delimiter), label="files"), seed=False)


# -- what the express way now takes ---------------------------------------------------------------------------------

BOOK = {
    "clients": b'client_id,name,service_model,seats\nC1,"Miller, Sons",managed,25\nC2,"The ""Best"" Bakery",,\n',
    "monthly": b"client_id,month,revenue,labor_hours,tickets\nC1,2024-01,1200.5,10,4\nC2,2024-01,300,2.5,1\n",
    "assessments": b'client_id,assessed_on,assessor,pays_on_time,note\nC1,2024-02-01,Dana,4,"Good people, slow"\n',
    "grades": b'client_id,graded_on,grade,note\nC1,2024-03-01,B,"Good, a bit slow"\nC1,2024-03-01,A,Better\n'
              b"C2,2024-03-02,D,\n",
}


def test_a_book_with_grades_and_quoted_text_is_taken_the_express_way_as_the_careful_way_writes_it():
    express = _outcome(BOOK, careful=False, seed=False)
    assert express[3] is True, "the express way took the four files"
    assert express[:3] == _outcome(BOOK, careful=True, seed=False)[:3]
    tables = express[1]
    assert [row[:2] for row in tables["clients"]] == [("C1", "Miller, Sons"), ("C2", 'The "Best" Bakery')]
    # Two grades of C1 on one day: the one later in the file is the later event, so it is the current grade.
    assert [(row[1], row[3], row[5]) for row in sorted(tables["grade_events"])] == [
        ("C1", "B", "Good, a bit slow"), ("C1", "A", "Better"), ("C2", "D", "")]


def test_an_express_report_of_grades_matches_what_was_written(store):
    report = import_files(store, {kind: (f"{kind}.csv", content) for kind, content in BOOK.items()})
    assert report.written and (report.files["grades"].rows_read, report.files["grades"].rows_new) == (3, 3)
    assert store.scalar("SELECT grade FROM current_grades WHERE client_id = 'C1'") == "A"
    again = import_files(store, {"grades": ("grades.csv", BOOK["grades"])}).files["grades"]
    assert (again.rows_new, again.rows_unchanged) == (0, 3)
    assert store.scalar("SELECT count(*) FROM grade_events") == 3


@pytest.mark.parametrize(
    ("kind", "change", "row", "column", "words"),
    [
        ("grades", (b"C2,2024-03-02,D", b"C2,2024-03-02,E"), 4, "grade", "'E'"),
        ("grades", (b"C2,2024-03-02", b"C2,2024-02-30"), 4, "graded_on", "2024-02-30"),
        ("grades", (b"C2,2024-03-02", b"C9,2024-03-02"), 4, "client_id", "not a known client"),
        ("grades", (b"A,Better\n", b'B,"Good, a bit slow"\n'), 3, "client_id", "duplicate"),
        ("assessments", (b"Dana,4,", b"Dana,7,"), 2, "pays_on_time", "'7'"),
        ("clients", (b"managed,25", b"managed,-25"), 2, "seats", "'-25'"),
    ],
    ids=["grade", "date", "client", "repeated grade", "score beside a quoted note", "seats beside a quoted name"],
)
def test_a_bad_value_in_a_file_the_express_way_now_reads_is_named_and_nothing_is_written(
    store, kind, change, row, column, words
):
    files = dict(BOOK)
    files[kind] = files[kind].replace(*change)
    assert files[kind] != BOOK[kind]
    before, revision = table_rows(store), store.revision()
    with pytest.raises(ImportValidationError) as refused:
        import_files(store, {name: (f"{name}.csv", content) for name, content in files.items()})
    issues = refused.value.issues
    assert [(issue.file, issue.row, issue.column) for issue in issues] == [(f"{kind}.csv", row, column)]
    assert words in issues[0].message
    assert table_rows(store) == before and store.revision() == revision


def test_an_import_the_express_way_loads_neither_pandas_nor_pyarrow(tmp_path):
    # pandas and pyarrow take about half a second to load, more than a small book's whole import.
    for kind, content in BOOK.items():
        (tmp_path / f"{kind}.csv").write_bytes(content)
    script = (
        "import sys\n"
        "from grading.cli import main\n"
        "status = main(sys.argv[1:])\n"
        "print(sorted({name.split('.')[0] for name in sys.modules} & {'pandas', 'pyarrow', 'numpy', 'sklearn'}))\n"
        "sys.exit(status)\n"
    )
    files = [item for kind in BOOK for item in (f"--{kind}", str(tmp_path / f"{kind}.csv"))]
    done = subprocess.run(
        [sys.executable, "-c", script, "import", "--db", str(tmp_path / "book.duckdb"), *files],
        capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2], check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Import done." in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_the_express_way_says_each_file_it_has_checked_and_when_it_commits(store):
    said = []
    import_files(store, {kind: (f"{kind}.csv", content) for kind, content in BOOK.items()}, progress=said.append)
    assert said[1:] == ["clients.csv: 2 rows checked", "monthly.csv: 2 rows checked", "assessments.csv: 1 row checked",
                        "grades.csv: 3 rows checked", "every file checked; committing"]


@pytest.mark.parametrize("cell", TEXTS)
@pytest.mark.parametrize("delimiter", [",", ";"])
def test_each_odd_text_cell_as_a_name_and_a_note_gives_the_same_outcome_both_ways(cell, delimiter):
    def lines(*rows):
        return "".join(delimiter.join(row) + "\n" for row in rows).encode()

    _same_both_ways({"clients": lines(("client_id", "name"), ("C7", cell)),
                     "grades": lines(("client_id", "graded_on", "grade", "note"), ("C1", "2024-01-05", "A", cell))})
