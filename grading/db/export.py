"""Writing tables as CSV that is safe to open in a spreadsheet, or as Parquet for reading at scale.

:func:`write_safe_csv` (and :func:`safe_csv_bytes` around it) is the one place every CSV the app or the CLI hands
out is made: a text cell that a spreadsheet would run as a formula (one starting with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return, also after leading spaces) gets a single quote in front, so it shows as the text it is.
Numeric columns are left alone, so a negative amount stays a number.

The file is the one pandas' ``to_csv(index=False, lineterminator="\\r\\n")`` writes for the neutralized frame, byte
for byte (numbers as Python writes them, missing values empty, quotes only where a cell needs them), but it is
built by DuckDB over all rows at once: the numbers are turned into text by DuckDB's cast (the same shortest text
Python's ``repr`` gives), the formula check is one regular expression per text column in SQL, and each line is
joined in SQL and handed back in batches. Only columns of Python objects and of dates are turned into text in
Python, as pandas would (their cells are few and cheap); nothing runs per cell for numbers or strings.

:func:`export_tables` writes the same bytes for a table without making a frame of it at all: DuckDB's ``COPY``
reads the table and writes each line made in SQL the same way (see :func:`_copy_sql`), so the export loads neither
pandas nor pyarrow.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import IO, TYPE_CHECKING

from grading.db.store import Store, quote_identifier

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

_FORMULA_START = r"^(?: *[=+\-@]|[\t\r])"
_NUMBER_KINDS = {"integer", "floating", "mixed-integer-float", "decimal", "boolean", "empty"}
# A cell holding one of these is quoted (Python's csv writer with a CRLF line end does the same).
_NEEDS_QUOTES = r'[,"\r\n]'
# pandas writes this many cells per chunk; a date column's format (with or without the time) is chosen per chunk.
_CHUNK_CELLS = 100_000
_CRLF = "\r\n"
#: Rows per record batch handed to DuckDB: each batch is one task for one of its threads.
_ROWS_PER_THREAD_TASK = 8_192


def _is_text(column: pd.Series) -> bool:
    """Whether a column holds text a spreadsheet could read as a formula (numbers, dates and booleans do not)."""
    import pandas as pd

    dtype = column.dtype
    if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        return False
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        return False
    if dtype == object:
        return pd.api.types.infer_dtype(column, skipna=True) not in _NUMBER_KINDS
    return True


def _cell_text(value: object) -> str:
    """A cell as Python's csv writer writes it: a float by its ``repr``, anything else by ``str``."""
    if value is None:
        return ""
    return repr(value) if isinstance(value, float) else str(value)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_text(value: str) -> str:
    """One of this module's constants as SQL text.

    The patterns are written into the SQL rather than passed as parameters so that DuckDB compiles each regular
    expression once, not once per row; they are this module's own constants, never a user's input.
    """
    return "'" + value.replace("'", "''") + "'"


class _Column:
    """One column of the frame as DuckDB will read it, and the SQL that turns it into its CSV cells."""

    def __init__(self, position: int, column: pd.Series, chunk_rows: int):
        import numpy as np
        import pandas as pd
        import pyarrow as pa

        self.name = f"c{position}"
        text = _is_text(column)
        dtype = column.dtype
        values = column.array
        if dtype == np.float64:
            # NaN is written empty; DuckDB's cast of a double is Python's repr of it. (Smaller floats are written
            # by NumPy's rules for their own precision, so they take the general way below.)
            self.array = pa.array(values.to_numpy(), from_pandas=False)
            self.cell = f"CASE WHEN isnan({self.name}) THEN NULL ELSE CAST({self.name} AS VARCHAR) END"
            self.plain = True
        elif isinstance(dtype, np.dtype) and dtype.kind in "iu":
            self.array = pa.array(values.to_numpy())
            self.cell = f"CAST({self.name} AS VARCHAR)"
            self.plain = True
        elif isinstance(dtype, np.dtype) and dtype.kind == "b":
            self.array = pa.array(values.to_numpy())
            self.cell = f"CASE WHEN {self.name} THEN 'True' ELSE 'False' END"
            self.plain = True
        elif isinstance(dtype, pd.StringDtype):
            # Strings go to DuckDB as they are; the formula check and the quoting run there.
            self.array = pa.array(values, type=pa.large_string(), from_pandas=True)
            self.cell = _neutralized(self.name) if text else self.name
            self.plain = False
        elif dtype == object and _holds_only_dates(column):
            # Calendar days (the graded book has several such columns): DuckDB writes a DATE as str() does,
            # and a day's text starts with a digit, so no formula check is needed.
            self.array = pa.array(values.to_numpy(), type=pa.date32(), from_pandas=True)
            self.cell = f"CAST({self.name} AS VARCHAR)"
            self.plain = True
        else:
            self.array = pa.array(_python_cells(column, chunk_rows, text), type=pa.large_string())
            self.cell = self.name
            self.plain = False

    def sql(self) -> str:
        """The cell's SQL: empty when missing, quoted (inner quotes doubled) where it holds a delimiter or quote."""
        if self.plain:
            return f"coalesce({self.cell}, '')"
        return _quoted_when_needed(f"coalesce({self.cell}, '')")


def _holds_only_dates(column: pd.Series) -> bool:
    """Whether every cell of an object column is missing or a ``datetime.date`` (not a datetime)."""
    kinds = set(map(type, column.dropna().to_numpy()))
    return kinds == {dt.date}


def _python_cells(column: pd.Series, chunk_rows: int, text: bool) -> list[str | None]:
    """The CSV cells of a column that is neither numbers nor strings (dates, objects), as pandas writes them.

    pandas' own conversion for CSV is used chunk by chunk, with the chunks ``to_csv`` uses, so a date column
    written without its time in one chunk and with it in another comes out the same. A text cell that starts
    like a formula gets its quote here (the check reads ``str`` of the value, as the neutralizing always has).
    """
    from pandas.core.indexes.base import get_values_for_csv
    import numpy as np

    cells: list[str | None] = []
    values = column.array
    # Dates and durations come back from pandas as text already: no cell needs looking at in Python.
    as_text = column.dtype.kind in "Mm"
    for start in range(0, len(column), chunk_rows):
        chunk = values[start : start + chunk_rows]
        converted = get_values_for_csv(chunk, date_format=None, na_rep="")
        cells.extend(converted.ravel().tolist() if as_text else (_cell_text(value) for value in converted.ravel()))
    if text:
        missing = column.isna().to_numpy()
        checked = column.astype("str")
        risky = checked.str.contains(_FORMULA_START, regex=True).fillna(False).to_numpy() & ~missing
        for row in np.flatnonzero(risky):
            cells[row] = "'" + checked.iloc[row]
    return cells


def write_safe_csv(
    frame: pd.DataFrame,
    write: Callable[[bytes], object],
    *,
    rows_per_batch: int = 65_536,
    header: bool = True,
    scratch: Store | None = None,
) -> None:
    """Write ``frame`` as UTF-8, comma-separated CSV with formulas neutralized, in pieces, to ``write``.

    Parameters
    ----------
    frame:
        The table to write; its index is not written. Column names are written as they are (as text).
    write:
        Called with each piece of the file's bytes, in order (e.g. a binary file's ``write``).
    rows_per_batch:
        Rows turned into text at a time: what is held in memory beside the frame.
    header:
        Write the header line (``False`` for the second and later pieces of one file).
    scratch:
        An in-memory store to turn the cells into text in (one per call otherwise): a writer of many pieces opens
        it once, as opening one costs a tenth of a second.
    """
    import pyarrow as pa

    n_columns = frame.shape[1]
    chunk_rows = (_CHUNK_CELLS // (n_columns or 1)) or 1
    if header:
        # The header line as pandas writes it: Python's csv writer, quoting only where a name needs it.
        names = io.StringIO()
        csv.writer(names, lineterminator=_CRLF).writerow([str(name) for name in frame.columns])
        write(names.getvalue().encode("utf-8"))
    if len(frame) == 0 or n_columns == 0:
        if n_columns == 0 and len(frame):
            # pandas writes an empty line per row of a frame without columns.
            write(_CRLF.encode("utf-8") * len(frame))
        return
    columns = [_Column(position, frame.iloc[:, position], chunk_rows) for position in range(n_columns)]
    # In record batches of a few thousand rows, DuckDB turns them into text on all its threads (one batch of
    # the whole frame would be one thread's work); the lines come back in order all the same.
    table = pa.Table.from_batches(
        pa.table({column.name: column.array for column in columns}).to_batches(max_chunksize=_ROWS_PER_THREAD_TASK)
    )
    # One concat_ws over every cell (each already coalesced to text): chained || would copy the line once per cell.
    line = f"concat_ws(',', {', '.join(column.sql() for column in columns)})"
    if n_columns == 1:
        line = _lone_cell(line)
    sql = f"SELECT ({line}) || {_sql_text(_CRLF)} AS line FROM frame"

    def write_batch(batch: pa.RecordBatch) -> None:
        lines = batch.column(0)
        if lines.null_count:
            raise ValueError("a CSV line came out missing")  # cannot happen: every cell is coalesced
        write(_joined_bytes(lines))

    # The caller's scratch store stays open for its next piece; one of our own is closed here.
    with nullcontext(scratch) if scratch is not None else Store(":memory:", migrate=False) as text_store:
        text_store.stream(sql, consume=write_batch, sources={"frame": table}, rows_per_batch=rows_per_batch)


def _joined_bytes(lines: pa.Array) -> bytes:
    """The UTF-8 bytes of every string of ``lines`` one after the other (they carry their own line ends)."""
    import numpy as np
    import pyarrow as pa

    lines = lines.cast(pa.large_string())
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset : lines.offset + len(lines) + 1]
    data = lines.buffers()[2]
    return data[int(offsets[0]) : int(offsets[-1])].to_pybytes() if len(lines) else b""


def safe_csv_bytes(frame: pd.DataFrame) -> bytes:
    """Return ``frame`` as UTF-8, comma-separated CSV with formulas neutralized (see :func:`write_safe_csv`).

    Parameters
    ----------
    frame:
        The table to write; its index is not written.

    Returns
    -------
    bytes
        The CSV file's content, header first, lines ending in CRLF.
    """
    # CRLF as RFC 4180 has it; a cell holding a lone carriage return is quoted, so a reader does not split there.
    pieces: list[bytes] = []
    write_safe_csv(frame, pieces.append)
    return b"".join(pieces)


def write_safe_csv_file(frame: pd.DataFrame, target: str | Path | IO[bytes]) -> None:
    """Write ``frame`` as safe CSV (see :func:`write_safe_csv`) into a file path or an open binary file."""
    if hasattr(target, "write"):
        write_safe_csv(frame, target.write)
        return
    with open(target, "wb") as handle:
        write_safe_csv(frame, handle.write)


def export_tables(store: Store, out_dir: str | Path) -> list[Path]:
    """Write every table of ``store`` as ``<table>.csv`` in ``out_dir`` (created if missing).

    Tables are listed from the database itself, so tables that later versions add are exported too. Rows are
    sorted by all columns, so two exports of the same database are identical files.

    Each file holds the bytes :func:`write_safe_csv` writes for the frame ``store.query`` gives of the sorted
    table, but a table whose columns are all of the kinds the schema uses (text, whole numbers, doubles, booleans,
    dates and timestamps) is written by DuckDB's own ``COPY`` from the database, each line made in SQL
    (:func:`_copy_sql`): no frame is built and no cell passes through Python. Any other table takes the frame.

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
        path = folder / f"{table}.csv"
        columns = store.rows(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
            [table],
        )
        sql = _copy_sql(table, columns)
        if sql is not None:
            store.rows(sql, [str(path)])
        else:
            # The name comes from the database's own catalog, not from a user; quoting keeps odd names intact.
            frame = store.query(f"SELECT * FROM {quote_identifier(table)} ORDER BY ALL")
            write_safe_csv_file(frame, path)
        written.append(path)
    return written


_WHOLE_NUMBERS = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}
#: Hidden columns of the COPY query (named so that no table of the schema has them).
_ROW, _LEVEL, _SOURCE = "__clientgrade_row", "__clientgrade_level_", "__clientgrade_table"
#: How a timestamp is written at each level of detail its chunk needs (pandas picks the finest one per chunk).
_TIMESTAMP_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%g", "%Y-%m-%d %H:%M:%S.%f")


def _sql_cell(column: str, data_type: str, level: str) -> str | None:
    """The SQL of one column's CSV cell, as :func:`write_safe_csv` writes the column ``Store.query`` gives.

    ``Store.query`` gives whole numbers (nullable or not), doubles, booleans and text as pandas columns that the
    writer writes as Python does, and dates and timestamps as ``datetime64``, which pandas writes per chunk of
    rows: as days if every value of the chunk is a midnight, else down to the second, millisecond or microsecond,
    whichever the chunk's finest value needs; ``level`` names the column that holds that level per row.
    ``None`` for any other type (the table is then written from its frame).
    """
    name = quote_identifier(column)
    if data_type == "VARCHAR":
        return _quoted_when_needed(f"coalesce({_neutralized(name)}, '')")
    if data_type in _WHOLE_NUMBERS:
        return f"coalesce(CAST({name} AS VARCHAR), '')"
    if data_type == "BOOLEAN":
        return f"CASE WHEN {name} THEN 'True' WHEN NOT {name} THEN 'False' ELSE '' END"
    if data_type == "DOUBLE":
        return f"CASE WHEN {name} IS NULL OR isnan({name}) THEN '' ELSE CAST({name} AS VARCHAR) END"
    if data_type == "DATE":
        return f"coalesce(strftime({name}, {_sql_text(_TIMESTAMP_FORMATS[0])}), '')"
    if data_type == "TIMESTAMP":
        formats = " ".join(f"WHEN {index} THEN strftime({name}, {_sql_text(form)})"
                           for index, form in enumerate(_TIMESTAMP_FORMATS))
        return f"coalesce(CASE {quote_identifier(level)} {formats} END, '')"
    return None


def _timestamp_level(column: str) -> str:
    """The SQL of the detail one timestamp needs: 0 a midnight, 1 whole seconds, 2 milliseconds, 3 microseconds."""
    micros = f"epoch_us({quote_identifier(column)})"
    return (f"CASE WHEN {micros} % 86400000000 = 0 THEN 0 WHEN {micros} % 1000000 = 0 THEN 1 "
            f"WHEN {micros} % 1000 = 0 THEN 2 ELSE 3 END")


def _neutralized(cell: str) -> str:
    """The SQL of a text cell with a single quote put in front where a spreadsheet would run it as a formula."""
    return f"CASE WHEN regexp_matches({cell}, {_sql_text(_FORMULA_START)}) THEN '''' || {cell} ELSE {cell} END"


def _lone_cell(line: str) -> str:
    """The SQL of a line of one cell: Python's csv writer quotes a row's only cell when it is empty (no blank line)."""
    return f"CASE WHEN ({line}) = '' THEN '\"\"' ELSE {line} END"


def _quoted_when_needed(cell: str) -> str:
    """The SQL of a cell in double quotes (inner ones doubled) where it holds a comma, a quote or a line end."""
    return (f"CASE WHEN regexp_matches({cell}, {_sql_text(_NEEDS_QUOTES)}) "
            f"THEN '\"' || replace({cell}, '\"', '\"\"') || '\"' ELSE {cell} END")


def _copy_sql(table: str, columns: list[tuple[str, str]]) -> str | None:
    """The ``COPY`` that writes ``table`` sorted by all its columns as safe CSV to the file ``?``, or ``None``.

    Every line is one text value made in SQL (cells joined by commas, CRLF after it) and written as it is: the
    COPY quotes nothing itself (``QUOTE ''``), and the header is that value's column name, the header line pandas
    writes. ``None`` when a column is of a type :func:`_sql_cell` does not write.
    """
    if not columns:
        return None
    cells = []
    levels = {}
    for position, (column, data_type) in enumerate(columns):
        level = f"{_LEVEL}{position}"
        cell = _sql_cell(column, data_type, level)
        if cell is None:
            return None
        if data_type == "TIMESTAMP":
            levels[level] = _timestamp_level(column)
        cells.append(cell)
    line = "concat_ws(',', " + ", ".join(cells) + ")"
    if len(columns) == 1:
        line = _lone_cell(line)
    header = io.StringIO()
    csv.writer(header, lineterminator="").writerow([name for name, _ in columns])
    # Sorted by the table's columns, qualified: a header line naming one column would otherwise sort by the line.
    order = ", ".join(f"{_SOURCE}.{quote_identifier(name)}" for name, _ in columns)
    source = f"{quote_identifier(table)} AS {_SOURCE}"
    if levels:
        # pandas writes _CHUNK_CELLS cells at a time; a timestamp's detail is the finest its chunk of rows needs.
        chunk_rows = (_CHUNK_CELLS // len(columns)) or 1
        chunk = f"{_ROW} // {chunk_rows}"
        chunked = ", ".join(f"max({sql}) OVER (PARTITION BY {chunk}) AS {quote_identifier(level)}"
                            for level, sql in levels.items())
        source = (f"(SELECT *, {chunked} FROM (SELECT *, row_number() OVER (ORDER BY {order}) - 1 AS {_ROW} "
                  f"FROM {source})) AS {_SOURCE}")
        order = f"{_SOURCE}.{_ROW}"
    query = f"SELECT {line} AS {quote_identifier(header.getvalue())} FROM {source} ORDER BY {order}"
    return f"COPY ({query}) TO ? (FORMAT csv, HEADER true, QUOTE '', ESCAPE '', NEW_LINE '\\r\\n')"


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


#: The UTF-8 byte order mark: Excel on Windows reads a CSV without it in the system's code page, so "€" garbles.
UTF8_BOM = b"\xef\xbb\xbf"


def download_csv_bytes(frame: pd.DataFrame) -> bytes:
    """Return ``frame`` as a CSV download for a spreadsheet: :func:`safe_csv_bytes` after a UTF-8 byte order mark.

    The app's download buttons use this; files the CLI writes for scripts stay without the mark.
    """
    return UTF8_BOM + safe_csv_bytes(frame)
