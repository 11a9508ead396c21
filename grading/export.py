"""Writing tables as CSV that is safe to open in a spreadsheet, or as Parquet for reading at scale.

:func:`safe_csv_bytes` is the one place every CSV the app or the CLI hands out is made: a text cell that a
spreadsheet would run as a formula (one starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, also
after leading spaces) gets a single quote in front, so it shows as the text it is. Numeric columns are left alone,
so a negative amount stays a number.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from grading.store import Store

_FORMULA_START = r"^(?: *[=+\-@]|[\t\r])"
_NUMBER_KINDS = {"integer", "floating", "mixed-integer-float", "decimal", "boolean", "empty"}


def _is_text(column: pd.Series) -> bool:
    """Whether a column holds text a spreadsheet could read as a formula (numbers, dates and booleans do not)."""
    dtype = column.dtype
    if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        return False
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        return False
    if dtype == object:
        return pd.api.types.infer_dtype(column, skipna=True) not in _NUMBER_KINDS
    return True


def neutralize_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` whose text cells that start like a formula carry a leading single quote.

    Parameters
    ----------
    frame:
        Any frame; numeric, date and boolean columns are returned unchanged.

    Returns
    -------
    pandas.DataFrame
        The same shape and column names; risky text cells become ``'`` + the cell.
    """
    safe = frame.copy()
    for position in range(safe.shape[1]):
        column = safe.iloc[:, position]
        if not _is_text(column):
            continue
        text = column.astype("str")
        risky = text.str.contains(_FORMULA_START, regex=True).fillna(False) & column.notna()
        if risky.any():
            safe.isetitem(position, column.astype("object").where(~risky, "'" + text))
    return safe


def safe_csv_bytes(frame: pd.DataFrame) -> bytes:
    """Return ``frame`` as UTF-8, comma-separated CSV with formulas neutralized (see :func:`neutralize_formulas`).

    Parameters
    ----------
    frame:
        The table to write; its index is not written.

    Returns
    -------
    bytes
        The CSV file's content, header first, lines ending in CRLF.
    """
    # CRLF as RFC 4180 has it; with it, Python's CSV writer also quotes a cell holding a lone carriage return,
    # which a "\n" terminator would leave bare (and a reader would split the row there).
    return neutralize_formulas(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def export_tables(store: Store, out_dir: str | Path) -> list[Path]:
    """Write every table of ``store`` as ``<table>.csv`` in ``out_dir`` (created if missing).

    Tables are listed from the database itself, so tables that later versions add are exported too. Rows are
    sorted by all columns, so two exports of the same database are identical files.

    Parameters
    ----------
    store:
        The database.
    out_dir:
        The folder to write to; existing files of the same names are replaced.

    Returns
    -------
    list of pathlib.Path
        The files written, one per table, in table-name order.
    """
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table in store.table_names():
        # The name comes from the database's own catalog, not from a user; quoting keeps odd names intact.
        quoted = '"' + table.replace('"', '""') + '"'
        frame = store.query(f"SELECT * FROM {quoted} ORDER BY ALL")
        path = folder / f"{table}.csv"
        path.write_bytes(safe_csv_bytes(frame))
        written.append(path)
    return written


def export_parquet(store: Store, out_dir: str | Path) -> list[Path]:
    """Write every table of ``store`` as ``<table>.parquet`` in ``out_dir`` (created if missing), with DuckDB's COPY.

    Parquet keeps the column types (dates stay dates, numbers numbers) and needs no formula guard: it is read by
    programs, not spreadsheets. A folder of such exports, one per book, is what ``python -m grading compare
    --parquet`` reads, locally or from object storage. Rows are sorted by all columns, as in :func:`export_tables`.

    Returns
    -------
    list of pathlib.Path
        The files written, one per table, in table-name order.
    """
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table in store.table_names():
        path = folder / f"{table}.parquet"
        store.copy_to_parquet(table, path)
        written.append(path)
    return written
