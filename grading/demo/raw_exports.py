"""The demo book written as the files an MSP's systems export (``python -m grading demo-exports``).

Two sets, each a folder, with the column names SOURCES.md gives for each system:

``connectwise-quickbooks/``
    ConnectWise PSA ``time_entries.csv`` and ``tickets.csv`` (date-times in UTC, ISO 8601 with ``Z``),
    QuickBooks Online ``invoices.xlsx`` (a report: title rows above the header, a total row below) and
    ``payments.csv``, and generic ``companies.csv`` (seats, service model, client since) and ``costs.csv``.
    Time and tickets name clients by ConnectWise identifier (the demo's client id); QuickBooks names them by
    customer name, which the import matches to the companies file.
``autotask/``
    Datto Autotask grid exports: ``companies.csv``, ``tickets_N.csv``, ``time_entries_N.csv`` (on tickets, no
    company) and ``invoices_N.csv``, at most 5,000 rows per file, in a day-first locale with decimal commas,
    semicolon-separated, times local; plus a generic ``costs.csv`` keyed by Autotask company id.

:func:`import_commands` gives the ``import-raw`` command line for each set. What these files cannot carry back
is in :data:`grading.demo.raw_book.NOT_ROUND_TRIPPED`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from grading.demo.raw_book import RawBook

CONNECTWISE_SET = "connectwise-quickbooks"
AUTOTASK_SET = "autotask"
#: Autotask's grids stop at this many rows: a longer list comes as several files.
AUTOTASK_ROWS_PER_FILE = 5_000
AUTOTASK_COMPANY_ID_BASE = 29_684_000
AUTOTASK_RESOURCE_ID_BASE = 29_682_885
#: ConnectWise's default priority names, by the demo's priority rank (1 is the emergency one).
CONNECTWISE_PRIORITIES = np.array(
    ["", "Priority 1 - Emergency Response", "Priority 2 - Quick Response", "Priority 3 - Normal Response",
     "Priority 4 - Schedule Maintenance"]
)
#: Autotask's default priority numbers by the same rank: 4 Critical, 1 High, 2 Medium, 3 Low.
AUTOTASK_PRIORITIES = np.array([0, 4, 1, 2, 3])
QUICKBOOKS_COMPANY = "Demo MSP Ltd"


@dataclass(frozen=True)
class WrittenSet:
    """One set of export files on disk.

    Attributes
    ----------
    folder:
        Where the set's files are.
    files:
        The files by raw kind (``time_entries``, ``tickets``, ``invoices``, ``payments``, ``costs``,
        ``companies``), each a list (Autotask's grids come in several files), with the preset each is read with.
    options:
        Further ``import-raw`` options the set needs (Autotask's: its date order, which a part of the grid
        export holding only days up to the 12th cannot tell by itself).
    """

    folder: Path
    files: dict[str, list[tuple[str, Path]]]
    options: tuple[str, ...] = ()


def write_demo_exports(book: RawBook, out: Path) -> dict[str, WrittenSet]:
    """Write ``book`` as the ConnectWise + QuickBooks set and the Autotask set under ``out``.

    Parameters
    ----------
    book:
        The raw rows, from :func:`grading.demo.raw_book.draw_raw_book`.
    out:
        The folder to write into (created if missing); files of the same names are replaced.

    Returns
    -------
    dict
        The two :class:`WrittenSet` by set name (:data:`CONNECTWISE_SET`, :data:`AUTOTASK_SET`).
    """
    out = Path(out)
    return {
        CONNECTWISE_SET: write_connectwise_quickbooks(book, out / CONNECTWISE_SET),
        AUTOTASK_SET: write_autotask(book, out / AUTOTASK_SET),
    }


def import_commands(written: dict[str, WrittenSet], timezone: str) -> dict[str, list[str]]:
    """Return the ``python -m grading import-raw`` arguments that import each written set.

    Each file is named as ``PRESET:PATH``, so the import needs no header guessing; ``--timezone`` says where the
    naive local times (Autotask's) belong and what UTC times (ConnectWise's) are converted to.
    """
    commands = {}
    for name, written_set in written.items():
        arguments = ["python", "-m", "grading", "import-raw", "--timezone", timezone, *written_set.options]
        for kind, files in written_set.files.items():
            arguments.append(f"--{kind.replace('_', '-')}")
            arguments += [f"{preset}:{path}" for preset, path in files]
        commands[name] = arguments
    return commands


# ---- date and number formats -------------------------------------------------------------------------------------


def _utc_iso(local: np.ndarray, timezone: str) -> np.ndarray:
    """Return naive local times as UTC ISO 8601 text with a ``Z`` (``2026-03-04T14:00:00Z``); NaT as ''."""
    local = pd.DatetimeIndex(local)
    # Only closing and end times can fall in the hour clocks repeat or skip; either reading of it will do.
    zoned = local.tz_localize(timezone, ambiguous=np.zeros(len(local), bool), nonexistent="shift_forward")
    utc = zoned.tz_convert("UTC").tz_localize(None)
    text = np.datetime_as_string(utc.to_numpy().astype("datetime64[s]"), unit="s")
    return np.where(pd.isna(utc), "", np.char.add(text, "Z"))


def _iso_date(values: object) -> np.ndarray:
    return np.datetime_as_string(np.asarray(values).astype("datetime64[D]"), unit="D")


def _day_first(values: object, with_time: bool) -> pd.Series:
    """Return dates as ``dd/mm/yyyy`` (``dd/mm/yyyy HH:MM`` with the time), as a French or Belgian locale writes."""
    iso = pd.Series(np.datetime_as_string(np.asarray(values).astype("datetime64[m]"), unit="m"), dtype="str")
    text = iso.str[8:10] + "/" + iso.str[5:7] + "/" + iso.str[0:4]
    if with_time:
        text = text + " " + iso.str[11:16]
    return text.where(iso != "NaT", "")


def _blank_where_not(values: pd.Series, keep: np.ndarray) -> pd.Series:
    """Return whole numbers with an empty cell where ``keep`` is False."""
    return pd.Series(values.to_numpy(), dtype="Int64").where(keep)


def _decimal_comma(values: object) -> pd.Series:
    """Return numbers with two decimals and a decimal comma, no thousands separator (``1234,50``)."""
    return pd.Series(np.char.replace(np.char.mod("%.2f", np.asarray(values, float)), ".", ","), dtype="str")


# ---- ConnectWise PSA + QuickBooks Online ---------------------------------------------------------------------------


def write_connectwise_quickbooks(book: RawBook, folder: Path, *, billing: str = "quickbooks") -> WrittenSet:
    """Write the ConnectWise time and tickets, the invoices and payments, and generic companies and costs.

    Parameters
    ----------
    book:
        The raw rows.
    folder:
        Created if missing.
    billing:
        ``quickbooks`` (the demo's set: an ``.xlsx`` invoice report and a payments CSV, clients by name) or
        ``connectwise`` (ConnectWise's own invoices and payments as CSV, clients by identifier; the benchmark's
        set, all CSV).
    """
    folder.mkdir(parents=True, exist_ok=True)
    names = book.clients.set_index("client_id")["name"]
    paths = {
        "time_entries": folder / "time_entries.csv",
        "tickets": folder / "tickets.csv",
        "invoices": folder / ("invoices.xlsx" if billing == "quickbooks" else "invoices.csv"),
        "payments": folder / "payments.csv",
        "companies": folder / "companies.csv",
        "costs": folder / "costs.csv",
    }
    _connectwise_time_entries(book, names).to_csv(paths["time_entries"], index=False)
    _connectwise_tickets(book, names).to_csv(paths["tickets"], index=False)
    if billing == "quickbooks":
        _write_quickbooks_invoices(book, paths["invoices"])
        _write_quickbooks_payments(book, paths["payments"])
    else:
        _write_connectwise_billing(book, paths["invoices"], paths["payments"])
    companies = book.clients.rename(columns={"client_id": "client"})
    companies.assign(client_since=_iso_date(companies["client_since"])).to_csv(paths["companies"], index=False)
    _costs_frame(book.costs, book.costs["client_id"]).to_csv(paths["costs"], index=False)
    presets = {
        "time_entries": "connectwise",
        "tickets": "connectwise",
        "invoices": billing,
        "payments": billing,
        "companies": "generic",
        "costs": "generic",
    }
    return WrittenSet(folder, {kind: [(presets[kind], path)] for kind, path in paths.items()})


def _connectwise_time_entries(book: RawBook, names: pd.Series) -> pd.DataFrame:
    entries = book.time_entries
    on_ticket = entries["ticket"].to_numpy() >= 0
    return pd.DataFrame(
        {
            "id": entries["entry_id"],
            "company/identifier": entries["client_id"],
            "company/name": entries["client_id"].map(names),
            "chargeToId": _blank_where_not(entries["ticket"], on_ticket),
            "chargeToType": np.where(on_ticket, "ServiceTicket", "ChargeCode"),
            "member/identifier": entries["technician"],
            "workType/name": entries["work_type"],
            "timeStart": _utc_iso(entries["start"].to_numpy(), book.timezone),
            "timeEnd": _utc_iso(entries["end"].to_numpy(), book.timezone),
            "actualHours": entries["hours"],
            "billableOption": np.where(entries["billable"].to_numpy(), "Billable", "NoCharge"),
        }
    )


def _connectwise_tickets(book: RawBook, names: pd.Series) -> pd.DataFrame:
    tickets = book.tickets
    return pd.DataFrame(
        {
            "id": tickets["ticket"],
            "summary": tickets["summary"],
            "company/identifier": tickets["client_id"],
            "company/name": tickets["client_id"].map(names),
            "board/name": "Service Desk",
            "status/name": "Closed",
            "priority/name": CONNECTWISE_PRIORITIES[tickets["priority_rank"].to_numpy()],
            "dateEntered": _utc_iso(tickets["opened"].to_numpy(), book.timezone),
            "closedDate": _utc_iso(tickets["closed"].to_numpy(), book.timezone),
        }
    )


def _write_connectwise_billing(book: RawBook, invoices_path: Path, payments_path: Path) -> None:
    """Write ConnectWise's invoices and payments (dates as midnight UTC, as its API writes them)."""
    invoices = book.invoices
    pd.DataFrame(
        {
            "id": invoices["invoice"].to_numpy(),
            "invoiceNumber": np.char.add("INV-", invoices["invoice"].to_numpy().astype(str)),
            "company/identifier": invoices["client_id"].to_numpy(),
            "date": np.char.add(_iso_date(invoices["date"]), "T00:00:00Z"),
            "dueDate": np.char.add(_iso_date(invoices["due_date"]), "T00:00:00Z"),
            "total": invoices["total"].to_numpy(),
            "salesTax": invoices["tax"].to_numpy(),
            "status/name": np.where(invoices["voided"].to_numpy(), "Voided", "Sent"),
        }
    ).to_csv(invoices_path, index=False)
    payments = book.payments
    pd.DataFrame(
        {
            "id": payments["payment_id"].to_numpy(),
            "invoiceNumber": np.char.add("INV-", payments["invoice"].to_numpy().astype(str)),
            "paymentDate": np.char.add(_iso_date(payments["date"]), "T00:00:00Z"),
            "amount": payments["amount"].to_numpy(),
        }
    ).to_csv(payments_path, index=False)


def _costs_frame(costs: pd.DataFrame, client: pd.Series) -> pd.DataFrame:
    """Costs in the generic preset's columns, with clients named as ``client`` gives them."""
    return pd.DataFrame(
        {
            "client": client.to_numpy(),
            "date": _iso_date(costs["date"]),
            "amount": costs["amount"].to_numpy(),
            "description": costs["description"].to_numpy(),
        }
    )


def _quickbooks_invoices(book: RawBook) -> pd.DataFrame:
    """QuickBooks' invoice list: voided invoices are left out (QuickBooks zeroes them; they carry nothing)."""
    invoices = book.invoices[~book.invoices["voided"]]
    names = book.clients.set_index("client_id")["name"]
    return pd.DataFrame(
        {
            "Id": invoices["invoice"].to_numpy(),
            "DocNumber": np.char.add("INV-", invoices["invoice"].to_numpy().astype(str)),
            "CustomerRef.name": invoices["client_id"].map(names).to_numpy(),
            "TxnDate": invoices["date"].to_numpy(),
            "DueDate": invoices["due_date"].to_numpy(),
            "TotalAmt": invoices["total"].to_numpy(),
            "TxnTaxDetail.TotalTax": invoices["tax"].to_numpy(),
            # Everything is paid in the demo; a real export shows what is still owed here.
            "Balance": np.zeros(len(invoices)),
        }
    )


def _write_quickbooks_invoices(book: RawBook, path: Path) -> None:
    """Write the invoice list as QuickBooks' Excel report export: title rows, header, rows, a total row."""
    import xlsxwriter

    frame = _quickbooks_invoices(book)
    first, last = frame["TxnDate"].min(), frame["TxnDate"].max()
    with xlsxwriter.Workbook(str(path)) as workbook:
        sheet = workbook.add_worksheet("Invoice List")
        bold = workbook.add_format({"bold": True})
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        money = workbook.add_format({"num_format": "#,##0.00"})
        sheet.write(0, 0, QUICKBOOKS_COMPANY, bold)
        sheet.write(1, 0, "Invoice List")
        sheet.write(2, 0, f"{pd.Timestamp(first):%B %-d, %Y} - {pd.Timestamp(last):%B %-d, %Y}")
        header_row = 4
        sheet.write_row(header_row, 0, list(frame.columns), bold)
        top = header_row + 1
        for column, name in enumerate(frame.columns):
            values = frame[name]
            if name in ("TxnDate", "DueDate"):
                # Excel dates are days since 1899-12-30; writing the serial numbers skips a per-cell conversion.
                serial = (values.to_numpy().astype("datetime64[D]") - np.datetime64("1899-12-30")).astype(np.int64)
                sheet.write_column(top, column, serial.tolist(), date_format)
            elif name in ("TotalAmt", "TxnTaxDetail.TotalTax", "Balance"):
                sheet.write_column(top, column, values.tolist(), money)
            else:
                sheet.write_column(top, column, values.tolist())
        total_row = top + len(frame)
        sheet.write(total_row, 0, "TOTAL", bold)
        for name in ("TotalAmt", "TxnTaxDetail.TotalTax", "Balance"):
            column = frame.columns.get_loc(name)
            sheet.write_number(total_row, column, round(float(frame[name].sum()), 2), money)


def _write_quickbooks_payments(book: RawBook, path: Path) -> None:
    names = book.clients.set_index("client_id")["name"]
    payments = book.payments
    pd.DataFrame(
        {
            "Id": payments["payment_id"].to_numpy(),
            "TxnDate": _iso_date(payments["date"]),
            "CustomerRef.name": payments["client_id"].map(names).to_numpy(),
            "TotalAmt": payments["amount"].to_numpy(),
            "LinkedTxn.TxnId": payments["invoice"].to_numpy(),
            "LinkedTxn.TxnType": "Invoice",
        }
    ).to_csv(path, index=False)


# ---- Datto Autotask -----------------------------------------------------------------------------------------------


def autotask_company_ids(book: RawBook) -> pd.Series:
    """Return each demo client's Autotask company id, by ``client_id``."""
    return pd.Series(AUTOTASK_COMPANY_ID_BASE + np.arange(len(book.clients)), index=book.clients["client_id"])


def _write_grid(frame: pd.DataFrame, folder: Path, stem: str) -> list[Path]:
    """Write ``frame`` as Autotask grid exports: ``stem_1.csv`` ... of at most 5,000 rows each."""
    paths = []
    for part, start in enumerate(range(0, max(len(frame), 1), AUTOTASK_ROWS_PER_FILE), start=1):
        path = folder / f"{stem}_{part}.csv"
        frame.iloc[start : start + AUTOTASK_ROWS_PER_FILE].to_csv(path, index=False, sep=";", encoding="utf-8-sig")
        paths.append(path)
    return paths


def _autotask_ticket_numbers(opened: np.ndarray) -> pd.Series:
    """Return Autotask's ticket numbers: ``T`` + the day opened + ``.`` + the count that day (``T20260304.0002``)."""
    day = pd.Series(np.datetime_as_string(opened.astype("datetime64[D]"), unit="D"), dtype="str")
    count = day.groupby(day, sort=False).cumcount() + 1
    return "T" + day.str.replace("-", "", regex=False) + "." + count.astype("str").str.zfill(4)


def write_autotask(book: RawBook, folder: Path) -> WrittenSet:
    """Write the Autotask set: companies, tickets, time entries and invoices as grid exports, and generic costs."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*_[0-9]*.csv"):
        # A smaller book than the last one written here must not leave the last one's extra parts behind.
        stale.unlink()
    company = autotask_company_ids(book)
    entries, tickets, invoices = book.time_entries, book.tickets, book.invoices
    on_ticket = entries["ticket"].to_numpy() >= 0

    companies = pd.DataFrame(
        {
            "id": company.to_numpy(),
            "companyName": book.clients["name"].to_numpy(),
            "companyType": "Customer",
            "createDate": _day_first(book.clients["client_since"], with_time=False),
        }
    )
    ticket_frame = pd.DataFrame(
        {
            "id": tickets["ticket"].to_numpy(),
            "TicketNumber": _autotask_ticket_numbers(tickets["opened"].to_numpy()),
            "Title": tickets["summary"].to_numpy(),
            "CompanyID": tickets["client_id"].map(company).to_numpy(),
            "CreateDate": _day_first(tickets["opened"], with_time=True),
            "CompletedDate": _day_first(tickets["closed"], with_time=True),
            "Priority": AUTOTASK_PRIORITIES[tickets["priority_rank"].to_numpy()],
            "Status": "Complete",
        }
    )
    time_frame = pd.DataFrame(
        {
            "id": entries["entry_id"].to_numpy(),
            "TicketID": _blank_where_not(entries["ticket"], on_ticket),
            "ResourceID": AUTOTASK_RESOURCE_ID_BASE + pd.Index(np.unique(entries["technician"])).get_indexer(
                entries["technician"]
            ),
            "DateWorked": _day_first(entries["start"], with_time=False),
            "StartDateTime": _day_first(entries["start"], with_time=True),
            "EndDateTime": _day_first(entries["end"], with_time=True),
            "HoursWorked": _decimal_comma(entries["hours"]),
            "IsNonBillable": np.where(entries["billable"].to_numpy(), "False", "True"),
        }
    )
    if not on_ticket.all():
        # Time on no ticket (a client's first month before any ticket) is booked to the company, as project
        # time is; the column is written only when such time exists.
        time_frame.insert(2, "companyID", _blank_where_not(entries["client_id"].map(company), ~on_ticket))
    invoice_frame = pd.DataFrame(
        {
            "id": invoices["invoice"].to_numpy(),
            "InvoiceNumber": invoices["invoice"].astype("str").to_numpy(),
            "CompanyID": invoices["client_id"].map(company).to_numpy(),
            "InvoiceDateTime": _day_first(invoices["date"], with_time=False),
            "InvoiceTotal": _decimal_comma(invoices["total"]),
            "TotalTaxValue": _decimal_comma(invoices["tax"]),
            "PaidDate": _day_first(invoices["paid_date"], with_time=False),
            "IsVoided": np.where(invoices["voided"].to_numpy(), "True", "False"),
        }
    )
    files: dict[str, list[tuple[str, Path]]] = {}
    companies_path = folder / "companies.csv"
    companies.to_csv(companies_path, index=False, sep=";", encoding="utf-8-sig")
    files["companies"] = [("autotask", companies_path)]
    for kind, frame in (("tickets", ticket_frame), ("time_entries", time_frame), ("invoices", invoice_frame)):
        files[kind] = [("autotask", path) for path in _write_grid(frame, folder, kind)]
    costs_path = folder / "costs.csv"
    _costs_frame(book.costs, book.costs["client_id"].map(company)).to_csv(costs_path, index=False)
    files["costs"] = [("generic", costs_path)]
    return WrittenSet(folder, files, options=("--date-order", "day-first"))
