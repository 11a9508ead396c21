"""Each preset on small hand-written files: recognised from its headers (with the reason), and read by its
system's value conventions (dates, decimal commas, durations, priorities, voided and credited invoices)."""

from __future__ import annotations

import codecs

import pandas as pd
import pytest

from grading.sources import RawFile, check_raw, raw_settings, read_mapping, recognise

SETTINGS = dict(timezone="Europe/Berlin", business_hours="08:00-18:00", working_days="Mon-Fri")


def derive(store, tmp_path, files: dict[str, tuple[str, bytes]], **options):
    """Check the files (kind -> (name, content)) and return the report; they must be fine."""
    raw = []
    for kind, (name, content) in files.items():
        (tmp_path / name).write_bytes(content)
        raw.append(RawFile(kind, tmp_path / name))
    report = check_raw(store, raw, settings=raw_settings(**SETTINGS), **options)
    assert report.ok, report.summary()
    return report


def month(report, client: str, first_day: str) -> pd.Series:
    frame = report.derived.copy()
    frame["month"] = pd.to_datetime(frame["month"])
    return frame.set_index(["client_id", "month"]).loc[(client, pd.Timestamp(first_day))]


@pytest.mark.parametrize(
    "kind, headers, preset",
    [
        ("time_entries", ["id", "company/identifier", "timeStart", "timeEnd", "actualHours", "chargeToId"],
         "connectwise"),
        ("time_entries", ["id", "TicketID", "DateWorked", "StartDateTime", "HoursWorked", "ResourceID"], "autotask"),
        ("time_entries", ["ticket_id", "datetime", "timetaken", "actionoohtime", "who"], "halopsa"),
        ("time_entries", ["id", "ticket_id", "customer_id", "start_time", "active_duration"], "syncro"),
        ("tickets", ["id", "TicketNumber", "CompanyID", "CreateDate", "Priority"], "autotask"),
        ("invoices", ["Id", "DocNumber", "CustomerRef.name", "TxnDate", "TotalAmt"], "quickbooks"),
        ("invoices", ["Type", "InvoiceNumber", "Contact.Name", "Date", "Total", "TotalTax"], "xero"),
        ("invoices", ["invoicenumber", "client_id", "invoice_date", "total", "tax_total"], "halopsa"),
        ("payments", ["Id", "TxnDate", "TotalAmt", "LinkedTxn.TxnId"], "quickbooks"),
        ("time_entries", ["client", "date", "hours"], "generic"),
    ],
)
def test_each_preset_is_recognised_from_its_headers_and_says_why(kind, headers, preset):
    recognition = recognise(kind, headers)
    assert recognition.preset is not None and recognition.preset.name == preset
    assert recognition.reason


def test_headers_match_without_case_spaces_or_the_flattening_character():
    recognition = recognise("time_entries", ["ID", "Company.Identifier", " TimeStart ", "ACTUAL HOURS"])
    assert recognition.preset.name == "connectwise"
    assert recognition.mapping.columns["client"] == "Company.Identifier"


def test_autotask_day_first_decimal_comma_bom_semicolons_and_critical_priority(store, tmp_path):
    bom = codecs.BOM_UTF8
    report = derive(store, tmp_path, {
        "companies": ("companies.csv", bom + "id;companyName;createDate\n29683;Alder Dental GmbH;01.02.2020\n".encode()),
        "tickets": ("tickets.csv", bom + (
            "id;TicketNumber;CompanyID;CreateDate;Priority\n"
            "501;T20260303.0001;29683;03.03.2026 07:30;4\n"      # before 08:00: after hours; 4 is Critical
            "502;T20260313.0001;29683;13.03.2026 10:00;2\n"
        ).encode()),
        "time_entries": ("time.csv", bom + (
            "id;TicketID;DateWorked;StartDateTime;EndDateTime;HoursWorked;ResourceID\n"
            "1;501;03.03.2026;03.03.2026 07:30;03.03.2026 09:00;1,5;7\n"
            "2;502;13.03.2026;13.03.2026 10:00;13.03.2026 10:45;0,75;7\n"
        ).encode()),
        "invoices": ("invoices.csv", bom + (
            "id;InvoiceNumber;CompanyID;InvoiceDateTime;InvoiceTotal;TotalTaxValue;PaidDate;IsVoided\n"
            "9;A-1;29683;31.03.2026;1.190,00;190,00;15.04.2026;False\n"
            "10;A-2;29683;31.03.2026;500,00;0,00;;True\n"
        ).encode()),
    })
    assert [file.preset for file in report.files] == ["autotask"] * 4
    assert any("decimal ','" in note for note in report.files[2].conventions)
    assert any("day-first" in note for note in report.files[1].conventions)
    march = month(report, "29683", "2026-03-01")
    assert march["labor_hours"] == pytest.approx(2.25)
    assert (march["tickets"], march["emergency_tickets"], march["after_hours_tickets"]) == (2, 1, 1)
    assert march["revenue"] == pytest.approx(1000.0)  # the voided invoice counts for nothing
    assert march["days_to_pay"] == 15
    clients = report.clients.set_index("client_id")
    assert clients.loc["29683", "name"] == "Alder Dental GmbH"
    assert str(clients.loc["29683", "client_since"])[:10] == "2020-02-01"


def test_halopsa_utf16_tabs_out_of_hours_part_and_a_credit_note(store, tmp_path):
    def utf16(text: str) -> bytes:
        return text.encode("utf-16")  # with its BOM, as HaloPSA's export writes

    report = derive(store, tmp_path, {
        "tickets": ("tickets.csv", utf16(
            "id\tclient_id\tclient_name\tdateoccurred\tpriority_id\n"
            "71\t12\tBirch Law\t2026-03-02 09:00:00\t1\n"
            "72\t12\tBirch Law\t2026-03-04 11:00:00\t3\n"
        )),
        "time_entries": ("actions.csv", utf16(
            "ticket_id\tdatetime\ttimetaken\tactionoohtime\n"
            "71\t2026-03-02 09:05:00\t2\t0\n"
            "72\t2026-03-04 11:10:00\t1.5\t0.5\n"   # half an hour out of hours: ticket 72 is after-hours
        )),
        "invoices": ("invoices.csv", utf16(
            "id\tinvoicenumber\tclient_id\tclient_name\tinvoice_date\ttotal\ttax_total\tdatepaid\tcreditlinkedtoinvoiceid\n"
            "301\tH-1\t12\tBirch Law\t2026-03-31\t600\t100\t2026-04-10\t\n"
            "302\tH-2\t12\tBirch Law\t2026-03-31\t240\t40\t\t\n"
            "303\tC-1\t12\tBirch Law\t2026-04-02\t-120\t-20\t\t302\n"
        )),
    })
    march = month(report, "12", "2026-03-01")
    assert (march["tickets"], march["emergency_tickets"], march["after_hours_tickets"]) == (2, 1, 1)
    assert march["labor_hours"] == pytest.approx(3.5)
    assert march["revenue"] == pytest.approx(700.0)
    assert march["disputed_invoices"] == 1  # H-2 has a credit note against it
    assert march["days_to_pay"] == 10
    assert "1 row(s) credit notes (they mark the invoice they credit as disputed)" in report.files[2].left_out


def test_syncro_seconds_offsets_and_urgent_priority(store, tmp_path):
    report = derive(store, tmp_path, {
        "tickets": ("tickets.csv", (
            "id,customer_id,customer_business_then_name,created_at,priority\n"
            "8001,55,Cedar Print,2026-03-07T10:00:00+01:00,0 Urgent\n"   # a Saturday: after hours
            "8002,55,Cedar Print,2026-03-09T10:00:00+01:00,2 Normal\n"
        ).encode()),
        "time_entries": ("timers.csv", (
            "id,ticket_id,customer_id,start_time,end_time,active_duration\n"
            "1,8001,55,2026-03-07T10:05:00+01:00,2026-03-07T11:35:00+01:00,5400\n"
            "2,8002,55,2026-03-09T10:05:00+01:00,2026-03-09T10:35:00+01:00,1800\n"
        ).encode()),
        "invoices": ("invoices.csv", (
            "id,number,customer_id,date,due_date,total,tax,balance_due\n"
            '91,1001,55,2026-03-31,2026-04-30,"1,200.00",200.00,0\n'
        ).encode()),
    })
    march = month(report, "55", "2026-03-01")
    assert march["labor_hours"] == pytest.approx(2.0)
    assert (march["tickets"], march["emergency_tickets"], march["after_hours_tickets"]) == (2, 1, 1)
    assert march["revenue"] == pytest.approx(1000.0)
    assert pd.isna(march["days_to_pay"]), "Syncro's invoices carry no paid date and no payments were given"


def test_xero_ms_dates_sales_only_voided_and_credited(store, tmp_path):
    def ms(day: str) -> str:
        return f"/Date({int(pd.Timestamp(day).timestamp() * 1000)}+0000)/"

    report = derive(store, tmp_path, {
        "invoices": ("xero.csv", (
            "Type,InvoiceNumber,Contact.Name,Date,DueDate,Total,TotalTax,AmountCredited,Status,FullyPaidOnDate\n"
            f"ACCREC,INV-1,Elm Print Ltd,{ms('2026-03-05')},{ms('2026-04-04')},120,20,0,PAID,{ms('2026-03-19')}\n"
            f"ACCREC,INV-2,Elm Print Ltd,{ms('2026-03-20')},{ms('2026-04-19')},60,10,12,AUTHORISED,\n"
            f"ACCREC,INV-3,Elm Print Ltd,{ms('2026-03-21')},{ms('2026-04-20')},999,0,0,VOIDED,\n"
            f"ACCPAY,BILL-1,Elm Print Ltd,{ms('2026-03-22')},{ms('2026-04-21')},500,0,0,AUTHORISED,\n"
        ).encode()),
    })
    march = month(report, "Elm Print Ltd", "2026-03-01")
    assert march["revenue"] == pytest.approx(150.0)
    assert march["days_to_pay"] == 14
    assert march["disputed_invoices"] == 1
    assert {"1 row(s) voided", "1 row(s) not sales invoices"} <= set(report.files[0].left_out)


def test_a_generic_export_through_the_mapping_file_of_sources_md(store, tmp_path):
    (tmp_path / "mapping.toml").write_text(
        '[time_entries]\n'
        'columns = { client = "Kunde", date = "Datum", start = "Beginn", hours = "Dauer", work_type = "Tätigkeit" }\n'
        'date_format = "%d.%m.%Y"\nhours_unit = "hh:mm"\nafter_hours_work_types = ["Notdienst"]\n'
        '[tickets]\n'
        'columns = { ticket = "Ticketnr", client = "Kunde", opened = "Eröffnet", priority = "Priorität" }\n'
        'date_format = "%d.%m.%Y %H:%M"\nemergency_priorities = ["Notfall"]\n'
        '[invoices]\n'
        'columns = { invoice = "Rechnungsnr", client = "Kunde", date = "Rechnungsdatum", total = "Netto", '
        'paid_date = "Bezahlt am" }\nskip_rows = 3\nvoided_statuses = ["storniert"]\n',
        encoding="utf-8",
    )
    report = derive(store, tmp_path, {
        "time_entries": ("zeiten.csv", (
            "Kunde;Datum;Beginn;Dauer;Tätigkeit\n"
            "Eiche KG;02.03.2026;22:15;1:30;Notdienst\n"
            "Eiche KG;03.03.2026;09:00;0:45;Wartung\n"
        ).encode()),
        "tickets": ("tickets.csv", (
            "Ticketnr;Kunde;Eröffnet;Priorität\n"
            "T1;Eiche KG;02.03.2026 22:10;Notfall\n"
            "T2;Eiche KG;03.03.2026 09:00;Normal\n"
        ).encode()),
        "invoices": ("rechnungen.csv", (
            "Rechnungsausgang\nMärz 2026\n\n"
            "Rechnungsnr;Kunde;Rechnungsdatum;Netto;Bezahlt am\n"
            "R-1;Eiche KG;31.03.2026;1.250,00;10.04.2026\n"
        ).encode()),
    }, mapping=read_mapping(tmp_path / "mapping.toml"))
    march = month(report, "Eiche KG", "2026-03-01")
    assert march["labor_hours"] == pytest.approx(2.25)
    assert (march["tickets"], march["emergency_tickets"], march["after_hours_tickets"]) == (2, 1, 1)
    assert march["revenue"] == pytest.approx(1250.0)
    assert march["days_to_pay"] == 10
    assert report.files[2].reason == "the mapping file mapping.toml, table [invoices]"


def test_a_part_of_an_export_whose_dates_read_two_ways_takes_the_order_its_other_parts_tell(store, tmp_path):
    (tmp_path / "part1.csv").write_text("client,date,hours\nC1,13/03/2026,1\n", encoding="utf-8")
    (tmp_path / "part2.csv").write_text("client,date,hours\nC1,03/04/2026,2\n", encoding="utf-8")
    report = check_raw(store, [RawFile("time_entries", tmp_path / "part1.csv"),
                               RawFile("time_entries", tmp_path / "part2.csv")])
    assert report.ok, report.summary()
    assert "dates day-first (told by the other files of this export)" in report.files[1].conventions
    assert month(report, "C1", "2026-04-01")["labor_hours"] == 2.0


def test_generic_costs_and_a_company_list_fill_direct_costs_and_the_client_columns(store, tmp_path):
    report = derive(store, tmp_path, {
        "time_entries": ("time.csv", b"client,client_name,date,hours\nK1,Oak Dental,2026-03-03 10:00,2\n"),
        "costs": ("costs.csv", b"client,date,amount\nK1,2026-03-10,49.90\nK1,2026-03-20,10.10\n"),
        "companies": ("companies.csv", b"client,name,seats,service_model,client_since\n"
                                       b"K1,Oak Dental Ltd,14,Managed Services,2019-05-01\n"),
    })
    march = month(report, "K1", "2026-03-01")
    assert (march["labor_hours"], march["direct_costs"]) == (2.0, 60.0)
    client = report.clients.set_index("client_id").loc["K1"]
    assert (client["name"], client["seats"], client["service_model"]) == ("Oak Dental Ltd", 14, "managed")
    assert str(client["client_since"])[:10] == "2019-05-01"


def test_inspecting_a_file_gives_its_headers_first_rows_and_recognised_preset(tmp_path):
    from grading.sources import inspect_raw_file
    from tests.unit.raw_handmade import write_exports

    folder = write_exports(tmp_path)
    seen = inspect_raw_file("invoices", folder / "qb_invoices.xlsx", rows=2)
    assert seen.problem is None and seen.header_row == 4 and seen.rows == 3
    assert seen.headers[:3] == ["Id", "DocNumber", "CustomerRef.name"]
    assert seen.first_rows["DocNumber"].tolist() == ["INV-1", "INV-2"]
    assert seen.recognition.preset.name == "quickbooks"
    assert seen.left_out == {8: "a total row"}
    assert inspect_raw_file("invoices", ("empty.csv", b"")).problem == "empty.csv: the file is empty"


def test_progress_is_reported_from_reading_to_done(store, tmp_path):
    from tests.unit.raw_handmade import write_exports

    folder = write_exports(tmp_path)
    steps = []
    check_raw(store, [RawFile("time_entries", folder / "cw_time.csv"), RawFile("tickets", folder / "cw_tickets.csv")],
              progress=lambda fraction, what: steps.append((fraction, what)))
    fractions = [fraction for fraction, _ in steps]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert steps[0][1] == "reading cw_time.csv"


@pytest.mark.parametrize("as_upload", [False, True])
def test_a_trailing_delimiter_on_every_row_is_no_extra_column(store, tmp_path, as_upload):
    content = b"client,date,hours\nC1,2026-03-02,1.5,\nC1,2026-03-03,2,\n"
    path = tmp_path / "time.csv"
    path.write_bytes(content)
    report = check_raw(store, [RawFile("time_entries", ("time.csv", content) if as_upload else path)])
    assert report.ok, report.summary()
    assert month(report, "C1", "2026-03-01")["labor_hours"] == 3.5
