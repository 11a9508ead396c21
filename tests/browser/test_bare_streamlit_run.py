"""A bare `streamlit run app.py` (the README's command, not `python -m grading serve`) on a database it cannot use
stops at once with one sentence on stderr, instead of serving a page that fails only in the browser."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from grading.db.store import Store
from tests.held_database import held_by_another_process

pytestmark = pytest.mark.browser  # it starts a Streamlit server

REPO = Path(__file__).resolve().parents[2]


def streamlit_run(db_path: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    """`streamlit run app.py` on ``db_path``, on a free port; the timeout only keeps a server that starts from
    hanging the test (it would then fail on its status)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {**os.environ, "CLIENTGRADE_DB": str(db_path), "CLIENTGRADE_MODELS": str(tmp_path / "models")}
    try:
        return subprocess.run(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)],
            cwd=REPO, env=environment, capture_output=True, text=True, timeout=120,
        )
    except subprocess.TimeoutExpired as expired:
        pytest.fail(f"the server kept running on a database it cannot use: {expired.stdout!r} {expired.stderr!r}")


def test_a_bare_streamlit_run_on_a_database_another_program_holds_exits_with_one_sentence(tmp_path):
    db_path = tmp_path / "held.duckdb"
    with Store(db_path):
        pass
    with held_by_another_process(db_path):
        result = streamlit_run(db_path, tmp_path)

    assert result.returncode == 1
    assert f"ClientGrade cannot start: The database file {db_path} is in use by another program" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bare_streamlit_run_with_clientgrade_db_in_a_missing_folder_exits_and_creates_nothing(tmp_path):
    db_path = tmp_path / "no-such-folder" / "portfolio.duckdb"
    result = streamlit_run(db_path, tmp_path)

    assert result.returncode == 1
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr
    assert not db_path.parent.exists()
