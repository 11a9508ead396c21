"""First start: `python -m grading init --demo` and the app on a database file that does not exist yet."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from streamlit.testing.v1 import AppTest

from grading.db.store import Store

REPO = Path(__file__).resolve().parents[2]


def book_on_file(db_path: Path) -> tuple[int, int, int]:
    """Clients, grade events and active models in the database at ``db_path``."""
    with Store(db_path) as store:
        return (
            store.scalar("SELECT count(*) FROM clients"),
            store.scalar("SELECT count(*) FROM grade_events"),
            store.scalar("SELECT count(*) FROM model_registry WHERE is_active"),
        )


def test_init_demo_creates_the_database_with_the_demo_portfolio_and_a_trained_model(tmp_path):
    db_path, models = tmp_path / "book" / "portfolio.duckdb", tmp_path / "book" / "models"
    result = subprocess.run(
        [sys.executable, "-m", "grading", "init", "--demo", "--db", str(db_path), "--models", str(models)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "Database ready" in result.stdout and "(60 clients)" in result.stdout
    clients, grade_events, active_models = book_on_file(db_path)
    assert clients == 60 and grade_events > 0 and active_models == 1
    assert list(models.glob("*.skops"))


def test_init_demo_refuses_a_database_that_already_holds_clients(tmp_path):
    db_path = tmp_path / "portfolio.duckdb"
    with Store(db_path) as store:
        store.execute("INSERT INTO clients (client_id, name) VALUES ('c1', 'Acme')")
    result = subprocess.run(
        [sys.executable, "-m", "grading", "init", "--demo", "--no-train", "--db", str(db_path)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 1
    assert "already holds clients" in result.stderr and "Traceback" not in result.stderr
    assert book_on_file(db_path)[0] == 1


def test_the_app_on_a_new_file_creates_the_demo_portfolio_and_shows_its_headline_numbers(tmp_path, monkeypatch):
    db_path = tmp_path / "first-start" / "portfolio.duckdb"
    db_path.parent.mkdir()  # the folder exists, the file not yet: a first start
    monkeypatch.setenv("CLIENTGRADE_DB", str(db_path))
    monkeypatch.setenv("CLIENTGRADE_MODELS", str(tmp_path / "first-start" / "models"))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=600)
    at.run()
    assert not at.exception, [item.value for item in at.exception]
    assert {metric.label: metric.value for metric in at.metric}["Clients"] == "60"
    clients, _, active_models = book_on_file(db_path)
    assert clients == 60 and active_models == 1
