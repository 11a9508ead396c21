"""The raw kinds of file and their canonical fields (SOURCES.md, "The raw kinds and their canonical fields").

A raw file is one of six kinds: ``time_entries``, ``tickets``, ``invoices``, ``payments``, ``costs``,
``companies``. Each kind has canonical fields; a preset or a mapping says which column of a file holds which field.
Everything else (recognising presets, converting values, deriving the monthly metrics, the mapping screen's
pickers) is driven by :data:`RAW_KINDS`.

Field types say how a cell is read (:mod:`grading.sources.values`):

- ``text``: trimmed text, empty is missing;
- ``date``: a calendar day as written (a time part or a UTC offset is ignored: an invoice dated
  ``2026-03-04T00:00:00Z`` is dated 4 March everywhere);
- ``datetime``: a moment; with a UTC offset (``Z``, ``+01:00``, ``/Date(...)/``) it is converted to the owner's
  time zone, without one it is taken as local;
- ``number``: a number in the file's decimal convention (``.`` or ``,``), currency signs and thousands
  separators ignored;
- ``hours``: a duration in hours, minutes, seconds or ``hh:mm`` (the preset or the mapping says which);
- ``flag``: yes/no (``true``, ``yes``, ``1``, ``x`` ...).
"""

from __future__ import annotations

from dataclasses import dataclass

TEXT = "text"
DATE = "date"
DATETIME = "datetime"
NUMBER = "number"
HOURS = "hours"
FLAG = "flag"


@dataclass(frozen=True)
class Field:
    """One canonical field of a raw kind.

    Attributes
    ----------
    name:
        The canonical name (``client``, ``hours`` ...), used in mapping files as the key of ``columns``.
    type:
        How a cell is read: ``text``, ``date``, ``datetime``, ``number``, ``hours`` or ``flag``.
    required:
        The kind cannot be used without it (time entries need ``client`` or ``ticket``: see
        :attr:`RawKind.one_of`).
    help:
        One line for the owner.
    """

    name: str
    type: str
    required: bool
    help: str


@dataclass(frozen=True)
class RawKind:
    """One kind of raw file: its fields and what it feeds.

    Attributes
    ----------
    name:
        ``time_entries``, ``tickets``, ``invoices``, ``payments``, ``costs`` or ``companies``.
    label:
        The kind in the owner's words ("time entries").
    fields:
        Canonical fields, required ones first.
    one_of:
        Fields of which at least one must be mapped (time entries: ``client`` or ``ticket``); each is listed in
        ``fields`` as not required.
    feeds:
        The monthly metrics (or client columns) derived from this kind.
    """

    name: str
    label: str
    fields: tuple[Field, ...]
    feeds: tuple[str, ...]
    one_of: tuple[str, ...] = ()

    @property
    def field_names(self) -> tuple[str, ...]:
        """Every field's name, in order."""
        return tuple(field.name for field in self.fields)

    @property
    def required_fields(self) -> tuple[str, ...]:
        """Names of the fields a file of this kind must have (``one_of`` not included)."""
        return tuple(field.name for field in self.fields if field.required)

    def field(self, name: str) -> Field:
        """Return the field called ``name``.

        Raises
        ------
        KeyError
            The kind has no such field.
        """
        for field in self.fields:
            if field.name == name:
                return field
        raise KeyError(name)


_CLIENT_NAME = Field("client_name", TEXT, False, "The client's name, when `client` holds its id.")

TIME_ENTRIES = RawKind(
    "time_entries",
    "time entries",
    (
        Field("date", DATETIME, True, "Work date, or the start date-time."),
        Field("hours", HOURS, True, "Time spent (billable or not)."),
        Field("client", TEXT, False, "The client (id or name); else `ticket` finds it through the tickets file."),
        Field("ticket", TEXT, False, "The ticket the time was spent on (its id in the tickets file)."),
        _CLIENT_NAME,
        Field("start", DATETIME, False, "Start date-time, or a time of day on `date`."),
        Field("end", DATETIME, False, "End date-time, or a time of day on `date`."),
        Field("billable", TEXT, False, "Billable or not (not used: all time counts)."),
        Field("work_type", TEXT, False, "Work type; some mean after-hours work."),
        Field("technician", TEXT, False, "Who did the work."),
        Field("after_hours_hours", HOURS, False, "The part of the time outside business hours."),
        Field("entry_id", TEXT, False, "The entry's id; the same id twice is refused."),
        Field("charge_type", TEXT, False, "What `ticket` refers to (ConnectWise chargeToType); a row charged to "
              "anything but a ticket has no ticket."),
    ),
    feeds=("labor_hours", "after_hours_tickets"),
    one_of=("client", "ticket"),
)

TICKETS = RawKind(
    "tickets",
    "tickets",
    (
        Field("ticket", TEXT, True, "The ticket's id (what time entries refer to)."),
        Field("client", TEXT, True, "The client (id or name)."),
        Field("opened", DATETIME, True, "When the ticket was opened."),
        _CLIENT_NAME,
        Field("priority", TEXT, False, "Priority; some mean emergency."),
        Field("closed", DATETIME, False, "When the ticket was closed."),
        Field("type", TEXT, False, "Ticket type."),
        Field("source", TEXT, False, "How it came in (phone, portal, e-mail)."),
    ),
    feeds=("tickets", "emergency_tickets", "after_hours_tickets"),
)

INVOICES = RawKind(
    "invoices",
    "invoices",
    (
        Field("invoice", TEXT, True, "The invoice number."),
        Field("client", TEXT, True, "The client (id or name)."),
        Field("date", DATE, True, "The invoice date."),
        Field("total", NUMBER, True, "The invoice total (with tax when `tax` is given)."),
        _CLIENT_NAME,
        Field("invoice_id", TEXT, False, "An internal id that payments refer to (QuickBooks `Id`)."),
        Field("tax", NUMBER, False, "Tax in the total; revenue is total - tax (without it the total is net)."),
        Field("due_date", DATE, False, "When payment is due."),
        Field("paid_date", DATE, False, "When the invoice was paid in full."),
        Field("amount_due", NUMBER, False, "What is still open."),
        Field("credited", NUMBER, False, "Amount credited; above zero counts as disputed."),
        Field("status", TEXT, False, "Status; some mean voided or disputed."),
        Field("voided", FLAG, False, "Voided yes/no (Autotask IsVoided)."),
        Field("type", TEXT, False, "Document type; only sales invoices count (Xero ACCREC)."),
        Field("credit_for", TEXT, False, "Set on a credit note: the invoice it credits (HaloPSA)."),
    ),
    feeds=("revenue", "days_to_pay", "disputed_invoices"),
)

PAYMENTS = RawKind(
    "payments",
    "payments",
    (
        Field("invoice", TEXT, True, "The invoice paid (its number, or its internal id)."),
        Field("date", DATE, True, "The payment date."),
        Field("amount", NUMBER, True, "Amount paid."),
        Field("client", TEXT, False, "The client (id or name)."),
        _CLIENT_NAME,
        Field("payment_id", TEXT, False, "The payment's id."),
        Field("link_type", TEXT, False, "What the payment line is linked to (QuickBooks LinkedTxn.TxnType); only "
              "invoices count."),
    ),
    feeds=("days_to_pay",),
)

COSTS = RawKind(
    "costs",
    "costs",
    (
        Field("client", TEXT, True, "The client (id or name)."),
        Field("date", DATE, True, "The cost's date."),
        Field("amount", NUMBER, True, "Licences, hardware, third-party costs."),
        _CLIENT_NAME,
    ),
    feeds=("direct_costs",),
)

COMPANIES = RawKind(
    "companies",
    "companies",
    (
        Field("client", TEXT, True, "The client's id."),
        Field("name", TEXT, False, "The client's name."),
        Field("seats", NUMBER, False, "Users or endpoints under care."),
        Field("service_model", TEXT, False, "Agreement type (managed, break/fix, project, hybrid)."),
        Field("client_since", DATE, False, "When the client started."),
    ),
    feeds=("name", "seats", "service_model", "client_since"),
)

RAW_KINDS: dict[str, RawKind] = {
    kind.name: kind for kind in (TIME_ENTRIES, TICKETS, INVOICES, PAYMENTS, COSTS, COMPANIES)
}
KIND_NAMES: tuple[str, ...] = tuple(RAW_KINDS)


def raw_kind(name: str) -> RawKind:
    """Return the raw kind called ``name``.

    Raises
    ------
    KeyError
        No such kind; the message lists the kinds.
    """
    try:
        return RAW_KINDS[name]
    except KeyError:
        raise KeyError(f"'{name}' is not a raw file kind; use one of {', '.join(KIND_NAMES)}") from None
