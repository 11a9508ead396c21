"""Shared fixtures: every test runs on its own tiny DuckDB under ``tmp_path`` and never touches ``data/``."""

from __future__ import annotations

import pytest

from grading.store import Store


@pytest.fixture(autouse=True)
def isolated_paths(tmp_path, monkeypatch):
    """Point CLIENTGRADE_DB and CLIENTGRADE_MODELS at the test's own folder, so nothing reads or writes data/."""
    monkeypatch.setenv("CLIENTGRADE_DB", str(tmp_path / "portfolio.duckdb"))
    monkeypatch.setenv("CLIENTGRADE_MODELS", str(tmp_path / "models"))
    return tmp_path


@pytest.fixture
def store(tmp_path):
    """An empty store (current schema, no clients) in a file under ``tmp_path``."""
    with Store(tmp_path / "empty.duckdb") as empty:
        yield empty
