"""The "From your PSA and books" section of Data & settings: raw exports dropped in the browser, mapped, checked and
imported through :mod:`grading.sources`, the same functions ``python -m grading import-raw`` calls.

The page lays out the widgets; this module says what they offer and turns the owner's choices into the library's
own structures: a :class:`~grading.sources.RawFile` per upload (recognised, read with a named preset, or with a
:class:`~grading.sources.FileMapping` built from the pickers) and a :class:`~grading.sources.MappingFile` (the TOML
mapping file's content) to save with the book and to download. Fields, presets and value conventions are the
library's (:data:`~grading.sources.RAW_KINDS`, :data:`~grading.sources.PRESETS`); nothing is defined twice.

Public API
----------
- :class:`Upload`, :func:`read_upload` (an upload's headers, first rows, few-valued columns and guessed kind)
- :data:`SAVED`, :func:`read_with_options`, :func:`first_choice`, :func:`base_mapping` (what a file is read with)
- :data:`VALUE_MAPS`, :func:`value_options`, :func:`chosen_values`, :func:`build_mapping`, :func:`mapped_preview`
- :func:`raw_file`, :func:`on_disk` (uploads written to a temporary folder for the library to read),
  :func:`mapping_for_book`, :func:`signature`
- :func:`files_frame`, :func:`metrics_frame`, :func:`monthly_frame`, :func:`issues_frame`, :func:`unresolved_frame`,
  :func:`written_sentence`, :func:`new_client_label`
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from grading.sources import (
    PRESETS,
    RAW_KINDS,
    FileInspection,
    FileMapping,
    MappingFile,
    RawFile,
    RawImportReport,
    inspect_raw_file,
    mapping_toml,
)
from grading.sources.presets import GENERIC, guess_kind, resolve

#: The "read with" choice of a file read through the mapping saved with the book.
SAVED = "saved"
#: How many first rows the mapping screen previews.
PREVIEW_ROWS = 5
#: Most distinct values a column may hold to be offered in a value map (priorities, work types, statuses).
MOST_VALUES = 60

#: The value maps per kind: the field whose values are mapped, and per mapping-file key the question asked.
VALUE_MAPS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "tickets": (("priority", "emergency_priorities", "Priorities that mean an emergency"),),
    "time_entries": (("work_type", "after_hours_work_types", "Work types that mean after-hours work"),),
    "invoices": (("status", "voided_statuses", "Statuses that mean voided (left out)"),
                 ("status", "disputed_statuses", "Statuses that mean disputed")),
}


@dataclass
class Upload:
    """One uploaded file as the mapping screen shows it.

    Attributes
    ----------
    name, content:
        The file's name and bytes.
    inspection:
        Its headers, first rows, rows and few-valued columns (:func:`grading.sources.inspect_raw_file`).
    kind:
        The kind its headers (and name) suggest, ``None`` when nothing fits.
    """

    name: str
    content: bytes
    inspection: FileInspection
    kind: str | None = None
    digest: str = field(default="")

    @property
    def key(self) -> str:
        """A short key of the file's content, for the widgets of its mapping screen."""
        return self.digest[:12]


def _safe_name(name: str) -> str:
    """An upload's name as a file name in the temporary folder (no folders; the name messages quote)."""
    return Path(str(name).replace("\\", "/")).name.strip() or "upload"


@contextmanager
def on_disk(files: list[RawFile]) -> Iterator[list[RawFile]]:
    """The uploaded files written to a temporary folder, for as long as the ``with`` lasts.

    The library then reads each as the command line reads a file: a plain UTF-8 CSV straight by DuckDB's reader
    (the fast way for a large export) rather than parsed from memory. Each file gets its own sub-folder, so two
    uploads of one name stay apart, and messages still name the file as uploaded. The folder is removed after.
    """
    with tempfile.TemporaryDirectory(prefix="clientgrade-upload-") as folder:
        written = []
        for number, file in enumerate(files):
            if not isinstance(file.source, tuple):
                written.append(file)
                continue
            name, content = file.source
            path = Path(folder) / str(number) / _safe_name(name)
            path.parent.mkdir()
            path.write_bytes(content)
            written.append(replace(file, source=path))
        yield written


def read_upload(name: str, content: bytes) -> Upload:
    """Read an upload far enough to map it (nothing is written): headers, first rows, distinct values, kind.

    A file that cannot be read as a table comes back with ``inspection.problem`` set (the same sentence the
    command line gives, naming the file).
    """
    with on_disk([RawFile("time_entries", (name, content))]) as (file,):
        inspection = inspect_raw_file("time_entries", file.source, rows=PREVIEW_ROWS, values=MOST_VALUES)
    kind = guess_kind(inspection.headers, name) if inspection.problem is None else None
    return Upload(name, content, inspection, kind, hashlib.sha256(content).hexdigest())


def read_with_options(kind: str, headers: list[str], saved: MappingFile | None) -> list[str]:
    """What a file of ``kind`` may be read with: the saved mapping (when it has this kind and fits the headers),
    then every preset that reads the kind (the generic one last)."""
    options = [SAVED] if _saved_fits(kind, headers, saved) else []
    return options + [name for name, preset in PRESETS.items() if kind in preset.kinds]


def option_label(option: str) -> str:
    """An option of :func:`read_with_options` in the owner's words."""
    if option == SAVED:
        return "Your saved mapping"
    return PRESETS[option].label


def _saved_fits(kind: str, headers: list[str], saved: MappingFile | None) -> bool:
    if saved is None or kind not in saved.kinds:
        return False
    from grading.sources.mapping import normalised_header

    present = {normalised_header(header) for header in headers}
    return all(normalised_header(header) in present for header in saved.kinds[kind].columns.values())


def first_choice(kind: str, headers: list[str], saved: MappingFile | None) -> tuple[str, str]:
    """The choice the screen starts with, and why: the saved mapping when it fits, else the recognised preset,
    else the generic one (whose pickers the owner then fills)."""
    from grading.sources import recognise

    if _saved_fits(kind, headers, saved):
        return SAVED, "the mapping you saved with this book fits its headers"
    recognition = recognise(kind, headers)
    if recognition.preset is not None:
        return recognition.preset.name, f"recognised: {recognition.reason}"
    return GENERIC, recognition.reason


def base_mapping(option: str, kind: str, headers: list[str], saved: MappingFile | None) -> FileMapping:
    """The mapping an option gives for a file, before the owner's changes (a preset resolved against its headers)."""
    if option == SAVED and saved is not None and kind in saved.kinds:
        by_key = {_key(header): header for header in headers}
        mapping = saved.kinds[kind]
        return mapping.with_columns({name: by_key.get(_key(header), header) for name, header in mapping.columns.items()})
    preset = PRESETS[option if option in PRESETS else GENERIC]
    return resolve(preset, kind, headers)[0]


def _key(header: str) -> str:
    from grading.sources.mapping import normalised_header

    return normalised_header(header)


def value_options(upload: Upload, mapping: FileMapping, field_name: str) -> list[str]:
    """The distinct values the file writes in the column mapped to ``field_name`` (empty when unmapped or when the
    column holds more than :data:`MOST_VALUES` values)."""
    header = mapping.columns.get(field_name)
    return list(upload.inspection.values.get(header, [])) if header else []


def chosen_values(options: list[str], listed: tuple[str, ...]) -> list[str]:
    """The file's values that a mapping's list names (compared without case): the value map's first selection."""
    wanted = {value.strip().lower() for value in listed}
    return [value for value in options if value.strip().lower() in wanted]


def build_mapping(
    base: FileMapping,
    columns: dict[str, str | None],
    values: dict[str, list[str] | None] | None = None,
    *,
    hours_unit: str | None = None,
    date_format: str | None = None,
    decimal: str | None = None,
) -> FileMapping:
    """The mapping the owner's choices make: ``base`` with the pickers' columns, value maps and conventions.

    Parameters
    ----------
    base:
        :func:`base_mapping` (its value conventions are kept unless a value map changes them).
    columns:
        Canonical field to the chosen header; ``None`` or ``""`` leaves the field unmapped.
    values:
        Mapping-file key (``emergency_priorities`` ...) to the file's values chosen for it; ``None`` for a value
        map the owner left as it was (the base's list is kept, which may name labels this file does not use).
    hours_unit, date_format:
        A bare number's unit in hours fields, and a strftime pattern (empty: told by the cells).
    decimal:
        ``.`` or ``,``; empty: told by the cells (``None`` keeps the base's).
    """
    mapping = base.with_columns({name: header for name, header in columns.items() if header})
    for key, chosen in (values or {}).items():
        if chosen is not None:
            mapping = replace(mapping, **{key: tuple(chosen)})
    if hours_unit is not None:
        mapping = replace(mapping, hours_unit=hours_unit)
    if date_format is not None:
        mapping = replace(mapping, date_format=date_format.strip() or None)
    if decimal is not None:
        mapping = replace(mapping, decimal=decimal or None)
    return mapping


def mapped_preview(first_rows: pd.DataFrame, mapping: FileMapping) -> pd.DataFrame:
    """The first rows as they would be read: one column per mapped canonical field, headed by the field's name."""
    kind = RAW_KINDS[mapping.kind]
    shown = {name: mapping.columns[name] for name in kind.field_names if name in mapping.columns}
    return pd.DataFrame({name: first_rows[header] if header in first_rows else pd.Series(dtype="object")
                         for name, header in shown.items()}).astype("string")


def raw_file(upload: Upload, kind: str, option: str, recognised: str | None, mapping: FileMapping,
             base: FileMapping) -> RawFile:
    """The :class:`RawFile` for an upload: left to recognition when the owner kept the recognised preset as it is
    (the report then says why it was recognised), named with its preset when another preset is kept as it is,
    else read with the mapping the owner built."""
    source = (upload.name, upload.content)
    if option != SAVED and mapping == base:
        if option == recognised:
            return RawFile(kind, source)
        return RawFile(kind, source, preset=option)
    return RawFile(kind, source, mapping=mapping)


def mapping_for_book(mappings: list[FileMapping], client_names: dict[str, str],
                     settings: dict[str, str]) -> MappingFile:
    """The whole recipe to save with the book and to download: one table per kind (the first file of each kind),
    the answers for client names and the settings."""
    kinds: dict[str, FileMapping] = {}
    for mapping in mappings:
        kinds.setdefault(mapping.kind, mapping)
    return MappingFile(kinds=kinds, client_names=dict(client_names), settings=dict(settings),
                       name="clientgrade-mapping.toml")


def signature(uploads: list[Upload], files: list[RawFile], book_mapping: MappingFile) -> str:
    """A fingerprint of everything an import depends on, so a check is only taken for the choices it checked."""
    digest = hashlib.sha256()
    for upload, file in zip(uploads, files, strict=True):
        digest.update(f"{upload.digest}|{file.kind}|{file.preset}|{file.mapping!r}\n".encode())
    digest.update(mapping_toml(book_mapping).encode())
    return digest.hexdigest()


# -- the report as the page shows it -------------------------------------------------------------------------


def files_frame(report: RawImportReport) -> pd.DataFrame:
    """Per file: kind, preset and why, rows read and used, period, what could not be placed, what was left out."""
    return pd.DataFrame({
        "file": [outcome.file for outcome in report.files],
        "kind": [RAW_KINDS[outcome.kind].label for outcome in report.files],
        "preset": [outcome.preset for outcome in report.files],
        "why": [outcome.reason for outcome in report.files],
        "rows_read": pd.array([outcome.rows_read for outcome in report.files], dtype="Int64"),
        "rows_used": pd.array([outcome.rows_used for outcome in report.files], dtype="Int64"),
        "period": [f"{outcome.first_date} to {outcome.last_date}" if outcome.first_date else ""
                   for outcome in report.files],
        "unplaced_rows": pd.array([outcome.unplaced_rows for outcome in report.files], dtype="Int64"),
        "unplaced_hours": [outcome.unplaced_hours for outcome in report.files],
        "unplaced_money": [outcome.unplaced_money for outcome in report.files],
        "notes": ["; ".join([*outcome.conventions, *outcome.left_out]) for outcome in report.files],
    })


def metrics_frame(report: RawImportReport) -> pd.DataFrame:
    """Per monthly metric, where it comes from (or that these files do not carry it)."""
    return pd.DataFrame({"metric": list(report.metrics), "from": list(report.metrics.values())})


def monthly_frame(report: RawImportReport) -> pd.DataFrame:
    """The client-months derived from the files, with the clients' names, as they would be written."""
    monthly = report.monthly.copy()
    if monthly.empty:
        return monthly
    names = report.clients[["client_id", "name"]] if "name" in report.clients else None
    if names is not None:
        monthly = monthly.merge(names, on="client_id", how="left")
        monthly.insert(1, "name", monthly.pop("name"))
    monthly["month"] = pd.to_datetime(monthly["month"]).dt.strftime("%Y-%m")
    return monthly


def issues_frame(report: RawImportReport) -> pd.DataFrame:
    """The problems that stop the import: file, row, column, problem (as the command line lists them)."""
    return pd.DataFrame({
        "file": pd.Series([issue.file for issue in report.issues], dtype="str"),
        "row": pd.Series([issue.row for issue in report.issues], dtype="Int64"),
        "column": pd.Series([issue.column or "" for issue in report.issues], dtype="str"),
        "problem": pd.Series([issue.message for issue in report.issues], dtype="str"),
    })


def new_client_label(name: str) -> str:
    """The answer that makes an unmatched name a new client of that name."""
    return f"A new client: {name}"


def unresolved_frame(report: RawImportReport) -> pd.DataFrame:
    """The names that matched no client or two, with the candidates."""
    return pd.DataFrame({
        "name": [item.name for item in report.unresolved],
        "matches": ["no client" if not item.candidates else f"{len(item.candidates)} clients: "
                    + ", ".join(item.candidates) for item in report.unresolved],
    })


def written_sentence(report: RawImportReport) -> str:
    """One sentence on the clients and client-months written (or that would be)."""
    clients, months = report.clients_written, report.months_written
    if clients is None or months is None:
        return ""
    verb = "were written" if report.written else "would be written"
    return (f"Clients {verb}: {clients.new:,} new, {clients.replaced:,} replaced, {clients.unchanged:,} unchanged. "
            f"Client-months: {months.new:,} new, {months.replaced:,} replaced, {months.unchanged:,} unchanged.")


def unplaced_sentence(report: RawImportReport) -> str:
    """What could not be placed, over every file ("" when everything was)."""
    rows = sum(outcome.unplaced_rows for outcome in report.files)
    if not rows:
        return ""
    hours = sum(outcome.unplaced_hours for outcome in report.files)
    money = sum(outcome.unplaced_money for outcome in report.files)
    return (f"{rows:,} row(s) could not be placed on a client ({hours:,.2f} hours, {money:,.2f} in money): answer "
            "the client names below, or they stay out of the figures.")


def recognised_preset(kind: str, headers: list[str]) -> str | None:
    """The preset the library itself would recognise for the file (``None`` when none fits)."""
    from grading.sources import recognise

    recognition = recognise(kind, headers)
    return recognition.preset.name if recognition.preset is not None else None


def known_clients(store, report: RawImportReport) -> dict[str, str]:
    """Client id to name of every client a name may be matched to: those stored and those the files bring."""
    stored = store.query("SELECT client_id, name FROM clients ORDER BY name")
    known = dict(zip(stored["client_id"].astype(str), stored["name"].astype(str), strict=True))
    if not report.clients.empty and {"client_id", "name"} <= set(report.clients.columns):
        for client_id, name in zip(report.clients["client_id"], report.clients["name"], strict=True):
            known.setdefault(str(client_id), str(name))
    return known
