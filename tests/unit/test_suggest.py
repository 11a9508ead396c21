"""Suggestions without reasons, and their reasons written later for any rows."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from grading.scoring.features import client_features
from grading.model.suggest import explain_suggestions, suggest_for_features, suggest_grades
from grading.scoring.portfolio import grade_portfolio
from grading.db.store import Store

AS_OF = "2026-01-15"


def _features(store):
    graded = grade_portfolio(store, AS_OF, explain=False)
    return client_features(store, AS_OF).assign(rule_grade=graded["rule_grade"].to_numpy())


def test_without_reasons_the_suggestions_are_the_same(demo_db):
    models = Path(demo_db).parent / "models"
    with Store(demo_db) as store:
        features = _features(store)
        full = suggest_for_features(store, features, models)
        bare = suggest_for_features(store, features, models, explain=False)
    assert "suggestion_reasons" not in bare.columns
    assert full["suggested_grade"].notna().any()
    pd.testing.assert_frame_equal(bare, full.drop(columns="suggestion_reasons"), check_exact=True)


def test_reasons_written_later_for_a_few_rows_are_those_of_the_whole_book(demo_db):
    models = Path(demo_db).parent / "models"
    with Store(demo_db) as store:
        features = _features(store)
        full = suggest_for_features(store, features, models)
        suggestions, model = suggest_grades(store, features, models)
    rows = features.index[[3, 17, 41]]
    later = explain_suggestions(features.loc[rows], suggestions.loc[rows, "suggested_grade"], model)
    assert list(later) == list(full.loc[rows, "suggestion_reasons"])
    # The demo's model is anchored to the rules: its reasons say where, and why, it parts from them.
    assert later.str.startswith(("Pushed", "No single figure", "Same as the rule grade", "The rules give")).all()


def test_a_model_file_gone_since_the_suggestions_leaves_the_reasons_missing(demo_db):
    models = Path(demo_db).parent / "models"
    with Store(demo_db) as store:
        features = _features(store)
        suggestions, model = suggest_grades(store, features, models)
    # Reasons not written with the suggestions (rows of other clients, say) need the model file.
    model = dataclasses.replace(model, reasons=None)
    Path(model.path).unlink()
    later = explain_suggestions(features.head(5), suggestions["suggested_grade"].head(5), model)
    assert later.isna().all()
