"""The bounds every import file must keep, checked on its bytes before anything parses it.

A file within the size limit (``max_upload_mb``) can still be built to exhaust memory: one row of a million
columns is 10 MB, and every column would become an array and a frame column. So, besides the size, a file may
have at most :data:`MAX_COLUMNS` columns in its header, :data:`MAX_LINE_BYTES` bytes on a line and
:data:`MAX_CELLS` cells (rows times columns). :func:`bounds_problem` checks all three in one pass over the bytes
(the header line alone for the columns; no copy of the file is made), and the first bound a file breaks is the one sentence the import
reports. The express way (:mod:`grading.importer.express`) declines a file over a bound, and the careful way
refuses it with that sentence.

The bounds leave ample room for real files: the contract knows at most 10 columns (an export from another tool may
carry dozens more, which are ignored), a note of a few thousand characters is a long one, and 100 million cells is
a monthly file of more than 100,000 clients over five years.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Most columns an import file's header may have (the contract knows at most 10; the rest are ignored).
MAX_COLUMNS = 1_000
#: Longest line, in bytes, an import file may have.
MAX_LINE_BYTES = 1_000_000
#: Most cells (rows times header columns) an import file may have.
MAX_CELLS = 100_000_000

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class BoundsProblem:
    """Why a file breaks a bound: the line (1 for the header; ``None`` for the file as a whole) and one sentence."""

    row: int | None
    message: str


def header_columns(content: bytes, begin: int = 0) -> tuple[int, int]:
    """Return the number of columns of the header line starting at ``begin``, and where that line ends.

    The columns are the line's delimiters (whichever of ``,`` ``;`` tab ``|`` it holds most) plus one, counted in
    place (no copy, however long the line). A delimiter inside quotes, or a character that is not the file's
    delimiter, is counted too, which can only overstate the count: fine for a bound.
    """
    ends = [found for found in (content.find(b"\n", begin), content.find(b"\r", begin)) if found >= 0]
    end = min(ends) if ends else len(content)
    return max(content.count(delimiter, begin, end) for delimiter in (b",", b";", b"\t", b"|")) + 1, end


def _columns_problem(columns: int) -> BoundsProblem:
    return BoundsProblem(1, f"the header has {columns:,} columns, more than the {MAX_COLUMNS:,} an import file may "
                            "have; nothing was read")


def bounds_problem(content: bytes) -> BoundsProblem | None:
    """Return the first bound ``content`` breaks (columns, then line length, then cells), or ``None``.

    Parameters
    ----------
    content:
        The whole file, as read.

    Returns
    -------
    BoundsProblem or None
        The line it concerns and one sentence saying which bound was broken, by how much, and that nothing was
        read; ``None`` when the file keeps every bound.
    """
    begin = len(_BOM) if content.startswith(_BOM) else 0
    columns, header_end = header_columns(content, begin)
    if columns > MAX_COLUMNS:
        return _columns_problem(columns)
    # A line ends with \n, or with \r in a file without any \n (the \r of \r\n counts towards its line).
    breaks = content.count(b"\n", begin)
    newline = b"\n" if breaks or content[header_end:header_end + 1] != b"\r" else b"\r"
    if newline == b"\r":
        breaks = content.count(newline, begin)
    long_line = _first_line_longer_than(content, begin, newline, MAX_LINE_BYTES)
    if long_line is not None:
        end = content.find(newline, long_line)
        length = (len(content) if end < 0 else end) - long_line
        line = content.count(newline, begin, long_line) + 1
        return BoundsProblem(line, f"this line is {length:,} bytes long, more than the {MAX_LINE_BYTES:,} a line of "
                                   "an import file may have; nothing was read")
    lines = breaks + (not content.endswith(newline))
    cells = lines * columns
    if cells > MAX_CELLS:
        return BoundsProblem(None, f"the file has about {cells:,} cells ({lines:,} lines of {columns:,} columns), "
                                   f"more than the {MAX_CELLS:,} an import file may have; split it into smaller "
                                   "files; nothing was read")
    return None


def _first_line_longer_than(content: bytes, begin: int, newline: bytes, limit: int) -> int | None:
    """Return the offset where the first line longer than ``limit`` bytes starts, or ``None``.

    Each step looks for the last line break within ``limit + 1`` bytes of the current line's start: if there is
    none, that line is too long; else every line up to that break is short enough, and the next starts after it.
    So the file is crossed in steps of about ``limit`` bytes, each a search at memory speed.
    """
    start = begin
    while len(content) - start > limit:
        last = content.rfind(newline, start, start + limit + 1)
        if last < 0:
            return start
        start = last + 1
    return None


#: Most bytes the parts of an ``.xlsx`` workbook (a zip archive) may unpack to: a few MB of zip can unpack to
#: gigabytes of sheet XML (a "zip bomb"), which the Excel reader would hold whole.
MAX_XLSX_UNPACKED_BYTES = 1024 * 1024 * 1024


def xlsx_problem(content: bytes) -> BoundsProblem | None:
    """Return why an ``.xlsx`` workbook is refused before it is opened (it would unpack past the bound), or ``None``.

    Only the archive's directory is read (the sizes its parts declare), never the parts themselves. A workbook that
    is not a readable zip archive is left to the Excel reader, which says so.
    """
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(part.file_size for part in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if unpacked <= MAX_XLSX_UNPACKED_BYTES:
        return None
    return BoundsProblem(None, f"the workbook unpacks to {unpacked / 1024**2:,.0f} MB, more than the "
                               f"{MAX_XLSX_UNPACKED_BYTES // 1024**2:,} MB an import file may; save the sheet as CSV; "
                               "nothing was read")


def upload_limit_mb(setting_mb: float, server_mb: float) -> tuple[float, str | None]:
    """Return the largest upload the app can take, and a sentence when the setting promises more than that.

    The importer refuses files over the ``max_upload_mb`` setting, but a browser upload first goes through the
    Streamlit server, which refuses anything over ``server.maxUploadSize`` (``.streamlit/config.toml``) with an
    HTTP error the owner cannot read. So the app offers the smaller of the two, and says so when it is the server's.

    Parameters
    ----------
    setting_mb:
        The ``max_upload_mb`` setting.
    server_mb:
        The server's ``server.maxUploadSize``, in MB.

    Returns
    -------
    tuple
        The limit in MB, and ``None`` or one sentence on why the setting does not apply in full.
    """
    if setting_mb <= server_mb:
        return setting_mb, None
    return server_mb, (
        f"The max_upload_mb setting allows {setting_mb:g} MB, but the server accepts uploads up to {server_mb:g} MB "
        "(server.maxUploadSize in .streamlit/config.toml), so larger files are refused here: raise that and restart "
        "the app, or import them with python -m grading import."
    )


def upload_setting_problem(setting_mb: float, server_mb: float) -> str | None:
    """Return one sentence refusing a ``max_upload_mb`` the app's server could not honour, else ``None``.

    The app saves the setting only within what its server accepts, so the page never promises an upload size that
    ends in an HTTP error (the command line, which has no such server, may set more).
    """
    if setting_mb <= server_mb:
        return None
    return (
        f"max_upload_mb can be at most {server_mb:g} MB in the app, the largest upload its server accepts "
        "(server.maxUploadSize in .streamlit/config.toml); raise that first and restart the app."
    )
