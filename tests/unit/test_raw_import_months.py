"""Writing what raw files derive: next month's export changes only its months, stored figures outside the files'
cover are kept, client names are matched across systems (and what cannot be matched is listed, never guessed)."""

from __future__ import annotations

import pandas as pd
import pytest

from grading.importer import import_files
from grading.sources import (
    MappingFile,
    RawFile,
    check_raw,
    import_raw,
    mapping_toml,
    name_key,
    raw_settings,
    read_mapping,
    stored_client_choices,
)
from grading.sources.matching import name_key_sql
from grading.sources.workspace import Workspace

TIME_HEADER = "company/identifier,company/name,timeStart,actualHours\n"
INVOICE_HEADER = "DocNumber,CustomerRef.name,TxnDate,TotalAmt\n"


def files(tmp_path, name: str, time_rows: str, invoice_rows: str | None = None) -> list[RawFile]:
    (tmp_path / f"{name}_time.csv").write_text(TIME_HEADER + time_rows, encoding="utf-8")
    raw = [RawFile("time_entries", tmp_path / f"{name}_time.csv")]
    if invoice_rows is not None:
        (tmp_path / f"{name}_invoices.csv").write_text(INVOICE_HEADER + invoice_rows, encoding="utf-8")
        raw.append(RawFile("invoices", tmp_path / f"{name}_invoices.csv", preset="quickbooks"))
    return raw


def stored(store) -> pd.DataFrame:
    frame = store.query("SELECT client_id, strftime(month, '%Y-%m') AS month, revenue, labor_hours "
                        "FROM monthly_metrics ORDER BY client_id, month")
    return frame.set_index(["client_id", "month"])


def test_next_months_export_changes_only_the_months_it_covers(store, tmp_path):
    march = files(tmp_path, "march", "HARB,Harbour Dental,2026-03-02T10:00:00Z,2\nMILL,Miller,2026-03-03T10:00:00Z,1\n",
                  "1,Harbour Dental,2026-03-31,100\n2,Miller,2026-03-31,50\n")
    import_raw(store, march)
    before = stored(store)
    revision = store.revision()
    april = files(tmp_path, "april", "HARB,Harbour Dental,2026-04-02T10:00:00Z,3\n",
                  "3,Harbour Dental,2026-04-30,300\n")
    report = import_raw(store, april)
    after = stored(store)
    assert report.months_written.new == 1 and report.months_written.replaced == 0
    pd.testing.assert_frame_equal(after.loc[before.index], before)
    assert after.loc[("HARB", "2026-04")].tolist() == [300.0, 3.0]
    assert store.revision() == revision + 1


def test_a_corrected_export_of_a_month_replaces_that_month_for_the_clients_it_names(store, tmp_path):
    import_raw(store, files(tmp_path, "first", "HARB,Harbour Dental,2026-03-02T10:00:00Z,2\n"
                                               "MILL,Miller,2026-03-03T10:00:00Z,1\n"))
    # The corrected export: Harbour's March time was 4 hours, and Miller's entry was wrongly booked (gone).
    report = import_raw(store, files(tmp_path, "fixed", "HARB,Harbour Dental,2026-03-02T10:00:00Z,4\n"))
    table = stored(store)
    assert table.loc[("HARB", "2026-03"), "labor_hours"] == 4.0
    assert table.loc[("MILL", "2026-03"), "labor_hours"] == 1.0, "Miller is not in the corrected file: kept"
    assert report.months_written.replaced == 1


def test_metrics_the_files_do_not_carry_keep_what_monthly_csv_stored(store, tmp_path):
    import_files(store, {
        "clients": ("clients.csv", b"client_id,name\nHARB,Harbour Dental\n"),
        "monthly": ("monthly.csv", b"client_id,month,revenue,labor_hours,direct_costs,tickets\n"
                                   b"HARB,2026-03,900,9,120,7\n"),
    })
    import_raw(store, files(tmp_path, "time", "HARB,Harbour Dental,2026-03-02T10:00:00Z,2.5\n"))
    row = store.query("SELECT * FROM monthly_metrics WHERE client_id = 'HARB'").iloc[0]
    assert (row["revenue"], row["labor_hours"], row["direct_costs"], row["tickets"]) == (900.0, 2.5, 120.0, 7)


def test_names_from_the_books_match_the_psa_clients_without_case_punctuation_or_legal_form(store, tmp_path):
    report = import_raw(store, files(
        tmp_path, "m", "HARB,Harbour Dental,2026-03-02T10:00:00Z,2\n",
        "1,\"HARBOUR DENTAL, LTD.\",2026-03-31,100\n"))
    assert report.unresolved == []
    assert stored(store).loc[("HARB", "2026-03"), "revenue"] == 100.0


def test_a_name_matching_no_client_or_two_is_listed_with_its_money_and_not_placed(store, tmp_path):
    raw = files(tmp_path, "m", "ACME1,Acme Ltd,2026-03-02T10:00:00Z,2\nACME2,ACME Inc,2026-03-02T11:00:00Z,1\n",
                "1,Acme,2026-03-31,100\n2,Zenith Works,2026-03-31,40\n")
    report = check_raw(store, raw)
    assert report.ok
    listed = {name.name: (name.status, name.candidates) for name in report.unresolved}
    assert listed == {"Acme": ("ambiguous", ("ACME1", "ACME2")), "Zenith Works": ("unmatched", ())}
    invoices = report.files[1]
    assert (invoices.unplaced_rows, invoices.unplaced_money) == (2, 140.0)
    assert "'Acme' matches 2 clients: ACME1, ACME2" in report.summary()
    assert "could not be placed: 2 row(s), 140.00 in money" in report.summary()


def test_the_owners_answer_for_a_name_is_saved_and_used_next_time(store, tmp_path):
    raw = files(tmp_path, "m", "ACME1,Acme Ltd,2026-03-02T10:00:00Z,2\nACME2,ACME Inc,2026-03-02T11:00:00Z,1\n",
                "1,Acme,2026-03-31,100\n")
    mapping = MappingFile(client_names={"Acme": "ACME2"})
    import_raw(store, raw, mapping=mapping)
    assert stored_client_choices(store) == {"acme": "ACME2"}
    assert stored(store).loc[("ACME2", "2026-03"), "revenue"] == 100.0
    again = check_raw(store, raw)  # no mapping this time: the saved answer is used
    assert again.unresolved == []


def test_the_mapping_file_is_written_and_read_back_unchanged(tmp_path):
    text = ('[invoices]\ncolumns = { invoice = "Nr", client = "Kunde", date = "Datum", total = "Netto" }\n'
            'decimal = ","\nskip_rows = 2\nvoided_statuses = ["storniert"]\n'
            '[client_names]\n"Acme" = "ACME2"\n[settings]\ntimezone = "Europe/Berlin"\n')
    (tmp_path / "m.toml").write_text(text, encoding="utf-8")
    mapping = read_mapping(tmp_path / "m.toml")
    again = read_mapping(("again.toml", mapping_toml(mapping).encode()))
    assert again.kinds == mapping.kinds and again.client_names == mapping.client_names
    assert again.settings == {"timezone": "Europe/Berlin"}
    assert raw_settings(again).timezone == "Europe/Berlin"
    assert raw_settings(again, timezone="UTC").timezone == "UTC"


@pytest.mark.parametrize("name", ["Harbour Dental Ltd.", "  MILLER & Sons GmbH & Co. KG", "O'Brien_IT LLC",
                                  "Zürich Treuhand AG", "Pty Ltd", "Foo Pty Ltd", "A.B.C. Inc", "Ünïcode—Test SA"])
def test_the_sql_name_key_is_the_python_one(name):
    with Workspace() as workspace:
        assert workspace.scalar(f"SELECT {name_key_sql('v')} FROM (SELECT ? AS v)", [name]) == name_key(name)


def test_a_payment_dated_before_its_invoice_is_a_warning_and_the_import_goes_on(store, tmp_path):
    raw = files(tmp_path, "m", "HARB,Harbour Dental,2026-03-02T10:00:00Z,2\n", "INV-9,Harbour Dental,2026-03-31,100\n")
    (tmp_path / "payments.csv").write_text("invoice,date,amount\nINV-9,2026-03-20,100\n", encoding="utf-8")
    report = import_raw(store, [*raw, RawFile("payments", tmp_path / "payments.csv")])
    assert report.warnings == ["payments.csv, row 2: the payment of invoice 'INV-9' on 2026-03-20 is dated before the "
                               "invoice (2026-03-31); days to pay counts it as 0"]
    assert store.scalar("SELECT days_to_pay FROM monthly_metrics WHERE client_id = 'HARB'") == 0


def test_a_month_whose_credits_outweigh_its_invoices_counts_0_with_a_warning(store, tmp_path):
    raw = files(tmp_path, "m", "HARB,Harbour Dental,2026-03-02T10:00:00Z,2\n",
                "1,Harbour Dental,2026-03-05,100\n2,Harbour Dental,2026-03-20,-250\n")
    report = import_raw(store, raw)
    assert "HARB, 2026-03: credits exceed what was invoiced (-150.00); revenue counted as 0" in report.warnings
    assert stored(store).loc[("HARB", "2026-03"), "revenue"] == 0.0


def test_a_number_cell_saying_nan_or_infinity_is_refused_with_its_row(store, tmp_path):
    raw = files(tmp_path, "m", "HARB,Harbour Dental,2026-03-02T10:00:00Z,NaN\n")
    report = check_raw(store, raw)
    assert not report.ok
    assert "m_time.csv, row 2, column 'actualHours': 'NaN' cannot be read as a duration" in report.summary()


def test_sums_do_not_depend_on_the_order_the_cells_are_added(store, tmp_path):
    # 0.1 + 0.2 is 0.30000000000000004 in floats, and a float sum's last bits follow DuckDB's thread order, so a
    # re-import of the same files would "replace" unchanged months. Sums are exact decimals of the cells.
    rows = "".join(f"HARB,Harbour Dental,2026-03-{day:02d}T10:00:00Z,{hours}\n"
                   for day, hours in ((2, "0.1"), (3, "0.2"), (4, "0.7")))
    first = import_raw(store, files(tmp_path, "march", rows))
    assert stored(store).loc[("HARB", "2026-03"), "labor_hours"] == 1.0
    again = check_raw(store, files(tmp_path, "march", rows))
    assert first.months_written.new == 1
    assert again.months_written.replaced == 0 and again.months_written.unchanged == 1
