"""Every CLI command finds a book's models where the app does: ``<name>.models/`` beside the book (issue 17).

A coach keeps many books in one folder; ``grade --db books/acme.duckdb`` must suggest with acme's model, not the
start book's or none, and say on stderr when a book has no model. ``--models`` still overrides.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import date
from pathlib import Path

import pytest

from grading import books
from grading.cli import main
from grading.db import paths
from grading.db.store import Store
from grading.model.persistence import active_registry_row
from grading.model.suggest import model_state
from grading.scoring.portfolio import grade_portfolio

AS_OF = date.today().isoformat()


@pytest.fixture(scope="module")
def trained_books(demo_database_template, tmp_path_factory):
    """Two books laid out as the app keeps them (models beside each), with different data and so different models.

    Acme is the session's demo book with its model; beta a smaller demo book of another seed with a model of its
    own, fitted on beta's grades and saved as training saves one (:func:`_save_a_model_of_its_own`). Built once for
    the module: the tests read copies (:func:`shelf`).
    """
    from grading import demo

    folder = tmp_path_factory.mktemp("coach-books")
    shutil.copy(demo_database_template / "portfolio.duckdb", folder / "acme.duckdb")
    shutil.copytree(demo_database_template / "models", folder / "acme.models")
    beta = books.create_book("beta", folder)
    with Store(beta.path) as store:
        demo.write_demo_portfolio(store, n_clients=30, seed=2)
        _save_a_model_of_its_own(store, beta.models_dir)
        store.checkpoint()
    return folder


def _save_a_model_of_its_own(store: Store, models_dir: Path) -> None:
    """Fit an ordinal model on the book's grades and save it active in ``models_dir``, as training saves its pick.

    Without training's cross-validation, which costs most of a second and decides only which candidate is kept:
    these tests ask where a book's model is kept and that it is the one used, not which model won. Training into a
    book's folder is tested on its own (``test_init_and_train_save_into_the_books_own_folder_where_the_app_finds_it``).
    """
    from grading.model.candidates import make_candidate
    from grading.model.dataset import build_training_set
    from grading.model.persistence import save_model
    from grading.model.reasons import typical_values
    from grading.settings import load_settings

    training = build_training_set(store, load_settings(store))
    model = make_candidate("ordinal_logit").fit(training.inputs, training.grades)
    card = {"model": "ordinal_logit", "n_labels": training.n_labels, "qwk": 0.5, "rule_qwk": 0.4,
            "typical_values": typical_values(training.features), "reliance": {}}
    save_model(store, models_dir, model, card)


@pytest.fixture
def shelf(trained_books, tmp_path):
    """A private copy of the two books in ``tmp_path/books``.

    The start book is elsewhere: tests/conftest.py points CLIENTGRADE_DB and CLIENTGRADE_MODELS at ``tmp_path``.
    """
    return Path(shutil.copytree(trained_books, tmp_path / "books"))


def _grade(db, capsys, *extra):
    assert main(["grade", "--db", str(db), "--as-of", AS_OF, "--format", "json", *extra]) == 0
    captured = capsys.readouterr()
    return json.loads(captured.out), captured.err


def _registered_hash(db):
    with Store(db) as store:
        return active_registry_row(store)["content_hash"]


def test_each_book_is_graded_with_its_own_model(shelf, capsys):
    hashes = {name: _registered_hash(shelf / f"{name}.duckdb") for name in ("acme", "beta")}
    assert hashes["acme"] != hashes["beta"], "two books with different grades train different models"
    for name in ("acme", "beta"):
        db = shelf / f"{name}.duckdb"
        rows, err = _grade(db, capsys)
        assert "warning" not in err and "note" not in err, err
        suggested = {row["client_id"]: row["suggested_grade"] for row in rows}
        assert any(grade is not None for grade in suggested.values())
        # The same suggestions the app shows for this book, from the folder it reads.
        with Store(db) as store:
            expected = grade_portfolio(store, AS_OF, models_dir=books.Book(name, db).models_dir, explain=False)
        assert suggested == dict(zip(expected["client_id"], expected["suggested_grade"].where(
            expected["suggested_grade"].notna(), None)))
    assert not (shelf.parent / "models").exists(), "nothing was read from or written to the start book's folder"


def test_models_overrides_the_books_folder(shelf, capsys):
    # Acme's registry names a file that is in acme.models/, not in beta's folder: the override is obeyed.
    rows, err = _grade(shelf / "acme.duckdb", capsys, "--models", str(shelf / "beta.models"))
    assert "warning:" in err and "grades come from the rules" in err
    assert all(row["suggested_grade"] is None for row in rows)


def test_a_book_without_a_model_is_said_on_stderr(shelf, capsys):
    assert main(["init", "--db", str(shelf / "new.duckdb")]) == 0
    capsys.readouterr()
    rows, err = _grade(shelf / "new.duckdb", capsys)
    assert rows == []
    assert err.count("note:") == 1 and "new.duckdb has no trained model" in err and "new.models" in err
    assert "python -m grading train --db" in err


def test_init_and_train_save_into_the_books_own_folder_where_the_app_finds_it(shelf, capsys):
    gamma = shelf / "gamma.duckdb"
    assert main(["init", "--demo", "--no-train", "--clients", "30", "--seed", "3", "--db", str(gamma)]) == 0
    assert main(["train", "--db", str(gamma), "--repeats", "1"]) == 0
    capsys.readouterr()
    saved = list((shelf / "gamma.models").glob("*.skops"))
    assert len(saved) == 1
    with Store(gamma) as store:
        assert model_state(store, books.find_book("gamma", shelf).models_dir).status == "active"
    rows, err = _grade(gamma, capsys)
    assert "warning" not in err and any(row["suggested_grade"] for row in rows)


def test_simulate_on_suggested_grades_uses_the_books_model(shelf, capsys):
    assert main(["simulate", "--db", str(shelf / "acme.duckdb"), "--as-of", AS_OF, "--grade-source", "suggested",
                 "--fire-grade", "D"]) == 0
    captured = capsys.readouterr()
    assert "warning" not in captured.err and json.loads(captured.out)["clients_fired"]


def test_the_start_book_keeps_the_models_folder_it_always_had(tmp_path, monkeypatch):
    start = tmp_path / "portfolio.duckdb"
    monkeypatch.setenv(paths.DB_ENV, str(start))
    monkeypatch.setenv(paths.MODELS_ENV, str(tmp_path / "shared-models"))
    assert books.models_dir_for(start) == tmp_path / "shared-models"
    assert books.models_dir_for(tmp_path / "acme.duckdb") == tmp_path / "acme.models"
    assert books.models_dir_for(tmp_path / "acme.duckdb", tmp_path / "mine") == tmp_path / "mine"


def test_serve_hands_the_app_the_served_books_models(shelf, monkeypatch):
    started = {}

    def fake_exec(program, command, environment):
        started.update(environment)

    monkeypatch.setattr(os, "execvpe", fake_exec)
    assert main(["serve", "--db", str(shelf / "acme.duckdb")]) == 0
    assert started[paths.DB_ENV] == str(shelf / "acme.duckdb")
    assert started[paths.MODELS_ENV] == str(shelf / "acme.models")
