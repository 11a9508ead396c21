"""Importing raw exports: read every file, check it, derive the monthly metrics, and write them in one transaction.

:func:`check_raw` and :func:`import_raw` share one path. Files are staged and derived in a private workspace
(:mod:`grading.sources.workspace`); the owner's database is only read (its clients, for matching) until the final
write, which replaces the derived clients and client-months in one transaction (:func:`write_derived`): a metric's
value is replaced in the months its files cover, everything else stored is kept. Re-importing the same files
changes nothing (no row differs, so nothing is written and the store's revision stays); next month's export
changes only the months it covers.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from grading.errors import ClientGradeError, ImportValidationError
from grading.importer.contract import CLIENTS, MONTHLY
from grading.importer.issues import MAX_LISTED_ISSUES, IssueLog
from grading.importer.writing import WriteCounts, count_row_changes, write_rows
from grading.sources.derive import METRICS, BusinessHours, Derived, derive, parse_business_hours, parse_working_days
from grading.sources.files import FileSource, RawFileError, RawTable, preview, read_raw_file, source_name
from grading.sources.kinds import KIND_NAMES, RAW_KINDS
from grading.sources.mapping import FileMapping, MappingFile
from grading.sources.matching import name_key, save_client_choices, stored_client_choices
from grading.sources.presets import PRESET_NAMES, Recognition, recognise
from grading.sources.report import FileOutcome, RawImportReport
from grading.sources.staging import StagedFile, choose_mapping, settle_date_orders, tell_conventions, type_file
from grading.sources.values import DATE_ORDERS
from grading.sources.workspace import Workspace
from grading.db.store import Store, Transaction

DEFAULT_TIMEZONE = "UTC"
Progress = Callable[[float, str], None]


def _quiet(_fraction: float, _what: str) -> None:
    """A progress callback that says nothing."""


@dataclass(frozen=True)
class RawFile:
    """One file given to a raw import.

    Attributes
    ----------
    kind:
        ``time_entries``, ``tickets``, ``invoices``, ``payments``, ``costs`` or ``companies``.
    source:
        A path, or a ``(file name, bytes)`` pair as an upload gives.
    preset:
        A preset named for this file alone (``NAME:PATH``); ``None`` uses the import's.
    mapping:
        A mapping built for this file (the mapping screen); it wins over presets and the mapping file.
    """

    kind: str
    source: FileSource
    preset: str | None = None
    mapping: FileMapping | None = None


@dataclass(frozen=True)
class RawSettings:
    """What the derivation needs beyond the files: the owner's time zone, business hours and date order."""

    timezone: str = DEFAULT_TIMEZONE
    business_hours: BusinessHours = field(default_factory=BusinessHours)
    date_order: str | None = None

    def describe(self) -> dict[str, str]:
        """The settings as the report shows them."""
        return {"time zone": self.timezone, "business hours": self.business_hours.describe(),
                "date order": self.date_order or "told by each file"}


def raw_settings(
    mapping: MappingFile | None = None,
    *,
    timezone: str | None = None,
    business_hours: str | None = None,
    working_days: str | None = None,
    date_order: str | None = None,
) -> RawSettings:
    """Build :class:`RawSettings`: what is given here wins over the mapping file's ``[settings]``, then defaults.

    Raises
    ------
    ClientGradeError
        An unknown time zone, business hours not ``HH:MM-HH:MM``, working days not like ``Mon-Fri``, or a date
        order other than ``day-first`` / ``month-first``.
    """
    saved = mapping.settings if mapping is not None else {}
    zone = timezone or saved.get("timezone") or DEFAULT_TIMEZONE
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ClientGradeError(f"'{zone}' is not a time zone; use an IANA name such as Europe/Berlin or "
                               "America/New_York") from None
    hours_text = business_hours or saved.get("business_hours")
    start, end = parse_business_hours(hours_text) if hours_text else (BusinessHours().start, BusinessHours().end)
    days_text = working_days or saved.get("working_days")
    days = parse_working_days(days_text) if days_text else BusinessHours().days
    order = date_order or saved.get("date_order")
    if order is not None and order not in DATE_ORDERS:
        raise ClientGradeError(f"date order '{order}' is not day-first or month-first")
    return RawSettings(zone, BusinessHours(start, end, days), order)


def parse_file_argument(kind: str, text: str) -> RawFile:
    """Read a command-line file argument: ``PATH`` or ``NAME:PATH`` (that file read with preset ``NAME``).

    Raises
    ------
    ClientGradeError
        ``NAME`` is not a preset (and ``NAME:PATH`` is not an existing file either).
    """
    found = re.fullmatch(r"([A-Za-z][\w-]+):(.+)", text)
    if found and not Path(text).exists():
        name = found.group(1).lower()
        if name not in PRESET_NAMES:
            raise ClientGradeError(f"'{found.group(1)}' in '{text}' is not a preset; use one of "
                                   f"{', '.join(PRESET_NAMES)} (as NAME:PATH)")
        return RawFile(kind, found.group(2), preset=name)
    return RawFile(kind, text)


def _check_arguments(files: Sequence[RawFile], preset: str | None, log: IssueLog) -> None:
    if not files:
        log.add("import-raw", None, None, "no file was given; give at least one of "
                + ", ".join(f"--{kind.replace('_', '-')}" for kind in KIND_NAMES))
    if preset is not None and preset not in PRESET_NAMES:
        log.add("import-raw", None, None, f"'{preset}' is not a preset; use one of {', '.join(PRESET_NAMES)}")
    for file in files:
        if file.kind not in RAW_KINDS:
            log.add(str(file.source), None, None, f"'{file.kind}' is not a kind of raw file; use one of "
                    f"{', '.join(KIND_NAMES)}")
        if file.preset is not None and file.preset not in PRESET_NAMES:
            log.add(str(file.source), None, None, f"'{file.preset}' is not a preset; use one of "
                    f"{', '.join(PRESET_NAMES)}")


def _skip_rows(file: RawFile, mapping: MappingFile | None) -> int | None:
    if file.mapping is not None:
        return file.mapping.skip_rows
    if file.preset is None and mapping is not None and file.kind in mapping.kinds:
        return mapping.kinds[file.kind].skip_rows
    return None


def _stage(workspace: Workspace, files: Sequence[RawFile], mapping: MappingFile | None, preset: str | None,
           settings: RawSettings, log: IssueLog, progress: Progress) -> list[StagedFile]:
    staged = []
    for file_id, file in enumerate(files, start=1):
        progress(0.6 * (file_id - 1) / max(len(files), 1), f"reading {source_name(file.source)}")
        try:
            raw = read_raw_file(workspace, file.source, skip_rows=_skip_rows(file, mapping))
        except RawFileError as error:
            log.add(error.issue.file, error.issue.row, error.issue.column, error.issue.message)
            continue
        chosen = choose_mapping(raw, file.kind, file.preset or preset, file.preset is not None, mapping,
                                file.mapping, log)
        if chosen is None:
            continue
        name, reason, file_mapping = chosen
        one = StagedFile(raw, file.kind, file_id, name, reason, file_mapping)
        if tell_conventions(workspace, one, log):
            staged.append(one)
    for one in settle_date_orders(staged, settings.date_order, log):
        progress(0.6, f"reading the values of {one.raw.name}")
        type_file(workspace, one, settings.timezone, log)
    return staged


@dataclass
class FileInspection:
    """One file as the mapping screen first shows it: its headers, first rows and the preset recognised.

    Attributes
    ----------
    name:
        The file's name.
    headers:
        The headers, as the file writes them (under any title rows).
    header_row:
        The header's row number as a spreadsheet shows it.
    rows:
        Data rows (total, footer and empty rows not counted).
    first_rows:
        The first data rows, with the headers as column names (text, as in the file).
    recognition:
        The preset recognised for the kind the file was given as (``recognition.preset`` ``None`` when none fits,
        with the reason), to preselect the mapping screen's pickers (``recognition.mapping.columns``).
    left_out:
        Total and footer rows left out, with why.
    problem:
        Why the file cannot be read at all (empty, not a table ...), else ``None``.
    values:
        Per header, its distinct values (trimmed, sorted) when the column holds no more than asked for
        (``inspect_raw_file(values=N)``): what the mapping screen's value maps offer (priorities, statuses ...).
    """

    name: str
    headers: list[str] = field(default_factory=list)
    header_row: int = 1
    rows: int = 0
    first_rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    recognition: Recognition | None = None
    left_out: dict[int, str] = field(default_factory=dict)
    problem: str | None = None
    values: dict[str, list[str]] = field(default_factory=dict)


def _few_values(workspace: Workspace, raw: RawTable, most: int) -> dict[str, list[str]]:
    """The distinct values of each column that holds at most ``most`` of them (two scans, however many columns)."""
    cells = [f"nullif(trim(c{i}), '')" for i in range(len(raw.headers))]
    counts = workspace.rows(
        f"SELECT {', '.join(f'approx_count_distinct({cell})' for cell in cells)} FROM {raw.table} "
        f"WHERE {raw.kept_rows}"
    )[0]
    # The estimate is within a few per cent: a column estimated a little over the bound is counted exactly below.
    few = [position for position, count in enumerate(counts) if count <= most * 1.1 + 2]
    if not few:
        return {}
    found = workspace.rows(
        f"SELECT {', '.join(f'list(DISTINCT {cells[i]} ORDER BY {cells[i]})' for i in few)} FROM {raw.table} "
        f"WHERE {raw.kept_rows}"
    )[0]
    return {raw.headers[position]: [value for value in listed if value is not None]
            for position, listed in zip(few, found, strict=True)
            if len([value for value in listed if value is not None]) <= most}


def inspect_raw_file(kind: str, source: FileSource, *, skip_rows: int | None = None, rows: int = 5,
                     values: int = 0) -> FileInspection:
    """Read one file far enough to map it: headers, first rows, the preset its headers fit. Writes nothing.

    Parameters
    ----------
    kind:
        The kind the file is given as (``time_entries`` ...).
    source:
        A path, or a ``(file name, bytes)`` pair as an upload gives.
    skip_rows:
        Title rows above the header, when the owner says so; ``None`` finds the header row.
    rows:
        How many first rows to return.
    values:
        List the distinct values of every column that holds at most this many (0: none).

    Returns
    -------
    FileInspection
        With ``problem`` set (and nothing else) when the file cannot be read as a table.
    """
    name = source_name(source)
    with Workspace() as workspace:
        try:
            raw = read_raw_file(workspace, source, skip_rows=skip_rows)
        except RawFileError as error:
            return FileInspection(name, problem=str(error))
        return FileInspection(name, list(raw.headers), raw.header_row, raw.rows_read,
                              preview(workspace, raw, rows), recognise(kind, raw.headers), dict(raw.left_out),
                              values=_few_values(workspace, raw, values) if values else {})


def _outcomes(staged: list[StagedFile], derived: Derived | None) -> list[FileOutcome]:
    outcomes = []
    for file in staged:
        outcome = FileOutcome(file.raw.name, file.kind, file.preset, file.reason, list(file.conventions),
                              file.raw.rows_read,
                              left_out=[f"row {row}: {why}" for row, why in sorted(file.raw.left_out.items())])
        if derived is not None:
            info = derived.per_file[file.file_id]
            outcome.rows_used = int(info["rows_used"])  # type: ignore[arg-type]
            outcome.first_date, outcome.last_date = info["first_date"], info["last_date"]  # type: ignore[assignment]
            outcome.unplaced_rows = int(info["unplaced_rows"])  # type: ignore[arg-type]
            outcome.unplaced_hours = float(info["unplaced_hours"])  # type: ignore[arg-type]
            outcome.unplaced_money = float(info["unplaced_money"])  # type: ignore[arg-type]
            outcome.left_out.extend(info["left_out"])  # type: ignore[arg-type]
        outcomes.append(outcome)
    return outcomes


def _frame(frame: pd.DataFrame, dates: tuple[str, ...]) -> pd.DataFrame:
    """A workspace frame made safe to register in the store: dates as dates, text as objects."""
    frame = frame.copy()
    for column in dates:
        if column in frame:
            frame[column] = pd.to_datetime(frame[column]).dt.date
    return frame


def _merge_clients_sql(incoming: str) -> str:
    since = ("CASE WHEN s.client_since IS NULL THEN c.first_activity WHEN c.first_activity IS NULL THEN s.client_since "
             "ELSE least(s.client_since, c.first_activity) END")
    return f"""
        SELECT c.client_id, coalesce(c.name, s.name, c.client_id) AS name,
            coalesce(c.service_model, s.service_model) AS service_model, coalesce(c.seats, s.seats) AS seats,
            coalesce(CAST(c.client_since AS DATE), {since}) AS client_since
        FROM {incoming} AS c LEFT JOIN clients AS s ON s.client_id = c.client_id
        ORDER BY c.client_id"""


def _merge_months_sql(derived: str, coverage: str, clients: str) -> str:
    values = []
    for metric in METRICS:
        new = f"d.{metric}" if metric == "days_to_pay" else f"coalesce(d.{metric}, 0)"
        old = f"coalesce(s.{metric}, 0)" if metric in ("revenue", "labor_hours") else f"s.{metric}"
        values.append(f"CASE WHEN coalesce(cov.set_{metric}, false) THEN {new} ELSE {old} END AS {metric}")
    return f"""
        WITH d AS (SELECT * REPLACE (CAST(month AS DATE) AS month) FROM {derived}),
        cov AS (SELECT * REPLACE (CAST(month AS DATE) AS month) FROM {coverage}),
        grid AS (
            SELECT client_id, month FROM d
            UNION
            SELECT m.client_id, m.month FROM monthly_metrics AS m
            WHERE m.client_id IN (SELECT client_id FROM {clients}) AND m.month IN (SELECT month FROM cov)
        ), merged AS (
            SELECT g.client_id, g.month, {', '.join(values)}
            FROM grid AS g LEFT JOIN d USING (client_id, month)
            LEFT JOIN monthly_metrics AS s ON s.client_id = g.client_id AND s.month = g.month
            LEFT JOIN cov ON cov.month = g.month
        )
        SELECT * REPLACE (
            CASE WHEN emergency_tickets > tickets THEN tickets ELSE emergency_tickets END AS emergency_tickets,
            CASE WHEN after_hours_tickets > tickets THEN tickets ELSE after_hours_tickets END AS after_hours_tickets)
        FROM merged ORDER BY client_id, month"""


def write_derived(
    store: Store, derived: Derived, *, write: bool, choices: dict[str, str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, WriteCounts, WriteCounts]:
    """Merge the derived clients and months with what is stored, and write them in one transaction (or only count).

    Parameters
    ----------
    store:
        The owner's database.
    derived:
        What :func:`~grading.sources.derive.derive` found.
    write:
        ``False`` counts what would change and writes nothing (``--check``, the app's preview).
    choices:
        Client-name answers to save with the import (name as written to client id).

    Returns
    -------
    (clients, months, client counts, month counts)
        The rows as written (or as they would be), and what was new, replaced and unchanged.

    Raises
    ------
    StoreError
        The database refused the write; nothing is written.
    """
    clients_in = _frame(derived.clients.drop(columns=["how", "service_model_text"], errors="ignore"),
                        ("client_since", "first_activity"))
    monthly_in = _frame(derived.monthly, ("month",))
    coverage_in = _frame(derived.coverage, ("month",))
    with store.transaction() as tx:
        with tx.frame(clients_in) as incoming:
            clients = tx.query(_merge_clients_sql(incoming))
        with tx.frame(monthly_in) as months, tx.frame(coverage_in) as coverage, tx.frame(clients_in) as placed:
            monthly = tx.query(_merge_months_sql(months, coverage, placed))
        client_counts = _write(tx, CLIENTS, clients, write)
        month_counts = _write(tx, MONTHLY, monthly, write)
        if write and choices:
            save_client_choices(tx, choices)
    return clients, monthly, client_counts, month_counts


def _write(tx: Transaction, contract, frame: pd.DataFrame, write: bool) -> WriteCounts:
    columns = list(contract.column_names)
    with tx.frame(frame[columns]) as relation:
        if not write:
            return count_row_changes(tx, contract, columns, relation)
        return write_rows(tx, contract, columns, relation, len(frame), grade_source="import")


def _run(store: Store, files: Sequence[RawFile], mapping: MappingFile | None, preset: str | None,
         settings: RawSettings | None, *, write: bool, progress: Progress | None = None) -> RawImportReport:
    progress = progress or _quiet
    settings = settings or raw_settings(mapping)
    log = IssueLog(MAX_LISTED_ISSUES)
    report = RawImportReport(settings=settings.describe())
    _check_arguments(files, preset, log)
    if len(log):
        report.issues, report.issues_not_listed = log.issues, log.not_listed
        return report
    with Workspace() as workspace:
        staged = _stage(workspace, files, mapping, preset, settings, log, progress)
        derived = None
        if not len(log):
            choices = stored_client_choices(store)
            if mapping is not None:
                choices.update({name_key(name): client for name, client in mapping.client_names.items()})
            stored = store.query("SELECT client_id, name FROM clients")
            progress(0.75, "deriving the monthly metrics")
            derived = derive(workspace, staged, stored, choices, settings.business_hours, log)
        report.files = _outcomes(staged, derived)
        if derived is None or len(log):
            report.issues, report.issues_not_listed = log.issues, log.not_listed
            return report
    report.metrics = derived.sources
    report.unresolved = derived.unresolved
    report.matches = derived.matches
    report.warnings = list(derived.warnings) + _client_warnings(derived)
    progress(0.9, "writing" if write else "comparing with what is stored")
    clients, monthly, client_counts, month_counts = write_derived(
        store, derived, write=write, choices=mapping.client_names if mapping is not None else None
    )
    report.clients = clients.merge(derived.clients[["client_id", "how"]], on="client_id", how="left")
    report.monthly = monthly
    report.derived = derived.monthly
    report.clients_written, report.months_written = client_counts, month_counts
    report.written = write
    progress(1.0, "done")
    return report


def _client_warnings(derived: Derived) -> list[str]:
    clients = derived.clients
    unknown = clients[clients["service_model_text"].notna() & clients["service_model"].isna()]
    if unknown.empty:
        return []
    values = ", ".join(f"'{value}'" for value in sorted(unknown["service_model_text"].astype(str).unique())[:8])
    return [f"{len(unknown)} client(s) have an agreement type that is not managed, break/fix, project or hybrid "
            f"({values}); their service model is left as stored"]


def check_raw(
    store: Store,
    files: Sequence[RawFile],
    *,
    mapping: MappingFile | None = None,
    preset: str | None = None,
    settings: RawSettings | None = None,
    progress: Progress | None = None,
) -> RawImportReport:
    """Read, check and derive raw files, and report what an import would write; write nothing.

    Parameters
    ----------
    store:
        The owner's database (read for its clients and saved name answers).
    files:
        The files, each with its kind (and optionally its own preset or mapping).
    mapping:
        A mapping file (:func:`~grading.sources.mapping.read_mapping`), if any.
    preset:
        A preset for every file that names none (``--preset``); ``None`` recognises each file's.
    settings:
        Time zone, business hours, date order; ``None`` takes the mapping file's ``[settings]``, then defaults.
    progress:
        Called as ``progress(fraction, what)`` while the files are read and derived (the app's progress bar).

    Returns
    -------
    RawImportReport
        Per file, per metric and per client what was found; ``report.ok`` is False and ``report.issues`` lists
        every problem (file, row, column) when the files cannot be imported.
    """
    return _run(store, files, mapping, preset, settings, write=False, progress=progress)


def import_raw(
    store: Store,
    files: Sequence[RawFile],
    *,
    mapping: MappingFile | None = None,
    preset: str | None = None,
    settings: RawSettings | None = None,
    raise_on_problems: bool = True,
    progress: Progress | None = None,
) -> RawImportReport:
    """Read, check and derive raw files, and write the clients and client-months in one transaction.

    Parameters are those of :func:`check_raw`, and ``raise_on_problems``: ``False`` returns the report (with
    ``report.ok`` False and the issues) instead of raising, for callers that show the report either way.

    Returns
    -------
    RawImportReport
        As :func:`check_raw`, with what was written.

    Raises
    ------
    ImportValidationError
        Any problem in any file (each naming file, row and column); nothing is written.
    StoreError
        The database refused the write; nothing is written.
    """
    report = _run(store, files, mapping, preset, settings, write=True, progress=progress)
    if not report.ok and raise_on_problems:
        raise ImportValidationError(report.issues, report.issues_not_listed)
    return report


__all__ = ["FileInspection", "RawFile", "RawSettings", "check_raw", "import_raw", "inspect_raw_file",
           "parse_file_argument", "raw_settings", "write_derived"]
