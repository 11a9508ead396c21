"""The mapping of one file's columns to canonical fields, and the TOML mapping file (SOURCES.md, "The mapping file").

:class:`FileMapping` is what every file of an import is read through: a preset resolved against the file's headers
(:func:`grading.sources.presets.resolve`), a table of a mapping file, or what the mapping screen builds. A mapping
file holds one table per kind, optional ``[client_names]`` (a name as a file writes it = the client id it means;
the choices the owner made for names that matched no client or two) and optional ``[settings]`` (``timezone``,
``business_hours``, ``working_days``, ``date_order``), so that the mapping screen's save is the whole recipe for
next month's import.

Public API
----------
- :class:`FileMapping`, :class:`MappingFile`
- :func:`read_mapping` (path, text or bytes to :class:`MappingFile`; raises ``ImportValidationError`` naming the key)
- :func:`mapping_toml` (:class:`MappingFile` to TOML text, read back by :func:`read_mapping` unchanged)
- :func:`normalised_header` (how headers are compared: case, spaces and ``.``/``/`` do not matter)
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import tomli_w

from grading.errors import ImportValidationError, ValidationIssue
from grading.sources.kinds import RAW_KINDS
from grading.sources.values import DATE_ORDERS, DECIMALS, HOURS_UNITS, check_date_format

# Defaults recognise the labels the common systems ship with (SOURCES.md, "Settings that the derivation needs").
DEFAULT_EMERGENCY_PRIORITIES = (
    "Priority 1 - Emergency Response", "Emergency", "Critical", "P1", "Urgent", "Priority 1",
)
DEFAULT_AFTER_HOURS_WORK_TYPES = ("After Hours", "After-Hours", "Afterhours", "Out of Hours", "Out-of-Hours")
DEFAULT_VOIDED_STATUSES = ("VOIDED", "Void", "Voided", "Deleted", "Cancelled", "Canceled")
DEFAULT_DISPUTED_STATUSES = ("Disputed", "In Dispute", "Dispute")

_LIST_KEYS = (
    "emergency_priorities", "after_hours_work_types", "voided_statuses", "disputed_statuses", "sales_types",
    "ticket_charge_types", "invoice_link_types",
)
SETTINGS_KEYS = ("timezone", "business_hours", "working_days", "date_order")


def normalised_header(header: str) -> str:
    """A header as compared: lower case, no whitespace, ``.`` read as ``/`` (nested fields flattened either way)."""
    return re.sub(r"\s+", "", str(header).replace("\ufeff", "")).lower().replace(".", "/")


@dataclass(frozen=True)
class FileMapping:
    """How to read one kind of file: which column holds which field, and the file's value conventions.

    Attributes
    ----------
    kind:
        The raw kind (``time_entries`` ...).
    columns:
        Canonical field to the file's header, as the file spells it (one column may serve two fields: a
        start date-time is also the work date).
    date_format:
        strftime pattern for the file's dates and date-times; ``None`` reads ISO and tells the order itself.
    decimal:
        ``.`` or ``,``; ``None`` tells it from the cells (``.`` when no cell does).
    hours_unit:
        ``hours``, ``minutes``, ``seconds`` or ``hh:mm``: what a bare number in an hours field means.
    skip_rows:
        Title rows above the header; ``None`` finds the header row itself.
    emergency_priorities, after_hours_work_types, voided_statuses, disputed_statuses:
        Values as the file writes them (compared without case) that mean emergency, after-hours work, voided,
        disputed.
    sales_types:
        Invoice ``type`` values that are sales invoices (Xero ``ACCREC``); empty: every row is one.
    ticket_charge_types:
        Time-entry ``charge_type`` values that mean ``ticket`` holds a ticket (ConnectWise ``ServiceTicket``).
    invoice_link_types:
        Payment ``link_type`` values that link an invoice (QuickBooks ``Invoice``).
    client_is_id:
        ``client`` holds an id (the presets of the PSAs); ``None``: an id when ``client_name`` is mapped too,
        else an id or a name (matched on id first, then name).
    """

    kind: str
    columns: dict[str, str] = field(default_factory=dict)
    date_format: str | None = None
    decimal: str | None = None
    hours_unit: str = "hours"
    skip_rows: int | None = None
    emergency_priorities: tuple[str, ...] = DEFAULT_EMERGENCY_PRIORITIES
    after_hours_work_types: tuple[str, ...] = DEFAULT_AFTER_HOURS_WORK_TYPES
    voided_statuses: tuple[str, ...] = DEFAULT_VOIDED_STATUSES
    disputed_statuses: tuple[str, ...] = DEFAULT_DISPUTED_STATUSES
    sales_types: tuple[str, ...] = ()
    ticket_charge_types: tuple[str, ...] = ()
    invoice_link_types: tuple[str, ...] = ()
    client_is_id: bool | None = None

    def with_columns(self, columns: dict[str, str]) -> FileMapping:
        """A copy with other columns (the conventions kept)."""
        return replace(self, columns=dict(columns))

    @property
    def names_clients_by_id(self) -> bool:
        """Whether ``client`` is an id (so the file defines clients rather than naming them)."""
        if self.client_is_id is not None:
            return self.client_is_id
        return "client_name" in self.columns or self.kind == "companies"


@dataclass
class MappingFile:
    """A whole mapping file: a :class:`FileMapping` per kind, client-name choices and settings."""

    kinds: dict[str, FileMapping] = field(default_factory=dict)
    client_names: dict[str, str] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    name: str = "mapping.toml"


def _problem(name: str, message: str, column: str | None = None) -> ImportValidationError:
    return ImportValidationError([ValidationIssue(name, None, column, message)])


def _string_list(name: str, key: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(item, (str, int, float)) for item in value):
        raise _problem(name, f"'{key}' must be a list of values as the file writes them")
    return tuple(str(item) for item in value)


def _file_mapping(name: str, kind: str, table: object) -> FileMapping:
    if not isinstance(table, dict):
        raise _problem(name, f"[{kind}] must be a table of keys")
    known = {f.name for f in fields(FileMapping)} - {"kind"}
    values: dict[str, object] = {}
    for key, value in table.items():
        if key not in known:
            raise _problem(name, f"[{kind}] has an unknown key '{key}'; the keys are {', '.join(sorted(known))}")
        values[key] = value
    columns = values.get("columns", {})
    if not isinstance(columns, dict) or not all(isinstance(v, str) and v.strip() for v in columns.values()):
        raise _problem(name, f"[{kind}] columns must be a table of field = \"header in the file\"")
    fields_of_kind = RAW_KINDS[kind].field_names
    for canonical in columns:
        if canonical not in fields_of_kind:
            raise _problem(name, f"[{kind}] columns names '{canonical}', which is not a field of {kind}; the fields "
                           f"are {', '.join(fields_of_kind)}")
    values["columns"] = {key: value.strip() for key, value in columns.items()}
    for key in _LIST_KEYS:
        if key in values:
            values[key] = _string_list(name, f"[{kind}] {key}", values[key])
    if "date_format" in values:
        if not isinstance(values["date_format"], str) or check_date_format(values["date_format"]):
            raise _problem(name, f"[{kind}] " + (check_date_format(str(values["date_format"])) or
                                                "date_format must be a strftime pattern such as \"%d.%m.%Y\""))
    if "decimal" in values and values["decimal"] not in DECIMALS:
        raise _problem(name, f"[{kind}] decimal must be \".\" or \",\"")
    if "hours_unit" in values and values["hours_unit"] not in HOURS_UNITS:
        raise _problem(name, f"[{kind}] hours_unit must be one of {', '.join(HOURS_UNITS)}")
    if "skip_rows" in values and (not isinstance(values["skip_rows"], int) or values["skip_rows"] < 0):
        raise _problem(name, f"[{kind}] skip_rows must be a whole number of rows, 0 or more")
    if "client_is_id" in values and not isinstance(values["client_is_id"], bool):
        raise _problem(name, f"[{kind}] client_is_id must be true or false")
    return FileMapping(kind=kind, **values)  # type: ignore[arg-type]


def read_mapping(source: str | os.PathLike | bytes | tuple[str, bytes]) -> MappingFile:
    """Read a TOML mapping file.

    Parameters
    ----------
    source:
        A path, the file's bytes, or a ``(file name, bytes)`` pair as an upload gives.

    Returns
    -------
    MappingFile

    Raises
    ------
    ImportValidationError
        The file cannot be read, is not TOML, or names an unknown kind, key or field; the message names the key.
    """
    if isinstance(source, tuple):
        name, content = source
    elif isinstance(source, bytes):
        name, content = "mapping.toml", source
    else:
        name = Path(source).name
        try:
            content = Path(source).read_bytes()
        except OSError as error:
            raise _problem(name, f"the mapping file cannot be read: {error.strerror or error}") from None
    try:
        data = tomllib.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise _problem(name, f"the mapping file is not valid TOML: {error}") from None
    mapping = MappingFile(name=name)
    for key, table in data.items():
        if key in RAW_KINDS:
            mapping.kinds[key] = _file_mapping(name, key, table)
        elif key == "client_names":
            if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
                raise _problem(name, "[client_names] must be a table of \"name as written\" = \"client id\"")
            mapping.client_names = {str(k): v.strip() for k, v in table.items()}
        elif key == "settings":
            if not isinstance(table, dict):
                raise _problem(name, "[settings] must be a table")
            for setting, value in table.items():
                if setting not in SETTINGS_KEYS:
                    raise _problem(name, f"[settings] has an unknown key '{setting}'; the keys are "
                                   f"{', '.join(SETTINGS_KEYS)}")
                if not isinstance(value, str):
                    raise _problem(name, f"[settings] {setting} must be text")
            if "date_order" in table and table["date_order"] not in DATE_ORDERS:
                raise _problem(name, "[settings] date_order must be day-first or month-first")
            mapping.settings = dict(table)
        else:
            raise _problem(name, f"'{key}' is not a kind of file; the tables are "
                           f"{', '.join((*RAW_KINDS, 'client_names', 'settings'))}")
    return mapping


def _table(mapping: FileMapping) -> dict[str, object]:
    default = FileMapping(kind=mapping.kind)
    table: dict[str, object] = {"columns": dict(mapping.columns)}
    for item in fields(FileMapping):
        if item.name in ("kind", "columns"):
            continue
        value = getattr(mapping, item.name)
        if value != getattr(default, item.name) and value is not None:
            table[item.name] = list(value) if isinstance(value, tuple) else value
    return table


def mapping_toml(mapping: MappingFile) -> str:
    """Write ``mapping`` as TOML text (only what differs from the defaults), as the mapping screen saves it."""
    data: dict[str, object] = {kind: _table(file) for kind, file in mapping.kinds.items()}
    if mapping.client_names:
        data["client_names"] = dict(mapping.client_names)
    if mapping.settings:
        data["settings"] = dict(mapping.settings)
    return tomli_w.dumps(data)
