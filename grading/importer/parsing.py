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
    ISO ``YYYY-MM-DD`` only (a midnight time such as ``T00:00:00``, as some exports add, is accepted). Forms such
    as ``03/04/2024`` are refused, because they mean the 3rd of April in one country and the 4th of March in
    another. Dates that do not exist (``2024-02-30``) are refused. Years run from 1900 to 2199.
Months
    ``YYYY-MM`` or a date in that month; stored as the first of the month.
Choices
    Case-insensitive, with the contract's other spellings (``break/fix`` is ``break_fix``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from grading.importer.contract import CHOICE, DATE, INTEGER, MONTH, NUMBER, TEXT, Column

FIRST_YEAR = 1900
LAST_YEAR = 2199

_SIGN = r"[+-]?"
_GROUP = r"[ \u00a0\u202f'\u2019]"  # space, no-break spaces and apostrophes between thousands
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
    if decimal == ".":
        values = pd.to_numeric(cells.where(~empty, None), errors="coerce").astype("float64").to_numpy()
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
        values = pd.to_numeric(text.where(readable, None), errors="coerce").astype("float64").to_numpy()
        not_finite = (kinds == NOT_FINITE) | np.isinf(values)
        problems.append(Problem(kinds == NOT_A_NUMBER, "'{value}' is not a number"))
    problems.append(Problem(not_finite, "'{value}' is not a finite number"))
    values = np.where(np.isfinite(values), values, np.nan)
    return ParsedColumn(pd.Series(values, index=cells.index, dtype="float64"), problems)


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
    whole = np.where(np.isfinite(numbers) & ~fractional & (np.abs(numbers) < 2**62), numbers, np.nan)
    integers = pd.array(whole, dtype="Float64").astype("Int64")
    too_large = np.isfinite(numbers) & ~fractional & (np.abs(numbers) >= 2**62)
    parsed.problems.append(Problem(too_large, "'{value}' is far too large"))
    return ParsedColumn(pd.Series(integers, index=cells.index), parsed.problems)


def _calendar(years: pd.Series, months: pd.Series, days: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Build dates from text parts; return ISO text (missing where impossible), and masks out-of-range, impossible."""
    year = pd.to_numeric(years, errors="coerce")
    month = pd.to_numeric(months, errors="coerce")
    day = pd.to_numeric(days, errors="coerce")
    found = year.notna().to_numpy()
    out_of_range = found & ~year.between(FIRST_YEAR, LAST_YEAR).to_numpy()
    usable = found & ~out_of_range
    stamps = pd.to_datetime(
        pd.DataFrame(
            {
                "year": year.where(usable, 2000),
                "month": month.where(usable & month.between(1, 12), 1),
                "day": day.where(usable & day.between(1, 31), 1),
            }
        ),
        errors="coerce",
    )
    exists = usable & month.between(1, 12).to_numpy() & day.between(1, 31).to_numpy() & stamps.notna().to_numpy()
    impossible = usable & ~exists
    iso = stamps.dt.strftime("%Y-%m-%d").where(exists, None)
    return iso, out_of_range, impossible


def parse_date(cells: pd.Series, rows: np.ndarray) -> ParsedColumn:
    """Parse a column of ISO dates (``YYYY-MM-DD``).

    Returns
    -------
    ParsedColumn
        ISO date text, missing where the cell is empty or refused.
    """
    empty = (cells == "").to_numpy(dtype=bool)
    parts = cells.str.extract(_DATE)
    iso, out_of_range, impossible = _calendar(parts[0], parts[1], parts[2])
    unreadable = ~empty & parts[0].isna().to_numpy()
    problems = [
        Problem(unreadable, "'{value}' is not a date; write dates as YYYY-MM-DD (e.g. 2024-03-31)"),
        Problem(out_of_range, f"'{{value}}' has a year outside {FIRST_YEAR}-{LAST_YEAR}"),
        Problem(impossible, "'{value}' is not a date that exists"),
    ]
    return ParsedColumn(iso.set_axis(cells.index), problems)


def parse_month(cells: pd.Series, rows: np.ndarray) -> ParsedColumn:
    """Parse a column of months (``YYYY-MM``, or a date in that month) to the first day of the month.

    Returns
    -------
    ParsedColumn
        ISO date text of the month's first day, missing where the cell is empty or refused.
    """
    empty = (cells == "").to_numpy(dtype=bool)
    month_parts = cells.str.extract(_MONTH)
    date_parts = cells.str.extract(_DATE)
    years = month_parts[0].fillna(date_parts[0])
    months = month_parts[1].fillna(date_parts[1])
    days = date_parts[2].fillna("1")
    iso, out_of_range, impossible = _calendar(years, months, days)
    unreadable = ~empty & years.isna().to_numpy()
    first_of_month = (iso.str.slice(0, 8) + "01").where(iso.notna(), None)
    problems = [
        Problem(unreadable, "'{value}' is not a month; write months as YYYY-MM (e.g. 2024-03)"),
        Problem(out_of_range, f"'{{value}}' has a year outside {FIRST_YEAR}-{LAST_YEAR}"),
        Problem(impossible, "'{value}' is not a month or date that exists"),
    ]
    return ParsedColumn(first_of_month.set_axis(cells.index), problems)


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
        return parse_date(cells, rows)
    if column.type == MONTH:
        return parse_month(cells, rows)
    if column.type == CHOICE:
        return parse_choice(cells, column)
    if column.type == TEXT:
        return ParsedColumn(cells.where(cells != "", None))
    raise ValueError(f"unknown column type {column.type!r}")
