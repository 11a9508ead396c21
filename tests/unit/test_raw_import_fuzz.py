"""Fuzzing the raw import: whatever the files hold, it either imports or refuses with the project's own error,
never a traceback, and a refused import leaves the database exactly as it was.

Each example imports into a new in-memory store (:func:`tests.memory_stores.new_store`, put back as new after each
example), not a database file migrated anew for every example.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grading.errors import ClientGradeError
from grading.sources import RawFile, import_raw
from grading.db.store import Store
from tests.hypothesis_profiles import examples
from tests.memory_stores import new_store, table_rows

HEADERS = ["company/identifier", "company/name", "chargeToId", "chargeToType", "timeStart", "actualHours", "id",
           "client", "date", "hours", "ticket", "DateWorked", "HoursWorked", "TicketID", "Kunde", "", "Total"]
CELLS = ["HARB", "Miller & Sons Ltd", "", " ", "100", "ServiceTicket", "2026-03-02T14:00:00Z", "03/04/2026",
         "13/04/2026", "04.03.2026 07:30", "/Date(1481846400000+0000)/", "1.5", "1,5", "-2", "2:30", "abc", "1e309",
         "\"quoted, cell\"", "TOTAL", "Ünïcode", "0", "NaN", "9999-99-99", "2026-02-30"]
FUZZ = settings(max_examples=examples(20), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])


def import_or_refuse(store: Store, files: list[RawFile]) -> None:
    before = table_rows(store, whole=True)
    try:
        import_raw(store, files)
    except ClientGradeError:
        assert table_rows(store, whole=True) == before, "a refused import changed the database"


@st.composite
def csv_files(draw) -> bytes:
    """A CSV built from real headers and cells in random order, delimiter and encoding."""
    headers = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=6))
    rows = draw(st.lists(st.lists(st.sampled_from(CELLS), min_size=0, max_size=len(headers) + 1), max_size=6))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    text = "\n".join(delimiter.join(row) for row in [headers, *rows]) + draw(st.sampled_from(["", "\n", "\r\n"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
    return text.encode(encoding)


@FUZZ
@given(time_entries=csv_files(), tickets=st.one_of(st.none(), csv_files()), as_path=st.booleans())
def test_files_made_of_real_headers_and_cells_import_or_are_refused_cleanly(tmp_path, time_entries, tickets,
                                                                              as_path):
    files = []
    for kind, content in (("time_entries", time_entries), ("tickets", tickets)):
        if content is None:
            continue
        if as_path:
            path = tmp_path / f"{kind}.csv"
            path.write_bytes(content)
            files.append(RawFile(kind, path))
        else:
            files.append(RawFile(kind, (f"{kind}.csv", content)))
    with new_store() as store:
        import_or_refuse(store, files)


@FUZZ
@given(content=st.binary(max_size=300))
def test_arbitrary_bytes_are_refused_cleanly(content):
    with new_store() as store:
        import_or_refuse(store, [RawFile("invoices", ("invoices.csv", content))])
