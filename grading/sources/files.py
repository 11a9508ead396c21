"""Reading a raw export into the workspace as a table of text cells, whatever shape it comes in.

Accepted: CSV in any of the delimiters ``,`` ``;`` tab ``|`` (whichever splits the header best), UTF-8 or UTF-16,
with or without BOM; ``.xlsx`` (first sheet) through pandas with the ``calamine`` engine. The header row is found
under report title rows (the first row filled across the table's width) unless the mapping gives ``skip_rows``.
Rows that are entirely empty, total rows (first filled cell "Total", "Grand total" ...) and footer lines after the
data (a single filled cell: "Printed on ...") are left out and named in the report; nothing else is.

Refused, with a message naming the file (and the row where there is one): an empty file, a header without rows,
a file that is not a table (binary, one column, an old ``.xls``), text that is not UTF-8 or UTF-16, a row with more
cells than the header.

A plain UTF-8 CSV on disk is read by DuckDB's own CSV reader straight into the workspace (the fast way for a
million rows); anything else (an upload's bytes, UTF-16, blank lines inside the data, ``.xlsx``) is parsed by
pandas into text columns and handed to DuckDB as one frame. Both give the same cells.

Public API
----------
- :class:`RawTable` (one file staged: its headers, where its rows are, what was left out)
- :func:`read_raw_file` (a path or ``(name, bytes)`` into the workspace)
- :func:`preview` (the first rows of a staged file as a frame, headers as column names)
- :func:`source_name`
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from grading.errors import ClientGradeError, ValidationIssue
from grading.importer.limits import bounds_problem, xlsx_problem
from grading.sources.workspace import Workspace

FileSource = str | os.PathLike | tuple[str, bytes]

_DELIMITERS = (",", ";", "\t", "|")
_SNIFF_BYTES = 256 * 1024
_SNIFF_LINES = 60
_BLANK_LINE = re.compile(rb"\n[ \t\r]*\n")
_TOTAL_ROW = r"^(grand\s+)?totals?\b|^(summe|gesamt|total general)\b"


class RawFileError(ClientGradeError):
    """A raw file cannot be read as a table; ``issue`` names the file (and the row where there is one)."""

    def __init__(self, issue: ValidationIssue):
        self.issue = issue
        super().__init__(str(issue))


@dataclass
class RawTable:
    """One raw file staged in the workspace as text cells.

    Attributes
    ----------
    name:
        The file's name, as messages use it.
    table:
        The workspace table: one ``VARCHAR`` column per header (``c0``, ``c1`` ...), ``NULL`` where empty.
    headers:
        The headers as the file writes them (a blank header is called ``column N``; a repeated one gets `` (2)``).
    header_row:
        The header's row number as a spreadsheet shows it (1 for a file without title rows).
    rows_read:
        Data rows staged (empty rows not counted).
    row_number:
        SQL of a row's number as a spreadsheet shows it: the column ``row_no``, or (a file DuckDB read itself,
        which is not copied again for a number) the table's ``rowid`` plus the lines above the first row.
    left_out:
        Spreadsheet rows of total and footer lines, left out of the data, with why.
    """

    name: str
    table: str
    headers: list[str]
    header_row: int
    rows_read: int
    row_number: str = "row_no"
    left_out: dict[int, str] = field(default_factory=dict)

    def row_number_of(self, alias: str) -> str:
        """SQL of a row's number, for the table under ``alias``."""
        return f"{alias}.row_no" if self.row_number == "row_no" else self.row_number.replace("rowid", f"{alias}.rowid")

    def column(self, header: str) -> str:
        """The workspace column (SQL) of ``header`` (as the file writes it)."""
        return f'"c{self.headers.index(header)}"'

    empty_rows: int = 0

    @property
    def kept_rows(self) -> str:
        """SQL condition selecting the data rows (empty, total and footer rows left out)."""
        if self.empty_rows:
            filled = " OR ".join(f"c{i} IS NOT NULL AND trim(c{i}) <> ''" for i in range(len(self.headers)))
            rows = f" AND {self.row_number} NOT IN ({', '.join(str(row) for row in sorted(self.left_out))})" \
                if self.left_out else ""
            return f"({filled}){rows}"
        if not self.left_out:
            return "true"
        return f"{self.row_number} NOT IN ({', '.join(str(row) for row in sorted(self.left_out))})"


def source_name(source: FileSource) -> str:
    """The name messages use for ``source``: the file's own name."""
    if isinstance(source, tuple):
        return str(source[0]).strip() or "upload"
    return Path(source).name


def _fail(name: str, message: str, row: int | None = None) -> RawFileError:
    return RawFileError(ValidationIssue(name, row, None, message))


def _content(name: str, source: FileSource) -> bytes:
    if isinstance(source, tuple):
        content = source[1]
        if isinstance(content, (bytearray, memoryview)):
            content = bytes(content)
        if not isinstance(content, bytes):
            raise _fail(name, "the upload holds no file content")
        return content
    path = Path(source)
    try:
        if not path.is_file():
            raise _fail(name, f"there is no file {path}")
        return path.read_bytes()
    except OSError as error:
        raise _fail(name, f"the file cannot be read: {error.strerror or error}") from None


def _encoding(name: str, content: bytes) -> str:
    """The text encoding of a CSV file: UTF-8 or UTF-16 (by BOM, or by the zero bytes of ASCII in UTF-16)."""
    if content.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = content[:4096]
    if 0 in head:
        # ASCII text in UTF-16 has a zero in (nearly) every other byte: which half tells the byte order. Zeros
        # anywhere else mean binary data.
        half = len(head) // 2
        if half and head[1::2].count(0) >= 0.9 * half:
            return "utf-16-le"
        if half and head[0::2].count(0) >= 0.9 * half:
            return "utf-16-be"
        raise _fail(name, "the file is not a table (it holds binary data, not text)")
    return "utf-8"


def _decode_head(name: str, content: bytes, encoding: str) -> str:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        return decoder.decode(content[:_SNIFF_BYTES], final=len(content) <= _SNIFF_BYTES)
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise _fail(name, "the file is not UTF-8 or UTF-16 text (save it as 'CSV UTF-8')", line) from None


def _filled(cells: list[str]) -> int:
    return sum(1 for cell in cells if str(cell).strip())


def _header_index(rows: list[list[str]], skip_rows: int | None) -> int | None:
    """The index of the header among ``rows``: the first row filled across (nearly) the table's width."""
    if skip_rows is not None:
        return skip_rows if skip_rows < len(rows) else None
    counts = [_filled(row) for row in rows if _filled(row) >= 2]
    if not counts:
        return None
    # The table's width is the most common number of filled cells (a longer row is a mistake, not the width).
    width = max(set(counts), key=lambda count: (counts.count(count), count))
    needed = max(2, int(np.ceil(width * 0.8)))
    for index, row in enumerate(rows):
        if _filled(row) >= needed:
            return index
    return None


def _sniff(text: str, skip_rows: int | None) -> tuple[str, int, list[str]] | None:
    """The delimiter, the header's line index and the header cells of a CSV text; ``None`` if not a table."""
    lines = text.splitlines()[:_SNIFF_LINES]
    best = None
    for delimiter in _DELIMITERS:
        try:
            rows = list(csv.reader(lines, delimiter=delimiter))
        except csv.Error:
            continue
        index = _header_index(rows, skip_rows)
        if index is None:
            continue
        score = _filled(rows[index])
        if score >= 2 and (best is None or score > best[0]):
            best = (score, delimiter, index, rows[index])
    if best is None:
        return None
    return best[1], best[2], best[3]


def _header_names(cells: list[str]) -> list[str]:
    names: list[str] = []
    for position, cell in enumerate(cells, start=1):
        name = str(cell).replace("\ufeff", "").strip() or f"column {position}"
        base, copy = name, 2
        while name in names:
            name, copy = f"{base} ({copy})", copy + 1
        names.append(name)
    # Trailing blank headers of empty columns (a spreadsheet's padding) are no columns at all.
    while names and names[-1].startswith("column ") and not str(cells[len(names) - 1]).strip():
        names.pop()
    return names


def _stage_frame(workspace: Workspace, name: str, frame: pd.DataFrame, rows: np.ndarray, width: int) -> str:
    """Put text cells into a new workspace table ``c0..cN`` plus ``row_no``; returns the table's name."""
    frame = frame.iloc[:, :width].copy()
    while frame.shape[1] < width:
        frame[frame.shape[1]] = None
    frame.columns = [f"c{i}" for i in range(width)]
    frame = frame.astype(object).where(frame.notna(), None)
    for column in frame.columns:
        frame[column] = frame[column].astype("string").str.strip().replace("", pd.NA)
    frame["row_no"] = rows.astype("int64")
    filled = frame.drop(columns="row_no").notna().any(axis=1).to_numpy()
    table = workspace.table_name("raw")
    workspace.load_frame(table, frame.loc[filled].reset_index(drop=True))
    return table


def _read_xlsx(workspace: Workspace, name: str, content: bytes, skip_rows: int | None) -> RawTable:
    try:
        sheet = pd.read_excel(io.BytesIO(content), engine="calamine", header=None, dtype=str, sheet_name=0)
    except Exception as error:  # the reader's own errors vary by what is wrong with the workbook
        raise _fail(name, f"the file is not a readable .xlsx workbook ({type(error).__name__})") from None
    if sheet.empty:
        raise _fail(name, "the file is empty (its first sheet has no cells)")
    head = sheet.head(_SNIFF_LINES).fillna("").astype(str).values.tolist()
    index = _header_index(head, skip_rows)
    if index is None:
        raise _fail(name, "the file is not a table (no row of column headers in its first sheet)")
    headers = _header_names(head[index])
    body = sheet.iloc[index + 1:]
    if body.empty:
        raise _fail(name, "the file has a header but no rows")
    rows = body.index.to_numpy() + 1
    table = _stage_frame(workspace, name, body, rows, len(headers))
    return _finish(workspace, RawTable(name, table, headers, index + 1, 0))


def _read_csv_pandas(
    workspace: Workspace, name: str, text: str, delimiter: str, index: int, headers: list[str]
) -> RawTable:
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            body = pd.read_csv(
                io.StringIO(text), sep=delimiter, header=None, skiprows=index + 1, dtype=str, keep_default_na=False,
                skip_blank_lines=False, names=range(len(headers)), quotechar='"', engine="c", index_col=False,
            )
    except pd.errors.ParserError as error:
        found = re.search(r"line (\d+)", str(error))
        row = int(found.group(1)) if found else None
        raise _fail(name, "a row has more cells than the header (or a quote that does not close)", row) from None
    except pd.errors.EmptyDataError:
        raise _fail(name, "the file has a header but no rows") from None
    if any(issubclass(warning.category, pd.errors.ParserWarning) for warning in caught):
        # pandas cut a row longer than the header to its width: fine for empty cells (a trailing delimiter),
        # a misreading for anything else.
        row = _first_long_row(text, delimiter, index, len(headers))
        if row is not None:
            raise _fail(name, "a row has more cells than the header", row)
    rows = body.index.to_numpy() + index + 2
    table = _stage_frame(workspace, name, body, rows, len(headers))
    return _finish(workspace, RawTable(name, table, headers, index + 1, 0))


def _first_long_row(text: str, delimiter: str, index: int, width: int) -> int | None:
    """The line number of the first row with a filled cell beyond the header's width (only on the error path)."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    for position, row in enumerate(reader):
        if position > index and any(cell.strip() for cell in row[width:]):
            return reader.line_num
    return None


def _read_csv_duckdb(
    workspace: Workspace, name: str, path: Path, delimiter: str, index: int, headers: list[str]
) -> RawTable | None:
    table = workspace.table_name("raw")
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(headers))) + "}"
    try:
        # The header line and the title rows above it are skipped; the columns are named by position.
        workspace.execute(
            f"CREATE TABLE {table} AS SELECT * FROM read_csv(?, delim = ?, skip = ?, header = false, "
            f"quote = '\"', escape = '\"', null_padding = true, auto_detect = false, columns = {columns})",
            [str(path), delimiter, index + 1],
        )
    except ClientGradeError:
        # A row DuckDB's reader refuses (a cell beyond the header, even an empty one; a byte that is not UTF-8)
        # goes the careful way, which tells an empty trailing cell from a misreading, with the row.
        return None
    # The table is used as DuckDB read it (a copy of a million rows costs as much as reading them): cells are
    # trimmed where they are read, and a row's number is its rowid plus the lines above the first row.
    return _finish(workspace, RawTable(name, table, headers, index + 1, 0, f"(rowid + {index + 2})"))


def _finish(workspace: Workspace, raw: RawTable) -> RawTable:
    """Count the rows, and find the total rows and the footer lines to leave out."""
    cells = [f"c{i}" for i in range(len(raw.headers))]
    trimmed = [f"nullif(trim({cell}), '')" for cell in cells]
    first_filled = f"coalesce({', '.join(trimmed)})" if len(cells) > 1 else trimmed[0]
    filled = " + ".join(f"({cell} IS NOT NULL)::INTEGER" for cell in trimmed)
    # Only a row with an empty first or second cell, or a first cell saying "total", can be a total, footer or
    # empty row: cheap tests pick those out in one pass before any row is looked at closely.
    # One regular expression rather than three ILIKEs: a third of the cost on a million rows.
    words = "regexp_matches(c0, '(?i)total|summe|gesamt')"
    suspect = (f"c0 IS NULL OR trim(c0) = '' OR {words}"
               + (" OR c1 IS NULL OR trim(c1) = ''" if len(cells) > 1 else ""))
    rows, last_kept, suspects = workspace.rows(
        f"SELECT count(*), max({raw.row_number}) FILTER (WHERE NOT ({suspect})), count(*) FILTER (WHERE {suspect}) "
        f"FROM {raw.table}"
    )[0]
    found = []
    if suspects:
        found = workspace.rows(
            f"""
            WITH numbered AS (
                SELECT {raw.row_number} AS row_no, {first_filled} AS first_cell, {filled} AS filled FROM {raw.table}
                WHERE {suspect}
            ), last_data AS (
                SELECT greatest((SELECT max(row_no) FROM numbered WHERE filled >= 2), ?) AS row_no
            )
            SELECT row_no, CASE WHEN filled = 0 THEN '' WHEN regexp_matches(lower(first_cell), ?) THEN 'a total row'
                                ELSE 'a footer line' END
            FROM numbered
            WHERE filled = 0 OR regexp_matches(lower(first_cell), ?)
               OR (filled <= 1 AND row_no > (SELECT row_no FROM last_data))
            ORDER BY row_no
            """,
            [last_kept, _TOTAL_ROW, _TOTAL_ROW],
        )
    # Empty rows (a spreadsheet's padding) are left out without a word; total and footer rows are named.
    raw.left_out = {int(row): why for row, why in found}
    raw.rows_read = int(rows) - len(raw.left_out)
    raw.left_out = {row: why for row, why in raw.left_out.items() if why}
    raw.empty_rows = len(found) - len(raw.left_out)
    if raw.rows_read <= 0:
        raise _fail(raw.name, "the file has a header but no rows")
    return raw


def read_raw_file(workspace: Workspace, source: FileSource, *, skip_rows: int | None = None) -> RawTable:
    """Stage one raw file (CSV or ``.xlsx``) in ``workspace`` as text cells.

    Parameters
    ----------
    workspace:
        The import's workspace.
    source:
        A path, or a ``(file name, bytes)`` pair as a browser upload gives.
    skip_rows:
        Title rows above the header (from the mapping); ``None`` finds the header row.

    Returns
    -------
    RawTable

    Raises
    ------
    RawFileError
        The file is empty, not a table, not UTF-8/UTF-16 text, has a header but no rows, or a row longer than
        its header; the error's ``issue`` names the file and, where there is one, the row.
    """
    name = source_name(source)
    content = _content(name, source)
    # Where the text ends, trailing blanks left off (found from the end: no copy of a file of a hundred MB).
    end = len(content)
    while end and content[end - 1] in b" \t\r\n\x0b\x0c" and len(content) - end < 64:
        end -= 1
    if end and content[end - 1] in b" \t\r\n\x0b\x0c":
        end = len(content.rstrip())  # a long blank tail: strip it at C speed
    if not end:
        raise _fail(name, "the file is empty")
    # Bounded before anything parses it (columns, line length, cells; a workbook's unpacked size), as the
    # importer's own files are: a small file can be built to take gigabytes to split.
    problem = xlsx_problem(content) if content.startswith(b"PK\x03\x04") else bounds_problem(content)
    if problem is not None:
        raise _fail(name, problem.message, problem.row)
    if content.startswith(b"PK\x03\x04"):
        return _read_xlsx(workspace, name, content, skip_rows)
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise _fail(name, "the file is an old Excel .xls workbook; save it as .xlsx or CSV")
    encoding = _encoding(name, content)
    head = _decode_head(name, content, encoding)
    if "\x00" in head:
        raise _fail(name, "the file is not a table (it holds binary data, not text)")
    sniffed = _sniff(head, skip_rows)
    if sniffed is None:
        raise _fail(name, "the file is not a table (no header row of two or more columns was found)")
    delimiter, index, cells = sniffed
    headers = _header_names(cells)
    # Blank lines would shift DuckDB's count of rows from the file's line numbers: such files go the pandas way.
    plain = encoding in ("utf-8", "utf-8-sig") and not isinstance(source, tuple)
    if plain and _BLANK_LINE.search(content, 0, end) is None:
        read = _read_csv_duckdb(workspace, name, Path(source), delimiter, index, headers)  # type: ignore[arg-type]
        if read is not None:
            return read
    try:
        text = content.decode(encoding)
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise _fail(name, "the file is not UTF-8 or UTF-16 text (save it as 'CSV UTF-8')", line) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return _read_csv_pandas(workspace, name, text, delimiter, index, headers)


def preview(workspace: Workspace, raw: RawTable, rows: int = 5) -> pd.DataFrame:
    """The first ``rows`` data rows of a staged file, with its headers as column names (for the mapping screen)."""
    columns = ", ".join(f"c{i}" for i in range(len(raw.headers)))
    frame = workspace.query(
        f"SELECT {columns} FROM {raw.table} WHERE {raw.kept_rows} ORDER BY {raw.row_number} LIMIT {int(rows)}"
    )
    frame.columns = raw.headers
    return frame
