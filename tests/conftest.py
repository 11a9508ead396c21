"""Shared fixtures: every test runs on its own tiny DuckDB under ``tmp_path`` and never touches ``data/``."""

from __future__ import annotations

import os

# One OpenMP and BLAS thread, as the app trains (grading.model.training): the tests' small fits gain nothing from
# more, and on a shared 2-core machine OpenMP's waiting threads spin and make them several times slower. Set before
# scikit-learn and NumPy load their thread pools (subprocesses the tests start inherit it).
os.environ.setdefault("OMP_NUM_THREADS", "1")

import pytest  # noqa: E402 - after the thread setting, which must come first
from hypothesis import settings

from grading.db.store import Store
from tests.hypothesis_profiles import PROFILE

settings.load_profile(PROFILE)


@pytest.fixture(autouse=True)
def isolated_paths(tmp_path, monkeypatch):
    """Point CLIENTGRADE_DB and CLIENTGRADE_MODELS at the test's own folder, so nothing reads or writes data/."""
    monkeypatch.setenv("CLIENTGRADE_DB", str(tmp_path / "portfolio.duckdb"))
    monkeypatch.setenv("CLIENTGRADE_MODELS", str(tmp_path / "models"))
    return tmp_path


@pytest.fixture(autouse=True)
def fresh_login_throttle():
    """Forget wrong passwords typed by earlier tests: the app counts them for the whole process."""
    from grading.access import LOGIN_THROTTLE

    LOGIN_THROTTLE.reset()


@pytest.fixture(scope="session")
def empty_database_template(tmp_path_factory):
    """An empty database at the current schema, migrated once per test session; :func:`store` copies it.

    Never open or write the template itself.
    """
    path = tmp_path_factory.mktemp("empty-template") / "empty.duckdb"
    with Store(path):
        pass
    return path


@pytest.fixture
def store(empty_database_template, tmp_path):
    """An empty store (current schema, no clients) in a file under ``tmp_path``.

    A copy of :func:`empty_database_template`: the same file a new store writes, without each test paying for the
    migrations again (their transactions wait for the disk; a few hundred tests use this fixture).
    """
    import shutil

    path = tmp_path / "empty.duckdb"
    shutil.copyfile(empty_database_template, path)
    with Store(path) as empty:
        yield empty


@pytest.fixture(scope="session")
def demo_database_template(tmp_path_factory):
    """A demo database (60 clients, default seed) with a trained model, built once per test session.

    Tests get their own copy through :func:`demo_db`; never write to the template itself.
    """
    from grading.db import bootstrap

    folder = tmp_path_factory.mktemp("demo-template")
    db_path = folder / "portfolio.duckdb"
    with Store(db_path) as demo_store:
        bootstrap.fill_with_demo(demo_store, folder / "models")
        demo_store.checkpoint()
    return folder


@pytest.fixture
def demo_db(demo_database_template, tmp_path, monkeypatch):
    """A private copy of the demo database and its models; CLIENTGRADE_DB / CLIENTGRADE_MODELS point at it."""
    import shutil

    target = tmp_path / "demo"
    shutil.copytree(demo_database_template, target)
    monkeypatch.setenv("CLIENTGRADE_DB", str(target / "portfolio.duckdb"))
    monkeypatch.setenv("CLIENTGRADE_MODELS", str(target / "models"))
    return target / "portfolio.duckdb"


@pytest.fixture
def empty_db(tmp_path, monkeypatch):
    """An existing database with the schema but no clients; CLIENTGRADE_DB points at it (no demo is added)."""
    db_path = tmp_path / "empty-app" / "portfolio.duckdb"
    with Store(db_path):
        pass
    monkeypatch.setenv("CLIENTGRADE_DB", str(db_path))
    monkeypatch.setenv("CLIENTGRADE_MODELS", str(tmp_path / "empty-app" / "models"))
    return db_path
