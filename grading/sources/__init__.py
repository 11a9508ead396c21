"""Bring your own data: raw PSA and accounting exports in, monthly metrics out (SOURCES.md is the contract).

Owners have time entries and tickets from their PSA and invoices and payments from their PSA or books, not
ClientGrade's ``monthly.csv``. This package reads those files as they come, maps their columns to canonical fields
(a preset per system, a TOML mapping file, or the app's mapping screen), derives the monthly metrics in DuckDB SQL
and writes them to the same tables ``python -m grading import`` fills, in one transaction.

Public API (everything the CLI, the app's mapping screen and the tests need):

Importing (:mod:`grading.sources.importing`)
    :func:`check_raw` (read, check, derive; write nothing; returns a report with the rows it would write),
    :func:`import_raw` (the same, then one write; raises ``ImportValidationError``), both with a ``progress``
    callback; :func:`inspect_raw_file` (one file's headers, first rows and recognised preset, for the mapping
    screen), :class:`FileInspection`, :class:`RawFile`, :class:`RawSettings`, :func:`raw_settings`,
    :func:`parse_file_argument`, :func:`write_derived`.
The report (:mod:`grading.sources.report`)
    :class:`RawImportReport` (``summary()``, ``as_dict()``, ``clients`` and ``monthly`` frames, ``ok``),
    :class:`FileOutcome`.
Kinds and presets (:mod:`grading.sources.kinds`, :mod:`grading.sources.presets`)
    :data:`RAW_KINDS`, :data:`KIND_NAMES`, :data:`PRESETS`, :data:`PRESET_NAMES`, :func:`recognise`,
    :func:`resolve`.
Mapping (:mod:`grading.sources.mapping`)
    :class:`FileMapping`, :class:`MappingFile`, :func:`read_mapping`, :func:`mapping_toml`.
Files (:mod:`grading.sources.files`, :mod:`grading.sources.workspace`)
    :class:`Workspace`, :func:`read_raw_file`, :func:`preview` (a file's headers and first rows for the mapping
    screen, before any mapping).
Matching clients (:mod:`grading.sources.matching`)
    :func:`name_key`, :func:`save_client_choices`, :func:`stored_client_choices`, :class:`UnresolvedName`.
The derivation (:mod:`grading.sources.derive`)
    :data:`METRICS`, :class:`BusinessHours`, :func:`parse_business_hours`, :func:`parse_working_days`.
"""

from __future__ import annotations

from grading.sources.derive import METRICS, BusinessHours, parse_business_hours, parse_working_days
from grading.sources.files import RawFileError, RawTable, preview, read_raw_file
from grading.sources.importing import (
    FileInspection,
    RawFile,
    RawSettings,
    check_raw,
    import_raw,
    inspect_raw_file,
    parse_file_argument,
    raw_settings,
    write_derived,
)
from grading.sources.kinds import KIND_NAMES, RAW_KINDS
from grading.sources.mapping import FileMapping, MappingFile, mapping_toml, read_mapping
from grading.sources.matching import UnresolvedName, name_key, save_client_choices, stored_client_choices
from grading.sources.presets import PRESET_NAMES, PRESETS, recognise, resolve
from grading.sources.report import FileOutcome, RawImportReport
from grading.sources.workspace import Workspace

__all__ = [
    "KIND_NAMES", "METRICS", "PRESETS", "PRESET_NAMES", "RAW_KINDS", "BusinessHours", "FileInspection",
    "FileMapping", "FileOutcome", "inspect_raw_file",
    "MappingFile", "RawFile", "RawFileError", "RawImportReport", "RawSettings", "RawTable", "UnresolvedName",
    "Workspace", "check_raw", "import_raw", "mapping_toml", "name_key", "parse_business_hours", "parse_file_argument",
    "parse_working_days", "preview", "raw_settings", "read_mapping", "read_raw_file", "recognise", "resolve",
    "save_client_choices", "stored_client_choices", "write_derived",
]
