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

_WORKERS_DEFAULTED = pytest.StashKey[bool]()


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """Give a run without ``-n`` pytest-xdist's ``-n auto --dist worksteal`` (see tests/workers.py).

    Runs before xdist's own ``pytest_cmdline_main``, which turns ``auto`` into a number of workers by asking
    :func:`pytest_xdist_auto_num_workers` below. Nothing happens without xdist (``-p no:xdist``), when ``-n`` was
    given, or inside a worker (xdist clears a worker's ``-n`` and runs this hook there again).
    """
    if getattr(config.option, "numprocesses", "no xdist") is not None or hasattr(config, "workerinput"):
        return
    config.option.numprocesses = "auto"
    if config.option.dist == "no":
        config.option.dist = "worksteal"
    config.stash[_WORKERS_DEFAULTED] = True


@pytest.hookimpl(optionalhook=True)  # a hook of xdist's: unknown under ``-p no:xdist``
def pytest_xdist_auto_num_workers(config):
    """Start no workers for a run of one file or of chosen tests, or one that can reach the browser layer.

    Returning ``None`` leaves the count to xdist (one per core, or ``PYTEST_XDIST_AUTO_NUM_WORKERS``); an ``-n auto``
    typed on the command line is always left to xdist.
    """
    from pathlib import Path

    from tests.workers import runs_in_process

    if not config.stash.get(_WORKERS_DEFAULTED, False):
        return None
    in_process = runs_in_process(config.args, config.option.markexpr, Path(config.invocation_params.dir))
    return 0 if in_process else None


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


def built_once_per_run(tmp_path_factory, name, build):
    """Return a folder that ``build(folder)`` filled once for the whole test run, for every xdist worker.

    Each worker is a test session of its own, so a session fixture would be built once per worker; the workers'
    temporary folders share the run's folder, where the first worker to ask builds the template under a lock and
    the others wait for it and take it as it is (pytest-xdist's documented way to share session data). Without
    workers it is an ordinary session folder. The template is never written once built: tests copy it.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        folder = tmp_path_factory.mktemp(name)
        build(folder)
        return folder
    import fcntl

    run_folder = tmp_path_factory.getbasetemp().parent
    folder, done = run_folder / name, run_folder / f"{name}.built"
    with open(run_folder / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, even if the build fails
        if not done.exists():
            if folder.exists():  # a worker whose build failed left it half made
                import shutil

                shutil.rmtree(folder)
            folder.mkdir()
            build(folder)
            done.touch()
    return folder


def _empty_database(folder):
    with Store(folder / "empty.duckdb"):
        pass


@pytest.fixture(scope="session")
def empty_database_template(tmp_path_factory):
    """An empty database at the current schema, migrated once per test run; :func:`store` copies it.

    Never open or write the template itself.
    """
    return built_once_per_run(tmp_path_factory, "empty-template", _empty_database) / "empty.duckdb"


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
    """A demo database (60 clients, default seed) with a trained model, built once per test run.

    Tests get their own copy through :func:`demo_db`; never write to the template itself.
    """
    return built_once_per_run(tmp_path_factory, "demo-template", _demo_book)


def _demo_book(folder):
    from grading.db import bootstrap

    with Store(folder / "portfolio.duckdb") as demo_store:
        bootstrap.fill_with_demo(demo_store, folder / "models")
        demo_store.checkpoint()


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
def empty_db(empty_database_template, tmp_path, monkeypatch):
    """An existing database with the schema but no clients; CLIENTGRADE_DB points at it (no demo is added).

    A copy of :func:`empty_database_template`, as :func:`store` is.
    """
    import shutil

    db_path = tmp_path / "empty-app" / "portfolio.duckdb"
    db_path.parent.mkdir()
    shutil.copyfile(empty_database_template, db_path)
    monkeypatch.setenv("CLIENTGRADE_DB", str(db_path))
    monkeypatch.setenv("CLIENTGRADE_MODELS", str(tmp_path / "empty-app" / "models"))
    return db_path
