"""ui.startup_check, the check `streamlit run app.py` makes when it imports app.py at server start."""

from __future__ import annotations

import pytest

from grading.db.store import Store
from tests.held_database import held_by_another_process
from grading.errors import DatabaseLockedError
from ui.resources import close_book, open_stores
from ui.startup_check import refuse_an_unusable_database


def check_can_open_elsewhere(db_path) -> None:
    """Open ``db_path`` from another process, as a second server would; raise its refusal here."""
    import subprocess
    import sys

    from tests.held_database import REPO

    result = subprocess.run(
        [sys.executable, "-c", f"from grading.db.store import check_can_open; check_can_open({str(db_path)!r})"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    if "DatabaseLockedError" in result.stderr:
        raise DatabaseLockedError(result.stderr.strip().splitlines()[-1])
    assert result.returncode == 0, result.stderr


def test_a_held_database_stops_the_start_with_the_sentence_on_stderr(tmp_path, monkeypatch, capsys):
    db_path = tmp_path / "held.duckdb"
    with Store(db_path):
        pass
    monkeypatch.setenv("CLIENTGRADE_DB", str(db_path))
    with held_by_another_process(db_path), pytest.raises(SystemExit) as stopped:
        refuse_an_unusable_database()
    assert stopped.value.code == 1
    assert "ClientGrade cannot start: The database file" in capsys.readouterr().err


def test_a_database_nobody_holds_and_a_first_start_both_pass(tmp_path, monkeypatch):
    monkeypatch.setenv("CLIENTGRADE_DB", str(tmp_path / "first-start.duckdb"))
    refuse_an_unusable_database()  # no file yet: the app creates it
    assert not (tmp_path / "first-start.duckdb").exists()
    with Store(tmp_path / "free.duckdb"):
        pass
    monkeypatch.setenv("CLIENTGRADE_DB", str(tmp_path / "free.duckdb"))
    refuse_an_unusable_database()


def test_a_database_nobody_holds_is_held_from_the_check_on(tmp_path, monkeypatch):
    # The server holds its file from its start, not from its first session: a second server is then refused.
    db_path = tmp_path / "free.duckdb"
    with Store(db_path):
        pass
    monkeypatch.setenv("CLIENTGRADE_DB", str(db_path))
    monkeypatch.setenv("CLIENTGRADE_MODELS", str(tmp_path / "models"))
    refuse_an_unusable_database()
    try:
        assert db_path.resolve() in open_stores()
        with pytest.raises(DatabaseLockedError):
            check_can_open_elsewhere(db_path)
    finally:
        close_book(db_path)
