"""Raw exports are bounded before parsing too: columns, line length, cells, and a workbook's unpacked size
(issue 15, finding 1: every input)."""

from __future__ import annotations

import io

import pytest
import xlsxwriter

from grading.importer import limits
from grading.sources.files import RawFileError, read_raw_file
from grading.sources.workspace import Workspace


def test_a_raw_export_of_100000_columns_is_refused_before_it_is_parsed():
    header = "\t".join(f"Column {i}" for i in range(100_000))
    content = (header + "\n" + "\t".join("1" for _ in range(100_000)) + "\n").encode()
    with Workspace() as workspace, pytest.raises(RawFileError) as refused:
        read_raw_file(workspace, ("time entries.csv", content))
    assert refused.value.issue.row == 1
    assert refused.value.issue.message == ("the header has 100,000 columns, more than the 1,000 an import file may "
                                           "have; nothing was read")


def test_a_workbook_that_unpacks_past_the_bound_is_refused_unopened(monkeypatch):
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer) as book:
        sheet = book.add_worksheet()
        for row in range(200):
            sheet.write_row(row, 0, ["Client", "Hours", "x" * 50])
    monkeypatch.setattr(limits, "MAX_XLSX_UNPACKED_BYTES", 10_000)
    with Workspace() as workspace, pytest.raises(RawFileError) as refused:
        read_raw_file(workspace, ("report.xlsx", buffer.getvalue()))
    assert "the workbook unpacks to" in refused.value.issue.message
    assert refused.value.issue.message.endswith("save the sheet as CSV; nothing was read")
