"""Checking read files against the contract before anything is written.

:func:`check_file` parses every column of one file and checks required values, types, ranges, the ``at_most``
pairs (``after_hours_tickets <= tickets``) and duplicate keys inside the file; :func:`check_client_ids` checks that
every client a file refers to exists in the database or in the clients file of the same import. Problems go to an
:class:`~grading.importer.issues.IssueLog`; all files are checked, so one import reports everything at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from grading.importer.contract import INTEGER, INTEGER_MAX, NUMBER, Column
from grading.importer.issues import IssueLog
from grading.importer.parsing import parse_column
from grading.importer.reading import Cells


@dataclass
class CheckedFile:
    """A file that went through the checks: its cells and the typed values to write.

    ``values`` has one column per contract column present in the file (typed: float, Int64, ISO date text or
    text, with each column's ``empty_as`` applied) plus ``source_row``, the spreadsheet row number.
    """

    cells: Cells
    values: pd.DataFrame


def _describe_range(column: Column) -> tuple[str, str]:
    """Messages for a value below the minimum and above the maximum."""
    if column.minimum is not None and column.maximum is not None and column.maximum < INTEGER_MAX:
        between = f"must be between {column.minimum:g} and {column.maximum:g}"
        return between, between
    too_low = f"must be {column.minimum:g} or more" if column.minimum is not None else ""
    too_high = f"must be at most {column.maximum:g}" if column.maximum is not None else ""
    return too_low, too_high


def _check_range(column: Column, values: pd.Series, cells: Cells, log: IssueLog) -> None:
    numbers = values.astype("float64").to_numpy(na_value=np.nan)
    text = cells.frame[column.name]
    too_low_text, too_high_text = _describe_range(column)
    if column.minimum is not None:
        log.add_mask(cells.file_name, column.name, numbers < column.minimum, cells.rows,
                     f"'{{value}}' {too_low_text}", text)
    if column.maximum is not None:
        log.add_mask(cells.file_name, column.name, numbers > column.maximum, cells.rows,
                     f"'{{value}}' {too_high_text}", text)


def _any_repeated_key(values: pd.DataFrame, key: list[str], usable: np.ndarray) -> bool:
    """Whether two usable rows share a key, told from one integer per row (False when that cannot be made).

    Each key column is numbered by its distinct values (Arrow's hashing for text), and the numbers are combined
    into one integer: hashing integers is many times cheaper than hashing rows of text and dates.
    """
    combined = np.zeros(int(usable.sum()), dtype=np.int64)
    room = 1
    for name in key:
        codes, distinct = pd.factorize(values[name].loc[usable], use_na_sentinel=False)
        room *= max(len(distinct), 1)
        if room >= 2**62:
            return True  # too many combinations for one integer: let the full check decide
        combined = combined * len(distinct) + codes
    return bool(pd.Series(combined).duplicated().any())


def _check_duplicates(cells: Cells, values: pd.DataFrame, usable: np.ndarray, log: IssueLog) -> None:
    key = list(cells.contract.key)
    if not _any_repeated_key(values, key, usable):
        return
    keys = values[key].copy()
    keys["source_row"] = cells.rows
    keys = keys.loc[usable]
    repeated = keys.duplicated(subset=key, keep="first").to_numpy()
    if not repeated.any():
        return
    first_rows = keys.groupby(key, sort=False, dropna=False)["source_row"].transform("first")
    label = ", ".join(key)
    mask = np.zeros(len(values), dtype=bool)
    mask[np.flatnonzero(usable)[repeated]] = True
    earlier = pd.Series(np.zeros(len(values), dtype=np.int64))
    earlier.iloc[np.flatnonzero(usable)] = first_rows.to_numpy()
    what = "the same values in every column" if cells.contract.appends else f"the same {label}"
    log.add_mask(cells.file_name, key[0], mask, cells.rows, f"duplicate: row {{value}} has {what}", earlier)


def check_file(cells: Cells, log: IssueLog) -> CheckedFile:
    """Parse and check one file's cells; return the typed values (meaningful only when nothing was logged).

    Parameters
    ----------
    cells:
        The file as read.
    log:
        Where problems go; every problem names the file, the row and the column.
    """
    contract, frame, rows, name = cells.contract, cells.frame, cells.rows, cells.file_name
    typed: dict[str, pd.Series] = {}
    bad = np.zeros(len(frame), dtype=bool)
    for column_name in cells.present:
        column = contract.column(column_name)
        text = frame[column_name]
        empty = (text == "").to_numpy(dtype=bool)
        if column.required:
            log.add_mask(name, column_name, empty, rows, "a value is required")
            bad |= empty
        decimal = "." if column_name in cells.from_numbers else None
        parsed = parse_column(column, text, rows, decimal)
        for problem in parsed.problems:
            log.add_mask(name, column_name, problem.mask, rows, problem.message, text)
        bad |= parsed.bad
        if column.type in (INTEGER, NUMBER):
            _check_range(column, parsed.values, cells, log)
        values = parsed.values
        if column.empty_as is not None:
            values = values.fillna(column.empty_as)
        typed[column_name] = values
    for column in contract.columns:
        # Key columns left out of the file take their empty value, so keys compare with what is stored.
        if column.name not in typed and column.name in contract.key and column.empty_as is not None:
            typed[column.name] = pd.Series(column.empty_as, index=frame.index, dtype="str")
    for column in contract.columns:
        if column.at_most and column.name in typed and column.at_most in typed:
            limit = typed[column.at_most].astype("float64").to_numpy(na_value=np.nan)
            value = typed[column.name].astype("float64").to_numpy(na_value=np.nan)
            above = value > limit
            if above.any():
                shown = frame[column.name] + f" > {column.at_most} " + frame[column.at_most]
                log.add_mask(name, column.name, above, rows,
                             f"{column.name} may not exceed {column.at_most} of the same row ({{value}})", shown)
    values = pd.DataFrame(typed, index=frame.index, copy=False)
    key_known = values[list(contract.key)].notna().all(axis=1).to_numpy()
    _check_duplicates(cells, values, ~bad & key_known, log)
    values["source_row"] = rows
    return CheckedFile(cells, values.reset_index(drop=True))


def check_client_ids(checked: dict[str, CheckedFile], stored_ids: pd.Series, log: IssueLog) -> None:
    """Log every row whose ``client_id`` is neither stored nor in the clients file of the same import.

    Parameters
    ----------
    checked:
        The import's files by kind.
    stored_ids:
        Every ``client_id`` in the database.
    log:
        Where problems go.
    """
    known = [pa.array(stored_ids.astype("str"), type=pa.large_string())]
    if "clients" in checked:
        known.append(pa.array(checked["clients"].cells.frame["client_id"], type=pa.large_string()))
    # Arrow's hash lookup works on the strings as they are; pandas' isin would first make Python objects of them.
    known_set = pc.unique(pa.chunked_array(known, type=pa.large_string()).combine_chunks())
    for kind, file in checked.items():
        if kind == "clients" or "client_id" not in file.cells.frame:
            continue
        ids = file.cells.frame["client_id"]
        found = pc.is_in(pa.array(ids, type=pa.large_string()), value_set=known_set).to_numpy(zero_copy_only=False)
        unknown = (ids != "").to_numpy(dtype=bool) & ~found
        log.add_mask(file.cells.file_name, "client_id", unknown, file.cells.rows,
                     "'{value}' is not a known client: add it to the clients file, or import its clients file first",
                     ids)
