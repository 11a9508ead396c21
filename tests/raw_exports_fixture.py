"""Small seeded raw exports for the tests: one canonical book, written as each system writes its files.

:func:`draw_book` draws a few clients over three months as raw rows in SOURCES.md's canonical fields (the truth a
test derives the expected metrics from, with :mod:`tests.raw_reference`). :func:`write_preset` writes that book
with one system's column names and conventions (SOURCES.md, "Presets"):

============  ======================================================================================================
connectwise   time entries, tickets, invoices, payments; UTF-8 CSV; date-times ISO 8601 in UTC with ``Z``
autotask      companies, time entries (on tickets, no company), tickets, invoices; grid exports split into parts,
              ``;``-separated, day-first, decimal commas, UTF-8 with BOM, local times
halopsa       actions (on tickets), tickets, invoices with a credit note; UTF-16 tab-separated; local times
syncro        timers (seconds), tickets, invoices (numbers as text); date-times with a UTC offset
quickbooks    invoices as an Excel report (title rows, a total row) and payments linked by ``Id``; month-first
xero          invoices with ``/Date(ms+0000)/`` dates, bills (``ACCPAY``) that are not sales, VOIDED and credited
============  ======================================================================================================

The book is made to probe the definitions: times just after midnight UTC at a month's end (another month in
Europe), weekend and evening tickets, after-hours work types and out-of-hours parts, voided and credited invoices,
invoices paid in two parts, time on no ticket. Times stay off the exact business-hour edges and away from clock
changes, where two readings could both be right.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

PRESETS = ("connectwise", "autotask", "halopsa", "syncro", "quickbooks", "xero")
TIMEZONE = "Europe/Berlin"
BUSINESS_HOURS = "08:00-18:00"
WORKING_DAYS = "Mon-Fri"
# November to January: no clock change in Europe, so every local time is one moment.
FIRST_MONTH = "2025-11"
MONTHS = 3
TAX_RATE = 0.2
CONNECTWISE_PRIORITIES = ("Priority 1 - Emergency Response", "Priority 2 - Quick Response",
                          "Priority 3 - Normal Response", "Priority 4 - Schedule Maintenance")
# Autotask's default labels by number (4 is Critical); HaloPSA's and Syncro's as their defaults name them.
AUTOTASK_PRIORITIES = {"Critical": 4, "High": 1, "Medium": 2, "Low": 3}
HALO_PRIORITIES = {"Critical": 1, "High": 2, "Medium": 3, "Low": 4}
SYNCRO_PRIORITIES = {"Critical": "Urgent", "High": "High", "Medium": "Normal", "Low": "Low"}
LEVELS = ("Critical", "High", "Medium", "Low")


@dataclass(frozen=True)
class CanonicalBook:
    """A small raw book in canonical fields; every date-time is an aware UTC ``Timestamp``.

    Attributes
    ----------
    companies:
        ``client`` (the key), ``name``, ``number`` (a numeric id for systems that number their clients),
        ``client_since``.
    tickets:
        ``ticket`` (number), ``client``, ``opened``, ``closed``, ``level`` (Critical, High, Medium, Low).
    time_entries:
        ``entry_id``, ``client``, ``ticket`` (NaN when on no ticket), ``start``, ``end``, ``hours``,
        ``work_type``, ``after_hours_hours``, ``billable``.
    invoices:
        ``invoice`` (number), ``client``, ``date``, ``due_date``, ``net``, ``tax``, ``total``, ``paid_date``,
        ``voided``, ``credited``, ``payments_only`` (paid through payments, not a paid date).
    payments:
        ``payment_id``, ``invoice``, ``date``, ``amount``.
    costs:
        ``client``, ``date``, ``amount``.
    """

    companies: pd.DataFrame
    tickets: pd.DataFrame
    time_entries: pd.DataFrame
    invoices: pd.DataFrame
    payments: pd.DataFrame
    costs: pd.DataFrame


def _month_starts() -> pd.DatetimeIndex:
    return pd.date_range(FIRST_MONTH, periods=MONTHS, freq="MS")


def _off_edges(local: pd.Series) -> pd.Series:
    """Move local times that fall within 10 minutes of a business-hour edge (08:00, 18:00) 20 minutes later."""
    minutes = local.dt.hour * 60 + local.dt.minute
    near = ((minutes - 8 * 60).abs() <= 10) | ((minutes - 18 * 60).abs() <= 10)
    return local + pd.to_timedelta(np.where(near, 20, 0), unit="min")


def draw_book(seed: int, n_clients: int = 5, tickets_per_month: int = 6) -> CanonicalBook:
    """Draw a small raw book (``n_clients`` clients, :data:`MONTHS` months from :data:`FIRST_MONTH`).

    Parameters
    ----------
    seed:
        Seed of ``numpy.random.default_rng``; the same seed gives the same book.
    n_clients:
        How many clients.
    tickets_per_month:
        Average tickets per client and month (Poisson).
    """
    rng = np.random.default_rng(seed)
    months = _month_starts()
    clients = pd.DataFrame(
        {
            "client": [f"K{index:02d}" for index in range(1, n_clients + 1)],
            "name": [f"{word} {form}" for word, form in zip(
                rng.permutation(["Alder Dental", "Birch Logistics", "Cedar Legal", "Dune Bakery", "Elm Print",
                                 "Fern Clinic", "Gull Freight", "Heron Estates"])[:n_clients],
                rng.choice(["GmbH", "Ltd", "BV", "AB"], n_clients))],
            "number": 4_100 + np.arange(n_clients),
            "client_since": pd.Timestamp("2019-01-01")
            + pd.to_timedelta(rng.integers(0, 2_000, n_clients), unit="D"),
        }
    )
    tickets = _draw_tickets(rng, clients, months, tickets_per_month)
    entries = _draw_time_entries(rng, clients, tickets, months)
    invoices, payments = _draw_invoices(rng, clients, months)
    costs = pd.DataFrame(
        {
            "client": np.repeat(clients["client"].to_numpy(), MONTHS),
            "date": np.tile(months.to_numpy(), n_clients) + pd.to_timedelta(rng.integers(0, 28, n_clients * MONTHS),
                                                                            unit="D").to_numpy(),
            "amount": np.round(rng.uniform(20, 900, n_clients * MONTHS), 2),
        }
    )
    return CanonicalBook(clients, tickets, entries, invoices, payments, costs)


def _draw_tickets(rng: np.random.Generator, clients: pd.DataFrame, months: pd.DatetimeIndex, per_month: int):
    rows = []
    for client in clients["client"]:
        for month in months:
            days = month.days_in_month
            for _ in range(max(1, rng.poisson(per_month))):
                kind = rng.choice(["day", "evening", "weekend", "month_end"], p=[0.6, 0.15, 0.1, 0.15])
                day = int(rng.integers(0, days))
                local_hour = {"day": rng.uniform(8.5, 17.5), "evening": rng.uniform(19, 23),
                              "weekend": rng.uniform(9, 16), "month_end": 0.0}[kind]
                local = month + pd.Timedelta(days=day) + pd.Timedelta(minutes=round(local_hour * 60))
                if kind == "weekend":
                    local += pd.Timedelta(days=(5 - local.weekday()) % 7)  # the next Saturday
                if kind == "month_end":
                    # 23:05-23:55 UTC on the month's last day: already the next month in Berlin.
                    local = (month + pd.offsets.MonthEnd(0)).tz_localize("UTC") + pd.Timedelta(
                        minutes=23 * 60 + 5 + int(rng.integers(0, 50)))
                    local = local.tz_convert(TIMEZONE).tz_localize(None)
                rows.append((client, local))
    frame = pd.DataFrame(rows, columns=["client", "local"])
    frame["local"] = _off_edges(frame["local"])
    frame = frame.sort_values("local", kind="stable", ignore_index=True)
    opened = frame["local"].dt.tz_localize(TIMEZONE).dt.tz_convert("UTC")
    level = rng.choice(LEVELS, len(frame), p=[0.12, 0.25, 0.45, 0.18])
    return pd.DataFrame(
        {
            "ticket": 700 + np.arange(len(frame)),
            "client": frame["client"],
            "opened": opened,
            "closed": opened + pd.to_timedelta(rng.integers(20, 4_000, len(frame)), unit="min"),
            "level": level,
        }
    )


def _draw_time_entries(rng: np.random.Generator, clients: pd.DataFrame, tickets: pd.DataFrame,
                       months: pd.DatetimeIndex) -> pd.DataFrame:
    per_ticket = rng.integers(1, 4, len(tickets))
    ticket_index = np.repeat(np.arange(len(tickets)), per_ticket)
    n = ticket_index.size
    # Work starts a little after the ticket opened; most of it within business hours the next working day.
    later = pd.to_timedelta(rng.integers(10, 3 * 24 * 60, n), unit="min")
    opened = tickets["opened"].iloc[ticket_index].reset_index(drop=True)
    start = (opened + later).dt.tz_convert(TIMEZONE).dt.tz_localize(None)
    start = _off_edges(start)
    hours = rng.choice([0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 0.4, 1.2], n)
    work_type = rng.choice(["Remote Support", "Onsite", "After Hours"], n, p=[0.7, 0.2, 0.1])
    after_hours_hours = np.where(work_type == "After Hours", np.minimum(hours, 0.5), 0.0)
    entries = pd.DataFrame(
        {
            "client": tickets["client"].to_numpy()[ticket_index],
            "ticket": tickets["ticket"].to_numpy()[ticket_index].astype(float),
            "start_local": start,
            "hours": hours,
            "work_type": work_type,
            "after_hours_hours": after_hours_hours,
        }
    )
    # Some time is on no ticket (admin, charged to a charge code): its client is on the row itself.
    loose = len(clients) * MONTHS
    loose_local = pd.Series(
        np.repeat(months.to_numpy(), len(clients))
        + pd.to_timedelta(rng.integers(1, 27, loose), unit="D").to_numpy()
        + pd.to_timedelta(rng.integers(9 * 60, 16 * 60, loose), unit="min").to_numpy()
    )
    loose_local = _off_edges(loose_local)
    loose_frame = pd.DataFrame(
        {
            "client": np.tile(clients["client"].to_numpy(), MONTHS),
            "ticket": np.nan,
            "start_local": loose_local,
            "hours": rng.choice([0.5, 1.0, 1.5], loose),
            "work_type": "Admin",
            "after_hours_hours": 0.0,
        }
    )
    entries = pd.concat([entries, loose_frame], ignore_index=True)
    # Work past the data's last month belongs to no month of the book; it is dropped, like a later export's rows.
    last = (_month_starts()[-1] + pd.offsets.MonthEnd(1)).normalize() + pd.Timedelta(days=1)
    entries = entries[entries["start_local"] < last - pd.Timedelta(days=1)]
    entries = entries.sort_values("start_local", kind="stable", ignore_index=True)
    start_utc = entries.pop("start_local").dt.tz_localize(TIMEZONE).dt.tz_convert("UTC")
    entries.insert(0, "entry_id", 90_000 + np.arange(len(entries)))
    entries.insert(3, "start", start_utc)
    entries.insert(4, "end", start_utc + pd.to_timedelta(entries["hours"] * 60, unit="min"))
    entries["billable"] = rng.uniform(size=len(entries)) < 0.6
    return entries


def _draw_invoices(rng: np.random.Generator, clients: pd.DataFrame, months: pd.DatetimeIndex):
    rows = []
    for client in clients["client"]:
        for month in months:
            for _ in range(int(rng.integers(1, 4))):
                date = month + pd.Timedelta(days=int(rng.integers(0, month.days_in_month)))
                net = round(float(rng.uniform(150, 6_000)), 2)
                rows.append((client, date, net))
    frame = pd.DataFrame(rows, columns=["client", "date", "net"]).sort_values("date", kind="stable",
                                                                              ignore_index=True)
    n = len(frame)
    frame.insert(0, "invoice", 3_001 + np.arange(n))
    frame["tax"] = np.round(frame["net"] * TAX_RATE, 2)
    frame["total"] = np.round(frame["net"] + frame["tax"], 2)
    frame["due_date"] = frame["date"] + pd.Timedelta(days=30)
    # Every book has a voided and a credited invoice, whatever the seed draws.
    frame["voided"] = (rng.uniform(size=n) < 0.08) | (np.arange(n) == 1)
    credit = (rng.uniform(size=n) < 0.12) | (np.arange(n) == 3)
    frame["credited"] = np.where(~frame["voided"] & credit, np.round(frame["net"] * 0.1, 2), 0.0)
    days = rng.integers(0, 90, n)
    unpaid = frame["voided"] | (rng.uniform(size=n) < 0.15)
    frame["paid_date"] = (frame["date"] + pd.to_timedelta(days, unit="D")).where(~unpaid)
    # Payments: most invoices in one, some in two parts; the later one completes the invoice.
    payments = []
    for row in frame[~unpaid].itertuples():
        if rng.uniform() < 0.25 and row.total > 1:
            part = round(row.total * float(rng.uniform(0.2, 0.8)), 2)
            first_date = row.date + pd.Timedelta(days=int(rng.integers(0, max((row.paid_date - row.date).days, 1))))
            payments.append((row.invoice, min(first_date, row.paid_date), part))
            payments.append((row.invoice, row.paid_date, round(row.total - part, 2)))
        else:
            payments.append((row.invoice, row.paid_date, row.total))
    payment_frame = pd.DataFrame(payments, columns=["invoice", "date", "amount"]).sort_values(
        "date", kind="stable", ignore_index=True)
    payment_frame.insert(0, "payment_id", 8_001 + np.arange(len(payment_frame)))
    return frame, payment_frame


# ---- what the reference derives from ------------------------------------------------------------------------------


def canonical_frames(book: CanonicalBook, preset: str) -> dict[str, pd.DataFrame]:
    """Return the canonical frames :func:`tests.raw_reference.derive_monthly` takes, for what ``preset`` writes.

    Only the kinds and fields the preset's files carry are given (QuickBooks and Xero: invoices and payments; the
    PSAs their time and tickets too), so that the reference and the import see the same facts.
    """
    kinds = _KINDS[preset]
    frames: dict[str, pd.DataFrame] = {}
    if "tickets" in kinds:
        # The reference reads the level's name; each system writes its own label or number for it.
        labels = book.tickets["level"]
        frames["tickets"] = pd.DataFrame(
            {
                "ticket": book.tickets["ticket"].astype(float),
                "client": book.tickets["client"],
                "opened": book.tickets["opened"],
                "priority": labels,
            }
        )
    if "time_entries" in kinds:
        entries = book.time_entries
        frame = pd.DataFrame(
            {
                "client": entries["client"],
                "ticket": entries["ticket"],
                "date": entries["start"],
                "start": entries["start"],
                "hours": entries["hours"],
            }
        )
        if preset == "connectwise":
            frame["work_type"] = entries["work_type"]
        if preset == "halopsa":
            frame["after_hours_hours"] = entries["after_hours_hours"]
        if preset in ("autotask", "halopsa"):
            # These systems' time is on tickets only (no client column): loose time is not written.
            frame = frame[entries["ticket"].notna().to_numpy()]
        frames["time_entries"] = frame.reset_index(drop=True)
    if "invoices" in kinds:
        invoices = book.invoices
        frame = pd.DataFrame(
            {
                "invoice": invoices["invoice"],
                "client": invoices["client"],
                "date": invoices["date"],
                "total": invoices["total"],
                "tax": invoices["tax"],
                "voided": invoices["voided"],
            }
        )
        if preset in ("autotask", "halopsa", "xero"):
            frame["paid_date"] = invoices["paid_date"]
        if preset == "connectwise":
            frame["status"] = np.where(invoices["voided"], "Voided", "Sent")
        if preset == "xero":
            frame["status"] = np.where(invoices["voided"], "VOIDED",
                                       np.where(invoices["paid_date"].notna(), "PAID", "AUTHORISED"))
        if preset == "xero":
            frame["credited"] = invoices["credited"]
        if preset == "halopsa":
            # HaloPSA's credit notes are rows of their own, pointing at the invoice they credit.
            notes = invoices[invoices["credited"] > 0]
            frame["credit_for"] = np.nan
            frame = pd.concat([frame, pd.DataFrame({
                "invoice": "CN-" + notes["invoice"].astype(str), "client": notes["client"], "date": notes["date"],
                "total": -notes["credited"], "tax": 0.0, "voided": False, "paid_date": pd.NaT,
                "credit_for": notes["invoice"]})], ignore_index=True)
        if preset in ("quickbooks", "syncro"):
            # QuickBooks shows a voided invoice with nothing on it, Syncro not at all: the export leaves it out.
            frame = frame[~invoices["voided"].to_numpy()]
        frames["invoices"] = frame.reset_index(drop=True)
    if "payments" in kinds:
        frames["payments"] = book.payments[["invoice", "date", "amount"]].copy()
    return frames


_KINDS = {
    "connectwise": ("time_entries", "tickets", "invoices", "payments"),
    "autotask": ("companies", "time_entries", "tickets", "invoices"),
    "halopsa": ("time_entries", "tickets", "invoices"),
    "syncro": ("time_entries", "tickets", "invoices"),
    "quickbooks": ("invoices", "payments"),
    "xero": ("invoices",),
}


def client_key(book: CanonicalBook, preset: str) -> pd.Series:
    """Return how ``preset``'s files name each client, by the book's ``client`` key."""
    companies = book.companies.set_index("client")
    if preset == "connectwise":
        return pd.Series(companies.index, index=companies.index)
    if preset in ("autotask", "halopsa", "syncro"):
        return companies["number"].astype(str)
    return companies["name"]


# ---- writing files as each system does ----------------------------------------------------------------------------


def _local(values: pd.Series) -> pd.Series:
    return pd.Series(values).dt.tz_convert(TIMEZONE).dt.tz_localize(None)


def _utc_z(values: pd.Series) -> pd.Series:
    return pd.Series(values).dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _with_offset(values: pd.Series) -> pd.Series:
    local = pd.Series(values).dt.tz_convert(TIMEZONE)
    text = local.dt.strftime("%Y-%m-%dT%H:%M:%S%z")
    return text.str[:-2] + ":" + text.str[-2:]


def _decimal_comma(values: pd.Series) -> pd.Series:
    return pd.Series(values).map(lambda value: f"{value:.2f}".replace(".", ","))


def _ms_date(values: pd.Series) -> pd.Series:
    days = pd.Series(values)
    millis = (days - pd.Timestamp("1970-01-01")) // pd.Timedelta(milliseconds=1)
    return ("/Date(" + millis.astype("Int64").astype(str) + "+0000)/").where(days.notna(), "")


def write_preset(book: CanonicalBook, preset: str, folder: Path, rows_per_file: int = 40) -> dict[str, list[Path]]:
    """Write ``book`` as ``preset``'s export files under ``folder``; return the files by raw kind.

    Parameters
    ----------
    book:
        The book from :func:`draw_book`.
    preset:
        One of :data:`PRESETS`.
    folder:
        Created if missing.
    rows_per_file:
        Autotask's grid exports are split into files of at most this many rows (5,000 in the product; fewer here
        so a small book still comes in several files).
    """
    folder.mkdir(parents=True, exist_ok=True)
    writer = {
        "connectwise": _write_connectwise,
        "autotask": lambda book_, folder_: _write_autotask(book_, folder_, rows_per_file),
        "halopsa": _write_halopsa,
        "syncro": _write_syncro,
        "quickbooks": _write_quickbooks,
        "xero": _write_xero,
    }[preset]
    return writer(book, folder)


def _write_frames(frames: dict[str, pd.DataFrame], folder: Path, prefix: str, **csv_options) -> dict[str, list[Path]]:
    """Write each frame as ``prefix_kind.csv``; return the files by kind."""
    paths = {}
    for kind, frame in frames.items():
        path = folder / f"{prefix}_{kind}.csv"
        frame.to_csv(path, index=False, **csv_options)
        paths[kind] = [path]
    return paths


def _write_connectwise(book: CanonicalBook, folder: Path) -> dict[str, list[Path]]:
    names = book.companies.set_index("client")["name"]
    entries, tickets, invoices = book.time_entries, book.tickets, book.invoices
    on_ticket = entries["ticket"].notna()
    files = {
        "time_entries": pd.DataFrame(
            {
                "id": entries["entry_id"],
                "company/identifier": entries["client"],
                "company/name": entries["client"].map(names),
                "chargeToId": np.where(on_ticket, entries["ticket"].fillna(0).astype(int), 31),
                "chargeToType": np.where(on_ticket, "ServiceTicket", "ChargeCode"),
                "member/identifier": "jdoe",
                "workType/name": entries["work_type"],
                "timeStart": _utc_z(entries["start"]),
                "timeEnd": _utc_z(entries["end"]),
                "actualHours": entries["hours"],
                "billableOption": np.where(entries["billable"], "Billable", "DoNotBill"),
            }
        ),
        "tickets": pd.DataFrame(
            {
                "id": tickets["ticket"],
                "company/identifier": tickets["client"],
                "company/name": tickets["client"].map(names),
                "dateEntered": _utc_z(tickets["opened"]),
                "closedDate": _utc_z(tickets["closed"]),
                "priority/name": tickets["level"].map(dict(zip(LEVELS, CONNECTWISE_PRIORITIES))),
            }
        ),
        "invoices": pd.DataFrame(
            {
                "invoiceNumber": invoices["invoice"],
                "company/identifier": invoices["client"],
                # ConnectWise writes dates as midnight UTC date-times.
                "date": invoices["date"].dt.strftime("%Y-%m-%dT00:00:00Z"),
                "dueDate": invoices["due_date"].dt.strftime("%Y-%m-%dT00:00:00Z"),
                "total": invoices["total"],
                "salesTax": invoices["tax"],
                "status/name": np.where(invoices["voided"], "Voided", "Sent"),
            }
        ),
        "payments": pd.DataFrame(
            {
                "id": book.payments["payment_id"],
                "invoiceNumber": book.payments["invoice"],
                "paymentDate": book.payments["date"].dt.strftime("%Y-%m-%dT00:00:00Z"),
                "amount": book.payments["amount"],
            }
        ),
    }
    return _write_frames(files, folder, "cw")


def _write_autotask(book: CanonicalBook, folder: Path, rows_per_file: int) -> dict[str, list[Path]]:
    number = book.companies.set_index("client")["number"]
    entries = book.time_entries[book.time_entries["ticket"].notna()]
    tickets, invoices = book.tickets, book.invoices

    def day_first(values: pd.Series, with_time: bool) -> pd.Series:
        return pd.Series(values).dt.strftime("%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y").fillna("")

    frames = {
        "companies": pd.DataFrame(
            {
                "id": book.companies["number"],
                "companyName": book.companies["name"],
                "createDate": day_first(book.companies["client_since"], with_time=False),
            }
        ),
        "time_entries": pd.DataFrame(
            {
                "id": entries["entry_id"],
                "TicketID": entries["ticket"].astype(int),
                "ResourceID": 29_682_885,
                "DateWorked": day_first(_local(entries["start"]), with_time=False),
                "StartDateTime": day_first(_local(entries["start"]), with_time=True),
                "EndDateTime": day_first(_local(entries["end"]), with_time=True),
                "HoursWorked": _decimal_comma(entries["hours"]),
                "IsNonBillable": np.where(entries["billable"], "False", "True"),
            }
        ),
        "tickets": pd.DataFrame(
            {
                "id": tickets["ticket"],
                "TicketNumber": "T" + _local(tickets["opened"]).dt.strftime("%Y%m%d") + "."
                + pd.Series(np.arange(len(tickets)) + 1).astype(str).str.zfill(4),
                "CompanyID": tickets["client"].map(number),
                "CreateDate": day_first(_local(tickets["opened"]), with_time=True),
                "Priority": tickets["level"].map(AUTOTASK_PRIORITIES),
            }
        ),
        "invoices": pd.DataFrame(
            {
                "InvoiceNumber": invoices["invoice"],
                "CompanyID": invoices["client"].map(number),
                "InvoiceDateTime": day_first(invoices["date"], with_time=False),
                "InvoiceTotal": _decimal_comma(invoices["total"]),
                "TotalTaxValue": _decimal_comma(invoices["tax"]),
                "PaidDate": day_first(invoices["paid_date"], with_time=False),
                "IsVoided": np.where(invoices["voided"], "True", "False"),
            }
        ),
    }
    paths: dict[str, list[Path]] = {}
    for kind, frame in frames.items():
        paths[kind] = []
        for part, start in enumerate(range(0, len(frame), rows_per_file), start=1):
            path = folder / f"at_{kind}_{part}.csv"
            frame.iloc[start : start + rows_per_file].to_csv(path, index=False, sep=";", encoding="utf-8-sig")
            paths[kind].append(path)
    return paths


def _write_halopsa(book: CanonicalBook, folder: Path) -> dict[str, list[Path]]:
    companies = book.companies.set_index("client")
    entries = book.time_entries[book.time_entries["ticket"].notna()]
    tickets, invoices = book.tickets, book.invoices
    local_text = lambda values: _local(values).dt.strftime("%Y-%m-%d %H:%M:%S")  # noqa: E731
    # A credit note is its own row, pointing at the invoice it credits.
    credited = invoices[invoices["credited"] > 0]
    invoice_rows = pd.DataFrame(
        {
            "id": invoices["invoice"] + 50_000,
            "invoicenumber": invoices["invoice"].astype(str),
            "client_id": invoices["client"].map(companies["number"]),
            "client_name": invoices["client"].map(companies["name"]),
            "invoice_date": invoices["date"].dt.strftime("%Y-%m-%d"),
            "total": np.where(invoices["voided"], 0.0, invoices["total"]),
            "tax_total": np.where(invoices["voided"], 0.0, invoices["tax"]),
            "datepaid": invoices["paid_date"].dt.strftime("%Y-%m-%d").fillna(""),
            "creditlinkedtoinvoiceid": "",
        }
    )
    credit_rows = pd.DataFrame(
        {
            "id": credited["invoice"] + 60_000,
            "invoicenumber": "CN-" + credited["invoice"].astype(str),
            "client_id": credited["client"].map(companies["number"]),
            "client_name": credited["client"].map(companies["name"]),
            "invoice_date": credited["date"].dt.strftime("%Y-%m-%d"),
            "total": -credited["credited"],
            "tax_total": 0.0,
            "datepaid": "",
            "creditlinkedtoinvoiceid": (credited["invoice"] + 50_000).astype(str),
        }
    )
    frames = {
        "time_entries": pd.DataFrame(
            {
                "ticket_id": entries["ticket"].astype(int),
                "who": "Jo Doe",
                "datetime": local_text(entries["start"]),
                "timetaken": entries["hours"],
                "actionoohtime": entries["after_hours_hours"],
                "actisbillable": np.where(entries["billable"], "True", "False"),
            }
        ),
        "tickets": pd.DataFrame(
            {
                "id": tickets["ticket"],
                "client_id": tickets["client"].map(companies["number"]),
                "client_name": tickets["client"].map(companies["name"]),
                "dateoccurred": local_text(tickets["opened"]),
                "priority_id": tickets["level"].map(HALO_PRIORITIES),
            }
        ),
        "invoices": pd.concat([invoice_rows, credit_rows], ignore_index=True),
    }
    return _write_frames(frames, folder, "halo", sep="\t", encoding="utf-16")


def _write_syncro(book: CanonicalBook, folder: Path) -> dict[str, list[Path]]:
    companies = book.companies.set_index("client")
    entries, tickets = book.time_entries, book.tickets
    invoices = book.invoices[~book.invoices["voided"]]
    frames = {
        "time_entries": pd.DataFrame(
            {
                "id": entries["entry_id"],
                "customer_id": entries["client"].map(companies["number"]),
                "ticket_id": entries["ticket"].astype("Int64"),
                "user_id": 17,
                "start_time": _with_offset(entries["start"]),
                "end_time": _with_offset(entries["end"]),
                "active_duration": np.round(entries["hours"] * 3600).astype(int),
                "billable": np.where(entries["billable"], "true", "false"),
            }
        ),
        "tickets": pd.DataFrame(
            {
                "id": tickets["ticket"],
                "customer_id": tickets["client"].map(companies["number"]),
                "customer_business_then_name": tickets["client"].map(companies["name"]),
                "created_at": _with_offset(tickets["opened"]),
                "priority": tickets["level"].map(SYNCRO_PRIORITIES),
            }
        ),
        "invoices": pd.DataFrame(
            {
                "number": invoices["invoice"],
                "customer_id": invoices["client"].map(companies["number"]),
                "customer_business_then_name": invoices["client"].map(companies["name"]),
                "date": invoices["date"].dt.strftime("%Y-%m-%d"),
                "due_date": invoices["due_date"].dt.strftime("%Y-%m-%d"),
                "total": invoices["total"].map(lambda value: f"{value:.2f}"),
                "tax": invoices["tax"].map(lambda value: f"{value:.2f}"),
                "is_paid": np.where(invoices["paid_date"].notna(), "true", "false"),
                "balance_due": np.where(invoices["paid_date"].notna(), "0.00",
                                        invoices["total"].map(lambda value: f"{value:.2f}")),
            }
        ),
    }
    # Syncro's numbers come as text: its invoices are written with every cell quoted.
    paths = _write_frames({kind: frames[kind] for kind in ("time_entries", "tickets")}, folder, "syncro")
    return {**paths, **_write_frames({"invoices": frames["invoices"]}, folder, "syncro", quoting=1)}


def _write_quickbooks(book: CanonicalBook, folder: Path) -> dict[str, list[Path]]:
    import xlsxwriter

    names = book.companies.set_index("client")["name"]
    invoices = book.invoices[~book.invoices["voided"]]
    ids = invoices["invoice"] + 200
    header = ["Id", "DocNumber", "CustomerRef.name", "TxnDate", "DueDate", "TotalAmt", "TxnTaxDetail.TotalTax",
              "Balance"]
    path = folder / "qbo_invoices.xlsx"
    with xlsxwriter.Workbook(str(path)) as workbook:
        sheet = workbook.add_worksheet("Invoice List")
        date_format = workbook.add_format({"num_format": "mm/dd/yyyy"})
        sheet.write(0, 0, "Test MSP Inc")
        sheet.write(1, 0, "Invoice List")
        sheet.write(2, 0, "All Dates")
        sheet.write_row(4, 0, header)
        paid = invoices["paid_date"].notna()
        for offset, (row, invoice_id) in enumerate(zip(invoices.itertuples(), ids, strict=True)):
            line = 5 + offset
            sheet.write_number(line, 0, int(invoice_id))
            sheet.write_string(line, 1, str(row.invoice))
            sheet.write_string(line, 2, names[row.client])
            sheet.write_datetime(line, 3, row.date.to_pydatetime(), date_format)
            sheet.write_datetime(line, 4, row.due_date.to_pydatetime(), date_format)
            sheet.write_number(line, 5, row.total)
            sheet.write_number(line, 6, row.tax)
            sheet.write_number(line, 7, 0.0 if paid.loc[row.Index] else row.total)
        total_line = 5 + len(invoices)
        sheet.write_string(total_line, 0, "TOTAL")
        sheet.write_number(total_line, 5, round(float(invoices["total"].sum()), 2))
        sheet.write_number(total_line, 6, round(float(invoices["tax"].sum()), 2))
    id_of = pd.Series(ids.to_numpy(), index=invoices["invoice"].to_numpy())
    payments = book.payments
    payments_path = folder / "qbo_payments.csv"
    pd.DataFrame(
        {
            "Id": payments["payment_id"],
            "TxnDate": payments["date"].dt.strftime("%m/%d/%Y"),
            "CustomerRef.name": payments["invoice"].map(book.invoices.set_index("invoice")["client"]).map(names),
            "TotalAmt": payments["amount"],
            "LinkedTxn.TxnId": payments["invoice"].map(id_of).astype("Int64"),
            "LinkedTxn.TxnType": "Invoice",
        }
    ).to_csv(payments_path, index=False)
    return {"invoices": [path], "payments": [payments_path]}


def _write_xero(book: CanonicalBook, folder: Path) -> dict[str, list[Path]]:
    names = book.companies.set_index("client")["name"]
    invoices = book.invoices
    status = np.where(invoices["voided"], "VOIDED", np.where(invoices["paid_date"].notna(), "PAID", "AUTHORISED"))
    sales = pd.DataFrame(
        {
            "Type": "ACCREC",
            "InvoiceNumber": "INV-" + invoices["invoice"].astype(str),
            "Contact.Name": invoices["client"].map(names),
            "Date": _ms_date(invoices["date"]),
            "DueDate": _ms_date(invoices["due_date"]),
            "Total": invoices["total"],
            "TotalTax": invoices["tax"],
            "AmountCredited": invoices["credited"],
            "Status": status,
            "FullyPaidOnDate": _ms_date(invoices["paid_date"]),
        }
    )
    # Bills from suppliers come in the same list; they are not sales and count for nothing.
    bills = sales.head(3).assign(Type="ACCPAY", InvoiceNumber=lambda frame: "BILL-" + frame["InvoiceNumber"])
    path = folder / "xero_invoices.csv"
    pd.concat([sales, bills], ignore_index=True).to_csv(path, index=False)
    return {"invoices": [path]}

