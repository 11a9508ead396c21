"""The contract is data: templates, help and README tables come from it, and the templates import cleanly."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from grading.importer import CONTRACTS, FILE_KINDS, contract_markdown, import_files
from grading.templates import template_csv


def test_the_four_file_kinds_are_the_products():
    assert FILE_KINDS == ("clients", "monthly", "assessments", "grades")


def test_contract_columns_match_the_database_tables(store):
    for contract in CONTRACTS.values():
        table_columns = set(store.query(f'SELECT * FROM "{contract.table}" LIMIT 0').columns)
        assert set(contract.column_names) <= table_columns, contract.kind


@pytest.mark.parametrize("kind", FILE_KINDS)
def test_template_has_every_contract_column_and_two_example_rows(kind):
    frame = pd.read_csv(io.BytesIO(template_csv(kind)), dtype=str, keep_default_na=False)
    assert tuple(frame.columns) == CONTRACTS[kind].column_names
    assert len(frame) == 2


def test_the_four_templates_import_cleanly_together(store):
    report = import_files(store, {kind: (f"{kind}.csv", template_csv(kind)) for kind in FILE_KINDS})
    assert report.ok and report.written
    assert [file.rows_new for file in report.files.values()] == [2, 2, 2, 2]


def test_markdown_has_a_table_row_for_every_column():
    text = contract_markdown()
    for contract in CONTRACTS.values():
        assert f"`{contract.file_name}`" in text
        for column in contract.columns:
            assert f"| `{column.name}` | {'yes' if column.required else 'no'} |" in text


def test_markdown_lists_the_accepted_spellings_of_break_fix():
    assert '"break/fix"' in contract_markdown() and '"break-fix"' in contract_markdown()
