"""Suggestions kept in the book: read back without the model for the same inputs, made again for any other."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from grading.db.store import Store
from grading.model import persistence, stored_suggestions, suggest
from grading.scoring.features import client_features
from grading.scoring.portfolio import grade_portfolio

AS_OF = "2026-01-15"


def _features(store: Store) -> pd.DataFrame:
    graded = grade_portfolio(store, AS_OF, explain=False)
    return client_features(store, AS_OF).assign(rule_grade=graded["rule_grade"].to_numpy())


def _forget_stored_sets(store: Store) -> None:
    store.execute("DELETE FROM stored_suggestions")
    store.execute("DELETE FROM suggestion_sets")


@pytest.fixture
def book(demo_db):
    """The demo book with no stored suggestions, and its models folder."""
    with Store(demo_db) as store:
        _forget_stored_sets(store)
        yield store, Path(demo_db).parent / "models"


@pytest.fixture
def model_reads(monkeypatch):
    """Count the times the model file is read (loaded with skops), the model kept in memory forgotten."""
    monkeypatch.setattr(persistence, "_LOADED", {})
    reads = []
    real = suggest.read_verified_model

    def counting(path, expected_hash):
        reads.append(path)
        return real(path, expected_hash)

    monkeypatch.setattr(suggest, "read_verified_model", counting)
    return reads


def test_a_second_grading_reads_the_stored_suggestions_not_the_model(book, model_reads):
    store, models = book
    first = grade_portfolio(store, AS_OF, models_dir=models)
    assert len(model_reads) == 1
    assert first["suggested_grade"].notna().any() and first["suggestion_reasons"].notna().any()
    again = grade_portfolio(store, AS_OF, models_dir=models)
    assert len(model_reads) == 1, "the stored suggestions were not used"
    pd.testing.assert_frame_equal(again, first, check_exact=True)


def test_storing_suggestions_does_not_raise_the_store_revision(book):
    store, models = book
    before = store.revision()
    grade_portfolio(store, AS_OF, models_dir=models, explain=False)
    assert store.scalar("SELECT count(*) FROM suggestion_sets") == 1
    assert store.revision() == before


def test_a_change_to_the_inputs_makes_the_suggestions_again_with_the_model(book, model_reads):
    store, models = book
    grade_portfolio(store, AS_OF, models_dir=models)
    client = store.scalar("SELECT client_id FROM monthly_metrics ORDER BY month DESC, client_id LIMIT 1")
    store.execute("UPDATE monthly_metrics SET revenue = revenue * 3 WHERE client_id = ?", [client])
    changed = grade_portfolio(store, AS_OF, models_dir=models)
    assert len(model_reads) == 2, "a stale set was read as current"
    assert store.scalar("SELECT count(*) FROM suggestion_sets") == 2
    # What the model gives for the changed book, with nothing stored.
    _forget_stored_sets(store)
    fresh = grade_portfolio(store, AS_OF, models_dir=models)
    pd.testing.assert_frame_equal(changed, fresh, check_exact=True)


def test_another_as_of_date_has_its_own_set(book, model_reads):
    store, models = book
    grade_portfolio(store, AS_OF, models_dir=models, explain=False)
    grade_portfolio(store, "2025-01-15", models_dir=models, explain=False)
    assert len(model_reads) == 2
    grade_portfolio(store, AS_OF, models_dir=models, explain=False)
    grade_portfolio(store, "2025-01-15", models_dir=models, explain=False)
    assert len(model_reads) == 2
    assert store.scalar("SELECT count(*) FROM suggestion_sets") == 2


def test_a_model_file_gone_gives_no_stored_suggestion_and_says_so(book):
    store, models = book
    grade_portfolio(store, AS_OF, models_dir=models, explain=False)
    persistence.active_model_file(store, models).unlink()
    graded = grade_portfolio(store, AS_OF, models_dir=models)
    assert graded["suggested_grade"].isna().all()
    assert graded["suggestion_reasons"].isna().all()
    state = suggest.model_state(store, models)
    assert state.status == "refused" and "missing" in state.message


def test_a_model_file_changed_on_disk_gives_no_stored_suggestion_and_says_so(book):
    store, models = book
    grade_portfolio(store, AS_OF, models_dir=models, explain=False)
    path = persistence.active_model_file(store, models)
    path.write_bytes(path.read_bytes() + b"\0")
    graded = grade_portfolio(store, AS_OF, models_dir=models, explain=False)
    assert graded["suggested_grade"].isna().all()
    state = suggest.model_state(store, models)
    assert state.status == "refused" and "changed" in state.message


def test_the_state_of_a_model_read_before_is_told_without_reading_it(book, model_reads):
    store, models = book
    assert suggest.model_state(store, models).status == "active"
    assert len(model_reads) == 1, "a model never read must be read to be told active"
    grade_portfolio(store, AS_OF, models_dir=models, explain=False)
    reads = len(model_reads)
    state = suggest.model_state(store, models)
    assert len(model_reads) == reads
    assert state.status == "active" and state.message.startswith("Suggestions come from")


def test_a_new_model_drops_the_old_models_sets(book):
    store, models = book
    grade_portfolio(store, AS_OF, models_dir=models, explain=False)
    loaded, card = persistence.load_active_model(store, models)
    card = {key: value for key, value in card.items() if key not in {"model_id", "file_name", "content_hash"}}
    persistence.save_model(store, models, loaded, card | {"note": "saved again"})
    grade_portfolio(store, AS_OF, models_dir=models, explain=False)
    hashes = store.rows("SELECT DISTINCT model_hash FROM suggestion_sets")
    assert hashes == [(persistence.active_registry_row(store)["content_hash"],)]
    assert store.scalar("SELECT count(*) FROM stored_suggestions") == store.scalar("SELECT count(*) FROM clients")


def test_a_set_stored_under_other_trusted_types_is_not_read(book, model_reads, monkeypatch):
    store, models = book
    grade_portfolio(store, AS_OF, models_dir=models, explain=False)
    monkeypatch.setattr(stored_suggestions, "TRUSTED_SIGNATURE", "another list")
    grade_portfolio(store, AS_OF, models_dir=models, explain=False)
    assert len(model_reads) == 2


def test_the_columns_left_out_of_the_key_do_not_move_any_suggestion(book):
    store, models = book
    features = _features(store)
    made = suggest.suggest_for_features(store, features, models)
    _forget_stored_sets(store)
    moved = features.assign(as_of=features["as_of"] + pd.Timedelta(days=9),
                            days_since_assessment=features["days_since_assessment"] + 9)
    assert set(stored_suggestions.NOT_READ_BY_THE_MODEL) <= set(features.columns)
    pd.testing.assert_frame_equal(suggest.suggest_for_features(store, moved, models), made, check_exact=True)
    assert stored_suggestions.set_key("m", moved) == stored_suggestions.set_key("m", features)


def test_a_later_day_in_the_same_scoring_window_reads_the_stored_set(book, model_reads):
    store, models = book
    first = grade_portfolio(store, "2026-01-15", models_dir=models, explain=False)
    later = grade_portfolio(store, "2026-01-16", models_dir=models, explain=False)
    assert len(model_reads) == 1
    pd.testing.assert_series_equal(later["suggested_grade"], first["suggested_grade"])


def test_a_book_above_the_limit_stores_nothing_and_still_gets_its_suggestions(book, monkeypatch):
    store, models = book
    monkeypatch.setattr(stored_suggestions, "MAX_CLIENTS", 10)
    graded = grade_portfolio(store, AS_OF, models_dir=models, explain=False)
    assert graded["suggested_grade"].notna().any()
    assert store.scalar("SELECT count(*) FROM suggestion_sets") == 0


def test_a_book_above_the_limit_gets_the_reasons_a_stored_set_would_give(book, monkeypatch, model_reads):
    store, models = book
    # No rule grade among the features: the reasons compare with the rule grades under the book's settings.
    features = client_features(store, AS_OF)
    stored = suggest.suggest_for_features(store, features, models)
    _forget_stored_sets(store)
    monkeypatch.setattr(persistence, "_LOADED", {})
    monkeypatch.setattr(stored_suggestions, "MAX_CLIENTS", 10)
    made = suggest.suggest_for_features(store, features, models)

    assert store.scalar("SELECT count(*) FROM suggestion_sets") == 0
    pd.testing.assert_frame_equal(made, stored, check_exact=True)
    # The model read for the suggestions writes their reasons too.
    assert len(model_reads) == 2
