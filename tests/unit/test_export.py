"""Exports hold every table, and no text cell can run as a formula in a spreadsheet."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from grading.db.export import export_tables, safe_csv_bytes
from grading.importer import import_files


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
        ("+41 44 000", "'+41 44 000"),
        ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("  =1+1", "'  =1+1"),
        ("Harbour Dental", "Harbour Dental"),
        ("a=b", "a=b"),
    ],
)
def test_text_that_a_spreadsheet_would_run_gets_a_leading_quote(cell, written):
    frame = pd.DataFrame({"name": [cell]})
    back = pd.read_csv(io.BytesIO(safe_csv_bytes(frame)), dtype=str, keep_default_na=False)
    assert back["name"].tolist() == [written]


def test_negative_numbers_stay_numbers():
    frame = pd.DataFrame({"revenue": [-5.5, 10.0], "tickets": pd.array([-1, None], dtype="Int64"), "name": ["a", "-b"]})
    text = safe_csv_bytes(frame).decode("utf-8")
    assert text.splitlines() == ["revenue,tickets,name", "-5.5,-1,a", "10.0,,'-b"]


def test_missing_text_stays_empty():
    frame = pd.DataFrame({"note": ["=x", None], "grade": ["A", "B"]})
    assert safe_csv_bytes(frame).decode("utf-8").splitlines() == ["note,grade", "'=x,A", ",B"]


def test_export_writes_every_table_and_neutralizes_an_imported_formula(store, tmp_path):
    import_files(store, {"clients": ("c.csv", b"client_id,name,seats\nC001,=1+2,-0\nC002,Beta,4\n")})
    written = export_tables(store, tmp_path / "out")
    assert sorted(path.stem for path in written) == store.table_names()
    clients = pd.read_csv(tmp_path / "out" / "clients.csv", dtype=str, keep_default_na=False)
    assert clients["name"].tolist() == ["'=1+2", "Beta"]
    assert clients["seats"].tolist() == ["0", "4"]


def test_two_exports_of_the_same_database_are_identical(store, tmp_path):
    import_files(store, {"clients": ("c.csv", b"client_id,name\nC002,Beta\nC001,Alpha\n")})
    first = {path.name: path.read_bytes() for path in export_tables(store, tmp_path / "a")}
    second = {path.name: path.read_bytes() for path in export_tables(store, tmp_path / "b")}
    assert first == second
