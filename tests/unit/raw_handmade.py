"""Small hand-written raw exports for the import-raw tests: ConnectWise time and tickets, QuickBooks invoices and
payments (March and April 2026), each metric worked out by hand in the tests that use them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

CW_TIME = (
    "id,company/identifier,company/name,chargeToId,chargeToType,timeStart,timeEnd,actualHours,billableOption,"
    "workType/name,member/identifier\n"
    # 09:00 in New York, on ticket 100.
    "1,HARB,Harbour Dental,100,ServiceTicket,2026-03-02T14:00:00Z,2026-03-02T15:30:00Z,1.5,Billable,Remote,dana\n"
    # 17:00 in New York (inside business hours) but an after-hours work type: ticket 101 is after-hours.
    "2,HARB,Harbour Dental,101,ServiceTicket,2026-03-03T22:00:00Z,2026-03-03T23:00:00Z,1,Billable,After Hours,dana\n"
    "3,MILL,Miller Logistics,102,ServiceTicket,2026-03-05T14:00:00Z,2026-03-05T16:00:00Z,2,DoNotBill,Remote,sam\n"
    # Time on no ticket (an activity) still counts as labor.
    "4,MILL,Miller Logistics,,Activity,2026-04-01T13:00:00Z,2026-04-01T14:00:00Z,1,NoCharge,Admin,sam\n"
)
CW_TICKETS = (
    "id,company/identifier,dateEntered,closedDate,priority/name\n"
    "100,HARB,2026-03-02T13:50:00Z,2026-03-02T16:00:00Z,Priority 3 - Normal Response\n"
    "101,HARB,2026-03-03T21:55:00Z,,Priority 1 - Emergency Response\n"
    # 03:30 in New York: opened outside business hours.
    "102,MILL,2026-03-05T08:30:00Z,,Priority 3 - Normal Response\n"
)
QB_PAYMENTS = (
    "Id,TxnDate,TotalAmt,LinkedTxn.TxnId,LinkedTxn.TxnType,CustomerRef.name\n"
    "51,2026-04-10,1000,11,Invoice,Harbour Dental Ltd.\n"
    "52,2026-04-20,190,11,Invoice,Harbour Dental Ltd.\n"
    "53,2026-04-05,595,12,Invoice,Miller Logistics\n"
)


def write_qb_invoices(path: Path, rows: list[list[object]]) -> None:
    """A QuickBooks invoice list as its Excel report is laid out: title rows, the header, the rows, a total row."""
    header = ["Id", "DocNumber", "CustomerRef.name", "TxnDate", "DueDate", "TotalAmt", "TxnTaxDetail.TotalTax"]
    total = ["TOTAL", None, None, None, None, sum(row[5] for row in rows), sum(row[6] for row in rows)]
    sheet = [["Invoice List"] + [None] * 6, ["Harbour IT Ltd"] + [None] * 6, [None] * 7, header, *rows, total]
    pd.DataFrame(sheet).to_excel(path, header=False, index=False, engine="xlsxwriter")


def write_exports(tmp_path: Path) -> Path:
    """Write the ConnectWise and QuickBooks files of March and April 2026 into ``tmp_path`` (made if missing)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "cw_time.csv").write_text(CW_TIME, encoding="utf-8")
    (tmp_path / "cw_tickets.csv").write_text(CW_TICKETS, encoding="utf-8")
    (tmp_path / "qb_payments.csv").write_text(QB_PAYMENTS, encoding="utf-8")
    write_qb_invoices(tmp_path / "qb_invoices.xlsx", [
        ["11", "INV-1", "Harbour Dental Ltd.", dt.datetime(2026, 3, 31), dt.datetime(2026, 4, 30), 1190.0, 190.0],
        ["12", "INV-2", "Miller Logistics", dt.datetime(2026, 3, 31), dt.datetime(2026, 4, 30), 595.0, 95.0],
        ["13", "INV-3", "Miller Logistics", dt.datetime(2026, 4, 30), dt.datetime(2026, 5, 30), 119.0, 19.0],
    ])
    return tmp_path


