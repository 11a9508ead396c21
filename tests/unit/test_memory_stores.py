"""The property tests' reused in-memory stores (tests/memory_stores.py) start every example as a new store."""

from __future__ import annotations

from grading.db.store import Store
from grading.importer import import_files
from tests.memory_stores import new_store, table_rows

SEED_CLIENTS = b"client_id,name\nC1,One\nC2,Two\n"


def _seed(store: Store) -> None:
    import_files(store, {"clients": ("seed.csv", SEED_CLIENTS)})


def _as_new() -> tuple[dict, int]:
    with Store(":memory:") as store:
        _seed(store)
        return table_rows(store), store.revision()


def _is_closed(store: Store) -> bool:
    try:
        store.rows("SELECT 1")
    except Exception:  # DuckDB's "connection already closed"
        return True
    return False


def test_a_store_handed_out_again_holds_what_a_new_one_holds_whatever_was_written_before():
    with new_store(_seed) as first:
        import_files(first, {"monthly": ("m.csv", b"client_id,month,revenue,labor_hours\nC1,2024-01,10,1\n")})
        import_files(first, {"clients": ("c.csv", b"client_id,name\nC1,Renamed\nC3,Three\n")})
        assert first.revision() > _as_new()[1]
    with new_store(_seed) as second:
        assert second is first, "the store was put back and handed out again"
        assert (table_rows(second), second.revision()) == _as_new()


def test_a_store_whose_sequence_moved_is_handed_out_again_and_draws_the_first_id_again():
    with new_store(_seed) as first:
        import_files(first, {"grades": ("g.csv", b"client_id,graded_on,grade\nC1,2024-01-05,A\nC2,2024-01-05,B\n")})
    with new_store(_seed) as second:
        assert second is first, "the moved sequence was made again, so the store was put back"
        assert (table_rows(second), second.revision()) == _as_new()
        import_files(second, {"grades": ("g.csv", b"client_id,graded_on,grade\nC2,2024-01-05,B\n")})
        assert second.rows("SELECT event_id, client_id FROM grade_events") == [(1, "C2")]


def test_a_store_whose_catalogue_changed_is_closed_and_a_new_one_opened():
    with new_store(_seed) as first:
        first.execute("CREATE TABLE left_behind (x INTEGER)")
    with new_store(_seed) as second:
        assert second is not first
        assert _is_closed(first)
        assert (table_rows(second), second.revision()) == _as_new()


def test_two_stores_held_at_once_are_two_stores():
    with new_store(_seed) as one, new_store(_seed) as other:
        assert one is not other
        import_files(one, {"clients": ("c.csv", b"client_id,name\nC9,Nine\n")})
        assert other.scalar("SELECT count(*) FROM clients") == 2
