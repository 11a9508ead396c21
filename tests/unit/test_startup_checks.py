"""Startup refuses what would lose the owner's data from sight: CLIENTGRADE_DB in a missing folder, a refused import
into a new file, a second server on a held file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from grading.db import paths
from grading.cli import main
from grading.errors import ClientGradeError
from grading.db.store import Store
from tests.held_database import held_by_another_process

REPO = Path(__file__).resolve().parents[2]


def test_clientgrade_db_in_a_missing_folder_is_refused_saying_why(tmp_path, monkeypatch):
    typo = tmp_path / "dta" / "portfolio.duckdb"
    monkeypatch.setenv(paths.DB_ENV, str(typo))

    with pytest.raises(ClientGradeError, match="does not exist.*typo"):
        paths.database_path()


def test_the_cli_refuses_clientgrade_db_in_a_missing_folder_and_creates_nothing(tmp_path, monkeypatch, capsys):
    typo = tmp_path / "dta" / "portfolio.duckdb"
    monkeypatch.setenv(paths.DB_ENV, str(typo))

    status = main(["init", "--demo", "--no-train"])

    assert status == 1
    assert "does not exist" in capsys.readouterr().err
    assert not typo.parent.exists()


def test_a_refused_import_into_a_new_database_leaves_no_file_behind(tmp_path, capsys):
    bad = tmp_path / "clients.csv"
    bad.write_text("client_id,name,seats\nc1,Acme,-3\n", encoding="utf-8")
    new = tmp_path / "new" / "book.duckdb"

    status = main(["import", "--db", str(new), "--clients", str(bad)])

    assert status == 1
    assert "seats" in capsys.readouterr().err
    assert not new.exists() and not new.parent.exists()


def test_a_checked_import_into_a_new_database_leaves_no_file_either(tmp_path):
    good = tmp_path / "clients.csv"
    good.write_text("client_id,name\nc1,Acme\n", encoding="utf-8")
    new = tmp_path / "book.duckdb"

    assert main(["import", "--db", str(new), "--clients", str(good), "--check"]) == 0
    assert not new.exists()
    assert main(["import", "--db", str(new), "--clients", str(good)]) == 0
    with Store(new) as store:
        assert store.scalar("SELECT count(*) FROM clients") == 1


def test_serving_a_database_another_program_holds_exits_at_once_with_one_sentence(tmp_path):
    db_path = tmp_path / "held.duckdb"
    with Store(db_path):
        pass
    with held_by_another_process(db_path):
        result = subprocess.run(
            [sys.executable, "-m", "grading", "serve", "--check-only", "--db", str(db_path)],
            cwd=REPO, capture_output=True, text=True, timeout=120,
        )

    assert result.returncode == 1
    assert "is in use by another program" in result.stderr
    assert "Traceback" not in result.stderr and "You can now view" not in result.stdout


def test_serving_a_free_database_passes_the_check(tmp_path):
    db_path = tmp_path / "free.duckdb"
    with Store(db_path):
        pass

    assert main(["serve", "--check-only", "--db", str(db_path)]) == 0
