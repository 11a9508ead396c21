"""ui.startup_check, the check `streamlit run app.py` makes when it imports app.py at server start."""

from __future__ import annotations

import pytest

from grading.db.store import Store
from tests.held_database import held_by_another_process
from ui.startup_check import refuse_an_unusable_database


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
