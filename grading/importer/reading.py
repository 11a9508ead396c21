"""From a file (path, or name and bytes) or a pandas frame to a frame of text cells, one column per contract column.

Reading refuses what cannot be a CSV text file before parsing it: too large (the ``max_upload_mb`` setting, checked
before the file is read), over the bounds on columns, line length and cells (:mod:`grading.importer.limits`), empty,
UTF-16, binary (NUL bytes) or not UTF-8. It accepts UTF-8 with or without BOM,
comma or semicolon delimiters (whichever the header line uses more), headers in any case with surrounding spaces,
and ignores surrounding whitespace of every value and rows that are entirely empty. Columns the contract does not
know are ignored and listed as warnings; a missing required column is one problem naming it.

A plain file (UTF-8, no quotes, every row as long as the header) is split by Arrow's CSV reader straight into
Arrow strings; anything else goes through pandas' parser, which explains what is wrong row by row. Both give the
same cells.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from grading.importer.contract import FileContract
from grading.importer.issues import IssueLog, shorten
from grading.importer.limits import MAX_LINE_BYTES, bounds_problem
from grading.importer.sources import FileSource, source_name


_FIELD_COUNT = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_ROW_IN_MESSAGE = re.compile(r"(line|row) (\d+)")


@dataclass
class Cells:
    """One file's contents as text, ready for parsing.

    Attributes
    ----------
    contract:
        The file's contract.
    file_name:
        The name used in messages (the uploaded or given file's name).
    frame:
        One ``str`` column per contract column present in the file, stripped, ``""`` where empty; entirely empty
        rows are dropped.
    rows:
        The spreadsheet row number of each row of ``frame`` (the header is row 1).
    present:
        The contract columns found in the file, in contract order.
    from_numbers:
        Columns whose cells were written from numbers (a frame's numeric column): their decimal separator is ".".
    warnings:
        Things the owner should know that do not stop the import.
    """

    contract: FileContract
    file_name: str
    frame: pd.DataFrame
    rows: np.ndarray
    present: tuple[str, ...]
    from_numbers: frozenset[str] = frozenset()
    warnings: list[str] = field(default_factory=list)


_MB = 1024 * 1024


def load_bytes(contract: FileContract, source: FileSource | bytes, max_mb: float, log: IssueLog) -> bytes | None:
    """Return the content of ``source``, or ``None`` (with a problem logged) when it is missing or too large.

    The size is checked before the content is read (for a path, from the file system), so an oversized file costs
    nothing.
    """
    name = source_name(contract, source)
    max_bytes = int(max_mb * _MB)
    limit = f"{max_mb:g} MB"
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            size = path.stat().st_size
            if not path.is_file():
                raise IsADirectoryError(f"{path} is not a file")
            if size > max_bytes:
                log.add(name, None, None, f"the file is {size / _MB:.2f} MB, more than the {limit} allowed "
                        "(setting max_upload_mb); nothing was read")
                return None
            return path.read_bytes()
        except OSError as error:
            log.add(name, None, None, f"the file cannot be read: {error.strerror or error}")
            return None
    if isinstance(source, tuple) and len(source) == 2:
        content = source[1]
    else:
        content = source
    if isinstance(content, (bytearray, memoryview)):
        content = bytes(content)
    if not isinstance(content, bytes):
        log.add(name, None, None, "the upload holds no file content (expected the file's bytes)")
        return None
    if len(content) > max_bytes:
        log.add(name, None, None, f"the file is {len(content) / _MB:.2f} MB, more than the {limit} allowed "
                "(setting max_upload_mb); nothing was read")
        return None
    return content


def decode(name: str, content: bytes, log: IssueLog) -> str | None:
    """Return ``content`` as text, or ``None`` (with a problem logged) when it is empty, binary or not UTF-8."""
    if not content.strip(b" \t\r\n\xef\xbb\xbf"):
        log.add(name, None, None, "the file is empty; a CSV file needs at least a header row")
        return None
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        log.add(name, None, None, "the file is UTF-16 text; save it as 'CSV UTF-8' and import it again")
        return None
    nul = content.find(b"\x00")
    if nul >= 0:
        log.add(name, content.count(b"\n", 0, nul) + 1, None,
                "the file holds NUL bytes: it is a binary file (a spreadsheet or an archive?), not CSV text")
        return None
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        row = content.count(b"\n", 0, error.start) + 1
        log.add(name, row, None, f"the file is not UTF-8 text (byte 0x{content[error.start]:02X}); save it as "
                "'CSV UTF-8' and import it again")
        return None


def sniff_delimiter(text: str) -> str:
    """Return ``;`` when the header line holds more semicolons than commas, else ``,``."""
    header = _header_line(text)
    return ";" if header.count(";") > header.count(",") else ","


def _header_line(text: str | bytes) -> str | bytes:
    # Looking only at the start spares splitting (and copying) a file of hundreds of MB to find its first line.
    end = len(text)
    for newline in ("\r", "\n") if isinstance(text, str) else (b"\r", b"\n"):
        found = text.find(newline, 0, end)
        if found >= 0:
            end = found
    return text[:end]


def parse_csv(name: str, text: str, log: IssueLog) -> pd.DataFrame | None:
    """Split CSV text into a frame of text cells, header row included; ``None`` (problem logged) when malformed."""
    try:
        return pd.read_csv(
            io.StringIO(text),
            sep=sniff_delimiter(text),
            header=None,
            dtype=str,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
        )
    except pd.errors.EmptyDataError:
        log.add(name, None, None, "the file is empty; a CSV file needs at least a header row")
    except (pd.errors.ParserError, ValueError) as error:
        message = str(error)
        counts = _FIELD_COUNT.search(message)
        if counts:
            expected, line, saw = counts.groups()
            log.add(name, int(line), None, f"this line has {saw} values but the header has {expected}; check the "
                    "delimiter and quotes")
        else:
            place = _ROW_IN_MESSAGE.search(message)
            # pandas counts lines from 1 but rows (records) from 0, with the header as row 0.
            row = None if not place else int(place.group(2)) + (place.group(1) == "row")
            if "EOF inside string" in message:
                detail = "a quoted value starting in this row is never closed"
            else:
                detail = message.split("C error: ")[-1].strip().rstrip(".")
            log.add(name, row, None, f"the file is not valid CSV: {detail}")
    return None


def cells_from_table(
    contract: FileContract, name: str, header: list[str], body: pd.DataFrame, log: IssueLog, *, stripped: bool = False
) -> Cells | None:
    """Match a header and a body of text cells to the contract; ``None`` when a required column is missing.

    Header names are compared case-insensitively and stripped; unknown columns become warnings; a column named
    twice or a missing required column is a problem. ``body`` has one column per header cell, numbered from 0;
    its first row is the file's row 2. ``stripped`` says that no cell has surrounding whitespace (nor is missing),
    which spares stripping every cell.
    """
    header = [str(title).strip().lower() for title in header]
    warnings: list[str] = []
    positions: dict[str, int] = {}
    ok = True
    for position, title in enumerate(header):
        if title in positions:
            log.add(name, 1, title, f"the column appears twice in the header (columns {positions[title] + 1} and "
                    f"{position + 1})")
            ok = False
        elif title:
            positions[title] = position
        elif (body[position].str.strip() != "").any():
            warnings.append(f"column {position + 1} has no name in the header and was ignored")
    unknown = [title for title in positions if title not in contract.column_names]
    if unknown:
        warnings.append("columns not in the contract were ignored: " + ", ".join(shorten(title) for title in unknown))
    for required in contract.required_columns:
        if required not in positions:
            log.add(name, 1, required, "the required column is missing from the header")
            ok = False
    if not ok:
        return None
    present = tuple(column for column in contract.column_names if column in positions)
    frame = pd.DataFrame({column: body[positions[column]] for column in present}, index=body.index)
    if not stripped:
        frame = frame.apply(lambda cells: cells.astype("str").fillna("").str.strip())
    rows = np.arange(2, len(body) + 2)
    filled = np.zeros(len(frame), dtype=bool)
    for column in present:
        filled |= (frame[column] != "").to_numpy(dtype=bool)
    if present and not filled.all():
        # A row that is empty in every contract column is a spreadsheet's leftover, not data.
        frame = frame.loc[filled].reset_index(drop=True)
        rows = rows[filled]
    if not len(frame):
        warnings.append("the file has no data rows")
    return Cells(contract, name, frame, rows, present, warnings=warnings)


def read_file(contract: FileContract, source: FileSource | bytes, max_mb: float, log: IssueLog) -> Cells | None:
    """Read one import file into :class:`Cells`; ``None`` (problems logged) when it cannot be read at all.

    Parameters
    ----------
    contract:
        The contract of the file's kind.
    source:
        A path, or a ``(file name, bytes)`` pair.
    max_mb:
        Largest size accepted, in MB; a larger file is refused before it is read.
    log:
        Where problems go.
    """
    name = source_name(contract, source)
    content = load_bytes(contract, source, max_mb, log)
    if content is None:
        return None
    # Bounded before anything parses it: a file of a million columns would take gigabytes to split.
    problem = bounds_problem(content)
    if problem is not None:
        log.add(name, problem.row, None, problem.message)
        return None
    fast = read_plain_csv(content, contract)
    if fast is not None:
        header, body, stripped = fast
        return cells_from_table(contract, name, header, body, log, stripped=stripped)
    text = decode(name, content, log)
    if text is None:
        return None
    table = parse_csv(name, text, log)
    if table is None:
        return None
    body = table.iloc[1:].reset_index(drop=True)
    body.columns = range(body.shape[1])
    return cells_from_table(contract, name, table.iloc[0].tolist(), body, log)


_BOM = b"\xef\xbb\xbf"


def _wanted_positions(contract: FileContract, header: list[str]) -> list[int]:
    """The header positions whose cells are read: the contract's columns, and columns without a name (checked for
    values). Columns the contract does not know are only named in a warning, so their cells are never read."""
    titles = [title.strip().lower() for title in header]
    return [position for position, title in enumerate(titles) if not title or title in contract.column_names]


def read_plain_csv(content: bytes, contract: FileContract) -> tuple[list[str], pd.DataFrame, bool] | None:
    """Split a well-formed UTF-8 CSV file with Arrow's reader; ``None`` when it is anything else.

    Arrow reads every cell as text straight into Arrow strings, without a Python object per cell, which is most of
    the cost of reading a large file with pandas. It is stricter than pandas (a row with fewer values, a blank line
    between rows, bytes that are not UTF-8 all stop it) and is not given files holding quotes, so whatever it
    refuses goes the careful way (:func:`decode`, :func:`parse_csv`), which accepts what it can and explains the
    rest with rows: both ways give the same cells for a file both can read.

    Only the columns the contract knows (and those without a name) are turned into text: the memory a file takes
    follows the contract's columns, not the file's.

    Returns
    -------
    tuple or None
        The header's cells, the body (one ``str`` column per header cell that is read, labelled with its position
        from 0) and whether no cell can hold surrounding whitespace; or ``None``.
    """
    # A view past the byte order mark: slicing the bytes would copy a file of hundreds of MB.
    text = memoryview(content)[len(_BOM):] if content.startswith(_BOM) else memoryview(content)
    header = _header_line(bytes(text[:MAX_LINE_BYTES + 1]))
    # A blank first line (or an empty file) and NUL bytes get their own messages from the careful way. So do quotes:
    # Arrow takes a quote left open at the end of the file as a value running to the end, where pandas refuses it.
    if not header.strip(b" \t") or b"\x00" in content or b'"' in content:
        return None
    try:
        header_text = header.decode("utf-8")
    except UnicodeDecodeError:
        return None
    delimiter = sniff_delimiter(header_text)
    # No quotes anywhere: the header's cells are exactly its text between delimiters.
    header_cells = header_text.split(delimiter)
    wanted = _wanted_positions(contract, header_cells) or [0]
    # Arrow numbers the columns it finds; naming the wanted ones makes them text and leaves the others unconverted
    # (every row is still checked to have as many cells as the header).
    names = [f"f{position}" for position in wanted]
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(text),
            read_options=pa_csv.ReadOptions(autogenerate_column_names=True),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter,
                ignore_empty_lines=False,
            ),
            convert_options=pa_csv.ConvertOptions(
                # Large strings are what pandas' str columns hold: no conversion on the way.
                column_types={name: pa.large_string() for name in names},
                include_columns=names,
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                check_utf8=True,
            ),
        )
    except pa.ArrowException:
        return None
    if table.num_rows == 0 or any(not pa.types.is_large_string(column.type) for column in table.columns):
        return None
    if [table.column(name)[0].as_py() for name in names] != [header_cells[position] for position in wanted]:
        return None  # the header Arrow read is not the one split above: let the careful way read the file
    body = pd.DataFrame(
        {position: table.column(name).slice(1).to_pandas() for position, name in zip(wanted, names, strict=True)},
        columns=wanted,
    )
    return header_cells, body, not _may_hold_whitespace(content)


# Every byte that can start a whitespace character Arrow strips: the ASCII ones, and the lead bytes of the UTF-8
# ranges holding the others (U+0085 and U+00A0, U+1680, U+2000 to U+205F, U+3000). Over-inclusive on purpose.
_WHITESPACE_BYTES = (
    b" ", b"\t", b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e", b"\x1f", b"\xc2", b"\xe1", b"\xe2", b"\xe3",
)


def _may_hold_whitespace(content: bytes) -> bool:
    # A byte search runs at memory speed; stripping every cell costs a pass over each column and new strings.
    return any(byte in content for byte in _WHITESPACE_BYTES)


def _arrow_text(values: pd.Series, arrow_type: object = None) -> pd.Series:
    """Cast a column to text with Arrow (fast, no per-row Python); missing values become empty cells."""
    array = pa.array(values, from_pandas=True)
    if arrow_type is not None:
        array = array.cast(arrow_type)
    return pd.Series(pd.arrays.ArrowStringArray(array.cast(pa.large_string())), index=values.index).fillna("")


def _as_text(values: pd.Series) -> tuple[pd.Series, bool]:
    """Return a frame column as text cells as a file would hold them, and whether it held numbers."""
    dtype = values.dtype
    if isinstance(dtype, pd.PeriodDtype) or pd.api.types.is_bool_dtype(dtype):
        return values.astype("str").fillna(""), False
    if pd.api.types.is_datetime64_any_dtype(dtype):
        try:
            return _arrow_text(values, pa.date32()), False
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            # A time of day other than midnight: written out in full, so the date check refuses it visibly.
            return values.dt.strftime("%Y-%m-%d %H:%M:%S").fillna(""), False
    if pd.api.types.is_numeric_dtype(dtype):
        return _arrow_text(values), True
    return values.astype("str").fillna(""), False


def cells_from_frame(contract: FileContract, frame: pd.DataFrame, log: IssueLog) -> Cells | None:
    """Turn a pandas frame in the contract's shape (typed or text values) into :class:`Cells`.

    Numbers become text with a decimal point (and are parsed knowing it), datetimes become ``YYYY-MM-DD``, missing
    values become empty cells; from there the frame goes through the same parsing and checks as a file.
    """
    header = [str(title) for title in frame.columns]
    body = {}
    from_numbers = set()
    for position, title in enumerate(header):
        text, numeric = _as_text(frame.iloc[:, position])
        body[position] = text.reset_index(drop=True)
        if numeric:
            from_numbers.add(title.strip().lower())
    cells = cells_from_table(contract, contract.file_name, header, pd.DataFrame(body, columns=range(len(header))), log)
    if cells is not None:
        cells.from_numbers = frozenset(from_numbers)
        cells.warnings = [warning for warning in cells.warnings if warning != "the file has no data rows"]
    return cells
