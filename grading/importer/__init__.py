"""Importing clients, monthly metrics, assessments and grades: the import contract, checked before any write.

Three entry points share one path (read to text cells, parse, check, write in one transaction):

- :func:`validate_files` checks files and reports, writing nothing;
- :func:`import_files` checks files and writes them all, or raises :class:`~grading.errors.ImportValidationError`
  listing every problem and writes nothing;
- :func:`import_frames` does the same for pandas frames already in the contract's shape (the demo portfolio).

Files go the express way first (:mod:`grading.importer.express`): when every file is plain (UTF-8, every cell
in the form the contract reads best, quotes only around text that needs them), DuckDB reads, checks and writes
them in one transaction without a Python object per cell. Anything the express way cannot vouch for (one odd cell
is enough) is rolled back and goes the careful way described above, which reports every problem with file, row
and column. Frames always go the careful way.

The contract itself (:data:`CONTRACTS`) is data; see :mod:`grading.importer.contract`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from grading.importer.contract import (
    CONTRACTS,
    FILE_KINDS,
    Column,
    FileContract,
    contract_for,
    contract_markdown,
)
from grading.importer.express import express_import
from grading.importer.issues import MAX_LISTED_ISSUES, IssueLog
from grading.importer.report import FileReport, ImportReport
from grading.importer.sources import FileSource
from grading.settings import load_settings
from grading.db.store import Store

if TYPE_CHECKING:
    import pandas as pd

    from grading.importer.reading import Cells
    from grading.importer.validation import CheckedFile

# The careful way's modules (reading, validation, writing from frames) are imported where it starts: they bring
# pandas and pyarrow, about half a second of a command's start, which an import the express way takes never needs.

__all__ = [
    "CONTRACTS",
    "FILE_KINDS",
    "Column",
    "FileContract",
    "FileReport",
    "ImportReport",
    "contract_for",
    "contract_markdown",
    "import_files",
    "import_frames",
    "validate_files",
]


#: Called with a short sentence as an import's step starts (the CLI prints them on stderr for large files).
Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    """Progress callback that says nothing."""


def _max_mb(store: Store, max_upload_mb: float | None) -> float:
    return float(load_settings(store)["max_upload_mb"] if max_upload_mb is None else max_upload_mb)


def _ordered_kinds(kinds: Mapping[str, object], log: IssueLog) -> list[str]:
    """The given kinds in writing order (clients first); unknown kinds are logged."""
    for kind in kinds:
        if kind not in CONTRACTS:
            log.add(str(kind), None, None, f"'{kind}' is not an import file kind; use one of {', '.join(FILE_KINDS)}")
    if not kinds:
        log.add("import", None, None, "no file was given; give at least one of " + ", ".join(FILE_KINDS))
    return [kind for kind in FILE_KINDS if kind in kinds]


def _check(store: Store, read: dict[str, Cells | None], log: IssueLog, report: ImportReport) -> list[CheckedFile]:
    """Check every file that could be read, fill the report's per-file part, and return the checked files."""
    from grading.importer.validation import check_client_ids, check_file

    checked: dict[str, CheckedFile] = {}
    for kind, cells in read.items():
        if cells is None:
            continue
        report.files[kind] = FileReport(kind, cells.file_name, len(cells.frame), warnings=list(cells.warnings))
        checked[kind] = check_file(cells, log)
    stored_ids = store.query("SELECT client_id FROM clients")["client_id"]
    check_client_ids(checked, stored_ids, log)
    return list(checked.values())


def _finish(report: ImportReport, log: IssueLog) -> ImportReport:
    # Checks run column by column; the owner reads a file top to bottom, so list the problems that way.
    file_order = {name: position for position, name in enumerate(dict.fromkeys(i.file for i in log.issues))}
    report.issues = sorted(log.issues, key=lambda issue: (file_order[issue.file], issue.row or 0))
    report.issues_not_listed = log.not_listed
    return report


def _run(
    store: Store,
    read: dict[str, Cells | None],
    log: IssueLog,
    report: ImportReport,
    *,
    write: bool,
    grade_source: str,
    progress: Progress = _quiet,
) -> ImportReport:
    checked = _check(store, read, log, report)
    _finish(report, log)
    if not write or not report.ok:
        return report
    progress("every cell checked; writing in one transaction")
    from grading.importer.writing import write_files

    counts = write_files(store, checked, grade_source=grade_source)
    for kind, written in counts.items():
        file = report.files[kind]
        file.rows_new, file.rows_replaced, file.rows_unchanged = written.new, written.replaced, written.unchanged
    report.written = True
    return report


def _express(
    store: Store,
    files: Mapping[str, FileSource],
    max_upload_mb: float | None,
    *,
    write: bool,
    max_cells: float | None = None,
    progress: Progress = _quiet,
) -> ImportReport | None:
    """The import done the express way (plain files, DuckDB doing the work), or ``None`` for the careful way."""
    log = IssueLog(MAX_LISTED_ISSUES)
    kinds = _ordered_kinds(files, log)
    if len(log):
        return None
    progress(f"checking {_and(kinds)} with DuckDB, {'writing' if write else 'writing nothing'} in one transaction")
    report = express_import(store, files, kinds, CONTRACTS, _max_mb(store, max_upload_mb), write=write,
                            max_cells=max_cells, progress=progress)
    if report is None:
        progress("the files need a closer look: reading them one by one to check every cell")
    return report


def _and(kinds: list[str]) -> str:
    return ", ".join(f"{kind}" for kind in kinds[:-1]) + (" and " if len(kinds) > 1 else "") + kinds[-1]


def _read_files(
    store: Store, files: Mapping[str, FileSource], max_upload_mb: float | None, log: IssueLog,
    progress: Progress = _quiet,
) -> dict[str, Cells | None]:
    from grading.importer.reading import read_file

    max_mb = _max_mb(store, max_upload_mb)
    read = {}
    for kind in _ordered_kinds(files, log):
        read[kind] = read_file(CONTRACTS[kind], files[kind], max_mb, log)
        if read[kind] is not None:
            progress(f"read {read[kind].file_name}: {len(read[kind].frame):,} rows")
    return read


def validate_files(
    store: Store,
    files: Mapping[str, FileSource],
    *,
    max_upload_mb: float | None = None,
    max_cells: float | None = None,
) -> ImportReport:
    """Check import files against the contract and the database, writing nothing.

    Parameters
    ----------
    store:
        The database (read for the clients it holds and the ``max_upload_mb`` setting).
    files:
        Kind (``clients``, ``monthly``, ``assessments``, ``grades``) to a path, or to a ``(file name, bytes)`` pair
        as a browser upload gives.
    max_upload_mb:
        Largest file accepted, in MB; ``None`` uses the ``max_upload_mb`` setting.
    max_cells:
        As for :func:`import_files`.

    Returns
    -------
    ImportReport
        Rows read and warnings per file, and every problem found (``report.ok`` is False when there is any).
    """
    express = _express(store, files, max_upload_mb, write=False, max_cells=max_cells)
    if express is not None:
        return express
    log = IssueLog(MAX_LISTED_ISSUES)
    read = _read_files(store, files, max_upload_mb, log)
    return _run(store, read, log, ImportReport(), write=False, grade_source="import")


def import_files(
    store: Store,
    files: Mapping[str, FileSource],
    *,
    max_upload_mb: float | None = None,
    max_cells: float | None = None,
    progress: Progress = _quiet,
) -> ImportReport:
    """Check import files and write them all in one transaction, or write nothing.

    Parameters
    ----------
    store:
        The database to write to.
    files:
        Kind (``clients``, ``monthly``, ``assessments``, ``grades``) to a path, or to a ``(file name, bytes)`` pair.
    max_upload_mb:
        Largest file accepted, in MB; ``None`` uses the ``max_upload_mb`` setting.
    max_cells:
        Most cells a file may have when DuckDB checks and writes it whole (the express way); ``None`` keeps the
        bound of :mod:`grading.importer.limits`, which the careful way keeps whatever this says.
    progress:
        Called with a short sentence as each step starts or a file has been read (the CLI prints them).

    Returns
    -------
    ImportReport
        Per file rows read, new, replaced and unchanged, and warnings.

    Raises
    ------
    ImportValidationError
        Any problem in any file; it lists every problem (up to a cap, with the number of the rest), each naming
        file, row and column. Nothing is written.
    StoreError
        The database refused the write (nothing is written).
    """
    express = _express(store, files, max_upload_mb, write=True, max_cells=max_cells, progress=progress)
    if express is not None:
        return express
    log = IssueLog(MAX_LISTED_ISSUES)
    read = _read_files(store, files, max_upload_mb, log, progress)
    report = _run(store, read, log, ImportReport(), write=True, grade_source="import", progress=progress)
    if not report.ok:
        _raise(report)
    return report


def _raise(report: ImportReport) -> None:
    log = IssueLog(MAX_LISTED_ISSUES)
    log.issues, log.not_listed = list(report.issues), report.issues_not_listed
    log.raise_if_any()


def import_frames(store: Store, frames: Mapping[str, pd.DataFrame], *, source: str = "demo") -> ImportReport:
    """Check and write pandas frames in the contract's shape, exactly as files would be.

    Values may be typed (numbers, datetimes, periods) or text; they are turned into the same text cells a file
    gives and go through the same checks. Rows are numbered as in a file (the first row is row 2).

    Parameters
    ----------
    store:
        The database to write to.
    frames:
        Kind (``clients``, ``monthly``, ``assessments``, ``grades``) to a frame whose columns are named as the
        contract names them (case-insensitive).
    source:
        ``source`` recorded on the grade events written (``demo`` for the demo portfolio).

    Returns
    -------
    ImportReport
        Per frame rows read, new, replaced and unchanged.

    Raises
    ------
    ImportValidationError
        Any problem in any frame; nothing is written.
    """
    from grading.importer.reading import cells_from_frame

    log = IssueLog(MAX_LISTED_ISSUES)
    read = {kind: cells_from_frame(CONTRACTS[kind], frames[kind], log) for kind in _ordered_kinds(frames, log)}
    report = _run(store, read, log, ImportReport(), write=True, grade_source=source)
    if not report.ok:
        _raise(report)
    return report
