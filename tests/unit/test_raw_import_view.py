"""The mapping screen's logic without Streamlit: which kind a file is, what it is read with, the RawFile the choices
make, and the mapping saved with the book."""

from __future__ import annotations

from grading.sources import FileMapping, MappingFile, RawFile, mapping_toml, read_mapping
from grading.sources.presets import guess_kind
from grading.sources.saved_mapping import save_mapping, saved_mapping
from grading.views import raw_import as view

CW_TIME = (b"id,company/identifier,company/name,chargeToId,chargeToType,workType/name,timeStart,timeEnd,actualHours\n"
           b"1,HARB,Harbour Dental,10,ServiceTicket,After Hours,2026-03-02T20:00:00Z,2026-03-02T21:00:00Z,1.0\n"
           b"2,HARB,Harbour Dental,10,ServiceTicket,Remote,2026-03-03T10:00:00Z,2026-03-03T10:30:00Z,0.5\n")


def test_the_kind_is_told_by_the_headers_and_by_the_name_when_they_cannot_tell():
    assert guess_kind(["company/identifier", "timeStart", "actualHours"]) == "time_entries"
    assert guess_kind(["id", "company/identifier", "dateEntered", "priority/name"]) == "tickets"
    assert guess_kind(["Id", "TxnDate", "TotalAmt", "LinkedTxn.TxnId", "CustomerRef.name"]) == "payments"
    assert guess_kind(["client", "date", "amount", "description"]) == "costs"
    assert guess_kind(["Kunde", "Datum", "Dauer"], "Rechnungen.csv") is None
    assert guess_kind(["Kunde", "Datum", "Dauer"], "tickets_2.csv") == "tickets"


def test_a_recognised_file_kept_as_it_is_is_left_to_recognition_and_a_change_makes_a_mapping():
    upload = view.read_upload("time.csv", CW_TIME)
    assert upload.kind == "time_entries" and upload.inspection.values["workType/name"] == ["After Hours", "Remote"]
    first, why = view.first_choice("time_entries", upload.inspection.headers, None)
    assert first == "connectwise" and why.startswith("recognised")
    base = view.base_mapping(first, "time_entries", upload.inspection.headers, None)
    kept = view.build_mapping(base, dict(base.columns), {"after_hours_work_types": None})
    assert view.raw_file(upload, "time_entries", first, "connectwise", kept, base) == \
        RawFile("time_entries", ("time.csv", CW_TIME))
    changed = view.build_mapping(base, dict(base.columns), {"after_hours_work_types": ["Remote"]})
    made = view.raw_file(upload, "time_entries", first, "connectwise", changed, base)
    assert made.mapping.after_hours_work_types == ("Remote",) and made.preset is None
    assert list(view.mapped_preview(upload.inspection.first_rows, changed).columns)[:3] == ["date", "hours", "client"]


def test_the_mapping_saved_with_the_book_reads_back_and_is_offered_first_where_it_fits(store):
    assert saved_mapping(store) is None
    mapping = view.mapping_for_book(
        [FileMapping("time_entries", {"client": "Kunde", "date": "Datum", "hours": "Dauer"}, hours_unit="hh:mm")],
        {"Harbour Dental Ltd": "HARB"}, {"timezone": "Europe/Berlin"})
    save_mapping(store, mapping)
    again = saved_mapping(store)
    assert mapping_toml(again) == mapping_toml(mapping)
    assert read_mapping(mapping_toml(mapping).encode()).client_names == {"Harbour Dental Ltd": "HARB"}
    assert view.first_choice("time_entries", ["kunde", "Datum", "Dauer", "Notiz"], again)[0] == view.SAVED
    assert view.first_choice("time_entries", ["Kunde", "Datum"], again)[0] == "generic", "it needs every column"
    assert isinstance(again, MappingFile)


def test_uploads_are_read_from_a_temporary_folder_that_is_gone_afterwards():
    files = [RawFile("time_entries", ("../../evil/time.csv", CW_TIME)), RawFile("tickets", ("time.csv", b"x"))]
    with view.on_disk(files) as written:
        paths = [file.source for file in written]
        assert [path.name for path in paths] == ["time.csv", "time.csv"] and paths[0] != paths[1]
        assert paths[0].read_bytes() == CW_TIME and "evil" not in str(paths[0])
        assert [file.kind for file in written] == ["time_entries", "tickets"]
    assert not any(path.exists() for path in paths)
