"""A client's life in a book: stored aliases, the demo's clients, an empty book, archiving (grading.anonymize,
grading.db.book_admin)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from grading.db import book_admin
from grading.anonymize import anonymize_frame, stored_aliases
from grading.errors import ClientGradeError
from grading.importer import import_frames
from grading.db.schema import MIGRATIONS, migrate
from grading.db.store import Store


def clients(*ids: str) -> pd.DataFrame:
    return pd.DataFrame({"client_id": list(ids), "name": [f"Real name of {cid}" for cid in ids]})


def monthly(*ids: str) -> pd.DataFrame:
    rows = [(cid, f"2024-{month:02d}", 1_000.0, 10.0) for cid in ids for month in range(1, 13)]
    return pd.DataFrame(rows, columns=["client_id", "month", "revenue", "labor_hours"])


def test_aliases_are_numbered_in_order_of_first_appearance_and_never_renumbered(store):
    import_frames(store, {"clients": clients("m1", "z9", "m2")}, source="import")
    before = stored_aliases(store)

    # Ids that sort before every stored one: a numbering by sorted id would shift all the others.
    import_frames(store, {"clients": clients("a1", "a0", "m1")}, source="import")
    after = stored_aliases(store)

    assert before == {"m1": 1, "z9": 2, "m2": 3}
    assert after == {"m1": 1, "z9": 2, "m2": 3, "a1": 4, "a0": 5}


def test_a_book_made_before_stored_aliases_keeps_the_aliases_it_showed(tmp_path):
    path = tmp_path / "old.duckdb"
    with Store(path, migrate=False) as old:
        migrate(old, MIGRATIONS[:2])
        old.execute("INSERT INTO clients (client_id, name) VALUES ('b', 'B Ltd'), ('a', 'A Ltd'), ('c', 'C Ltd')")

    with Store(path) as migrated:
        assert stored_aliases(migrated) == {"a": 1, "b": 2, "c": 3}


def test_anonymizing_hides_names_and_ids_and_sorts_by_alias():
    frame = pd.DataFrame({"client_id": ["ADVWORKS", "ZETA"], "name": ["Zeta Works", "Advent Ltd"],
                          "note": ["call Zeta", ""]})

    shown = anonymize_frame(frame, {"ADVWORKS": 2, "ZETA": 1}, name_columns=("name", "note"))

    assert shown["client_id"].tolist() == ["anon-002", "anon-001"]
    assert shown["name"].tolist() == ["Client 002", "Client 001"]
    assert shown["note"].tolist() == ["", ""]
    assert shown.sort_values("name")["client_id"].tolist() == ["anon-001", "anon-002"]
    text = shown.to_csv()
    assert "ADVWORKS" not in text and "Zeta" not in text and "Advent" not in text


def test_an_unknown_client_never_shows_its_real_name_or_id():
    shown = anonymize_frame(pd.DataFrame({"client_id": ["X"], "name": ["Secret"]}), {})

    assert shown.iloc[0].tolist() == ["anon-?", "Client ?"]


def test_removing_the_demo_clients_keeps_the_owners_own(store):
    import_frames(store, {"clients": clients("C001", "C002", "C003"), "monthly": monthly("C001", "C002", "C003")},
                  source="demo")
    # The owner imports their own clients, one of them under an id the demo used.
    import_frames(store, {"clients": clients("OWN1", "C002"), "monthly": monthly("OWN1")}, source="import")

    removal = book_admin.remove_demo_clients(store)

    assert removal.clients == 2
    assert removal.rows["monthly_metrics"] == 24
    left = store.query("SELECT client_id FROM clients ORDER BY client_id")["client_id"].tolist()
    assert left == ["C002", "OWN1"]
    assert book_admin.demo_client_ids(store) == []
    assert book_admin.remove_demo_clients(store).clients == 0


def _derive_grades_and_suggestions(store, ids):
    """Store the book's grades as worked out, and a set of suggestions naming ``ids`` (as the app does after a
    grading with a model)."""
    from grading.model import stored_suggestions
    from grading.stored_grades import grade_and_save

    grade_and_save(store, date(2025, 1, 15), "no-models-here")
    made = pd.DataFrame({"client_id": list(ids), "suggested_grade": "B", "suggested_confidence": 0.5,
                         "suggestion_reasons": [f"Like clients similar to {cid}" for cid in ids]})
    assert stored_suggestions.write_set(store, "set-1", "model-hash", made)


def _tables_naming(store, client_id: str) -> set[str]:
    """Every table of the book with a row about ``client_id`` (any column called client_id)."""
    tables = store.query("SELECT DISTINCT table_name FROM information_schema.columns "
                         "WHERE table_schema = 'main' AND column_name = 'client_id'")["table_name"]
    return {table for table in tables
            if store.scalar(f"SELECT count(*) FROM {table} WHERE client_id = ?", [client_id])}


def test_removed_clients_leave_nothing_derived_behind(store):
    import_frames(store, {"clients": clients("C001"), "monthly": monthly("C001")}, source="demo")
    import_frames(store, {"clients": clients("OWN1"), "monthly": monthly("OWN1")}, source="import")
    _derive_grades_and_suggestions(store, ["C001", "OWN1"])
    assert {"graded_clients", "stored_suggestions"} <= _tables_naming(store, "C001")

    book_admin.remove_demo_clients(store)

    # The alias stays taken (no later client gets it); nothing else names the removed client.
    assert _tables_naming(store, "C001") == {"client_aliases"}
    assert "graded_clients" in _tables_naming(store, "OWN1")
    # The set of suggestions named a removed client: it is gone whole, to be made again.
    assert store.scalar("SELECT count(*) FROM suggestion_sets") == 0


def test_an_empty_book_keeps_nothing_derived_about_its_old_clients(store):
    import_frames(store, {"clients": clients("a", "b"), "monthly": monthly("a", "b")}, source="import")
    _derive_grades_and_suggestions(store, ["a", "b"])

    book_admin.start_empty_book(store)

    assert _tables_naming(store, "a") == set() and _tables_naming(store, "b") == set()
    assert store.scalar("SELECT count(*) FROM suggestion_sets") == 0


def test_starting_an_empty_book_deletes_every_client_and_restarts_the_aliases(store):
    from grading.settings import load_settings, save_settings

    import_frames(store, {"clients": clients("a", "b")}, source="import")
    save_settings(store, {"labor_cost_rate": 50})

    book_admin.start_empty_book(store)
    import_frames(store, {"clients": clients("c")}, source="import")

    assert stored_aliases(store) == {"c": 1}
    assert load_settings(store)["labor_cost_rate"] == 50


def test_an_archived_client_is_left_out_of_grading_from_its_day_and_keeps_its_history(store, tmp_path):
    from grading.scoring.portfolio import grade_portfolio

    import_frames(store, {"clients": clients("keep", "gone"), "monthly": monthly("keep", "gone")}, source="import")

    book_admin.archive_client(store, "gone", on=date(2025, 1, 1), note="left us")

    now = grade_portfolio(store, date(2025, 1, 15), models_dir=tmp_path / "models", explain=False)
    earlier = grade_portfolio(store, date(2024, 12, 15), models_dir=tmp_path / "models", explain=False)
    assert now["client_id"].tolist() == ["keep"]
    assert sorted(earlier["client_id"]) == ["gone", "keep"]
    assert store.scalar("SELECT count(*) FROM monthly_metrics WHERE client_id = 'gone'") == 12
    assert book_admin.archived_clients(store)["note"].tolist() == ["left us"]

    book_admin.unarchive_client(store, "gone")
    back = grade_portfolio(store, date(2025, 1, 15), models_dir=tmp_path / "models", explain=False)
    assert sorted(back["client_id"]) == ["gone", "keep"]


def test_archiving_an_unknown_client_is_refused(store):
    with pytest.raises(ClientGradeError, match="no client with id ghost"):
        book_admin.archive_client(store, "ghost")


def test_an_as_of_date_outside_the_books_figures_is_said_in_one_sentence(store):
    import_frames(store, {"clients": clients("a"), "monthly": monthly("a")}, source="import")

    before = book_admin.no_figures_in_window(store, date(2015, 1, 1), 12)
    long_after = book_admin.no_figures_in_window(store, date(2027, 3, 1), 12)

    assert before.startswith("There are no figures in the 12 months before 1 January 2015")
    assert "run from January 2024 to December 2024" in before
    assert long_after is not None
    assert book_admin.no_figures_in_window(store, date(2025, 1, 15), 12) is None
    assert book_admin.no_figures_in_window(store, date(2025, 12, 15), 12) is None
