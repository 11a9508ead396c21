"""The test-side oracle for raw imports: the pandas reference of SOURCES.md's definitions, and the preset writers.

The reference is what the importer is compared with, so its own reading of each definition is pinned here on
hand-made rows; the writers must write the columns SOURCES.md lists for each system.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from tests.raw_exports_fixture import PRESETS, canonical_frames, draw_book, write_preset
from tests.raw_reference import Settings, derive_monthly

BERLIN = Settings(timezone="Europe/Berlin")


def utc(*stamps: str) -> pd.Series:
    return pd.Series(pd.to_datetime(list(stamps), utc=True))


def test_a_ticket_opened_just_before_midnight_utc_at_a_months_end_counts_in_the_next_month_in_berlin():
    tickets = pd.DataFrame({"ticket": [1], "client": ["A"], "opened": utc("2026-01-31T23:30:00Z")})
    assert derive_monthly(tickets=tickets, settings=BERLIN)["month"].tolist() == [pd.Timestamp("2026-02-01")]
    assert derive_monthly(tickets=tickets)["month"].tolist() == [pd.Timestamp("2026-01-01")]


@pytest.mark.parametrize(
    ("opened", "entry_start", "work_type", "after_hours_hours", "late"),
    [
        ("2026-01-14T10:00:00Z", "2026-01-14T11:00:00Z", "Remote", 0.0, 0),  # Wednesday, 11:00 and 12:00 local
        ("2026-01-14T19:30:00Z", "2026-01-15T09:00:00Z", "Remote", 0.0, 1),  # opened 20:30 local
        ("2026-01-17T10:00:00Z", "2026-01-19T09:00:00Z", "Remote", 0.0, 1),  # opened on a Saturday
        ("2026-01-14T10:00:00Z", "2026-01-14T18:30:00Z", "Remote", 0.0, 1),  # worked from 19:30 local
        ("2026-01-14T10:00:00Z", "2026-01-14T11:00:00Z", "After Hours", 0.0, 1),
        ("2026-01-14T10:00:00Z", "2026-01-14T11:00:00Z", "Remote", 0.5, 1),
    ],
)
def test_a_ticket_is_after_hours_when_opened_or_worked_outside_business_hours(
    opened, entry_start, work_type, after_hours_hours, late
):
    tickets = pd.DataFrame({"ticket": [7], "client": ["A"], "opened": utc(opened), "priority": ["Low"]})
    entries = pd.DataFrame({"ticket": [7], "date": utc(entry_start), "start": utc(entry_start), "hours": [1.0],
                            "work_type": [work_type], "after_hours_hours": [after_hours_hours]})
    derived = derive_monthly(tickets=tickets, time_entries=entries, settings=BERLIN)
    assert derived["after_hours_tickets"].tolist() == [late]
    assert derived["labor_hours"].tolist() == [1.0]


def test_revenue_is_total_less_tax_without_voided_invoices_and_days_to_pay_uses_the_completing_payment():
    invoices = pd.DataFrame(
        {
            "invoice": [1, 2, 3],
            "client": ["A", "A", "A"],
            "date": pd.to_datetime(["2026-01-05", "2026-01-10", "2026-01-12"]),
            "total": [120.0, 60.0, 999.0],
            "tax": [20.0, 10.0, 0.0],
            "status": ["PAID", "AUTHORISED", "VOIDED"],
            "credited": [0.0, 5.0, 0.0],
        }
    )
    payments = pd.DataFrame(
        {"invoice": [1, 1, 2], "date": pd.to_datetime(["2026-01-06", "2026-01-25", "2026-01-11"]),
         "amount": [100.0, 20.0, 30.0]}
    )
    derived = derive_monthly(invoices=invoices, payments=payments).iloc[0]
    assert derived["revenue"] == pytest.approx(150.0)
    assert derived["days_to_pay"] == pytest.approx(20.0)  # invoice 1 completed on the 25th; 2 is not paid in full
    assert derived["disputed_invoices"] == 1


def test_time_without_a_client_takes_its_tickets_client_and_only_covered_months_count_zero():
    tickets = pd.DataFrame({"ticket": [1, 2], "client": ["B", "C"],
                            "opened": utc("2026-01-14T10:00:00Z", "2026-02-11T10:00:00Z")})
    entries = pd.DataFrame({"ticket": [1], "date": pd.to_datetime(["2026-02-03"]), "hours": [2.5]})
    derived = derive_monthly(tickets=tickets, time_entries=entries).fillna(-1)
    # Time covers February only: B's January has no figure for hours; tickets cover both months.
    assert derived[["client", "labor_hours", "tickets"]].values.tolist() == [
        ["B", -1, 1], ["B", 2.5, 0], ["C", 0.0, 1]
    ]
    assert (derived["revenue"] == -1).all() and (derived["emergency_tickets"] == -1).all()


def test_paid_date_wins_over_payments_and_business_hours_are_a_setting():
    invoices = pd.DataFrame({"invoice": [1], "client": ["A"], "date": pd.to_datetime(["2026-01-05"]),
                             "total": [10.0], "paid_date": pd.to_datetime(["2026-01-09"])})
    payments = pd.DataFrame({"invoice": [1], "date": pd.to_datetime(["2026-01-30"]), "amount": [10.0]})
    assert derive_monthly(invoices=invoices, payments=payments)["days_to_pay"].tolist() == [4.0]
    tickets = pd.DataFrame({"ticket": [1], "client": ["A"], "opened": utc("2026-01-14T17:30:00Z")})  # 18:30 local
    late_closing = Settings(timezone="Europe/Berlin", business_end=dt.time(20, 0))
    assert derive_monthly(tickets=tickets, settings=BERLIN)["after_hours_tickets"].tolist() == [1]
    assert derive_monthly(tickets=tickets, settings=late_closing)["after_hours_tickets"].tolist() == [0]


# ---- the writers ------------------------------------------------------------------------------------------------


SOURCES_COLUMNS = {
    ("connectwise", "time_entries"): {"company/identifier", "company/name", "timeStart", "timeEnd", "actualHours",
                                      "billableOption", "workType/name", "member/identifier", "chargeToId",
                                      "chargeToType"},
    ("connectwise", "tickets"): {"id", "company/identifier", "dateEntered", "closedDate", "priority/name"},
    ("connectwise", "invoices"): {"invoiceNumber", "company/identifier", "date", "dueDate", "total", "salesTax"},
    ("connectwise", "payments"): {"invoiceNumber", "paymentDate", "amount"},
    ("autotask", "companies"): {"id", "companyName", "createDate"},
    ("autotask", "time_entries"): {"TicketID", "DateWorked", "StartDateTime", "EndDateTime", "HoursWorked",
                                   "IsNonBillable", "ResourceID"},
    ("autotask", "tickets"): {"id", "TicketNumber", "CompanyID", "CreateDate", "Priority"},
    ("autotask", "invoices"): {"InvoiceNumber", "CompanyID", "InvoiceDateTime", "InvoiceTotal", "TotalTaxValue",
                               "PaidDate", "IsVoided"},
    ("halopsa", "time_entries"): {"ticket_id", "datetime", "timetaken", "actionoohtime", "actisbillable"},
    ("halopsa", "tickets"): {"id", "client_id", "client_name", "dateoccurred", "priority_id"},
    ("halopsa", "invoices"): {"invoicenumber", "client_id", "client_name", "invoice_date", "total", "tax_total",
                              "datepaid", "creditlinkedtoinvoiceid"},
    ("syncro", "invoices"): {"number", "customer_id", "date", "due_date", "total", "tax", "is_paid",
                             "balance_due"},
    ("syncro", "time_entries"): {"start_time", "active_duration", "billable"},
    ("quickbooks", "payments"): {"TxnDate", "TotalAmt", "LinkedTxn.TxnId", "LinkedTxn.TxnType"},
    ("xero", "invoices"): {"Type", "InvoiceNumber", "Contact.Name", "Date", "DueDate", "Total", "TotalTax",
                           "AmountCredited", "Status", "FullyPaidOnDate"},
}
READ_OPTIONS = {"autotask": {"sep": ";", "encoding": "utf-8-sig"}, "halopsa": {"sep": "\t", "encoding": "utf-16"}}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    book = draw_book(5)
    folder = tmp_path_factory.mktemp("presets")
    return book, {preset: write_preset(book, preset, folder / preset) for preset in PRESETS}


@pytest.mark.parametrize(("preset", "kind"), sorted(SOURCES_COLUMNS))
def test_each_preset_writes_the_columns_sources_md_lists(written, preset, kind):
    _, files = written
    for path in files[preset][kind]:
        header = pd.read_csv(path, nrows=0, **READ_OPTIONS.get(preset, {})).columns
        assert SOURCES_COLUMNS[preset, kind] <= set(header), path.name


def test_the_quickbooks_invoices_are_an_excel_report_with_the_sources_columns(written):
    _, files = written
    raw = pd.read_excel(files["quickbooks"]["invoices"][0], header=None, engine="calamine")
    assert raw.iloc[4].tolist() == ["Id", "DocNumber", "CustomerRef.name", "TxnDate", "DueDate", "TotalAmt",
                                    "TxnTaxDetail.TotalTax", "Balance"]
    assert raw.iloc[-1, 0] == "TOTAL"


def test_autotask_comes_in_several_files_per_kind_and_the_book_holds_the_cases_it_should(written):
    book, files = written
    assert len(files["autotask"]["time_entries"]) > 1
    assert book.invoices["voided"].any() and (book.invoices["credited"] > 0).any()
    assert book.time_entries["ticket"].isna().any()
    assert book.payments["invoice"].duplicated().any(), "some invoice is paid in two parts"
    frames = canonical_frames(book, "connectwise")
    derived = derive_monthly(**frames, settings=BERLIN)
    assert derived["after_hours_tickets"].sum() > 0 and derived["emergency_tickets"].sum() > 0


def test_the_same_seed_draws_the_same_book():
    first, second = draw_book(9), draw_book(9)
    for name in ("tickets", "time_entries", "invoices", "payments"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name))
