"""The express way for plain files: DuckDB reads, checks and writes them without a Python object per cell.

Most import files are plain: UTF-8, every cell already in the form the contract reads best (``1234.5``,
``2024-05``, ``managed``), quotes only around text that needs them (a name or note holding the delimiter or a
quote, as spreadsheets and CSV writers quote). For such a file DuckDB does all the work inside the import's one
transaction, whichever of the four files it is:

1. one pass over the file's lines with a single regular expression built from the header and the contract, which
   every line must match whole (each cell's form: digits with at most one decimal point and never a point that
   could be a thousands separator, ISO dates and months, the choices, text without surrounding whitespace, quoted
   or not, and never a line break inside quotes);
2. ``read_csv`` with the contract's types, straight into the table (a first import) or into a staging table (and
   always for grades, which are appended in the file's order: the staging table numbers the rows as read);
3. SQL checks of what a form cannot show: ranges, ``at_most`` pairs, dates that exist, known clients, duplicate
   keys (the table's primary key, or a count when the rows go through staging).

The express way never explains a problem. Whatever it cannot vouch for, from a quote in the header to one cell out
of range, makes it decline: the transaction is rolled back and the import goes the careful way
(:mod:`grading.importer.reading`, :mod:`grading.importer.validation`), which reports every problem with its file,
row and column. So the careful way stays the one definition of the contract; the express way accepts a subset of
what it accepts, with the same values (a test writes random files both ways and compares the tables).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from grading.errors import StoreError
from grading.importer.contract import (
    CHOICE,
    DATE,
    FIRST_YEAR,
    INTEGER,
    LAST_YEAR,
    MONTH,
    NUMBER,
    TEXT,
    Column,
    FileContract,
)
from grading.importer.issues import shorten
from grading.importer.limits import MAX_CELLS, MAX_COLUMNS, MAX_LINE_BYTES
from grading.importer.sources import FileSource, source_name
from grading.importer.report import FileReport, ImportReport
from grading.importer.writing import note_clients, write_rows
from grading.db.store import Store, Transaction

_MB = 1024 * 1024
_BOM = b"\xef\xbb\xbf"
# The header must end within this many bytes; a longer one is not a plain file's.
_HEAD_BYTES = 65536
# Every character Python's str.strip() removes (those whose str.isspace() is true): the careful way strips them from
# every cell, so a cell that starts or ends with one is not plain. Written out, because finding them by testing all
# 1.1 million code points took a third of a second at every start; a test checks the list against isspace().
_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
# Python's str.isdecimal() digits beyond ASCII never match [0-9]: RE2 classes are explicit.
_NUMBER = (
    # Digits, or digits with a decimal point that cannot be read as a thousands separator: 1.234 (could be 1234)
    # is left to the careful way, which decides from the rest of the column.
    r"(?:[0-9]+|0[0-9]*\.[0-9]+|[1-9][0-9]{3,}\.[0-9]+|[1-9][0-9]{0,2}\.(?:[0-9]{1,2}|[0-9]{4,}))"
)
_INTEGER = r"[0-9]+"
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_MONTH = r"[0-9]{4}-[0-9]{2}(?:-[0-9]{2})?"


class _Declined(Exception):
    """The express way cannot vouch for a file; the careful way takes over."""


class _Checked(Exception):
    """A validation without writing went through: roll back, and hand over the report."""

    def __init__(self, report: ImportReport):
        super().__init__("checked")
        self.report = report


@dataclass
class PlainFile:
    """A file the express way may take: where it is, its delimiter, and where each contract column sits.

    Attributes
    ----------
    contract:
        The file's contract.
    name:
        The name used in reports.
    path:
        The file on disk (a temporary copy for an upload).
    delimiter:
        ``,`` or ``;``.
    positions:
        Position in the file of each contract column present, in contract order.
    width:
        Number of columns in the header.
    warnings:
        The warnings the careful way would give (columns not in the contract).
    """

    contract: FileContract
    name: str
    path: Path
    delimiter: str
    positions: dict[str, int]
    width: int
    warnings: list[str] = field(default_factory=list)


def _char(character: str) -> str:
    return f"\\x{{{ord(character):x}}}"


def _escaped(text: str) -> str:
    """``text`` as an RE2 pattern matching itself, ASCII letters in either case (as ``str.lower`` folds them)."""
    parts = []
    for character in text:
        if character.isascii() and character.isalpha():
            parts.append(f"[{character.lower()}{character.upper()}]")
        elif character.isascii() and character.isdigit():
            parts.append(character)
        else:
            parts.append(_char(character))
    return "".join(parts)


def _cell_pattern(column: Column | None, delimiter: str) -> str:
    """The RE2 pattern of one cell of ``column`` (``None``: a column the contract does not know)."""
    # A quote, NUL, a line break or the delimiter never belongs to an unquoted cell.
    banned = _chars(f'"\x00\r\n{delimiter}')
    if column is None:
        # Ignored, but it must split the same way for every reader: unquoted, or quoted whole.
        return f"(?:[^{banned}]*|{_QUOTE}{_quoted_token()}*{_QUOTE})"
    if column.type in (NUMBER, INTEGER, DATE, MONTH):
        form = {NUMBER: _NUMBER, INTEGER: _INTEGER, DATE: _DATE, MONTH: _MONTH}[column.type]
    elif column.type == CHOICE:
        form = "(?:" + "|".join(_escaped(spelling) for spelling in _spellings(column)) + ")"
    elif column.type == TEXT:
        edge = f"[^{banned}{_chars(_WHITESPACE)}]"
        form = f"(?:{edge}(?:[^{banned}]*{edge})?|{_quoted_text(delimiter)})"
    else:
        raise ValueError(f"unknown column type {column.type!r}")
    return form if column.required else f"(?:{form})?"


_QUOTE = _char('"')


def _chars(characters: str) -> str:
    return "".join(_char(character) for character in characters)


def _quoted_token(excluded: str = "") -> str:
    """One character of a quoted cell (RFC 4180): not a quote, NUL, line break or ``excluded``; or a doubled quote."""
    return f"(?:[^{_chars(chr(34) + chr(0) + excluded + chr(13) + chr(10))}]|{_QUOTE}{_QUOTE})"


def _quoted_text(delimiter: str) -> str:
    """The RE2 pattern of a text cell quoted because it must be: it holds the delimiter or a quote.

    That is how spreadsheets and CSV writers quote (only where needed), so a name such as ``"Miller, Sons"`` or a
    note with a quote in it is taken here; a cell quoted without need (``"C1"``), and line breaks inside quotes,
    are left to the careful way. The text inside the quotes is the cell (a doubled quote is one quote), and it may
    not start or end with whitespace, which the careful way would strip.
    """
    inner, edge = _quoted_token(), _quoted_token(_WHITESPACE)
    needed = f"(?:{_char(delimiter)}|{_QUOTE}{_QUOTE})"
    # The first token that needs the quotes comes first, or after an edge and any text; an edge ends the cell.
    return f"{_QUOTE}(?:{needed}(?:{inner}*{edge})?|{edge}{inner}*{needed}(?:{inner}*{edge})?){_QUOTE}"


def _spellings(column: Column) -> dict[str, str]:
    spellings = {choice.lower(): choice for choice in column.choices}
    spellings.update(dict(column.aliases))
    return spellings


def line_pattern(plain: PlainFile) -> str:
    """The RE2 pattern every data line of ``plain`` must match whole."""
    by_position = {position: plain.contract.column(name) for name, position in plain.positions.items()}
    cells = [_cell_pattern(by_position.get(position), plain.delimiter) for position in range(plain.width)]
    return _char(plain.delimiter).join(cells)


def _header(content: bytes) -> tuple[str, list[str]] | None:
    """The delimiter and the header's titles (stripped, lower-case) of a plain file's first bytes, else ``None``."""
    head = content[len(_BOM):] if content.startswith(_BOM) else content
    ends = [found for found in (head.find(b"\n"), head.find(b"\r")) if found >= 0]
    if not ends:
        return None
    line = head[: min(ends)]
    if b'"' in line or b"\x00" in line or not line.strip(b" \t"):
        return None
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return None
    delimiter = ";" if text.count(";") > text.count(",") else ","
    return delimiter, [title.strip().lower() for title in text.split(delimiter)]


def plain_file(contract: FileContract, name: str, path: Path, head: bytes) -> PlainFile | None:
    """Match a file's header to the contract; ``None`` when the careful way must read it.

    The careful way takes any header problem (a column named twice, a missing required column, a column with no
    name), so that it is reported the usual way.
    """
    found = _header(head)
    if found is None:
        return None
    delimiter, titles = found
    if "" in titles or len(set(titles)) != len(titles) or len(titles) > MAX_COLUMNS:
        # Over the bound on columns too: the careful way refuses it with its sentence before parsing it.
        return None
    if any(required not in titles for required in contract.required_columns):
        return None
    positions = {column: titles.index(column) for column in contract.column_names if column in titles}
    unknown = [title for title in titles if title not in contract.column_names]
    warnings = []
    if unknown:
        warnings.append("columns not in the contract were ignored: " + ", ".join(shorten(title) for title in unknown))
    return PlainFile(contract, name, path, delimiter, positions, len(titles), warnings)


@contextmanager
def _on_disk(source: FileSource | bytes, max_mb: float, db_path: str | os.PathLike) -> Iterator[Path | None]:
    """The file as a path DuckDB can read; ``None`` when too large.

    An upload is written to a hidden scratch file in the backup folder beside the database (not the system's shared
    temporary folder), removed when done, or at the next start if the process is killed first.
    """
    max_bytes = int(max_mb * _MB)
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            fits = path.is_file() and path.stat().st_size <= max_bytes
        except OSError:
            fits = False
        yield path if fits else None
        return
    content = source[1] if isinstance(source, tuple) and len(source) == 2 else source
    if not isinstance(content, (bytes, bytearray, memoryview)) or len(content) > max_bytes:
        yield None
        return
    with _scratch(db_path) as path:
        path.write_bytes(content)
        yield path


@contextmanager
def _scratch(db_path: str | os.PathLike) -> Iterator[Path]:
    from grading.db.backup import default_backup_folder, scratch_file

    if str(db_path) == ":memory:":
        # No folder of its own: a database in memory holds nothing a killed process could leave behind anyway.
        handle, name = tempfile.mkstemp(suffix=".csv", prefix="clientgrade-import-")
        os.close(handle)
        try:
            yield Path(name)
        finally:
            Path(name).unlink(missing_ok=True)
        return
    folder = default_backup_folder(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    with scratch_file(folder, db_path, "import") as path:
        yield path


def _head(path: Path) -> bytes:
    with path.open("rb") as file:
        return file.read(_HEAD_BYTES)


def _read_csv(plain: PlainFile) -> str:
    """SQL for ``read_csv`` of ``plain`` with the contract's types; its columns are ``f0``, ``f1``, ..."""
    by_position = {position: plain.contract.column(name) for name, position in plain.positions.items()}
    types = []
    for position in range(plain.width):
        column = by_position.get(position)
        sql_type = {NUMBER: "DOUBLE", INTEGER: "INTEGER"}.get(column.type, "VARCHAR") if column else "VARCHAR"
        types.append(f"'f{position}': '{sql_type}'")
    # No sniffing: every line was matched whole, so each cell is read exactly as it was matched (a quote only ever
    # opens a quoted text cell, and inside one only ever comes doubled or closes it).
    return (
        "read_csv(?, header = false, skip = 1, delim = ?, quote = '\"', escape = '\"', auto_detect = false, "
        f"strict_mode = true, columns = {{{', '.join(types)}}})"
    )


def _value(column: Column, cell: str) -> str:
    """SQL for the stored value of ``column`` from its cell ``cell`` (a ``read_csv`` column)."""
    if column.type == MONTH:
        # CAST (not TRY_CAST) refuses a date that does not exist, which declines the file.
        return f"date_trunc('month', CAST(CASE WHEN length({cell}) = 7 THEN {cell} || '-01' ELSE {cell} END AS DATE))"
    if column.type == DATE:
        return f"CAST({cell} AS DATE)"
    if column.type == CHOICE:
        cases = " ".join(f"WHEN '{spelling}' THEN '{stored}'" for spelling, stored in _spellings(column).items())
        return f"CASE lower({cell}) {cases} END"
    if column.empty_as is not None:
        return f"coalesce({cell}, '{column.empty_as}')"
    return cell


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _written_columns(contract: FileContract, plain: PlainFile) -> list[str]:
    """The columns written: those in the file, and key columns left out that have an empty value."""
    return [
        column.name
        for column in contract.columns
        if column.name in plain.positions or (column.name in contract.key and column.empty_as is not None)
    ]


def _select(plain: PlainFile) -> str:
    contract = plain.contract
    values = []
    for name in _written_columns(contract, plain):
        column = contract.column(name)
        value = _value(column, f"f{plain.positions[name]}") if name in plain.positions else f"'{column.empty_as}'"
        values.append(f"CAST({value} AS {column.sql_type}) AS {_quoted(name)}")
    if contract.appends:
        # Appended rows (grades) are written in the file's order. A window with an empty OVER clause over one
        # read_csv keeps the order of the file's lines (DuckDB's order preservation), so this is the row number a
        # spreadsheet shows (the header is row 1), as the careful way numbers rows.
        values.append("row_number() OVER () + 1 AS source_row")
    return f"SELECT {', '.join(values)} FROM {_read_csv(plain)}"


def _bad_rows(plain: PlainFile, relation: str) -> str:
    """SQL counting the rows of ``relation`` that break a rule a cell's form cannot show."""
    contract = plain.contract
    rules = []
    for name in plain.positions:
        column, value = contract.column(name), _quoted(name)
        if column.type in (NUMBER, INTEGER):
            if column.type == NUMBER:
                rules.append(f"NOT isfinite({value})")
            if column.minimum is not None:
                rules.append(f"{value} < {column.minimum!r}")
            if column.maximum is not None:
                rules.append(f"{value} > {column.maximum!r}")
        if column.type in (DATE, MONTH):
            rules.append(f"year({value}) NOT BETWEEN {FIRST_YEAR} AND {LAST_YEAR}")
        if column.at_most and column.at_most in plain.positions:
            rules.append(f"{value} > {_quoted(column.at_most)}")
    bad = " OR ".join(rules) or "FALSE"
    sql = f"SELECT count(*) FILTER (WHERE {bad}) FROM {relation}"
    if contract.kind != "clients":
        sql = f"SELECT ({sql}) + (SELECT count(*) FROM {relation} AS incoming ANTI JOIN clients USING (client_id))"
    return sql


def _decline_if_any(tx: Transaction, sql: str) -> None:
    """Decline unless the count ``sql`` gives is 0 (a scalar: no frame, and no pandas, is made for it)."""
    if int(tx.scalar(sql)):
        raise _Declined


def _matching_lines(tx: Transaction, plain: PlainFile, max_cells: float) -> int:
    """Count the data lines, declining the file unless every one matches its pattern whole."""
    # A line over the bound on line length stops read_csv (max_line_size), and a file over the bound on cells is
    # declined after counting: either way the careful way refuses it with its sentence.
    count, odd = tx.scalar(
        "SELECT [count(*), count(*) FILTER (WHERE NOT coalesce(regexp_full_match(line, ?), false))] "
        "FROM read_csv(?, header = false, skip = 1, delim = '\x01', quote = '', escape = '', auto_detect = false, "
        f"strict_mode = true, max_line_size = {MAX_LINE_BYTES + 2}, columns = {{'line': 'VARCHAR'}})",
        [line_pattern(plain), str(plain.path)],
    )
    if odd or not count or (count + 1) * plain.width > max_cells:
        raise _Declined
    return count


def _table_is_empty(tx: Transaction, contract: FileContract) -> bool:
    return not tx.scalar(f"SELECT EXISTS (SELECT 1 FROM {_quoted(contract.table)})")


def _take(tx: Transaction, plain: PlainFile, *, write: bool, grade_source: str, max_cells: float) -> FileReport:
    """Check one plain file inside ``tx`` and, when ``write``, write it; decline at the first doubt."""
    contract = plain.contract
    rows = _matching_lines(tx, plain, max_cells)
    report = FileReport(contract.kind, plain.name, rows, warnings=list(plain.warnings))
    columns = _written_columns(contract, plain)
    table = _quoted(contract.table)
    if write and not contract.appends and _table_is_empty(tx, contract):
        # A first import: straight into the table, whose primary key refuses a repeated key. The table held nothing
        # before, so checking it afterwards checks exactly the file's rows.
        tx.execute(f"INSERT INTO {table} ({', '.join(map(_quoted, columns))}) {_select(plain)}",
                   [str(plain.path), plain.delimiter])
        _decline_if_any(tx, _bad_rows(plain, table))
        if contract.table == "clients":
            # New clients get their alias numbers in file order (the table held nothing, so it holds the file's
            # rows in the order read), as the careful way gives them.
            note_clients(tx, "SELECT client_id FROM clients", grade_source)
        report.rows_new, report.rows_replaced, report.rows_unchanged = rows, 0, 0
        return report
    staging = f"express_{contract.kind}"
    tx.scratch(f"CREATE TEMP TABLE {staging} AS {_select(plain)}", [str(plain.path), plain.delimiter])
    _decline_if_any(tx, _bad_rows(plain, staging))
    key = ", ".join(_quoted(name) for name in contract.key)
    _decline_if_any(tx, f"SELECT count(*) FROM (SELECT 1 FROM {staging} GROUP BY {key} HAVING count(*) > 1)")
    if write:
        counts = write_rows(tx, contract, columns, staging, rows, grade_source=grade_source)
        report.rows_new, report.rows_replaced, report.rows_unchanged = counts.new, counts.replaced, counts.unchanged
    tx.scratch(f"DROP TABLE {staging}")
    return report


def express_import(
    store: Store,
    files: Mapping[str, FileSource],
    kinds: list[str],
    contracts: Mapping[str, FileContract],
    max_mb: float,
    *,
    write: bool,
    grade_source: str = "import",
    max_cells: float | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> ImportReport | None:
    """Check (and, when ``write``, write) plain files the express way, all in one transaction.

    Parameters
    ----------
    store:
        The database.
    files:
        Kind to a path or a ``(file name, bytes)`` pair.
    kinds:
        The kinds to take, in writing order (clients first).
    contracts:
        The contract of each kind.
    max_mb:
        Largest file accepted, in MB.
    write:
        Write the files (``True``) or only check them (the transaction is rolled back).
    grade_source:
        ``source`` of appended grade events.
    max_cells:
        Most cells a file may have here (``None``: :data:`~grading.importer.limits.MAX_CELLS`). DuckDB reads and
        writes a file here without holding its cells in memory, so the command line lifts it; the careful way keeps
        the bound whatever this says.
    progress:
        Called with a short sentence as each file has been checked, and before the commit.

    Returns
    -------
    ImportReport or None
        The report of an import without any problem; ``None`` when any file is not plain, or has or may have a
        problem: the careful way must take the import, and nothing was written.
    """
    if not kinds:
        return None
    with _all_on_disk([files[kind] for kind in kinds], max_mb, store.path) as paths:
        plains = []
        for kind, path in zip(kinds, paths, strict=True):
            plain = None if path is None else plain_file(contracts[kind], source_name(contracts[kind], files[kind]),
                                                         path, _head(path))
            if plain is None:
                return None
            plains.append(plain)
        try:
            with store.transaction() as tx:
                report = ImportReport()
                for plain in plains:
                    taken = _take(tx, plain, write=write, grade_source=grade_source,
                                  max_cells=MAX_CELLS if max_cells is None else max_cells)
                    report.files[plain.contract.kind] = taken
                    rows = taken.rows_read
                    progress(f"{plain.name}: {rows:,} row{'' if rows == 1 else 's'} checked")
                if not write:
                    raise _Checked(report)
                progress("every file checked; committing")
        except (_Declined, StoreError):
            # A refusal by the database (a repeated key, a date that does not exist, a cell it cannot read) is a
            # problem in the file: the careful way finds it and says where.
            return None
        except _Checked as checked:
            return checked.report
    report.written = True
    return report


@contextmanager
def _all_on_disk(sources: list[FileSource], max_mb: float, db_path: str | os.PathLike) -> Iterator[list[Path | None]]:
    if not sources:
        yield []
        return
    with _on_disk(sources[0], max_mb, db_path) as first, _all_on_disk(sources[1:], max_mb, db_path) as rest:
        yield [first, *rest]
