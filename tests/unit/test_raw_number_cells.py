"""A number cell read by one cast (the fast way for plain numbers) reads as the full cleaning reads it."""

from __future__ import annotations

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from grading.sources.values import number_sql
from tests.hypothesis_profiles import examples

# The cleaning alone: currency codes and signs, spaces and quotes dropped, (12) negative, thousands separators.
_BARE = r"regexp_replace(t, '^[A-Za-z]{3}\s*|\s*[A-Za-z]{3}$|[\s''’$€£¥' || chr(160) || ']', '', 'g')"
_SIGNED = f"CASE WHEN {_BARE} LIKE '(%)' THEN '-' || trim({_BARE}, '()') ELSE {_BARE} END"
CLEANED = {
    ".": f"replace({_SIGNED}, ',', '')",
    ",": f"replace(replace({_SIGNED}, '.', ''), ',', '.')",
}
CELLS = st.lists(st.text(alphabet="0123456789.,-+eE $()€xX_'\u00a0InfaN", min_size=1, max_size=9), min_size=1,
                 max_size=300)


# One in-memory database for the module: opening one costs about 17 ms, four times per example, and a SELECT of
# its parameters leaves nothing behind for the next read to see.
_DATABASE = duckdb.connect()


def read(cells: list[str], expression: str) -> list[float | None]:
    with _DATABASE.cursor() as con:
        return [row[0] for row in con.execute(
            f"SELECT {expression} FROM (SELECT nullif(trim(cell), '') AS t, n FROM "
            "(SELECT unnest(?) AS cell, generate_subscripts(?, 1) AS n)) ORDER BY n", [cells, cells]).fetchall()]


@settings(max_examples=examples(60), deadline=None)
@given(CELLS)
def test_plain_numbers_read_as_the_cleaning_reads_them(cells):
    for decimal in (".", ","):
        cleaned = f"CASE WHEN isfinite(try_cast({CLEANED[decimal]} AS DOUBLE)) THEN try_cast({CLEANED[decimal]} AS DOUBLE) END"
        assert read(cells, number_sql("t", decimal)) == read(cells, cleaned)


def test_a_decimal_comma_file_reads_a_point_as_thousands():
    assert read(["1.234", "1,5", "12", "1.234,5"], number_sql("t", ",")) == [1234.0, 1.5, 12.0, 1234.5]
    assert read(["1.234", "1,500", "12", "inf", "EUR 3"], number_sql("t", ".")) == [1.234, 1500.0, 12.0, None, 3.0]
