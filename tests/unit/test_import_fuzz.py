"""Whatever bytes or CSV-like text is thrown at the importer, it imports cleanly or refuses the whole import."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grading.errors import ImportValidationError
from grading.importer import CONTRACTS, FILE_KINDS, import_files
from grading.db.store import Store
from tests.hypothesis_profiles import examples
from tests.memory_stores import new_store, table_rows

SEED_CLIENTS = b"client_id,name\nC1,One\nC2,Two\n"

CELLS = st.sampled_from(
    [
        "", " ", "C1", "C2", "C3", "x", "2024-01", "2024-02-29", "2023-02-29", "2024-13", "03/04/2024", "0", "1",
        "5", "-1", "2.5", "1.234", "1.234,50", "1,5", "12", "nan", "inf", "1e400", "A", "b", "E", "happy",
        "Break/Fix", "managed", "=1+1", '"a,b"', '"', "\u00e9", "\t", "99999999999", "2024-01-01T00:00:00",
    ]
)


def _seed(store: Store) -> None:
    import_files(store, {"clients": ("seed.csv", SEED_CLIENTS)})


def _attempt(kind: str, content: bytes) -> None:
    with new_store(_seed) as store:
        before = table_rows(store, whole=True)
        try:
            import_files(store, {kind: (f"{kind}.csv", content)}, max_upload_mb=1)
        except ImportValidationError as error:
            assert error.issues, "a refusal lists at least one problem"
            assert table_rows(store, whole=True) == before


@settings(max_examples=examples(60))
@given(kind=st.sampled_from(FILE_KINDS), content=st.binary(max_size=300))
def test_random_bytes_import_cleanly_or_are_refused_whole(kind, content):
    _attempt(kind, content)


def _good_cell(kind: str, name: str):
    """Values that fit a column, so that many drawn files are valid and reach the write path."""
    if name not in CONTRACTS[kind].column_names:
        return CELLS
    column = CONTRACTS[kind].column(name)
    if name == "client_id":
        return st.sampled_from(["C1", "C2"]) if kind != "clients" else st.sampled_from(["C1", "C2", "C3", "C4"])
    if column.type == "choice":
        return st.sampled_from([*column.choices, *(choice.upper() for choice in column.choices)])
    if column.type == "integer":
        return st.integers(1, 5).map(str) if column.maximum == 5 else st.integers(0, 3).map(str)
    if column.type == "number":
        return st.sampled_from(["0", "1.5", "12", "980.25", "1.234,5"])
    if column.type == "date":
        return st.dates().filter(lambda day: 1900 <= day.year <= 2199).map(str)
    if column.type == "month":
        return st.integers(1, 400).map(lambda n: f"{1990 + n // 12}-{n % 12 + 1:02d}")
    return st.text(alphabet="abc XYZ-=@'", max_size=8)


@st.composite
def csv_like(draw, contract_header: bool | None = None):
    kind = draw(st.sampled_from(FILE_KINDS))
    names = list(CONTRACTS[kind].column_names)
    if draw(st.booleans()) if contract_header is None else contract_header:
        header = draw(st.permutations(names))[: draw(st.integers(len(CONTRACTS[kind].required_columns), len(names)))]
        header = [*CONTRACTS[kind].required_columns, *(name for name in header if name not in CONTRACTS[kind].key)]
        header = list(dict.fromkeys(header))
    else:
        header = draw(st.lists(st.sampled_from([*names, *(name.upper() for name in names), "extra", ""]),
                               min_size=1, max_size=len(names) + 2))
    width = len(header)
    noisy = draw(st.booleans())
    row = st.tuples(*(st.one_of(_good_cell(kind, name.lower()), CELLS) if noisy
                      else _good_cell(kind, name.lower()) for name in header)).map(list)
    garbage = st.lists(CELLS, min_size=max(width - 1, 0), max_size=width + 1)
    rows = draw(st.lists(row if not noisy else st.one_of(row, garbage), min_size=1, max_size=6))
    delimiter = draw(st.sampled_from([",", ";"]))
    bom = draw(st.sampled_from(["", "\ufeff"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = bom + newline.join(delimiter.join(cells) for cells in [header, *rows]) + newline
    return kind, text.encode("utf-8")


# Files with the contract's columns and files with any header each get half the examples, as two tests: CI's two
# workers can share them (one test of all 150 is among the longest of the suite).
@pytest.mark.parametrize("contract_header", [True, False], ids=["contract header", "any header"])
@settings(max_examples=examples(75))
@given(data=st.data())
def test_random_csv_like_text_imports_cleanly_or_is_refused_whole(contract_header, data):
    kind, content = data.draw(csv_like(contract_header), label="case")
    _attempt(kind, content)
