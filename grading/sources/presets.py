"""The seven presets: which column each system writes for each canonical field, and its value conventions.

A preset maps a system's column names (as its API or export writes them, nested fields flattened with ``/`` or
``.``; compared without case or spaces) to the canonical fields of :mod:`grading.sources.kinds`. Column names are
from the systems' public API documentation and SDKs (SOURCES.md, "Presets"), plus the headers their own
spreadsheet exports use where they differ (QuickBooks' report exports, Xero's CSV export).

Public API
----------
- :data:`PRESETS`, :data:`PRESET_NAMES`, :class:`Preset`, :class:`KindPreset`
- :func:`resolve` (a preset's kind against a file's headers: a :class:`~grading.sources.mapping.FileMapping` and the
  fields it could not find)
- :func:`recognise` (the preset that fits a file's headers best, with the reason, or why none fits)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from grading.sources.kinds import RAW_KINDS
from grading.sources.mapping import (
    DEFAULT_EMERGENCY_PRIORITIES,
    FileMapping,
    normalised_header,
)

GENERIC = "generic"


@dataclass(frozen=True)
class KindPreset:
    """A preset's view of one kind: header spellings per field (first found wins) and value conventions."""

    columns: dict[str, tuple[str, ...]]
    conventions: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Preset:
    """One system's presets: its name (as ``--preset`` takes it), label, and a :class:`KindPreset` per kind."""

    name: str
    label: str
    kinds: dict[str, KindPreset]


def _preset(name: str, label: str, **kinds: KindPreset) -> Preset:
    return Preset(name, label, kinds)


_ID = {"client_is_id": True}

CONNECTWISE = _preset(
    "connectwise",
    "ConnectWise PSA",
    time_entries=KindPreset(
        {
            "client": ("company/identifier",),
            "client_name": ("company/name",),
            "date": ("timeStart", "dateEntered"),
            "start": ("timeStart",),
            "end": ("timeEnd",),
            "hours": ("actualHours", "hoursDeduct"),
            "billable": ("billableOption",),
            "work_type": ("workType/name",),
            "technician": ("member/identifier", "member/name"),
            "ticket": ("chargeToId", "ticket/id"),
            "charge_type": ("chargeToType",),
            "entry_id": ("id",),
        },
        {**_ID, "ticket_charge_types": ("ServiceTicket", "ProjectTicket")},
    ),
    tickets=KindPreset(
        {
            "ticket": ("id",),
            "client": ("company/identifier",),
            "client_name": ("company/name",),
            "opened": ("dateEntered", "_info/dateEntered"),
            "closed": ("closedDate",),
            "priority": ("priority/name",),
            "type": ("type/name",),
            "source": ("source/name",),
        },
        _ID,
    ),
    invoices=KindPreset(
        {
            "invoice": ("invoiceNumber",),
            "invoice_id": ("id",),
            "client": ("company/identifier",),
            "client_name": ("company/name",),
            "date": ("date",),
            "due_date": ("dueDate",),
            "total": ("total",),
            "tax": ("salesTax",),
            "amount_due": ("balance",),
            "status": ("status/name",),
        },
        _ID,
    ),
    payments=KindPreset(
        {
            "invoice": ("invoiceNumber", "invoiceId", "invoice/identifier", "invoice/id"),
            "date": ("paymentDate",),
            "amount": ("amount",),
            "client": ("company/identifier",),
            "payment_id": ("id",),
        },
        _ID,
    ),
    companies=KindPreset(
        {
            "client": ("identifier",),
            "name": ("name",),
            "client_since": ("dateAcquired", "_info/dateEntered"),
            "seats": ("numberOfEmployees",),
            "service_model": ("agreementType", "type/name"),
        },
        _ID,
    ),
)

AUTOTASK = _preset(
    "autotask",
    "Datto Autotask",
    companies=KindPreset(
        {"client": ("id",), "name": ("companyName",), "client_since": ("createDate",)},
        _ID,
    ),
    time_entries=KindPreset(
        {
            "ticket": ("TicketID",),
            "client": ("companyID",),
            "date": ("DateWorked",),
            "start": ("StartDateTime",),
            "end": ("EndDateTime",),
            "hours": ("HoursWorked",),
            "billable": ("IsNonBillable",),
            "technician": ("ResourceID",),
            "entry_id": ("id",),
        },
        _ID,
    ),
    tickets=KindPreset(
        {
            "ticket": ("id",),
            "client": ("CompanyID",),
            "opened": ("CreateDate",),
            "closed": ("CompletedDate",),
            "priority": ("Priority",),
            "type": ("TicketType",),
            "source": ("Source",),
        },
        # Autotask writes the priority as a number the tenant labels; by default 4 is Critical.
        {**_ID, "emergency_priorities": ("4", *DEFAULT_EMERGENCY_PRIORITIES)},
    ),
    invoices=KindPreset(
        {
            "invoice": ("InvoiceNumber",),
            "invoice_id": ("id",),
            "client": ("CompanyID",),
            "date": ("InvoiceDateTime",),
            "due_date": ("DueDate",),
            "total": ("InvoiceTotal",),
            "tax": ("TotalTaxValue",),
            "paid_date": ("PaidDate",),
            "voided": ("IsVoided",),
        },
        _ID,
    ),
)

HALOPSA = _preset(
    "halopsa",
    "HaloPSA",
    time_entries=KindPreset(
        {
            "ticket": ("ticket_id",),
            "date": ("datetime",),
            "start": ("datetime",),
            "hours": ("timetaken",),
            "after_hours_hours": ("actionoohtime",),
            "billable": ("actisbillable",),
            "technician": ("who",),
        },
        _ID,
    ),
    tickets=KindPreset(
        {
            "ticket": ("id",),
            "client": ("client_id",),
            "client_name": ("client_name",),
            "opened": ("dateoccurred",),
            "closed": ("dateclosed",),
            "priority": ("priority_id",),
            "type": ("tickettype_id",),
        },
        # HaloPSA writes the priority as a number the tenant labels; its default priority 1 is Critical.
        {**_ID, "emergency_priorities": ("1", *DEFAULT_EMERGENCY_PRIORITIES)},
    ),
    invoices=KindPreset(
        {
            "invoice": ("invoicenumber",),
            "invoice_id": ("id",),
            "client": ("client_id",),
            "client_name": ("client_name",),
            "date": ("invoice_date",),
            "due_date": ("duedate", "due_date"),
            "total": ("total",),
            "tax": ("tax_total",),
            "paid_date": ("datepaid",),
            "credit_for": ("creditlinkedtoinvoiceid",),
        },
        _ID,
    ),
)

SYNCRO = _preset(
    "syncro",
    "Syncro",
    time_entries=KindPreset(
        {
            "ticket": ("ticket_id",),
            "client": ("customer_id",),
            "date": ("start_time",),
            "start": ("start_time",),
            "end": ("end_time",),
            "hours": ("active_duration",),
            "billable": ("billable",),
            "technician": ("user_id",),
            "entry_id": ("id",),
        },
        {**_ID, "hours_unit": "seconds"},
    ),
    tickets=KindPreset(
        {
            "ticket": ("id",),
            "client": ("customer_id",),
            "client_name": ("customer_business_then_name",),
            "opened": ("created_at",),
            "closed": ("resolved_at",),
            "priority": ("priority",),
            "type": ("problem_type",),
        },
        # Syncro's default priorities are "0 Urgent", "1 High", "2 Normal", "3 Low".
        {**_ID, "emergency_priorities": ("0 Urgent", *DEFAULT_EMERGENCY_PRIORITIES)},
    ),
    invoices=KindPreset(
        {
            "invoice": ("number",),
            "invoice_id": ("id",),
            "client": ("customer_id",),
            "client_name": ("customer_business_then_name",),
            "date": ("date",),
            "due_date": ("due_date",),
            "total": ("total",),
            "tax": ("tax",),
            "amount_due": ("balance_due",),
        },
        _ID,
    ),
    companies=KindPreset(
        {"client": ("id",), "name": ("business_name",), "client_since": ("created_at",)},
        _ID,
    ),
)

QUICKBOOKS = _preset(
    "quickbooks",
    "QuickBooks Online",
    invoices=KindPreset(
        {
            "invoice": ("DocNumber", "Num", "No.", "Invoice no."),
            "invoice_id": ("Id",),
            "client": ("CustomerRef/name", "Customer", "Customer name", "Name"),
            "date": ("TxnDate", "Date", "Invoice date"),
            "due_date": ("DueDate", "Due date"),
            "total": ("TotalAmt", "Amount", "Total"),
            "tax": ("TxnTaxDetail/TotalTax", "Tax", "Sales tax"),
            "amount_due": ("Balance", "Open balance"),
            "type": ("Transaction type",),
        },
        {"client_is_id": False, "sales_types": ("Invoice",)},
    ),
    payments=KindPreset(
        {
            "invoice": ("LinkedTxn/TxnId", "LinkedTxn/0/TxnId", "Invoice no."),
            "link_type": ("LinkedTxn/TxnType", "LinkedTxn/0/TxnType"),
            "date": ("TxnDate", "Date", "Payment date"),
            "amount": ("TotalAmt", "Amount"),
            "client": ("CustomerRef/name", "Customer"),
            "payment_id": ("Id",),
        },
        {"client_is_id": False, "invoice_link_types": ("Invoice",)},
    ),
)

XERO = _preset(
    "xero",
    "Xero",
    invoices=KindPreset(
        {
            "type": ("Type",),
            "invoice": ("InvoiceNumber", "*InvoiceNumber"),
            "invoice_id": ("InvoiceID",),
            "client": ("Contact/Name", "ContactName", "*ContactName"),
            "date": ("Date", "InvoiceDate", "*InvoiceDate"),
            "due_date": ("DueDate", "*DueDate"),
            "total": ("Total",),
            "tax": ("TotalTax", "TaxTotal"),
            "credited": ("AmountCredited",),
            "amount_due": ("AmountDue",),
            "status": ("Status",),
            "paid_date": ("FullyPaidOnDate",),
        },
        {"client_is_id": False, "sales_types": ("ACCREC",), "voided_statuses": ("VOIDED", "DELETED")},
    ),
    payments=KindPreset(
        {
            "invoice": ("Invoice/InvoiceNumber", "Invoice/InvoiceID", "InvoiceNumber"),
            "date": ("Date",),
            "amount": ("Amount",),
            "client": ("Invoice/Contact/Name",),
            "payment_id": ("PaymentID",),
        },
        {"client_is_id": False},
    ),
)

# The generic preset reads files whose headers are the canonical field names themselves.
GENERIC_PRESET = Preset(
    GENERIC,
    "Generic",
    {kind.name: KindPreset({name: (name,) for name in kind.field_names}) for kind in RAW_KINDS.values()},
)

PRESETS: dict[str, Preset] = {
    preset.name: preset for preset in (CONNECTWISE, AUTOTASK, HALOPSA, SYNCRO, QUICKBOOKS, XERO, GENERIC_PRESET)
}
PRESET_NAMES: tuple[str, ...] = tuple(PRESETS)

# Headers too common to tell one system from another: finding them says nothing about which system wrote a file.
_COMMON = {
    normalised_header(name)
    for name in ("id", "date", "total", "amount", "number", "name", "tax", "status", "type", "priority", "customer",
                 "balance", "num", "no.", "start_time", "due_date", "created_at")
} | {normalised_header(name) for kind in RAW_KINDS.values() for name in kind.field_names}


def resolve(preset: Preset, kind: str, headers: list[str]) -> tuple[FileMapping, list[str]]:
    """Resolve ``preset``'s view of ``kind`` against a file's headers.

    Parameters
    ----------
    preset:
        The preset.
    kind:
        The file's kind.
    headers:
        The file's headers, as written.

    Returns
    -------
    (FileMapping, list of str)
        The mapping (canonical field to the header as the file writes it), and the required fields it could not
        find (for time entries, ``client or ticket`` when neither is there). A preset without a view of ``kind``
        finds nothing.
    """
    by_key = {}
    for header in headers:
        by_key.setdefault(normalised_header(header), header)
    view = preset.kinds.get(kind)
    columns: dict[str, str] = {}
    if view is not None:
        for canonical, spellings in view.columns.items():
            for spelling in spellings:
                header = by_key.get(normalised_header(spelling))
                if header is not None:
                    columns[canonical] = header
                    break
    conventions = dict(view.conventions) if view is not None else {}
    mapping = FileMapping(kind=kind, columns=columns, **conventions)  # type: ignore[arg-type]
    return mapping, missing_fields(mapping)


def missing_fields(mapping: FileMapping) -> list[str]:
    """The required fields ``mapping`` leaves unmapped (``client or ticket`` for time entries without either)."""
    raw = RAW_KINDS[mapping.kind]
    missing = [name for name in raw.required_fields if name not in mapping.columns]
    if raw.one_of and not any(name in mapping.columns for name in raw.one_of):
        missing.append(" or ".join(raw.one_of))
    return missing


@dataclass(frozen=True)
class Recognition:
    """What :func:`recognise` found for one file.

    Attributes
    ----------
    preset:
        The preset chosen, or ``None`` when none fits.
    mapping:
        Its mapping resolved against the file (``None`` when none fits).
    reason:
        Why it was chosen ("its headers timeStart, actualHours ... are ConnectWise PSA's"), or why nothing fits.
    other_kind:
        When nothing fits but the headers fit another kind: ``(preset label, kind)`` of that fit.
    """

    preset: Preset | None
    mapping: FileMapping | None
    reason: str
    other_kind: tuple[str, str] | None = None


def _distinctive(mapping: FileMapping) -> list[str]:
    return sorted({header for header in mapping.columns.values() if normalised_header(header) not in _COMMON})


def recognise(kind: str, headers: list[str]) -> Recognition:
    """Choose the preset whose column names fit a file's headers best.

    A preset fits when it finds every required field. Among those that fit, the one that finds the most headers
    particular to its system wins (headers such as ``date`` or ``total`` say nothing), then the one that finds the
    most fields; the generic preset (canonical names as headers) is the last resort.

    Parameters
    ----------
    kind:
        The kind the file was given as.
    headers:
        The file's headers, as written.

    Returns
    -------
    Recognition
        The preset and the reason; or no preset, with what is missing and, when the headers fit another kind, which.
    """
    candidates = []
    for order, preset in enumerate(PRESETS.values()):
        if kind not in preset.kinds:
            continue
        mapping, missing = resolve(preset, kind, headers)
        if missing:
            continue
        distinctive = _distinctive(mapping) if preset.name != GENERIC else []
        candidates.append((-len(distinctive), -len(mapping.columns), preset.name == GENERIC, order, preset, mapping))
    if candidates:
        candidates.sort(key=lambda item: item[:4])
        _, _, _, _, preset, mapping = candidates[0]
        distinctive = _distinctive(mapping)
        if preset.name == GENERIC:
            reason = "its headers are the canonical field names (generic)"
        elif distinctive:
            reason = f"its headers {', '.join(distinctive[:6])} are {preset.label}'s"
        else:
            reason = f"its headers {', '.join(sorted(mapping.columns.values())[:6])} fit {preset.label}"
        others = [item[4].label for item in candidates[1:] if item[0] == candidates[0][0] and item[4].name != GENERIC]
        if others and distinctive:
            reason += f" (it also fits {', '.join(others)})"
        return Recognition(preset, mapping, reason)
    other = _other_kind(kind, headers)
    shown = ", ".join(headers[:8]) + (" ..." if len(headers) > 8 else "")
    reason = f"no preset recognises these headers as {RAW_KINDS[kind].label} (headers: {shown})"
    return Recognition(None, None, reason, other)


def _other_kind(kind: str, headers: list[str]) -> tuple[str, str] | None:
    best = None
    for preset in PRESETS.values():
        for other in preset.kinds:
            if other == kind:
                continue
            mapping, missing = resolve(preset, other, headers)
            if missing:
                continue
            score = (len(_distinctive(mapping)) if preset.name != GENERIC else 0, len(mapping.columns))
            if score[0] == 0 and preset.name != GENERIC:
                continue
            if best is None or score > best[0]:
                best = (score, preset.label, other)
    return (best[1], best[2]) if best else None


# Words in a file's name that say its kind ("tickets_1.csv", "Invoice List.xlsx"), to break a tie of headers.
_KIND_WORDS = {
    "time_entries": ("time", "entries", "actions", "timer", "hours"),
    "tickets": ("ticket",),
    "invoices": ("invoice",),
    "payments": ("payment", "receipt"),
    "costs": ("cost", "expense", "bill"),
    "companies": ("compan", "organi", "client", "customer", "account"),
}


def guess_kind(headers: list[str], file_name: str = "") -> str | None:
    """Guess which kind of raw file a file is, from its headers (and its name, to break a tie).

    Every preset's view of every kind is resolved against the headers; of the views that find every required field,
    the one with the most headers particular to its system wins, then one whose kind the file's name says, then the
    one that explains the largest share of the file's columns.

    Parameters
    ----------
    headers:
        The file's headers, as written.
    file_name:
        The file's name ("tickets_1.csv").

    Returns
    -------
    str or None
        The kind (``time_entries`` ...), or ``None`` when no preset reads the file as any kind (the owner says).
    """
    name = file_name.lower()
    best = None
    for order, preset in enumerate(PRESETS.values()):
        for kind in preset.kinds:
            mapping, missing = resolve(preset, kind, headers)
            if missing:
                continue
            distinctive = len(_distinctive(mapping)) if preset.name != GENERIC else 0
            named = any(word in name for word in _KIND_WORDS[kind])
            explained = len(set(mapping.columns.values())) / max(len(headers), 1)
            score = (distinctive, named, explained, -order)
            if best is None or score > best[0]:
                best = (score, kind)
    if best is not None:
        return best[1]
    return next((kind for kind, words in _KIND_WORDS.items() if any(word in name for word in words)), None)
