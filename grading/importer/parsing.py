"""Turning a column of text cells into typed values, whole columns at a time (no per-row Python).

Each parser takes the cells of one column (stripped text, ``""`` for an empty cell) and returns a
:class:`ParsedColumn`: the typed values (missing where the cell is empty or bad) and the problems found, each a
boolean mask over the rows with a message. Emptiness is not judged here: whether an empty cell is allowed is the
contract's business (:mod:`grading.importer.validation`).

Numbers
    A cell's decimal separator is read from the column, never guessed from one cell alone. Cells such as
    ``1234.5``, ``1,234.50`` or ``0.125`` show a decimal point; ``1234,5``, ``1.234,50`` or ``1.234.567`` show a
    decimal comma. Cells such as ``1.234`` or ``1,234`` could be either (a decimal or a thousands separator): they
    are read with the convention the rest of the column shows, and refused when the column shows none. A column that
    shows both conventions is refused cell by cell. Spaces and apostrophes between groups of three digits are
    accepted as thousands separators (``1 234,50``, ``1'234.50``). ``nan``, ``inf`` and the like are refused.
Dates
    ISO ``YYYY-MM-DD`` only (month and day may have one digit; a midnight time such as ``T00:00:00``, as some
    exports add, is accepted). Forms such as ``03/04/2024`` are refused, because they mean the 3rd of April in one
    country and the 4th of March in another. Dates that do not exist (``2024-02-30``) are refused. Years run from 1900 to 2199.
Months
    ``YYYY-MM`` or a date in that month; stored as the first of the month.
Choices
    Case-insensitive, with the contract's other spellings (``break/fix`` is ``break_fix``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from grading.importer.contract import CHOICE, DATE, FIRST_YEAR, INTEGER, LAST_YEAR, MONTH, NUMBER, TEXT, Column


_SIGN = r"[+-]?"
# Space, no-break spaces and apostrophes between thousands. A plain (not raw) string, so the pattern holds the
# characters themselves: pandas runs a pattern holding \u escapes in Python, cell by cell, instead of in Arrow.
_GROUP = "[ \u00a0\u202f'\u2019]"
_LEAD = r"[1-9]\d{0,2}"  # the first group of a number written with thousands separators

_PLAIN = rf"{_SIGN}\d+|{_SIGN}{_LEAD}(?:{_GROUP}\d{{3}})+"
_MAYBE_DOT_THOUSANDS = rf"{_SIGN}{_LEAD}\.\d{{3}}"
_MAYBE_COMMA_THOUSANDS = rf"{_SIGN}{_LEAD},\d{{3}}"
_POINT = "|".join(
    (
        rf"{_SIGN}\d*\.\d+",
        rf"{_SIGN}{_LEAD}(?:,\d{{3}})+\.\d+",
        rf"{_SIGN}{_LEAD}(?:,\d{{3}}){{2,}}",
        rf"{_SIGN}{_LEAD}(?:{_GROUP}\d{{3}})+\.\d+",
        rf"{_SIGN}(?:\d+\.?\d*|\.\d+)[eE][+-]?\d+",
    )
)
_COMMA = "|".join(
    (
        rf"{_SIGN}\d*,\d+",
        rf"{_SIGN}{_LEAD}(?:\.\d{{3}})+,\d+",
        rf"{_SIGN}{_LEAD}(?:\.\d{{3}}){{2,}}",
        rf"{_SIGN}{_LEAD}(?:{_GROUP}\d{{3}})+,\d+",
    )
)
_NOT_FINITE = rf"(?i){_SIGN}(?:nan|inf|infinity)"

# What a cell shows about the column's decimal separator.
EMPTY, PLAIN, POINT, COMMA, MAYBE_DOT_THOUSANDS, MAYBE_COMMA_THOUSANDS, NOT_FINITE, NOT_A_NUMBER = range(8)

_DATE = r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00(?:\.0+)?)?)?$"
_MONTH = r"^(\d{4})-(\d{1,2})$"


@dataclass
class Problem:
    """Rows of a column with one kind of problem: ``mask`` marks them; ``{value}`` in ``message`` is the cell."""

    mask: np.ndarray
    message: str


@dataclass
class ParsedColumn:
    """Typed values of one column (missing where empty or bad) and the problems found."""

    values: pd.Series
    problems: list[Problem] = field(default_factory=list)

    @property
    def bad(self) -> np.ndarray:
        """Rows with any problem."""
        mask = np.zeros(len(self.values), dtype=bool)
        for problem in self.problems:
            mask |= problem.mask
        return mask


def _matches(cells: pd.Series, pattern: str) -> np.ndarray:
    return cells.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)


def classify_numbers(cells: pd.Series) -> np.ndarray:
    """Return, for each cell, what it shows about the decimal separator (``EMPTY``, ``PLAIN``, ``POINT``, ...)."""
    kinds = np.full(len(cells), NOT_A_NUMBER, dtype=np.int8)
    empty = (cells == "").to_numpy(dtype=bool)
    kinds[empty] = EMPTY
    plain = _matches(cells, rf"{_SIGN}\d+")
    kinds[plain] = PLAIN
    # The full set of patterns runs only on the cells that are not simple digits, which is most of a file's work.
    rest = np.flatnonzero(~empty & ~plain)
    if len(rest):
        others = cells.iloc[rest]
        chosen = np.select(
            [
                _matches(others, _PLAIN),
                _matches(others, _MAYBE_DOT_THOUSANDS),
                _matches(others, _MAYBE_COMMA_THOUSANDS),
                _matches(others, _POINT),
                _matches(others, _COMMA),
                _matches(others, _NOT_FINITE),
            ],
            [PLAIN, MAYBE_DOT_THOUSANDS, MAYBE_COMMA_THOUSANDS, POINT, COMMA, NOT_FINITE],
            default=NOT_A_NUMBER,
        )
        kinds[rest] = chosen
    return kinds


def _to_float(text: pd.Series) -> np.ndarray:
    """Convert text cells (missing where not to be read) to floats; unreadable cells become NaN."""
    try:
        # Arrow's cast is many times faster than to_numeric, but refuses the whole column on one bad cell.
        return pa.array(text, from_pandas=True).cast(pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return pd.to_numeric(text, errors="coerce").astype("float64").to_numpy(dtype="float64", na_value=np.nan)


def _plainly_decimal_point(cells: pd.Series, empty: np.ndarray) -> bool:
    """Whether every cell is digits with at most a decimal point and nothing in the column is ambiguous.

    This is what most exports write; recognising it spares the full classification. Arrow checks the whole column
    (whole numbers by their characters alone, decimals with one pattern) and the point's position, read from
    lengths, finds what could be a thousands separator. A column with signs (rare: every minimum is 0) or
    anything else takes the patterns' way.
    """
    text = pa.array(cells)
    if (empty | pc.ascii_is_decimal(text).to_numpy(zero_copy_only=False)).all():
        return True
    plain = pc.match_substring_regex(text, r"^\d+(?:\.\d+)?$").to_numpy(zero_copy_only=False)
    if not (empty | plain).all():
        return _plainly_decimal_point_by_patterns(cells, empty)
    # The cells are ASCII digits and at most one point here, so byte positions are character positions.
    dot = pc.find_substring(text, ".").to_numpy(zero_copy_only=False)
    length = pc.binary_length(text).to_numpy(zero_copy_only=False)
    leading_zero = pc.starts_with(text, "0").to_numpy(zero_copy_only=False)
    # [1-9]\d{0,2}\.\d{3}: a point that could be a thousands separator as well as a decimal point.
    maybe_thousands = plain & (dot >= 1) & (dot <= 3) & (length == dot + 4) & ~leading_zero
    return not maybe_thousands.any() or bool((plain & (dot >= 0) & ~maybe_thousands).any())


def _plainly_decimal_point_by_patterns(cells: pd.Series, empty: np.ndarray) -> bool:
    if not (empty | _matches(cells, rf"{_SIGN}\d+(?:\.\d+)?")).all():
        return False
    maybe_thousands = _matches(cells, _MAYBE_DOT_THOUSANDS)
    return not maybe_thousands.any() or bool((_matches(cells, rf"{_SIGN}\d*\.\d+") & ~maybe_thousands).any())


def _first_row(mask: np.ndarray, rows: np.ndarray) -> int:
    return int(rows[np.flatnonzero(mask)[0]])


def parse_number(cells: pd.Series, rows: np.ndarray, decimal: str | None = None) -> ParsedColumn:
    """Parse a column of numbers, choosing its decimal separator from the cells that show one.

    Parameters
    ----------
    cells:
        Stripped text cells; ``""`` is empty.
    rows:
        Spreadsheet row numbers of the cells (used in messages that point at another row).
    decimal:
        ``"."`` when the separator is known (cells written from numbers, not read from a file); ``None`` reads it
        from the column.

    Returns
    -------
    ParsedColumn
        ``float64`` values, NaN where the cell is empty or refused.
    """
    problems: list[Problem] = []
    empty = (cells == "").to_numpy(dtype=bool)
    if decimal is None and _plainly_decimal_point(cells, empty):
        decimal = "."
    if decimal == ".":
        # Arrow's cast refuses "", so empty cells become missing first (when there are any: it costs a pass).
        values = _to_float(cells.where(~empty, None) if empty.any() else cells)
        not_finite = np.isinf(values)
        unreadable = ~empty & np.isnan(values)
        problems.append(Problem(unreadable, "'{value}' is not a number"))
    else:
        kinds = classify_numbers(cells)
        points, commas = kinds == POINT, kinds == COMMA
        maybe_dot, maybe_comma = kinds == MAYBE_DOT_THOUSANDS, kinds == MAYBE_COMMA_THOUSANDS
        if points.any() and commas.any():
            # Both conventions in one column: the minority is refused, so no cell is read with the wrong one.
            if points.sum() >= commas.sum():
                decimal, minority, usual, other = ".", commas, points, "a decimal point"
            else:
                decimal, minority, usual, other = ",", points, commas, "a decimal comma"
            problems.append(
                Problem(
                    minority,
                    f"'{{value}}' does not use the same decimal separator as the rest of the column, which uses "
                    f"{other} (e.g. row {_first_row(usual, rows)}); write every number of a column the same way",
                )
            )
        elif points.any():
            decimal = "."
        elif commas.any():
            decimal = ","
        else:
            decimal = None
        if decimal is None:
            ambiguous = maybe_dot | maybe_comma
            problems.append(
                Problem(
                    ambiguous,
                    "'{value}' is ambiguous: the separator could be a decimal or a thousands separator, and no other "
                    "cell of the column shows which; write the number without thousands separators",
                )
            )
        else:
            ambiguous = np.zeros(len(cells), dtype=bool)
        text = cells.str.replace(_GROUP, "", regex=True)
        if decimal == ",":
            text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        else:
            text = text.str.replace(",", "", regex=False)
        readable = np.isin(kinds, (PLAIN, POINT, COMMA, MAYBE_DOT_THOUSANDS, MAYBE_COMMA_THOUSANDS)) & ~ambiguous
        if decimal is not None:
            readable &= kinds != (COMMA if decimal == "." else POINT)
        values = _to_float(text.where(readable, None))
        not_finite = (kinds == NOT_FINITE) | np.isinf(values)
        problems.append(Problem(kinds == NOT_A_NUMBER, "'{value}' is not a number"))
    problems.append(Problem(not_finite, "'{value}' is not a finite number"))
    values = np.where(np.isfinite(values), values, np.nan)
    return ParsedColumn(pd.Series(values, index=cells.index, dtype="float64", copy=False), problems)


def parse_integer(cells: pd.Series, rows: np.ndarray, decimal: str | None = None) -> ParsedColumn:
    """Parse a column of whole numbers (``2.5`` is refused); same separators as :func:`parse_number`.

    Returns
    -------
    ParsedColumn
        Nullable ``Int64`` values.
    """
    parsed = parse_number(cells, rows, decimal)
    numbers = parsed.values.to_numpy()
    fractional = np.isfinite(numbers) & (numbers != np.floor(numbers))
    parsed.problems.append(Problem(fractional, "'{value}' is not a whole number"))
    # Beyond int64 the conversion below would overflow; such values are refused by the column's range anyway.
    whole = np.isfinite(numbers) & ~fractional & (np.abs(numbers) < 2**62)
    integers = pd.arrays.IntegerArray(np.where(whole, numbers, 0).astype(np.int64), ~whole)
    too_large = np.isfinite(numbers) & ~fractional & (np.abs(numbers) >= 2**62)
    parsed.problems.append(Problem(too_large, "'{value}' is far too large"))
    return ParsedColumn(pd.Series(integers, index=cells.index), parsed.problems)


def _date_parts(cells: pd.Series, pattern: str, canonical: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return year, month and day of each cell matching ``pattern`` as floats (NaN where it does not match).

    Cells in the ``canonical`` form (``YYYY-MM-DD`` or ``YYYY-MM``, what exports write) are cut by position, which
    is fast; only the others go through the regular expression's groups.
    """
    parts = np.full((3, len(cells)), np.nan)
    fast = _matches(cells, canonical)
    if fast.any():
        chosen = cells.loc[fast]
        parts[0, fast] = _to_float(chosen.str.slice(0, 4))
        parts[1, fast] = _to_float(chosen.str.slice(5, 7))
        if canonical.count("-") == 2:
            parts[2, fast] = _to_float(chosen.str.slice(8, 10))
    # Matching first (in Arrow) keeps the slow group extraction to the few cells that can give a date.
    slow = ~fast & _matches(cells, pattern.removeprefix("^").removesuffix("$"))
    if slow.any():
        groups = cells.loc[slow].str.extract(pattern)
        for position in range(groups.shape[1]):
            parts[position, slow] = pd.to_numeric(groups[position], errors="coerce").to_numpy(dtype="float64")
    return parts[0], parts[1], parts[2]


def _calendar(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Build dates from their parts; return them (NaT where refused) and masks: year out of range, impossible."""
    found = ~np.isnan(year)
    out_of_range = found & ~((year >= FIRST_YEAR) & (year <= LAST_YEAR))
    usable = found & ~out_of_range
    safe_year = np.where(usable, year, 2000).astype("int64")
    safe_month = np.where(usable & (month >= 1) & (month <= 12), month, 1).astype("int64")
    first_of_month = (safe_year - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (safe_month - 1)
    next_month = first_of_month + 1
    days_in_month = (next_month.astype("datetime64[D]") - first_of_month.astype("datetime64[D]")).astype("int64")
    exists = usable & (month >= 1) & (month <= 12) & (day >= 1) & (day <= days_in_month)
    safe_day = np.where(exists, day, 1).astype("int64")
    dates = first_of_month.astype("datetime64[D]") + (safe_day - 1)
    stamps = np.where(exists, dates, np.datetime64("NaT")).astype("datetime64[s]")
    return pd.Series(stamps), out_of_range, usable & ~exists


def parse_date(cells: pd.Series, rows: np.ndarray) -> ParsedColumn:
    """Parse a column of ISO dates (``YYYY-MM-DD``).

    Returns
    -------
    ParsedColumn
        ``datetime64[s]`` values, NaT where the cell is empty or refused.
    """
    empty = (cells == "").to_numpy(dtype=bool)
    year, month, day = _date_parts(cells, _DATE, r"\d{4}-\d{2}-\d{2}")
    dates, out_of_range, impossible = _calendar(year, month, day)
    unreadable = ~empty & np.isnan(year)
    problems = [
        Problem(unreadable, "'{value}' is not a date; write dates as YYYY-MM-DD (e.g. 2024-03-31)"),
        Problem(out_of_range, f"'{{value}}' has a year outside {FIRST_YEAR}-{LAST_YEAR}"),
        Problem(impossible, "'{value}' is not a date that exists"),
    ]
    return ParsedColumn(dates.set_axis(cells.index), problems)


def parse_month(cells: pd.Series, rows: np.ndarray) -> ParsedColumn:
    """Parse a column of months (``YYYY-MM``, or a date in that month) to the first day of the month.

    Returns
    -------
    ParsedColumn
        ``datetime64[s]`` values of the month's first day, NaT where the cell is empty or refused.
    """
    empty = (cells == "").to_numpy(dtype=bool)
    # Exports write YYYY-MM or YYYY-MM-DD; one pattern finds both, and they are cut by position.
    canonical = _matches(cells, r"\d{4}-\d{2}(?:-\d{2})?")
    year, month, day = (np.full(len(cells), np.nan) for _ in range(3))
    if canonical.any():
        chosen = cells.loc[canonical]
        year[canonical] = _to_float(chosen.str.slice(0, 4))
        month[canonical] = _to_float(chosen.str.slice(5, 7))
        day[canonical] = np.where(chosen.str.len().to_numpy() == 10, _to_float(chosen.str.slice(8, 10)), 1)
    rest = ~empty & ~canonical
    if rest.any():
        rest_year, rest_month, _ = _date_parts(cells.where(rest, ""), _MONTH, r"\d{4}-\d{2}")
        year = np.where(rest, rest_year, year)
        month = np.where(rest, rest_month, month)
        day = np.where(rest, 1, day)
    as_date = rest & np.isnan(year)
    if as_date.any():
        # Not a month: maybe a date in that month; its day must exist too (2024-02-30 is refused, not moved).
        date_year, date_month, date_day = _date_parts(cells.where(as_date, ""), _DATE, r"\d{4}-\d{2}-\d{2}")
        year = np.where(as_date, date_year, year)
        month = np.where(as_date, date_month, month)
        day = np.where(as_date, date_day, day)
    dates, out_of_range, impossible = _calendar(year, month, day)
    first_of_month = dates.to_numpy().astype("datetime64[M]").astype("datetime64[s]")
    unreadable = ~empty & np.isnan(year)
    problems = [
        Problem(unreadable, "'{value}' is not a month; write months as YYYY-MM (e.g. 2024-03)"),
        Problem(out_of_range, f"'{{value}}' has a year outside {FIRST_YEAR}-{LAST_YEAR}"),
        Problem(impossible, "'{value}' is not a month or date that exists"),
    ]
    return ParsedColumn(pd.Series(first_of_month, index=cells.index), problems)


def parse_choice(cells: pd.Series, column: Column) -> ParsedColumn:
    """Parse a column of choices, case-insensitively and with the column's other spellings.

    Returns
    -------
    ParsedColumn
        The stored spelling of each choice, missing where the cell is empty or refused.
    """
    spellings = {choice.lower(): choice for choice in column.choices}
    spellings.update(dict(column.aliases))
    empty = (cells == "").to_numpy(dtype=bool)
    values = cells.str.lower().map(spellings)
    unknown = ~empty & values.isna().to_numpy()
    problems = [Problem(unknown, f"'{{value}}' is not one of {', '.join(column.choices)}")]
    return ParsedColumn(values.astype("str"), problems)


def parse_distinct(
    parse: Callable[[pd.Series, np.ndarray], ParsedColumn], cells: pd.Series, rows: np.ndarray
) -> ParsedColumn:
    """Parse each distinct cell once with ``parse`` and spread the results to every row that holds it.

    A month or date column holds few distinct values (36 months for any number of clients), so parsing them
    costs nothing next to finding them, which Arrow's dictionary encoding does in one pass. ``parse`` must not
    point at other rows in its messages (its ``rows`` are positions in the distinct values).
    """
    text = pa.array(cells)
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    encoded = pc.dictionary_encode(text)
    distinct = encoded.dictionary.to_pandas()
    if len(distinct) * 4 > len(cells):
        return parse(cells, rows)
    parsed = parse(distinct, np.arange(len(distinct)))
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    values = pd.Series(parsed.values.to_numpy()[codes], index=cells.index)
    return ParsedColumn(values, [Problem(problem.mask[codes], problem.message) for problem in parsed.problems])


def parse_column(column: Column, cells: pd.Series, rows: np.ndarray, decimal: str | None = None) -> ParsedColumn:
    """Parse ``cells`` as the contract's ``column`` says; range checks are the validator's.

    Parameters
    ----------
    column:
        The contract column.
    cells:
        Stripped text cells, ``""`` where empty.
    rows:
        The cells' spreadsheet row numbers.
    decimal:
        ``"."`` for number cells written from numbers rather than read from a file.
    """
    if column.type == NUMBER:
        return parse_number(cells, rows, decimal)
    if column.type == INTEGER:
        return parse_integer(cells, rows, decimal)
    if column.type == DATE:
        return parse_distinct(parse_date, cells, rows)
    if column.type == MONTH:
        return parse_distinct(parse_month, cells, rows)
    if column.type == CHOICE:
        return parse_choice(cells, column)
    if column.type == TEXT:
        return ParsedColumn(cells.where(cells != "", None))
    raise ValueError(f"unknown column type {column.type!r}")
