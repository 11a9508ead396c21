"""Saved models: only trusted types load, a changed file is refused, and grading goes on without the model."""

from __future__ import annotations

import io
import json
import os
import pickle
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.preprocessing import FunctionTransformer

from grading.db.store import Store
from grading.demo import write_demo_portfolio
from grading.errors import ModelFileError
from grading.model.candidates import CANDIDATES, make_candidate
from grading.model.dataset import RULE_INPUT, build_training_set
from grading.model.persistence import (
    TRUSTED_TYPES,
    content_hash,
    load_active_model,
    load_model_card,
    read_verified_model,
    save_model,
)
from grading.model.reasons import typical_values
from grading.model.suggest import active_model_status, model_state, suggest_for_features
from grading.scoring.portfolio import grade_portfolio
from grading.settings import load_settings


@pytest.fixture(scope="module")
def demo_with_model_made(empty_database_template, tmp_path_factory):
    """A small demo book with an ordinal model saved and active (fitted directly, without cross-validation).

    Made once for the module, as ``book.duckdb`` and ``models/`` in one folder, with what :func:`save_model`
    returned; never written: tests get a copy (:func:`demo_with_model`), as they tamper with the model and registry.
    """
    folder = tmp_path_factory.mktemp("demo-with-model")
    shutil.copyfile(empty_database_template, folder / "book.duckdb")
    with Store(folder / "book.duckdb") as store:
        write_demo_portfolio(store, n_clients=30, seed=5)
        training = build_training_set(store, load_settings(store))
        model = make_candidate("ordinal_logit").fit(training.inputs, training.grades)
        card = {"model": "ordinal_logit", "n_labels": training.n_labels, "qwk": 0.5, "rule_qwk": 0.4,
                "typical_values": typical_values(training.features), "reliance": {}}
        saved = save_model(store, folder / "models", model, card)
        store.checkpoint()
    return folder, saved


@pytest.fixture
def demo_with_model(demo_with_model_made, tmp_path):
    """A private copy of :func:`demo_with_model_made`: the open store, its models folder and the saved card."""
    made, saved = demo_with_model_made
    folder = Path(shutil.copytree(made, tmp_path / "demo-with-model"))
    with Store(folder / "book.duckdb") as store:
        yield store, folder / "models", dict(saved)


def _model_file(models, saved):
    return models / saved["file_name"]


def _point_registry_at(store, saved, data: bytes) -> None:
    """Make the registry vouch for ``data``, so only the trusted-type or format check stands in the way."""
    store.execute(
        "UPDATE model_registry SET content_hash = ? WHERE model_id = ?", [content_hash(data), saved["model_id"]]
    )


@pytest.mark.parametrize("name", [*CANDIDATES, "rule_grade"])
def test_every_candidate_model_needs_only_the_hard_coded_trusted_types(name):
    rng = np.random.default_rng(0)
    inputs = pd.DataFrame(rng.normal(size=(80, 3)), columns=["a", "b", RULE_INPUT])
    inputs.iloc[::9, 1] = np.nan
    grades = np.array(list("ABCD"))[rng.integers(0, 4, 80)]
    data = sio.dumps(make_candidate(name).fit(inputs, grades))
    assert set(sio.get_untrusted_types(data=data)) <= set(TRUSTED_TYPES)


def test_a_saved_model_loads_back_and_predicts_the_same(demo_with_model):
    store, models, saved = demo_with_model
    model, card = load_active_model(store, models)
    assert card["content_hash"] == content_hash(_model_file(models, saved).read_bytes())
    assert load_model_card(store, models)["model_id"] == saved["model_id"]
    assert model_state(store, models).status == "active"
    features = grade_portfolio(store, models_dir=models)
    assert features["suggested_grade"].notna().any()


def test_an_edited_model_file_is_refused_and_grading_goes_on_with_the_rules(demo_with_model):
    store, models, saved = demo_with_model
    path = _model_file(models, saved)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))

    with pytest.raises(ModelFileError, match="changed after it was saved"):
        load_active_model(store, models)
    state = model_state(store, models)
    assert state.status == "refused" and "rules" in state.message
    assert "changed after it was saved" in active_model_status(store, models)
    graded = grade_portfolio(store, models_dir=models)
    assert graded["suggested_grade"].isna().all()
    assert (graded["effective_grade_source"].dropna() != "suggested").all()
    assert graded["rule_grade"].notna().any()


def test_a_pickle_swapped_in_is_refused_even_when_the_registry_vouches_for_it(demo_with_model):
    store, models, saved = demo_with_model
    model, _ = load_active_model(store, models)
    data = pickle.dumps(model)
    _model_file(models, saved).write_bytes(data)
    _point_registry_at(store, saved, data)
    with pytest.raises(ModelFileError, match="not a model ClientGrade can read"):
        load_active_model(store, models)


def test_a_model_with_an_untrusted_type_is_refused(demo_with_model):
    store, models, saved = demo_with_model
    sneaky = FunctionTransformer(func=os.system)  # what an attacker would slip in: a call to the shell
    data = sio.dumps(sneaky)
    assert set(sio.get_untrusted_types(data=data)) - set(TRUSTED_TYPES)
    _model_file(models, saved).write_bytes(data)
    _point_registry_at(store, saved, data)
    with pytest.raises(ModelFileError, match="types ClientGrade does not trust"):
        load_active_model(store, models)
    features = grade_portfolio(store, models_dir=models)
    assert features["suggested_grade"].isna().all()


def test_a_missing_model_file_is_refused_with_a_clear_message(demo_with_model):
    store, models, saved = demo_with_model
    _model_file(models, saved).unlink()
    assert "missing" in active_model_status(store, models)
    suggestions = suggest_for_features(store, grade_portfolio(store, models_dir=models), models)
    assert suggestions["suggested_grade"].isna().all()


def test_no_model_means_empty_suggestions_and_says_so(store, tmp_path):
    write_demo_portfolio(store, n_clients=12, seed=2)
    assert model_state(store, tmp_path).status == "none"
    assert load_model_card(store, tmp_path) is None
    graded = grade_portfolio(store, models_dir=tmp_path)
    assert graded["suggested_grade"].isna().all() and graded["suggested_confidence"].isna().all()


def test_the_card_beside_the_model_is_strict_json_with_the_hash(demo_with_model):
    _, models, saved = demo_with_model
    text = (models / saved["file_name"].replace(".skops", ".card.json")).read_text()
    card = json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in the card"))
    assert card["content_hash"] == saved["content_hash"]
    with zipfile.ZipFile(io.BytesIO(_model_file(models, saved).read_bytes())) as archive:
        assert "schema.json" in archive.namelist()


def test_reading_checks_the_hash_before_anything_else(tmp_path):
    path = tmp_path / "model.skops"
    path.write_bytes(b"not even a zip file")
    with pytest.raises(ModelFileError, match="changed after it was saved"):
        read_verified_model(path, "0" * 64)
