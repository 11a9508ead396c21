"""The app refuses CLIENTGRADE_DB in a folder that does not exist, rather than starting a new demo book there."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from grading.db import paths

REPO = Path(__file__).resolve().parents[2]


def test_the_app_refuses_clientgrade_db_in_a_missing_folder_and_creates_no_demo(tmp_path, monkeypatch):
    typo = tmp_path / "dta" / "portfolio.duckdb"
    monkeypatch.setenv(paths.DB_ENV, str(typo))
    monkeypatch.setenv(paths.MODELS_ENV, str(tmp_path / "models"))

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.run()

    assert any("does not exist" in error.value for error in at.error)
    assert not typo.parent.exists()
