"""Every import file is bounded before it is parsed: columns, line length, cells (issue 15, finding 1)."""

from __future__ import annotations

import tracemalloc

import pytest

from grading.cli import main
from grading.importer import CONTRACTS, validate_files
from grading.importer import express, limits
from grading.importer.issues import IssueLog
from grading.importer.reading import read_file

GOOD_ROW = "c1,Acme,managed,20,2020-01-01"


def wide_clients(columns: int) -> bytes:
    """A clients file of one data row whose header has ``columns`` columns, the contract's five first."""
    extra = columns - 5
    header = "client_id,name,service_model,seats,client_since" + "".join(f",x{i}" for i in range(extra))
    return (header + "\n" + GOOD_ROW + ",1" * extra + "\n").encode()


def _refusal(store, files) -> tuple[list[str], int]:
    tracemalloc.start()
    try:
        report = validate_files(store, files, max_upload_mb=50)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not report.ok
    return [f"{issue.file}, row {issue.row}: {issue.message}" for issue in report.issues], peak


@pytest.mark.parametrize("columns", [100_000, 1_000_000])
@pytest.mark.parametrize("given_as", ["upload", "path"])
def test_a_file_with_too_many_columns_is_refused_before_it_is_parsed(store, tmp_path, columns, given_as):
    content = wide_clients(columns)
    if given_as == "path":
        source = tmp_path / "clients.csv"
        source.write_bytes(content)
    else:
        source = ("clients.csv", content)
    issues, peak = _refusal(store, {"clients": source})
    assert issues == [
        f"clients.csv, row 1: the header has {columns:,} columns, more than the {limits.MAX_COLUMNS:,} an import file "
        "may have; nothing was read"
    ]
    # A sanity bound, not a timing: the refusal holds the file (and a header's worth) in memory, never a frame of
    # its columns (before the bound, 100,000 columns took 1.5 GB). The numbers are in the report of issue 15.
    assert peak < 3 * len(content) + 16 * 1024**2, f"peak {peak / 1024**2:.1f} MB for a {len(content) / 1024**2:.1f} MB file"


def test_a_header_without_a_line_end_is_counted_whole(store):
    content = ("client_id" + ",x" * 2_000_000).encode()
    issues, _peak = _refusal(store, {"clients": ("clients.csv", content)})
    assert issues == [f"clients.csv, row 1: the header has 2,000,001 columns, more than the "
                      f"{limits.MAX_COLUMNS:,} an import file may have; nothing was read"]


def test_a_line_over_the_length_bound_is_refused_naming_the_line(store, tmp_path):
    long_name = "A" * (limits.MAX_LINE_BYTES + 10)
    content = (f"client_id,name,service_model,seats,client_since\n{GOOD_ROW}\nc2,{long_name},managed,3,2020-01-01\n"
               ).encode()
    source = tmp_path / "clients.csv"
    source.write_bytes(content)
    issues, _peak = _refusal(store, {"clients": source})
    assert len(issues) == 1 and issues[0].startswith("clients.csv, row 3: this line is 1,000,0")
    assert f"more than the {limits.MAX_LINE_BYTES:,} a line of an import file may have; nothing was read" in issues[0]


def test_a_file_over_the_cell_bound_is_refused_with_one_sentence(store, tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_CELLS", 100)
    monkeypatch.setattr(express, "MAX_CELLS", 100)
    rows = "".join(f"c{i},Client {i},managed,3,2020-01-01\n" for i in range(30))
    source = tmp_path / "clients.csv"
    source.write_text("client_id,name,service_model,seats,client_since\n" + rows, encoding="utf-8")
    issues, _peak = _refusal(store, {"clients": source})
    assert issues == ["clients.csv, row None: the file has about 155 cells (31 lines of 5 columns), more than the 100 "
                      "an import file may have; split it into smaller files; nothing was read"]


def test_the_cli_check_says_the_sentence_and_fails(tmp_path, capsys):
    source = tmp_path / "wide.csv"
    source.write_bytes(wide_clients(100_000))
    status = main(["--db", str(tmp_path / "book.duckdb"), "import", "--check", "--clients", str(source)])
    written = capsys.readouterr()
    assert status == 1
    assert "the header has 100,000 columns" in written.out + written.err


def test_columns_the_contract_does_not_know_are_never_turned_into_cells():
    unknown = 900
    header = "client_id,name,service_model,seats,client_since" + "".join(f",extra{i}" for i in range(unknown)) + ","
    rows = "".join(f"c{i},Client {i},managed,3,2020-01-01" + ",junk" * unknown + ",\n" for i in range(50))
    log = IssueLog()
    cells = read_file(CONTRACTS["clients"], ("clients.csv", (header + "\n" + rows).encode()), 50, log)
    assert len(log) == 0 and len(cells.frame) == 50
    assert list(cells.frame.columns) == list(CONTRACTS["clients"].column_names)
    assert any("columns not in the contract were ignored" in warning for warning in cells.warnings)


def test_within_the_bounds_a_file_with_extra_columns_still_imports(store, tmp_path):
    source = tmp_path / "clients.csv"
    source.write_bytes(wide_clients(limits.MAX_COLUMNS))
    report = validate_files(store, {"clients": source}, max_upload_mb=50)
    assert report.ok, report.issues
